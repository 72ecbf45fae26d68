// libFuzzer harness for the HTTP request path, in process: arbitrary bytes are parsed as the
// server parses them (same header and body limits, same framing checks), and a parsed request goes through the real
// router, handlers, account rules and an SQLite store; the response must be a well-formed
// status that is never 500. Bytes in, response out, no sockets.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "accounts/account_service.h"
#include "api/problem.h"
#include "api/routes.h"
#include "http/framing.h"
#include "http/router.h"
#include "security/password_hasher.h"
#include "store/open.h"
#include "util/worker_pool.h"

namespace {

using namespace vestibule;

// The whole object graph, built once: io_context first so that it outlives the pools.
struct World {
  boost::asio::io_context io;
  std::unique_ptr<store::Store> store;
  // Built as the application builds them: the hash pool from the options, the hasher on it.
  security::HasherOptions hashing{.params = {.memory_kib = 8, .iterations = 1}, .threads = 1, .max_queued = 64};
  util::WorkerPool hash_pool{security::hash_pool_options(hashing)};
  security::PasswordHasher hasher{hash_pool, hashing.params};
  std::unique_ptr<accounts::AccountService> service;
  std::unique_ptr<api::Handlers> handlers;
  http::Router router{api::render_error};

  World() {
    const auto dir = std::filesystem::path("/dev/shm") / ("vestibule-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    store::OpenOptions options;
    options.executor = io.get_executor();
    store = store::open_store("sqlite:" + (dir / "fuzz.db").string(), options).value();
    auto silent = std::make_shared<spdlog::logger>("audit", std::make_shared<spdlog::sinks::null_sink_mt>());
    service = std::make_unique<accounts::AccountService>(
        *store, hasher, accounts::ServiceOptions{},
        [] { return std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now()); }, silent);
    handlers = std::make_unique<api::Handlers>(*service);
    api::add_routes(router, *handlers);
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  spdlog::set_level(spdlog::level::off);
  World& w = world();
  boost::beast::http::request_parser<boost::beast::http::string_body> parser;
  parser.header_limit(8 * 1024 + 8 * 1024 + 64);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the server answers 400/413/431 and closes
  // As the server does: ambiguous framing (Transfer-Encoding other than one chunked, two Host
  // fields, ...) is answered 400 before anything reaches the router.
  if (http::framing_problem(parser.get())) return 0;
  http::Request req = parser.release();
  http::Exchange ex;
  ex.request_id = "fuzz";
  ex.client = "192.0.2.1";
  auto done = boost::asio::co_spawn(w.io, w.router.route(req, ex), boost::asio::use_future);
  w.io.restart();
  while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) w.io.run_one();
  http::Response res = done.get();
  const unsigned status = res.result_int();
  if (status < 200 || status > 599 || status == 500) std::abort();
  return 0;
}
