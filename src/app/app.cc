#include "app/app.h"

#include <filesystem>
#include <string_view>

#include "api/metrics_handler.h"
#include "api/problem.h"
#include "api/ui_handler.h"
#include "app/secret_file.h"
#include "app/secrets_key.h"
#include "security/email.h"
#include "store/caching_store.h"
#include "store/instrumented_store.h"
#include "store/open.h"
#include "version.h"

namespace vestibule::app {
namespace {

// --backup-dir, or backups/ beside the SQLite file (for Redis it is never used: no backups).
std::string backup_directory(const Settings& s) {
  if (!s.backup_dir.empty()) return s.backup_dir;
  const auto file = store::sqlite_path(s.store_url);  // decoded, as the store opens it
  if (!file) return "backups";
  return (std::filesystem::path(*file).parent_path() / "backups").string();
}

// The key that seals TOTP secrets (ServiceOptions::secrets): --secrets-key-file; for SQLite
// without it, secrets.key beside the database, made on first start; for Redis without it, none
// (enrolment answers 503 totp_unavailable): every instance must read what any other sealed, so
// that key is the operator's to share.
// `created` is set to the file's path when this call made it.
boost::system::result<std::optional<security::SecretBox>, BuildError> secrets_key(const Settings& s,
                                                                                   spdlog::logger& log,
                                                                                   std::string& created) {
  if (!s.secrets_key_file.empty()) {
    auto key = load_secrets_key(s.secrets_key_file, "--secrets-key-file");
    if (!key) return key.error();
    log.info("event=secrets_key source=file");
    return std::optional<security::SecretBox>(std::move(*key));
  }
  const auto file = store::sqlite_path(s.store_url);
  if (!file) {
    log.info("event=secrets_key source=none totp=unavailable reason=\"no --secrets-key-file for a shared store\"");
    return std::optional<security::SecretBox>();
  }
  const std::string path = (std::filesystem::path(*file).parent_path() / "secrets.key").string();
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  auto key = load_or_create_secrets_key(path);
  if (!key) return key.error();
  if (!existed) created = path;
  log.info("event=secrets_key source=beside_database created={}", !existed);
  return std::optional<security::SecretBox>(std::move(*key));
}

}  // namespace

boost::asio::awaitable<boost::system::result<void, BuildError>> App::check_new_secrets_key() {
  if (created_secrets_key_.empty()) co_return boost::system::result<void, BuildError>{};
  std::string after;
  std::size_t sealed = 0;
  for (;;) {
    auto page = co_await store_->list_accounts(after, 1000);
    if (!page) co_return BuildError{"cannot read the accounts to check the new secrets key"};
    for (const store::Account& a : *page) sealed += !a.totp_secret.empty() || !a.totp_pending.empty();
    if (page->size() < 1000) break;
    after = page->back().id;
  }
  if (sealed == 0) co_return boost::system::result<void, BuildError>{};
  std::error_code ignored;
  std::filesystem::remove(created_secrets_key_, ignored);
  co_return BuildError{std::to_string(sealed) + " accounts have a second factor sealed with a key that " +
                       created_secrets_key_ +
                       " no longer holds (lost, or the database was restored without it): restore the file, or name "
                       "it with --secrets-key-file"};
}

namespace {

// What vestibule_build_info says: the project's version (version.h), the store URL's scheme
// ("sqlite", "redis"; never the URL, which may hold a password) and the hash engine.
metrics::BuildInfo build_info(const Settings& settings) {
  return metrics::BuildInfo{
      .version = std::string(kVersion),
      .store = store_kind(settings),
      .hash_engine = settings.hasher.params.engine == security::HashEngine::argon2 ? "argon2" : "sodium"};
}

// The outbox gauges, from the store at each scrape (a store call: asynchronous, so not one of
// Metrics::on_scrape's refreshers). A failure leaves them as they were and shows as
// vestibule_store_errors_total{operation="outbox_stats"}.
boost::asio::awaitable<void> refresh_outbox(store::Store& store, metrics::MailMetrics& mail) {
  auto stats = co_await store.outbox_stats();
  if (stats) mail::record_outbox(mail, *stats, std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now()));
}

}  // namespace

namespace {

// The store's options as `settings` make them, without what only opening needs (the executor,
// the logger).
store::OpenOptions store_options(const Settings& settings) {
  store::OpenOptions options = settings.store;
  // Migrations re-key accounts with the key registration uses.
  options.email_key = security::email_key;
  // One reader connection per network thread: point reads run where the request is.
  options.inline_readers = settings.io_threads;
  return options;
}

}  // namespace

http::DescriptorBudget descriptor_budget(const Settings& settings, std::size_t connections, std::size_t listeners) {
  return http::DescriptorBudget{
      .connections = connections,
      .listeners = listeners * http::kListenerDescriptors,
      .store = store::descriptors_needed(settings.store_url, store_options(settings)),
      // One SMTP connection (or one file being written) per delivery thread.
      .mail = settings.mail.delivery_threads};
}

boost::system::result<std::unique_ptr<store::Store>, BuildError> open_store(const Settings& settings,
                                                                             boost::asio::any_io_executor executor,
                                                                             const Loggers& loggers) {
  store::OpenOptions options = store_options(settings);
  options.executor = std::move(executor);
  options.logger = loggers.server();  // the store logs as the server
  auto opened = store::open_store(settings.store_url, options);
  if (!opened) return BuildError{"cannot open store: " + opened.error().message};
  return std::move(*opened);
}

boost::system::result<std::unique_ptr<App>, BuildError> App::build(const Settings& settings,
                                                                    boost::asio::io_context::executor_type executor,
                                                                    const Loggers& loggers) {
  std::unique_ptr<App> app(new App());
  // Before every part that records into it; none at all without a listener to scrape it.
  if (!settings.metrics_listen.empty()) app->metrics_ = std::make_unique<metrics::Metrics>(build_info(settings));
  auto opened = open_store(settings, executor, loggers);
  if (!opened) return opened.error();
  // Before it is wrapped: the wrapper has no pool of its own to show.
  const util::WorkerPool* store_pool = store::worker_pool(**opened);
  // With metrics, every store call is timed under its operation (store/instrumented_store.h).
  metrics::StoreMetrics* store_metrics = nullptr;
  if (app->metrics_) store_metrics = &app->metrics_->store(store_kind(settings));
  app->store_ = store::instrument(std::move(*opened), store_metrics);
  // Outermost, so the store's metrics count what reaches the backend: a hit costs no operation.
  if (settings.session_cache_entries > 0) {
    auto cached = store::CachingStore::create(std::move(app->store_), settings.session_cache_entries);
    if (!cached) return BuildError{"cannot start the session cache: " + cached.error().message};
    app->session_cache_ = cached->get();
    app->store_ = std::move(*cached);
  }
  mail::MailOptions mail_options = settings.mail;
  mail_options.public_url = public_url(settings);
  mail_options.metrics = app->metrics_ ? &app->metrics_->mail() : nullptr;
  auto courier = mail::Courier::create(executor, *app->store_, mail_options, loggers.server());
  if (!courier) return BuildError{"cannot send mail: " + courier.error()};
  app->courier_ = std::move(*courier);

  accounts::ServiceOptions service = settings.service;
  // After the store opened: for SQLite the key lives in the database's directory, made by then.
  auto secrets = secrets_key(settings, *loggers.server(), app->created_secrets_key_);
  if (!secrets) return secrets.error();
  service.secrets = std::move(*secrets);
  if (!settings.common_passwords.empty()) {
    auto loaded = security::PasswordPolicy::load(settings.common_passwords);
    if (!loaded) {
      return BuildError{loaded.error().message +
                        " (install Debian's john-data, or pass --common-passwords '' to run without a blocklist)"};
    }
    service.password_policy = std::move(*loaded);
  }
  // The secrets before anything starts: a missing or careless file is a configuration error.
  std::optional<api::SharedSecret> introspection_secret;
  if (!settings.introspection_token_file.empty()) {
    auto secret = read_secret_file(settings.introspection_token_file, "--introspection-token-file");
    if (!secret) return secret.error();
    introspection_secret.emplace(*secret);
  }
  std::optional<api::SharedSecret> admin_token;
  if (!settings.admin_listen.empty()) {
    if (settings.admin_token_file.empty()) return BuildError{"--admin-listen needs --admin-token-file"};
    auto secret = read_secret_file(settings.admin_token_file, "--admin-token-file");
    if (!secret) return secret.error();
    admin_token.emplace(*secret);
  }

  app->hash_pool_ = std::make_unique<util::WorkerPool>(security::hash_pool_options(settings.hasher));
  app->hasher_ = std::make_unique<security::PasswordHasher>(*app->hash_pool_, settings.hasher.params,
                                                            app->metrics_ ? &app->metrics_->hashing() : nullptr);
  const auto clock = [] { return std::chrono::time_point_cast<std::chrono::milliseconds>(store::Clock::now()); };
  security::PasswordPolicy policy = service.password_policy;
  app->accounts_ = std::make_unique<accounts::AccountService>(
      *app->store_, *app->hasher_, std::move(service), clock, loggers.audit(),
      [courier = app->courier_.get()] { courier->nudge(); }, app->metrics_ ? &app->metrics_->accounts() : nullptr);
  app->handlers_ = std::make_unique<api::Handlers>(*app->accounts_, std::move(introspection_secret));
  app->router_ = std::make_unique<http::Router>(api::render_error);
  api::add_routes(*app->router_, *app->handlers_);
  if (settings.ui) api::add_ui_routes(*app->router_);
  if (admin_token) {
    app->admin_ = std::make_unique<accounts::AdminService>(*app->store_, *app->hasher_, std::move(policy), clock,
                                                           loggers.audit());
    app->backups_ = std::make_unique<accounts::Backups>(*app->store_, backup_directory(settings), clock, loggers.audit());
    app->admin_handler_ = std::make_unique<api::AdminHandler>(*app->admin_, *app->backups_, std::move(*admin_token));
    app->admin_router_ = std::make_unique<http::Router>(api::render_error);
    api::add_admin_routes(*app->admin_router_, *app->admin_handler_, app->handlers_->health);
  }
  if (app->metrics_) {
    app->metrics_router_ = std::make_unique<http::Router>(api::render_error);
    // Read off their sources at each scrape: the queues of the hashing, SQLite and delivery
    // threads, the Redis connection (cheap, no I/O), then the outbox from the store.
    app->metrics_->on_scrape([pool = app->hash_pool_.get(), hashing = &app->metrics_->hashing(),
                              store = app->store_.get(), store_metrics, store_pool,
                              delivery = &app->courier_->pool(), mail = &app->metrics_->mail()] {
      hashing->set_queue(pool->queued(), pool->active());
      if (store_pool && store_metrics) store_metrics->set_queue(store_pool->queued(), store_pool->active());
      mail->set_delivery_queue(delivery->queued(), delivery->active());
      if (const auto up = store->connected(); up && store_metrics) store_metrics->set_connected(*up);
    });
    if (app->session_cache_) {
      app->metrics_->on_scrape([cache = app->session_cache_, series = &app->metrics_->session_cache()] {
        series->set(cache->cache_stats());
      });
    }
    api::add_metrics_routes(*app->metrics_router_, *app->metrics_,
                            [store = app->store_.get(), mail = &app->metrics_->mail()] {
                              return refresh_outbox(*store, *mail);
                            });
  }
  return app;
}

}  // namespace vestibule::app
