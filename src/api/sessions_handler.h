// /v1/sessions (login, list, log out everywhere), /v1/sessions/current (log out) and
// /v1/sessions/{id} (revoke one of one's sessions).
#pragma once

#include "accounts/account_service.h"
#include "http/message.h"

namespace vestibule::api {

class SessionsHandler {
 public:
  explicit SessionsHandler(accounts::AccountService& service) : service_(service) {}

  // POST /v1/sessions: 201 a session, or 200 {mfa_required, mfa_token, expires_in} for an
  // account with a second factor.
  boost::asio::awaitable<http::Response> login(http::Request& req, const http::Exchange& ex);
  // POST /v1/sessions/mfa {mfa_token, code}: 201 a session.
  boost::asio::awaitable<http::Response> complete_mfa(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> logout(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> logout_everywhere(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> list(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> revoke(http::Request& req, const http::Exchange& ex);

 private:
  accounts::AccountService& service_;
};

}  // namespace vestibule::api
