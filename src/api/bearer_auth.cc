#include "api/bearer_auth.h"

#include <boost/beast/core/string.hpp>

#include "api/problem.h"

namespace vestibule::api {

std::optional<std::string_view> bearer_token(const http::Request& req) {
  const auto header = req.find(boost::beast::http::field::authorization);
  if (header == req.end()) return std::nullopt;
  std::string_view value = header->value();
  constexpr std::string_view kScheme = "bearer";
  if (value.size() < kScheme.size() || !boost::beast::iequals(value.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;  // another scheme: no bearer credentials were presented
  }
  value.remove_prefix(kScheme.size());
  if (value.empty() || value.front() != ' ') return std::nullopt;
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;  // possibly empty or malformed: the service rejects it as invalid_token
}

accounts::RequestContext request_context(const http::Request& req, const http::Exchange& ex) {
  return accounts::RequestContext{ex.request_id, ex.client, std::string(req[boost::beast::http::field::user_agent])};
}

boost::asio::awaitable<Caller> authenticate(accounts::AccountService& service, const http::Request& req,
                                            const http::Exchange& ex) {
  const std::optional<std::string_view> token = bearer_token(req);
  if (!token) {
    co_return Caller{std::nullopt, failure_response(accounts::Failure{accounts::Code::invalid_token, {}}, ex, false)};
  }
  accounts::RequestContext request = request_context(req, ex);
  auto principal = co_await service.authenticate(*token, std::move(request));
  if (!principal) co_return Caller{std::nullopt, failure_response(principal.error(), ex, true)};
  co_return Caller{std::move(*principal), {}};
}

}  // namespace vestibule::api
