#include "api/mail_flows_handler.h"

#include "api/bearer_auth.h"
#include "api/json_mapping.h"
#include "api/problem.h"

namespace vestibule::api {

boost::asio::awaitable<http::Response> MailFlowsHandler::request_password_reset(http::Request& req,
                                                                                const http::Exchange& ex) {
  auto body = parse_object(req);
  if (!body) co_return body_error(body.error(), ex);
  auto email = string_field(*body, "email");
  if (!email) co_return body_error(email.error(), ex);
  accounts::RequestContext request = request_context(req, ex);
  auto started = co_await service_.mail_flows().request_password_reset(std::move(*email), std::move(request));
  if (!started) co_return failure_response(started.error(), ex);
  // The same answer whether or not the address has an account.
  co_return json_response(http::Status::accepted,
                          accepted_body("If an account uses that address, we sent it a link to choose a new password."));
}

boost::asio::awaitable<http::Response> MailFlowsHandler::confirm_password_reset(http::Request& req,
                                                                                const http::Exchange& ex) {
  auto body = parse_object(req);
  if (!body) co_return body_error(body.error(), ex);
  auto token = string_field(*body, "token");
  if (!token) co_return body_error(token.error(), ex);
  auto password = string_field(*body, "password");
  if (!password) co_return body_error(password.error(), ex);
  accounts::RequestContext request = request_context(req, ex);
  auto reset = co_await service_.mail_flows().reset_password(std::move(*token), std::move(*password), std::move(request));
  if (!reset) co_return failure_response(reset.error(), ex);
  co_return http::Response{http::Status::no_content, 11};
}

boost::asio::awaitable<http::Response> MailFlowsHandler::verify_email(http::Request& req, const http::Exchange& ex) {
  auto body = parse_object(req);
  if (!body) co_return body_error(body.error(), ex);
  auto token = string_field(*body, "token");
  if (!token) co_return body_error(token.error(), ex);
  accounts::RequestContext request = request_context(req, ex);
  auto user = co_await service_.mail_flows().verify_email(std::move(*token), std::move(request));
  if (!user) co_return failure_response(user.error(), ex);
  co_return json_response(http::Status::ok, to_json(*user));
}

boost::asio::awaitable<http::Response> MailFlowsHandler::resend_verification(http::Request& req,
                                                                             const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  auto sent = co_await service_.mail_flows().resend_verification(*caller.principal);
  if (!sent) co_return failure_response(sent.error(), ex);
  co_return json_response(http::Status::accepted, accepted_body("We sent a new verification link."));
}

}  // namespace vestibule::api
