// POST /v1/introspect: RFC 7662 token introspection for resource servers, authenticated by the
// shared secret of --introspection-token-file (the route exists only when one is configured).
// Thread-safe: holds only a reference and an immutable secret.
#pragma once

#include "accounts/account_service.h"
#include "api/shared_secret.h"
#include "http/message.h"

namespace vestibule::api {

class IntrospectionHandler {
 public:
  IntrospectionHandler(accounts::AccountService& service, SharedSecret secret)
      : service_(service), secret_(std::move(secret)) {}

  // 401 invalid_token unless the caller presents the secret; 415 unless the body is a form;
  // 400 malformed_request without a token field. Then 200 with the RFC 7662 answer, or 503.
  boost::asio::awaitable<http::Response> introspect(http::Request& req, const http::Exchange& ex);

 private:
  accounts::AccountService& service_;
  const SharedSecret secret_;
};

}  // namespace vestibule::api
