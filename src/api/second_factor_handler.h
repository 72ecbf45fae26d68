// The caller's second factor (bearer): POST /v1/users/me/totp {current_password} starts an
// enrolment (201 {secret, otpauth_uri}), POST /v1/users/me/totp/confirm {code} turns it on
// (200 {recovery_codes}), DELETE /v1/users/me/totp {current_password} turns it off (204),
// POST /v1/users/me/recovery-codes {current_password} replaces the recovery codes (200
// {recovery_codes}). The sign-in's second step is SessionsHandler::complete_mfa.
#pragma once

#include "accounts/account_service.h"
#include "http/message.h"

namespace vestibule::api {

class SecondFactorHandler {
 public:
  explicit SecondFactorHandler(accounts::AccountService& service) : service_(service) {}

  boost::asio::awaitable<http::Response> enrol(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> confirm(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> disable(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> regenerate_codes(http::Request& req, const http::Exchange& ex);

 private:
  accounts::AccountService& service_;
};

}  // namespace vestibule::api
