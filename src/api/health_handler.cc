#include "api/health_handler.h"

#include "api/json_mapping.h"
#include "api/problem.h"

namespace vestibule::api {

boost::asio::awaitable<http::Response> HealthHandler::live(http::Request&, const http::Exchange&) {
  co_return json_response(http::Status::ok, {{"status", "ok"}});
}

boost::asio::awaitable<http::Response> HealthHandler::ready(http::Request&, const http::Exchange& ex) {
  if (!co_await service_.store_ready()) {
    co_return failure_response(accounts::Failure{accounts::Code::store_unavailable, {}}, ex);
  }
  co_return json_response(http::Status::ok, {{"status", "ready"}});
}

}  // namespace vestibule::api
