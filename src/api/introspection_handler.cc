#include "api/introspection_handler.h"

#include "api/bearer_auth.h"
#include "api/form.h"
#include "api/json_mapping.h"
#include "api/problem.h"

namespace vestibule::api {

boost::asio::awaitable<http::Response> IntrospectionHandler::introspect(http::Request& req, const http::Exchange& ex) {
  // The secret first: an unauthorised caller learns nothing about the body it sent.
  if (!secret_.authorizes(req)) {
    co_return failure_response(accounts::fail(accounts::Code::invalid_token), ex, bearer_token(req).has_value());
  }
  auto form = parse_form(req);
  if (!form) co_return body_error(form.error(), ex);
  auto token = form->find("token");
  if (token == form->end()) {
    co_return problem(http::Status::bad_request, "malformed_request", "The form must carry the token to introspect.",
                      ex);
  }
  auto answer = co_await service_.introspect(token->second);
  if (!answer) co_return failure_response(answer.error(), ex);
  co_return introspection_response(*answer);
}

}  // namespace vestibule::api
