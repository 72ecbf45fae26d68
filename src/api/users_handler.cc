#include "api/users_handler.h"

#include "api/bearer_auth.h"
#include "api/json_mapping.h"
#include "api/problem.h"

namespace vestibule::api {

boost::asio::awaitable<http::Response> UsersHandler::register_user(http::Request& req, const http::Exchange& ex) {
  auto body = parse_object(req);
  if (!body) co_return body_error(body.error(), ex);
  auto registration = to_registration(*body);
  if (!registration) co_return body_error(registration.error(), ex);
  accounts::RequestContext request = request_context(req, ex);
  auto user = co_await service_.register_account(std::move(*registration), std::move(request));
  if (!user) co_return failure_response(user.error(), ex);
  if (!*user) {
    // Verification required: one answer for a new and a taken address.
    co_return json_response(http::Status::accepted,
                            accepted_body("Check your inbox: we sent that address an email with what to do next."));
  }
  http::Response res = json_response(http::Status::created, to_json(**user));
  res.set(http::beast_http::field::location, "/v1/users/me");
  co_return res;
}

boost::asio::awaitable<http::Response> UsersHandler::get_me(http::Request& req, const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  co_return user_response(http::Status::ok, caller.principal->user());
}

boost::asio::awaitable<http::Response> UsersHandler::update_me(http::Request& req, const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  auto body = parse_object(req);
  if (!body) co_return body_error(body.error(), ex);
  auto changes = to_profile_changes(*body);
  if (!changes) co_return body_error(changes.error(), ex);
  auto user = co_await service_.update_profile(*caller.principal, std::move(*changes));
  if (!user) co_return failure_response(user.error(), ex);
  co_return user_response(http::Status::ok, *user);
}

boost::asio::awaitable<http::Response> UsersHandler::delete_me(http::Request& req, const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  auto body = parse_object(req);
  if (!body) co_return body_error(body.error(), ex);
  auto password = to_password_confirmation(*body);
  if (!password) co_return body_error(password.error(), ex);
  auto deleted = co_await service_.delete_account(*caller.principal, std::move(*password));
  if (!deleted) co_return failure_response(deleted.error(), ex);
  co_return http::Response{http::Status::no_content, 11};
}

}  // namespace vestibule::api
