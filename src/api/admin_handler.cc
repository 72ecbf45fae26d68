#include "api/admin_handler.h"

#include <boost/url/parse.hpp>

#include <charconv>

#include "api/bearer_auth.h"
#include "api/json_mapping.h"
#include "api/problem.h"

namespace vestibule::api {
namespace {

namespace beast_http = boost::beast::http;

http::Response no_content() { return http::Response{http::Status::no_content, 11}; }

// The list query: email, limit and cursor from the target's query string, percent-decoded. A
// '+' stays a '+' (RFC 3986; only HTML forms make it a space): `?email=a+tag@example.com` is the
// address it looks like. An unreadable limit reads as 0, which the rules refuse along with
// whatever else is wrong.
Mapped<accounts::UserQuery> to_user_query(const http::Request& req) {
  accounts::UserQuery q;
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) return BodyError{false, "The query string is malformed."};
  for (const auto& param : url->encoded_params()) {
    const std::string key = param.key.decode();
    std::string value = param.has_value ? param.value.decode() : std::string();
    if (key == "email") {
      q.email = std::move(value);
    } else if (key == "cursor") {
      q.cursor = std::move(value);
    } else if (key == "limit") {
      std::size_t limit = 0;
      const char* last = value.data() + value.size();
      auto [end, ec] = std::from_chars(value.data(), last, limit);
      q.limit = ec == std::errc() && end == last && !value.empty() ? limit : 0;
    }
  }
  return q;
}

}  // namespace

std::optional<http::Response> AdminHandler::refusal(const http::Request& req, const http::Exchange& ex) const {
  if (token_.authorizes(req)) return std::nullopt;
  const bool sent = bearer_token(req).has_value();
  http::Response res = failure_response(accounts::fail(accounts::Code::invalid_token), ex, sent);
  // RFC 6750 3.1, as on the public listener, in the admin API's own realm.
  res.set(beast_http::field::www_authenticate,
          sent ? R"(Bearer realm="vestibule-admin", error="invalid_token")" : R"(Bearer realm="vestibule-admin")");
  return res;
}

boost::asio::awaitable<http::Response> AdminHandler::list_users(http::Request& req, const http::Exchange& ex) {
  if (auto refused = refusal(req, ex)) co_return std::move(*refused);
  auto query = to_user_query(req);
  if (!query) co_return body_error(query.error(), ex);
  accounts::RequestContext request = request_context(req, ex);
  auto page = co_await service_.list_users(std::move(*query), std::move(request));
  if (!page) co_return failure_response(page.error(), ex);
  co_return json_response(http::Status::ok, to_json(*page));
}

boost::asio::awaitable<http::Response> AdminHandler::create_user(http::Request& req, const http::Exchange& ex) {
  if (auto refused = refusal(req, ex)) co_return std::move(*refused);
  auto body = parse_object(req);
  if (!body) co_return body_error(body.error(), ex);
  auto user = to_new_user(*body);
  if (!user) co_return body_error(user.error(), ex);
  accounts::RequestContext request = request_context(req, ex);
  auto created = co_await service_.create_user(std::move(*user), std::move(request));
  if (!created) co_return failure_response(created.error(), ex);
  http::Response res = json_response(http::Status::created, to_admin_json(*created));
  res.set(beast_http::field::location, "/admin/v1/users/" + created->id);
  co_return res;
}

boost::asio::awaitable<http::Response> AdminHandler::get_user(http::Request& req, const http::Exchange& ex) {
  if (auto refused = refusal(req, ex)) co_return std::move(*refused);
  accounts::RequestContext request = request_context(req, ex);
  std::string id = ex.path_params.at(0);
  auto user = co_await service_.get_user(std::move(id), std::move(request));
  if (!user) co_return failure_response(user.error(), ex);
  co_return json_response(http::Status::ok, to_admin_json(*user));
}

boost::asio::awaitable<http::Response> AdminHandler::update_user(http::Request& req, const http::Exchange& ex) {
  if (auto refused = refusal(req, ex)) co_return std::move(*refused);
  auto body = parse_object(req);
  if (!body) co_return body_error(body.error(), ex);
  auto edit = to_user_edit(*body);
  if (!edit) co_return body_error(edit.error(), ex);
  accounts::RequestContext request = request_context(req, ex);
  std::string id = ex.path_params.at(0);
  auto updated = co_await service_.update_user(std::move(id), std::move(*edit), std::move(request));
  if (!updated) co_return failure_response(updated.error(), ex);
  co_return json_response(http::Status::ok, to_admin_json(*updated));
}

boost::asio::awaitable<http::Response> AdminHandler::delete_user(http::Request& req, const http::Exchange& ex) {
  if (auto refused = refusal(req, ex)) co_return std::move(*refused);
  accounts::RequestContext request = request_context(req, ex);
  std::string id = ex.path_params.at(0);
  auto done = co_await service_.delete_user(std::move(id), std::move(request));
  if (!done) co_return failure_response(done.error(), ex);
  co_return no_content();
}

boost::asio::awaitable<http::Response> AdminHandler::revoke_sessions(http::Request& req, const http::Exchange& ex) {
  if (auto refused = refusal(req, ex)) co_return std::move(*refused);
  accounts::RequestContext request = request_context(req, ex);
  std::string id = ex.path_params.at(0);
  auto done = co_await service_.revoke_sessions(std::move(id), std::move(request));
  if (!done) co_return failure_response(done.error(), ex);
  co_return no_content();
}

boost::asio::awaitable<http::Response> AdminHandler::create_backup(http::Request& req, const http::Exchange& ex) {
  if (auto refused = refusal(req, ex)) co_return std::move(*refused);
  accounts::RequestContext request = request_context(req, ex);
  auto made = co_await backups_.create(std::move(request));
  if (!made) co_return failure_response(made.error(), ex);
  boost::json::object body;
  body["file"] = made->file;
  body["bytes"] = made->bytes;
  body["created_at"] = rfc3339(made->created_at);
  co_return json_response(http::Status::created, body);
}

}  // namespace vestibule::api
