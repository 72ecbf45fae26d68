#include "api/second_factor_handler.h"

#include "api/bearer_auth.h"
#include "api/json_mapping.h"
#include "api/problem.h"

namespace vestibule::api {

namespace {

// The string member `key` of the request's JSON body (std::nullopt when absent), or the answer
// to a body that is not a JSON object or a member of another type.
struct Field {
  std::optional<std::string> value;
  std::optional<http::Response> refusal;
};

Field body_field(const http::Request& req, const http::Exchange& ex, std::string_view key) {
  auto body = parse_object(req);
  if (!body) return {std::nullopt, body_error(body.error(), ex)};
  auto value = string_field(*body, key);
  if (!value) return {std::nullopt, body_error(value.error(), ex)};
  return {std::move(*value), std::nullopt};
}

}  // namespace

boost::asio::awaitable<http::Response> SecondFactorHandler::enrol(http::Request& req, const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  Field password = body_field(req, ex, "current_password");
  if (password.refusal) co_return std::move(*password.refusal);
  auto enrolment = co_await service_.second_factor().enrol(*caller.principal, std::move(password.value));
  if (!enrolment) co_return failure_response(enrolment.error(), ex);
  co_return json_response(http::Status::created, to_json(*enrolment));
}

boost::asio::awaitable<http::Response> SecondFactorHandler::confirm(http::Request& req, const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  Field code = body_field(req, ex, "code");
  if (code.refusal) co_return std::move(*code.refusal);
  auto codes = co_await service_.second_factor().confirm(*caller.principal, std::move(code.value));
  if (!codes) co_return failure_response(codes.error(), ex);
  co_return json_response(http::Status::ok, recovery_codes_json(*codes));
}

boost::asio::awaitable<http::Response> SecondFactorHandler::disable(http::Request& req, const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  Field password = body_field(req, ex, "current_password");
  if (password.refusal) co_return std::move(*password.refusal);
  auto done = co_await service_.second_factor().disable(*caller.principal, std::move(password.value));
  if (!done) co_return failure_response(done.error(), ex);
  co_return http::Response{http::Status::no_content, 11};
}

boost::asio::awaitable<http::Response> SecondFactorHandler::regenerate_codes(http::Request& req,
                                                                             const http::Exchange& ex) {
  Caller caller = co_await authenticate(service_, req, ex);
  if (!caller.principal) co_return std::move(caller.refusal);
  Field password = body_field(req, ex, "current_password");
  if (password.refusal) co_return std::move(*password.refusal);
  auto codes = co_await service_.second_factor().regenerate_codes(*caller.principal, std::move(password.value));
  if (!codes) co_return failure_response(codes.error(), ex);
  co_return json_response(http::Status::ok, recovery_codes_json(*codes));
}

}  // namespace vestibule::api
