#include "api/sessions_handler.h"

#include "api/bearer_auth.h"
#include "api/json_mapping.h"
#include "api/problem.h"

namespace vestibule::api {

boost::asio::awaitable<http::Response> SessionsHandler::login(http::Request& req, const http::Exchange& ex) {
  auto body = parse_object(req);
  if (!body) co_return body_error(body.error(), ex);
  auto credentials = to_credentials(*body);
  if (!credentials) co_return body_error(credentials.error(), ex);
  accounts::RequestContext request = request_context(req, ex);
  auto login = co_await service_.login(std::move(*credentials), std::move(request));
  if (!login) co_return failure_response(login.error(), ex);
  // 200, not 201: no session was created yet.
  co_return json_response(login->mfa ? http::Status::ok : http::Status::created, to_json(*login));
}

boost::asio::awaitable<http::Response> SessionsHandler::complete_mfa(http::Request& req, const http::Exchange& ex) {
  auto body = parse_object(req);
  if (!body) co_return body_error(body.error(), ex);
  auto token = string_field(*body, "mfa_token");
  if (!token) co_return body_error(token.error(), ex);
  auto code = string_field(*body, "code");
  if (!code) co_return body_error(code.error(), ex);
  accounts::RequestContext request = request_context(req, ex);
  auto login = co_await service_.complete_mfa(std::move(*token), std::move(*code), std::move(request));
  if (!login) co_return failure_response(login.error(), ex);
  co_return json_response(http::Status::created, to_json(*login));
}

boost::asio::awaitable<http::Response> SessionsHandler::logout(http::Request& req, const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  auto done = co_await service_.logout(*caller.principal);
  if (!done) co_return failure_response(done.error(), ex);
  co_return http::Response{http::Status::no_content, 11};
}

boost::asio::awaitable<http::Response> SessionsHandler::logout_everywhere(http::Request& req, const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  auto done = co_await service_.logout_everywhere(*caller.principal);
  if (!done) co_return failure_response(done.error(), ex);
  co_return http::Response{http::Status::no_content, 11};
}

boost::asio::awaitable<http::Response> SessionsHandler::list(http::Request& req, const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  auto sessions = co_await service_.sessions(*caller.principal);
  if (!sessions) co_return failure_response(sessions.error(), ex);
  co_return json_response(http::Status::ok, to_json(*sessions));
}

boost::asio::awaitable<http::Response> SessionsHandler::revoke(http::Request& req, const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  auto done = co_await service_.revoke_session(*caller.principal, ex.path_params.at(0));
  if (!done) co_return failure_response(done.error(), ex);
  co_return http::Response{http::Status::no_content, 11};
}

}  // namespace vestibule::api
