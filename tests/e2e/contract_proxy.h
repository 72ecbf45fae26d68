// The contract run of the end-to-end suite: when VESTIBULE_E2E_PRISM names the executable of
// Stoplight Prism (scripts/install-prism.sh), ServerProcess::start() puts a validating proxy,
// `prism proxy docs/openapi.yaml http://127.0.0.1:PORT --errors`, in front of each server that
// allows it (ServerConfig::through_contract_proxy), and port() is the proxy's. Prism then answers
// a response that docs/openapi.yaml does not describe (status, headers, body) with a 500 problem
// of its own, naming the violation, and HttpClient records a test failure for every response
// that carries a violation or was made by Prism (contract_failure), so the test fails at the
// request that caused it, whatever it then asserts.
//
// Prism checks responses only (--validate-request=false): the suite sends invalid requests on
// purpose, and Prism would answer them itself rather than let the server's 400/415/422 through,
// which would leave those answers unchecked. It still answers some requests itself whatever
// the flags (no bearer token where one is required, a body that is not JSON, HEAD, a path or
// method outside the document), so tests of those behaviours reach the server directly
// (ServerProcess::server_port()). Pure functions; thread-safe.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::e2e {

// The Prism executable VESTIBULE_E2E_PRISM names, or nullopt when the variable is unset or
// empty (the ordinary run). Throws std::runtime_error if it names a file that is not there, so
// a broken contract run fails instead of silently testing without the proxy.
std::optional<std::filesystem::path> contract_proxy_executable();

// The command line of a proxy for a server on 127.0.0.1:`upstream` that checks its responses
// against `document` (empty: docs/openapi.yaml), listening on a port of the system's choice
// (read back from its listening line, kProxyListening).
std::vector<std::string> contract_proxy_args(const std::filesystem::path& prism, unsigned short upstream,
                                             const std::filesystem::path& document = {});

// What Prism prints once it listens, followed by the port.
inline constexpr std::string_view kProxyListening = "Prism is listening on http://127.0.0.1:";

// Why `res` fails the contract run, or nullopt: Prism reports violations in an `sl-violations`
// header (also the lesser ones it lets through), and its own answers (a violation under
// --errors, a request it refused to forward) have a problem type under
// https://stoplight.io/prism/errors#. Never true of the server's own answers.
std::optional<std::string> contract_failure(const boost::beast::http::response<boost::beast::http::string_body>& res);

}  // namespace vestibule::e2e
