#include "app/serve.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <charconv>
#include <csignal>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "app/app.h"
#include "app/background.h"
#include "app/logging.h"
#include "app/readiness.h"
#include "http/access_log.h"
#include "http/request_metrics.h"
#include "util/logfmt.h"

namespace vestibule::app {
namespace {

namespace net = boost::asio;

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

std::string to_string(const net::ip::tcp::endpoint& e) {
  const std::string address = e.address().to_string();
  return (e.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(e.port());
}

// The server's options from the settings: the endpoint, and TLS from the files. Passwords and
// tokens cross this socket in clear without TLS: only loopback then, unless the operator says a
// TLS-terminating proxy sits in front.
// `listen` is the value of `flag` (--listen or --admin-listen); both listeners share the limits
// and the TLS files.
boost::system::result<http::ServerOptions, BuildError> server_options(const Settings& s, const std::string& listen,
                                                                      const std::string& flag) {
  http::ServerOptions options = s.server;
  const auto endpoint = parse_listen(listen);
  if (!endpoint) {
    return BuildError{flag + " must be ADDRESS:PORT, e.g. 127.0.0.1:9443 or [::1]:9443, got '" + listen + "'"};
  }
  options.endpoint = *endpoint;
  if (s.tls_cert.empty() != s.tls_key.empty()) return BuildError{"--tls-cert and --tls-key go together"};
  if (!s.tls_cert.empty()) {
    try {
      options.tls = http::make_tls_context(s.tls_cert, s.tls_key);
    } catch (const std::runtime_error& e) {
      return BuildError{e.what()};
    }
  }
  if (!options.tls && !endpoint->address().is_loopback() && !s.allow_insecure_http) {
    return BuildError{"refusing plain HTTP on non-loopback address " + listen + " (" + flag + ")" +
                      ": give --tls-cert and --tls-key, or put a TLS-terminating proxy in front and pass "
                      "--allow-insecure-http"};
  }
  return options;
}

// Connections the admin listener keeps open at once; past it, 503 as on the public one.
constexpr std::size_t kAdminMaxConnections = 256;
// And the metrics listener's: a scraper or two, and an operator's curl.
constexpr std::size_t kMetricsMaxConnections = 16;

// A listener's observers: the access log, and its HTTP metrics when metrics are on.
std::vector<std::shared_ptr<http::RequestObserver>> observers(Loggers& loggers, metrics::Metrics* metrics,
                                                              const std::string& listener, const http::Router& router) {
  std::vector<std::shared_ptr<http::RequestObserver>> list{std::make_shared<http::AccessLog>(loggers.access())};
  if (metrics) list.push_back(std::make_shared<http::RequestMetrics>(metrics->http(listener, router.paths())));
  return list;
}

// Re-arms itself: every SIGHUP is logged and otherwise ignored.
void ignore_hangups(net::signal_set& hup, spdlog::logger& log) {
  hup.async_wait([&hup, &log](const boost::system::error_code& ec, int) {
    if (ec) return;
    log.info("event=signal signal=SIGHUP action=ignored");
    ignore_hangups(hup, log);
  });
}

}  // namespace

int serve(const Settings& settings) {
  // A closed stdout must not kill the process: the log writer then drops what it cannot write.
  std::signal(SIGPIPE, SIG_IGN);
  Loggers loggers(settings.log_level, settings.log_format);
  spdlog::logger& log = *loggers.server();

  auto options = server_options(settings, settings.listen, "--listen");
  if (!options) {
    log.error("event=config.invalid reason={}", util::logfmt_value(options.error().message));
    return 2;
  }
  std::optional<http::ServerOptions> admin_options;
  if (!settings.admin_listen.empty()) {
    auto admin = server_options(settings, settings.admin_listen, "--admin-listen");
    if (!admin) {
      log.error("event=config.invalid reason={}", util::logfmt_value(admin.error().message));
      return 2;
    }
    // An operator's tools, not the public: a few connections (an import runs up to 64).
    admin->max_connections = kAdminMaxConnections;
    admin_options = std::move(*admin);
  }
  std::optional<http::ServerOptions> metrics_options;
  if (!settings.metrics_listen.empty()) {
    auto scrape = server_options(settings, settings.metrics_listen, "--metrics-listen");
    if (!scrape) {
      log.error("event=config.invalid reason={}", util::logfmt_value(scrape.error().message));
      return 2;
    }
    scrape->max_connections = kMetricsMaxConnections;
    metrics_options = std::move(*scrape);
  }

  // Before anything opens a file: every connection needs a descriptor.
  // Every listener's connections count.
  const std::size_t connections = options->max_connections + (admin_options ? admin_options->max_connections : 0) +
                                  (metrics_options ? metrics_options->max_connections : 0);
  const std::size_t listeners = 1 + (admin_options ? 1 : 0) + (metrics_options ? 1 : 0);
  const http::DescriptorBudget budget = descriptor_budget(settings, connections, listeners);
  auto fits = http::raise_descriptor_limit(budget);
  if (!fits) {
    log.error("event=descriptors.too_few reason={}", util::logfmt_value(fits.error().message));
    return 2;
  }
  log.info("event=descriptors limit={} needed={} connections={} reserved={}", *fits, budget.total(),
           budget.connections, budget.reserved());

  // First, so it is destroyed last: pool threads finishing a job after the network threads
  // stopped still post their completion into a live io_context.
  net::io_context io(static_cast<int>(settings.io_threads));
  // Claim the signals before anything can be announced: from here on SIGINT/SIGTERM stop the
  // server gracefully and SIGHUP is ignored, instead of the default of killing the process.
  net::signal_set signals(io, SIGINT, SIGTERM);
  net::signal_set hangups(io, SIGHUP);
  ignore_hangups(hangups, log);

  auto built = App::build(settings, io.get_executor(), loggers);
  if (!built) {
    log.error("event=startup.failed reason={}", util::logfmt_value(built.error().message));
    return 2;
  }
  App& app = **built;
  // Migrates and checks the store's data (Redis; SQLite did so at open) before anything is served.
  auto preparing = net::co_spawn(io, app.store().prepare(), net::use_future);
  while (preparing.wait_for(std::chrono::seconds(0)) != std::future_status::ready && io.run_one() > 0) {
  }
  io.restart();
  if (auto prepared = preparing.get(); !prepared) {
    log.error("event=store.open_failed reason={}", util::logfmt_value(prepared.error().message));
    return 2;
  }
  auto checking = net::co_spawn(io, app.check_new_secrets_key(), net::use_future);
  while (checking.wait_for(std::chrono::seconds(0)) != std::future_status::ready && io.run_one() > 0) {
  }
  io.restart();
  if (auto checked = checking.get(); !checked) {
    log.error("event=startup.failed reason={}", util::logfmt_value(checked.error().message));
    return 2;
  }

  std::unique_ptr<http::Server> server;
  try {
    server = std::make_unique<http::Server>(
        io, app.router(), *options, loggers.access(), observers(loggers, app.metrics(), "public", app.router()));
  } catch (const boost::system::system_error& e) {
    log.error("event=listen.failed listener=public address={} reason={}", util::logfmt_value(settings.listen),
              util::logfmt_value(e.code().message()));
    return 2;
  }
  // The admin API on its own listener, never on the public one; its requests are logged alike.
  std::unique_ptr<http::Server> admin_server;
  if (admin_options) {
    try {
      admin_server = std::make_unique<http::Server>(
          io, *app.admin_router(), *admin_options, loggers.access(),
          observers(loggers, app.metrics(), "admin", *app.admin_router()));
    } catch (const boost::system::system_error& e) {
      log.error("event=listen.failed listener=admin address={} reason={}", util::logfmt_value(settings.admin_listen),
                util::logfmt_value(e.code().message()));
      return 2;
    }
    admin_server->start();
    // Before the main listening line, which tells a supervisor (or a test) that all is up.
    log.info("event=listening.admin address={} tls={}", to_string(admin_server->local_endpoint()),
             admin_options->tls != nullptr);
  }
  // The scrape on a listener of its own (metrics::Metrics exists exactly when it is set): never
  // on the public one, whose clients must not read the service's internals. Its requests are
  // logged, not counted.
  std::unique_ptr<http::Server> metrics_server;
  if (metrics_options) {
    try {
      metrics_server = std::make_unique<http::Server>(
          io, *app.metrics_router(), *metrics_options, loggers.access(),
          std::vector<std::shared_ptr<http::RequestObserver>>{std::make_shared<http::AccessLog>(loggers.access())});
    } catch (const boost::system::system_error& e) {
      // The public listener is bound already: the same address cannot serve both.
      const bool same = metrics_options->endpoint == server->local_endpoint() ||
                        (admin_server && metrics_options->endpoint == admin_server->local_endpoint());
      const std::string reason =
          "cannot listen on " + settings.metrics_listen + " (--metrics-listen): " + e.code().message() +
          (same ? "; it is the address of --listen or --admin-listen, and /metrics needs a listener of its own "
                  "(never the public one): give it another port, e.g. 127.0.0.1:9464"
                : "");
      log.error("event=listen.failed listener=metrics address={} reason={}", util::logfmt_value(settings.metrics_listen),
                util::logfmt_value(reason));
      return 2;
    }
    metrics_server->start();
    log.info("event=listening.metrics address={} tls={}", to_string(metrics_server->local_endpoint()),
             metrics_options->tls != nullptr);
  }
  server->start();
  app.courier().start();
  log.info("event=listening address={} tls={} store={} mail={} hash_engine={} hash_threads={} io_threads={}",
           to_string(server->local_endpoint()), options->tls != nullptr,
           store_kind(settings),
           settings.mail.url.substr(0, settings.mail.url.find(':')),  // the scheme only: never a password
           settings.hasher.params.engine == security::HashEngine::argon2 ? "argon2" : "sodium",
           settings.hasher.threads, settings.io_threads);
  notify_ready();

  Background background(io.get_executor());
  // Removes expired sessions once an hour so the store does not grow without bound.
  background.every(std::chrono::hours(1), [&app, &log]() -> net::awaitable<void> {
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now());
    auto removed = co_await app.store().purge_expired_sessions(now);
    if (removed) log.info("event=sessions.purged count={}", *removed);
  });

  // Graceful stop: no new connections, idle ones closed, in-flight requests answered; whatever
  // is still running after --shutdown-timeout is cut off so the process always exits.
  net::steady_timer deadline(io);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log.info("event=stopping signal={}", signal);
    notify_stopping();
    server->stop();
    if (admin_server) admin_server->stop();
    if (metrics_server) metrics_server->stop();
    background.stop();
    hangups.cancel();
    net::co_spawn(io, [&]() -> net::awaitable<void> {
      const auto until = std::chrono::steady_clock::now() + settings.shutdown_timeout;
      // Answered requests may still be queueing mail (accounts::MailFlows): a few store writes.
      const auto open = [&] {
        return server->open_connections() + (admin_server ? admin_server->open_connections() : 0) +
               (metrics_server ? metrics_server->open_connections() : 0);
      };
      while ((open() > 0 || app.accounts().background_jobs() > 0) &&
             std::chrono::steady_clock::now() < until) {
        deadline.expires_after(std::chrono::milliseconds(20));
        co_await deadline.async_wait(net::use_awaitable);
      }
      // Sends in flight get a bounded while to finish (MailOptions::stop_timeout); one cut off is
      // sent again after its lease, nothing queued is lost.
      co_await app.courier().stop();
      // Hash jobs still queued belong to requests that will not be answered now: drop them,
      // so that only the ones running (one hash each, at most the bounded cost) delay the exit.
      const std::size_t dropped = app.hash_pool().drop_queued();
      log.info("event=shutdown.deadline open_connections={} background_jobs={} hash_jobs_dropped={}",
               open(), app.accounts().background_jobs(), dropped);
      io.stop();
    }, net::detached);
  });

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < settings.io_threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  metrics_server.reset();
  admin_server.reset();
  server.reset();
  built->reset();
  log.info("event=stopped");
  return 0;
}

}  // namespace vestibule::app
