#include "api/health_handler.h"

#include "api/json_mapping.h"
#include "api/problem.h"

namespace vestibule::api {

boost::asio::awaitable<http::Response> HealthHandler::live(http::Request&, const http::Exchange&) {
  co_return json_response(http::Status::ok, {{"status", "ok"}});
}

boost::asio::awaitable<http::Response> HealthHandler::ready(http::Request&, const http::Exchange& ex) {
  // co_await as its own statement: g++ 12 miscompiles it inside an if condition.
  const bool ready = co_await service_.store_ready();
  if (!ready) {
    co_return failure_response(accounts::Failure{accounts::Code::store_unavailable, {}}, ex);
  }
  co_return json_response(http::Status::ok, {{"status", "ready"}});
}

}  // namespace vestibule::api
