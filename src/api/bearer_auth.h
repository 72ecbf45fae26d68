// Bearer-token authentication (RFC 6750 section 2.1): reads `Authorization: Bearer <token>` and
// asks the account service who holds the token; the Principal keeps the request's context
// (request_context), so that what it does next is logged under the request's id. Thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "accounts/account_service.h"
#include "http/message.h"

namespace vestibule::api {

// The token of an `Authorization: Bearer ...` header (scheme case-insensitive), or std::nullopt
// when the request has no such header.
std::optional<std::string_view> bearer_token(const http::Request& req);

// The request as the accounts layer sees it: its id, client address and User-Agent.
accounts::RequestContext request_context(const http::Request& req, const http::Exchange& ex);

// The caller, or the 401 response (with its WWW-Authenticate challenge) to send instead.
struct Caller {
  std::optional<accounts::Principal> principal;
  http::Response refusal;
};
boost::asio::awaitable<Caller> authenticate(accounts::AccountService& service, const http::Request& req,
                                            const http::Exchange& ex);

}  // namespace vestibule::api
