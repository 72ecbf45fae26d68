#include "contract_proxy.h"

#include <cstdlib>
#include <stdexcept>

namespace vestibule::e2e {

std::optional<std::filesystem::path> contract_proxy_executable() {
  // Read here, like VESTIBULE_E2E_STORE (store_under_test.cc): the test binary has no main.
  const char* value = std::getenv("VESTIBULE_E2E_PRISM");
  if (value == nullptr || *value == '\0') return std::nullopt;
  std::filesystem::path prism(value);
  if (!std::filesystem::exists(prism)) {
    throw std::runtime_error("VESTIBULE_E2E_PRISM names " + prism.string() +
                             ", which does not exist (scripts/install-prism.sh installs Prism)");
  }
  return prism;
}

std::vector<std::string> contract_proxy_args(const std::filesystem::path& prism, unsigned short upstream,
                                             const std::filesystem::path& document) {
  return {prism.string(),
          "proxy",
          document.empty() ? std::string(VESTIBULE_OPENAPI) : document.string(),
          "http://127.0.0.1:" + std::to_string(upstream),
          "--host",
          "127.0.0.1",
          "--port",
          "0",  // the system's choice: no race for a "free" port
          // A violating response becomes Prism's own 500 problem, so the test sees it.
          "--errors",
          // Responses only: see contract_proxy.h.
          "--validate-request=false",
          // CORS headers would be Prism's additions, not the server's behaviour.
          "--cors=false"};
}

std::optional<std::string> contract_failure(const boost::beast::http::response<boost::beast::http::string_body>& res) {
  // Read from the response rather than from Prism's log: the log line follows the answer, and
  // a proxy stopped at once may never write it.
  const auto violations = res.find("sl-violations");
  if (violations != res.end()) return "Prism found violations: " + std::string(violations->value());
  if (res.body().find("\"https://stoplight.io/prism/errors#") != std::string::npos) {
    return "Prism answered instead of the server: " + res.body();
  }
  return std::nullopt;
}

}  // namespace vestibule::e2e
