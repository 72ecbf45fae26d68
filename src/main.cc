// vestibule: reads configuration once (flags, or VESTIBULE_* environment variables), builds the
// object graph (store -> hasher -> account service -> handlers -> router -> server) and runs it
// until SIGTERM or SIGINT. The only file that sees every layer.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "accounts/account_service.h"
#include "api/problem.h"
#include "api/routes.h"
#include "http/server.h"
#include "security/password_hasher.h"
#include "store/open.h"

namespace {

namespace net = boost::asio;
using namespace vestibule;

struct Config {
  std::string listen = "127.0.0.1:9443";
  std::string store_url = "sqlite:data/vestibule.db";
  std::int64_t token_ttl_seconds = 86400;
  std::uint32_t hash_memory_kib = 19456;
  std::uint32_t hash_iterations = 2;
  std::string hash_engine = "sodium";  // or "argon2": security::HashEngine
  std::size_t hash_threads = std::max(1u, std::thread::hardware_concurrency());
  std::size_t hash_queue = 64;
  int hash_nice = 19;
  std::size_t io_threads = std::max(1u, std::thread::hardware_concurrency());
  std::size_t store_threads = 2;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_target_bytes = 8 * 1024;
  std::size_t max_connections = 10000;
  std::int64_t shutdown_timeout_seconds = 10;
  std::int64_t idle_timeout_seconds = 60;
  std::int64_t header_timeout_seconds = 10;
  bool allow_insecure_http = false;
  bool trust_proxy = false;
  std::string tls_cert;
  std::string tls_key;
  accounts::Throttling throttling;
  std::string log_level = "info";
  std::string redis_key_prefix = "vestibule:";
  std::string common_passwords = "/usr/share/john/password.lst";
};

// "127.0.0.1:9443" or "[::1]:9443".
std::optional<net::ip::tcp::endpoint> parse_listen(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned short port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || first == last) return std::nullopt;
  boost::system::error_code aec;
  const auto address = net::ip::make_address(host, aec);
  if (aec) return std::nullopt;
  return net::ip::tcp::endpoint(address, port);
}

// Every logger writes to stdout. By default each line is written out at once (spdlog's stdout
// sink flushes every line). With `buffered`, lines below warn wait in stdio's buffer for
// flush_loop, an urgent line or the exit: all go through the same FILE*, so order is kept.
std::shared_ptr<spdlog::logger> make_logger(const std::string& name, spdlog::level::level_enum level,
                                            bool buffered = false) {
  spdlog::sink_ptr sink;
  if (buffered) {
    sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cout, /*force_flush=*/false);
  } else {
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  }
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  // logfmt-style: one line per event, machine-parsable, UTC timestamps.
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l logger=%n %v", spdlog::pattern_time_type::utc);
  logger->set_level(level);
  logger->flush_on(buffered ? spdlog::level::warn : spdlog::level::info);
  return logger;
}

// The access log is not flushed line by line: a write(2) per request cost 12-27 % of
// /healthz's throughput on one core. Its lines reach stdout within a second, and at exit.
net::awaitable<void> flush_loop(net::steady_timer& timer, spdlog::logger& access) {
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    access.flush();
    if (ec) co_return;
  }
}

// Removes expired sessions once an hour so the store does not grow without bound.
net::awaitable<void> purge_loop(store::Store& store, net::steady_timer& timer, spdlog::logger& log) {
  for (;;) {
    timer.expires_after(std::chrono::hours(1));
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (ec) co_return;
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now());
    auto removed = co_await store.purge_expired_sessions(now);
    if (removed) {
      log.info("event=sessions.purged count={}", *removed);
    }
  }
}

int serve(const Config& cfg) {
  const auto level = spdlog::level::from_str(cfg.log_level);
  auto log = make_logger("vestibule", level);
  auto access = make_logger("http", level, /*buffered=*/true);
  auto audit = make_logger("audit", level);
  spdlog::set_default_logger(log);

  const auto endpoint = parse_listen(cfg.listen);
  if (!endpoint) {
    log->error("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:9443 or [::1]:9443, got '{}'", cfg.listen);
    return 2;
  }
  // Passwords and tokens cross this socket in clear: only loopback, unless the operator says a
  // TLS-terminating proxy sits in front.
  std::shared_ptr<net::ssl::context> tls;
  if (cfg.tls_cert.empty() != cfg.tls_key.empty()) {
    log->error("--tls-cert and --tls-key go together");
    return 2;
  }
  if (!cfg.tls_cert.empty()) {
    try {
      tls = http::make_tls_context(cfg.tls_cert, cfg.tls_key);
    } catch (const std::runtime_error& e) {
      log->error("{}", e.what());
      return 2;
    }
  }
  if (!tls && !endpoint->address().is_loopback() && !cfg.allow_insecure_http) {
    log->error("refusing plain HTTP on non-loopback address {}: give --tls-cert and --tls-key, or put a "
               "TLS-terminating proxy in front and pass --allow-insecure-http",
               cfg.listen);
    return 2;
  }

  // First, so it is destroyed last: pool threads finishing a job after the network threads
  // stopped still post their completion into a live io_context.
  net::io_context io(static_cast<int>(cfg.io_threads));
  // Claim SIGINT/SIGTERM before anything can be announced: from here on they stop the
  // server gracefully instead of killing the process.
  net::signal_set signals(io, SIGINT, SIGTERM);
  auto opened = store::open_store(cfg.store_url, {.threads = cfg.store_threads,
                                                  .executor = io.get_executor(),
                                                  .redis_key_prefix = cfg.redis_key_prefix,
                                                  .inline_readers = cfg.io_threads});
  if (!opened) {
    log->error("cannot open store: {}", opened.error().message);
    return 2;
  }
  std::unique_ptr<store::Store> store = std::move(*opened);

  security::PasswordPolicy policy;
  if (!cfg.common_passwords.empty()) {
    auto loaded = security::PasswordPolicy::load(cfg.common_passwords);
    if (!loaded) {
      log->error("{} (install Debian's john-data, or pass --common-passwords '' to run without a blocklist)",
                 loaded.error().message);
      return 2;
    }
    policy = std::move(*loaded);
  }

  security::PasswordHasher hasher({.params = {.memory_kib = cfg.hash_memory_kib,
                                              .iterations = cfg.hash_iterations,
                                              .engine = cfg.hash_engine == "argon2" ? security::HashEngine::argon2
                                                                                    : security::HashEngine::sodium},
                                   .threads = cfg.hash_threads,
                                   .max_queued = cfg.hash_queue,
                                   .nice = cfg.hash_nice});
  accounts::AccountService service(
      *store, hasher, {.token_ttl = std::chrono::seconds(cfg.token_ttl_seconds),
                 .password_policy = std::move(policy),
                 .throttling = cfg.throttling},
      [] { return std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now()); }, audit);
  api::Handlers handlers(service);
  http::Router router(api::render_error);
  api::add_routes(router, handlers);

  std::unique_ptr<http::Server> server;
  try {
    server = std::make_unique<http::Server>(io, router,
                                            http::ServerOptions{.endpoint = *endpoint,
                                                                .max_body_bytes = cfg.max_body_bytes,
                                                                .max_header_bytes = cfg.max_header_bytes,
                                                                .max_target_bytes = cfg.max_target_bytes,
                                                                .max_connections = cfg.max_connections,
                                                                .idle_timeout = std::chrono::seconds(cfg.idle_timeout_seconds),
                                                                .header_timeout = std::chrono::seconds(cfg.header_timeout_seconds),
                                                                .trust_proxy = cfg.trust_proxy,
                                                                .tls = tls},
                                            access);
  } catch (const boost::system::system_error& e) {
    log->error("cannot listen on {}: {}", cfg.listen, e.code().message());
    return 2;
  }
  server->start();
  const auto bound = server->local_endpoint();
  log->info("event=listening address={} tls={} store={} hash_engine={} hash_threads={} io_threads={}",
            (bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) + ":" +
                std::to_string(bound.port()),
            tls != nullptr,
            cfg.store_url.substr(0, cfg.store_url.find(':')), cfg.hash_engine, cfg.hash_threads, cfg.io_threads);

  net::steady_timer purge_timer(io);
  net::co_spawn(io, purge_loop(*store, purge_timer, *log), net::detached);
  net::steady_timer flush_timer(io);
  net::co_spawn(io, flush_loop(flush_timer, *access), net::detached);

  // Graceful stop: no new connections, idle ones closed, in-flight requests answered; whatever
  // is still running after --shutdown-timeout is cut off so the process always exits.
  net::steady_timer deadline(io);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log->info("event=stopping signal={}", signal);
    server->stop();
    purge_timer.cancel();
    flush_timer.cancel();
    net::co_spawn(io, [&]() -> net::awaitable<void> {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(cfg.shutdown_timeout_seconds);
      while (server->open_connections() > 0 && std::chrono::steady_clock::now() < until) {
        deadline.expires_after(std::chrono::milliseconds(20));
        co_await deadline.async_wait(net::use_awaitable);
      }
      io.stop();
    }, net::detached);
  });

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < cfg.io_threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  server.reset();
  access->flush();
  log->info("event=stopped");
  return 0;
}

// A throttling limit as two options: NAME (attempts) and NAME-window (seconds).
void add_limit(CLI::App& app, const std::string& name, accounts::Limit& limit, const std::string& what) {
  const std::string env = "VESTIBULE_" + [&] {
    std::string s = name.substr(2);
    for (char& ch : s) ch = ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
  }();
  app.add_option(name, limit.max, what)->envname(env)->capture_default_str();
  app.add_option_function<std::int64_t>(
         name + "-window", [&limit](std::int64_t s) { limit.window = std::chrono::seconds(s); },
         "Window of " + name + " in seconds (default " + std::to_string(limit.window.count()) + ")")
      ->envname(env + "_WINDOW")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86400 * 7}));
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"Vestibule: user accounts and bearer-token authentication over a JSON HTTP API."};
  app.require_subcommand(1);
  CLI::App* serve_cmd = app.add_subcommand("serve", "Run the HTTP API server until SIGTERM or SIGINT.");
  serve_cmd->add_option("--listen", cfg.listen, "Address and port to listen on, e.g. 127.0.0.1:9443 or [::1]:9443")
      ->envname("VESTIBULE_LISTEN")->capture_default_str();
  serve_cmd->add_option("--store", cfg.store_url, "Store URL: sqlite:PATH (directory created if missing) or redis://[user:password@]HOST:PORT[/DB]")
      ->envname("VESTIBULE_STORE")->capture_default_str();
  serve_cmd->add_option("--redis-key-prefix", cfg.redis_key_prefix,
                        "Prefix of every Redis key, so several deployments can share one server")
      ->envname("VESTIBULE_REDIS_KEY_PREFIX")->capture_default_str();
  serve_cmd->add_option("--common-passwords", cfg.common_passwords,
                        "File of known passwords refused at registration and change (one a line); '' for none")
      ->envname("VESTIBULE_COMMON_PASSWORDS")->capture_default_str();
  serve_cmd->add_option("--token-ttl", cfg.token_ttl_seconds, "Bearer token lifetime in seconds")
      ->envname("VESTIBULE_TOKEN_TTL")->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{31'536'000}));
  serve_cmd->add_option("--hash-memory-kib", cfg.hash_memory_kib, "argon2id memory cost in KiB")
      ->envname("VESTIBULE_HASH_MEMORY_KIB")->capture_default_str()
      ->check(CLI::Range(security::kMinMemoryKib, security::kMaxMemoryKib));
  serve_cmd->add_option("--hash-iterations", cfg.hash_iterations, "argon2id passes (time cost)")
      ->envname("VESTIBULE_HASH_ITERATIONS")->capture_default_str()->check(CLI::Range(1u, security::kMaxIterations));
  serve_cmd->add_option("--hash-engine", cfg.hash_engine,
                        "Library computing argon2id: sodium (libsodium) or argon2 (libargon2, warm buffer per thread)")
      ->envname("VESTIBULE_HASH_ENGINE")->capture_default_str()->check(CLI::IsMember({"sodium", "argon2"}));
  serve_cmd->add_option("--hash-threads", cfg.hash_threads, "Threads in the password hashing pool (default: cores)")
      ->envname("VESTIBULE_HASH_THREADS")->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  serve_cmd->add_option("--hash-queue", cfg.hash_queue, "Hash jobs allowed to wait; beyond it requests get 503")
      ->envname("VESTIBULE_HASH_QUEUE")->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  serve_cmd->add_option("--hash-nice", cfg.hash_nice, "Added to the hashing threads' nice value (19: lowest priority)")
      ->envname("VESTIBULE_HASH_NICE")->capture_default_str()->check(CLI::Range(0, 19));
  serve_cmd->add_option("--io-threads", cfg.io_threads, "Network threads (default: cores)")
      ->envname("VESTIBULE_IO_THREADS")->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  serve_cmd->add_option("--store-threads", cfg.store_threads, "SQLite worker threads (= connections)")
      ->envname("VESTIBULE_STORE_THREADS")->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{64}));
  serve_cmd->add_option("--max-body-bytes", cfg.max_body_bytes, "Largest request body accepted; larger gets 413")
      ->envname("VESTIBULE_MAX_BODY_BYTES")->capture_default_str()->check(CLI::Range(std::size_t{256}, std::size_t{16u << 20}));
  serve_cmd->add_option("--max-header-bytes", cfg.max_header_bytes,
                        "Largest request header (fields, without the request line); larger gets 431")
      ->envname("VESTIBULE_MAX_HEADER_BYTES")->capture_default_str()->check(CLI::Range(std::size_t{1024}, std::size_t{1u << 20}));
  serve_cmd->add_option("--max-target-bytes", cfg.max_target_bytes, "Longest request target (URL); longer gets 414")
      ->envname("VESTIBULE_MAX_TARGET_BYTES")->capture_default_str()->check(CLI::Range(std::size_t{64}, std::size_t{1u << 20}));
  serve_cmd->add_option("--max-connections", cfg.max_connections, "Open connections beyond which new ones get 503")
      ->envname("VESTIBULE_MAX_CONNECTIONS")->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{1u << 20}));
  serve_cmd->add_option("--shutdown-timeout", cfg.shutdown_timeout_seconds, "Seconds in-flight requests get on SIGTERM")
      ->envname("VESTIBULE_SHUTDOWN_TIMEOUT")->capture_default_str()->check(CLI::Range(std::int64_t{0}, std::int64_t{600}));
  serve_cmd->add_option("--idle-timeout", cfg.idle_timeout_seconds, "Seconds an idle keep-alive connection is kept")
      ->envname("VESTIBULE_IDLE_TIMEOUT")->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{3600}));
  serve_cmd->add_option("--header-timeout", cfg.header_timeout_seconds,
                        "Seconds a request header may take from its first byte (slowloris guard)")
      ->envname("VESTIBULE_HEADER_TIMEOUT")->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{600}));
  serve_cmd->add_option("--tls-cert", cfg.tls_cert, "PEM certificate chain: serve HTTPS (TLS 1.2+)")
      ->envname("VESTIBULE_TLS_CERT");
  serve_cmd->add_option("--tls-key", cfg.tls_key, "PEM private key of --tls-cert")->envname("VESTIBULE_TLS_KEY");
  serve_cmd->add_flag("--allow-insecure-http", cfg.allow_insecure_http,
                      "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)")
      ->envname("VESTIBULE_ALLOW_INSECURE_HTTP");
  serve_cmd->add_flag("--trust-proxy", cfg.trust_proxy,
                      "Take the client address from the last X-Forwarded-For entry (only behind a proxy that sets it)")
      ->envname("VESTIBULE_TRUST_PROXY");
  add_limit(*serve_cmd, "--login-account-limit", cfg.throttling.failed_logins_per_account,
            "Failed logins per account per window before 429 (0: off)");
  add_limit(*serve_cmd, "--login-client-limit", cfg.throttling.failed_logins_per_client,
            "Failed logins per client address per window before 429 (0: off)");
  add_limit(*serve_cmd, "--register-client-limit", cfg.throttling.registrations_per_client,
            "Registrations per client address per window before 429 (0: off)");
  serve_cmd->add_option("--log-level", cfg.log_level, "trace, debug, info, warn, error, critical or off")
      ->envname("VESTIBULE_LOG_LEVEL")->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  CLI11_PARSE(app, argc, argv);
  return serve(cfg);
}
