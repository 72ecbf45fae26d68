// The mailed flows: /v1/password-resets (request, confirm), /v1/email-verifications (confirm a
// link) and /v1/users/me/email-verification (a fresh link). Tokens arrive only in POST bodies:
// the links carry them in the fragment, which a browser never sends and a link scanner's GET
// cannot spend.
#pragma once

#include "accounts/account_service.h"
#include "http/message.h"

namespace vestibule::api {

class MailFlowsHandler {
 public:
  explicit MailFlowsHandler(accounts::AccountService& service) : service_(service) {}

  boost::asio::awaitable<http::Response> request_password_reset(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> confirm_password_reset(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> verify_email(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> resend_verification(http::Request& req, const http::Exchange& ex);

 private:
  accounts::AccountService& service_;
};

}  // namespace vestibule::api
