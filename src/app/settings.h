// Every setting of `vestibule serve`, as one plain struct built from the options structs of the
// layers it configures. Each default is written once, in the struct that uses it (ServerOptions,
// HasherOptions, ServiceOptions, OpenOptions) or here for what only the application knows;
// flags.cc binds the command line and VESTIBULE_* variables to these fields and prints the same
// defaults in --help. Plain values: copied and read freely.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "accounts/account_service.h"
#include "app/logging.h"
#include "http/server.h"
#include "mail/options.h"
#include "security/password_hasher.h"
#include "store/open.h"

namespace vestibule::app {

struct Settings {
  // "127.0.0.1:9443" or "[::1]:9443"; becomes server.endpoint.
  std::string listen = "127.0.0.1:9443";
  // sqlite:PATH or redis://...; store.* holds the backend's options.
  std::string store_url = "sqlite:data/vestibule.db";
  store::OpenOptions store;
  // Live sessions kept in memory so a token check needs no store round trip, exact on every
  // store (store/caching_store.h; Redis: tracking.h); 0: none, every check asks the store. An
  // entry takes about 0.9 KiB, at most 4 KiB (SessionCache::kMaxEntryBytes).
  std::size_t session_cache_entries = 10'000;
  security::HasherOptions hasher;
  // password_policy is filled from common_passwords when the service is built.
  accounts::ServiceOptions service;
  std::string common_passwords = "/usr/share/john/password.lst";
  // endpoint comes from listen, tls from tls_cert/tls_key.
  http::ServerOptions server;
  // Outgoing mail: --mail-url, --mail-from, --public-url, --mail-templates and the courier.
  mail::MailOptions mail;
  // The admin API's listener ("" : none) and the file of its bearer token (required with it).
  // It takes the same TLS files as the public listener, and the same loopback rule.
  std::string admin_listen;
  std::string admin_token_file;
  // The file of the secret resource servers present to POST /v1/introspect ("": no such route).
  std::string introspection_token_file;
  // The key sealing TOTP secrets ("": secrets.key beside the SQLite file, made on first start;
  // none for Redis, where the second factor is then unavailable).
  std::string secrets_key_file;
  // Where POST /admin/v1/backups writes its copies ("": a backups directory beside the SQLite
  // file, e.g. data/backups for sqlite:data/vestibule.db).
  std::string backup_dir;
  // The Prometheus scrape listener ("": none, and no metrics are kept at all). Same TLS files
  // and loopback rule as the other listeners; never the public listener's address.
  std::string metrics_listen;
  // The account page (GET /, /reset-password, /verify-email, /ui/...) on the public listener.
  bool ui = true;
  std::string tls_cert;
  std::string tls_key;
  bool allow_insecure_http = false;
  std::size_t io_threads = std::max(1u, std::thread::hardware_concurrency());
  // What in-flight requests get after SIGTERM/SIGINT before the process exits regardless.
  std::chrono::seconds shutdown_timeout{10};
  std::string log_level = "info";
  LogFormat log_format = LogFormat::text;
};

// The store's kind, its URL's scheme ("sqlite", "redis"), for the listening line and the
// metrics: never the URL itself, which may hold a Redis password.
inline std::string store_kind(const Settings& s) { return s.store_url.substr(0, s.store_url.find(':')); }

// The base of the links in messages: --public-url, or without it the public listener itself
// (https:// with --tls-cert), so that the --listen default is written once.
inline std::string public_url(const Settings& s) {
  if (!s.mail.public_url.empty()) return s.mail.public_url;
  return (s.tls_cert.empty() ? "http://" : "https://") + s.listen;
}

}  // namespace vestibule::app
