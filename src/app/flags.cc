#include "app/flags.h"

#include <cctype>

namespace vestibule::app {
namespace {

// "--hash-memory-kib" -> "VESTIBULE_HASH_MEMORY_KIB".
std::string env_name(const std::string& flag) {
  std::string env = "VESTIBULE_";
  for (char ch : flag.substr(2)) env += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return env;
}

template <typename T>
CLI::Option* option(CLI::App& app, const std::string& flag, T& value, const std::string& what) {
  return app.add_option(flag, value, what)->envname(env_name(flag))->capture_default_str();
}

// A duration given in whole seconds, whatever the field's own unit.
template <typename Rep, typename Period>
CLI::Option* seconds(CLI::App& app, const std::string& flag, std::chrono::duration<Rep, Period>& value,
                     const std::string& what, std::int64_t min, std::int64_t max) {
  const auto shown = std::chrono::duration_cast<std::chrono::seconds>(value).count();
  return app
      .add_option_function<std::int64_t>(
          flag, [&value](std::int64_t s) { value = std::chrono::seconds(s); }, what)
      ->envname(env_name(flag))
      ->default_str(std::to_string(shown))
      ->check(CLI::Range(min, max));
}

// A throttling limit as two flags: NAME (attempts) and NAME-window (seconds).
void limit(CLI::App& app, const std::string& flag, accounts::Limit& limit, const std::string& what) {
  option(app, flag, limit.max, what);
  seconds(app, flag + "-window", limit.window, "Window of " + flag + " in seconds", 1, 86400 * 7);
}

}  // namespace

void add_serve_flags(CLI::App& cmd, Settings& s) {
  option(cmd, "--listen", s.listen, "Address and port to listen on, e.g. 127.0.0.1:9443 or [::1]:9443");
  option(cmd, "--store", s.store_url,
         "Store URL: sqlite:PATH (directory created if missing) or redis://[user:password@]HOST:PORT[/DB]");
  option(cmd, "--redis-key-prefix", s.store.redis_key_prefix,
         "Prefix of every Redis key, so several deployments can share one server");
  option(cmd, "--store-threads", s.store.threads, "SQLite worker threads (= connections)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}));
  option(cmd, "--session-cache-entries", s.session_cache_entries,
         "Live sessions kept in memory for token checks, kept exact by the store's invalidations; 0: none")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10'000'000}));
  option(cmd, "--common-passwords", s.common_passwords,
         "File of known passwords refused at registration and change (one a line); '' for none");
  seconds(cmd, "--token-ttl", s.service.token_ttl, "Bearer token lifetime in seconds", 1, 31'536'000);
  cmd.add_option_function<std::string>(
         "--email-verification",
         [&s](const std::string& mode) {
           s.service.email_verification = mode == "required" ? accounts::EmailVerification::required
                                                             : accounts::EmailVerification::optional;
         },
         "optional: a verification link is mailed; required: also no login before the address is verified, "
         "and registration does not tell whether an address is taken")
      ->envname(env_name("--email-verification"))
      ->default_str(s.service.email_verification == accounts::EmailVerification::required ? "required" : "optional")
      ->check(CLI::IsMember({"optional", "required"}));
  seconds(cmd, "--reset-token-ttl", s.service.reset_token_ttl, "Password reset link lifetime in seconds", 60, 86400 * 7);
  seconds(cmd, "--verification-token-ttl", s.service.verification_token_ttl,
          "Email verification link lifetime in seconds", 60, 86400 * 30);

  option(cmd, "--hash-memory-kib", s.hasher.params.memory_kib, "argon2id memory cost in KiB")
      ->check(CLI::Range(security::kMinMemoryKib, security::kMaxMemoryKib));
  option(cmd, "--hash-iterations", s.hasher.params.iterations, "argon2id passes (time cost)")
      ->check(CLI::Range(1u, security::kMaxIterations));
  cmd.add_option_function<std::string>(
         "--hash-engine",
         [&s](const std::string& name) {
           s.hasher.params.engine = name == "argon2" ? security::HashEngine::argon2 : security::HashEngine::sodium;
         },
         "Library computing argon2id: sodium (libsodium) or argon2 (libargon2, warm buffer per thread)")
      ->envname(env_name("--hash-engine"))
      ->default_str(s.hasher.params.engine == security::HashEngine::argon2 ? "argon2" : "sodium")
      ->check(CLI::IsMember({"sodium", "argon2"}));
  option(cmd, "--hash-threads", s.hasher.threads, "Threads in the password hashing pool (default: cores)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  option(cmd, "--hash-queue", s.hasher.max_queued, "Hash jobs allowed to wait; beyond it requests get 503")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  option(cmd, "--hash-nice", s.hasher.nice, "Added to the hashing threads' nice value (19: lowest priority)")
      ->check(CLI::Range(0, 19));

  option(cmd, "--io-threads", s.io_threads, "Network threads (default: cores)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  option(cmd, "--max-body-bytes", s.server.max_body_bytes, "Largest request body accepted; larger gets 413")
      ->check(CLI::Range(std::size_t{256}, std::size_t{16u << 20}));
  option(cmd, "--max-header-bytes", s.server.max_header_bytes,
         "Largest request header (fields, without the request line); larger gets 431")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1u << 20}));
  option(cmd, "--max-target-bytes", s.server.max_target_bytes, "Longest request target (URL); longer gets 414")
      ->check(CLI::Range(std::size_t{64}, std::size_t{1u << 20}));
  option(cmd, "--max-connections", s.server.max_connections,
         "Open connections beyond which new ones get 503 (0: only the descriptor limit)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1u << 20}));
  option(cmd, "--max-connections-per-client", s.server.max_connections_per_client,
         "Open connections from one peer address beyond which new ones get 503 (0: off; a proxy is one client)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1u << 20}));
  seconds(cmd, "--shutdown-timeout", s.shutdown_timeout, "Seconds in-flight requests get on SIGTERM", 0, 600);
  seconds(cmd, "--idle-timeout", s.server.idle_timeout, "Seconds an idle keep-alive connection is kept", 1, 3600);
  seconds(cmd, "--header-timeout", s.server.header_timeout,
          "Seconds a request header may take from its first byte (slowloris guard)", 1, 600);
  cmd.add_option("--tls-cert", s.tls_cert, "PEM certificate chain: serve HTTPS (TLS 1.2+)")
      ->envname(env_name("--tls-cert"));
  cmd.add_option("--tls-key", s.tls_key, "PEM private key of --tls-cert")->envname(env_name("--tls-key"));
  cmd.add_flag("--allow-insecure-http", s.allow_insecure_http,
               "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)")
      ->envname(env_name("--allow-insecure-http"));
  cmd.add_flag("--trust-proxy", s.server.trust_proxy,
               "Take the client address from the last X-Forwarded-For entry (only behind a proxy that sets it)")
      ->envname(env_name("--trust-proxy"));

  option(cmd, "--admin-listen", s.admin_listen,
         "Address and port of the admin API (off unless set; HTTPS with --tls-cert off loopback)");
  option(cmd, "--admin-token-file", s.admin_token_file,
         "File holding the admin API's bearer token (>= 16 characters, not readable by others)");
  option(cmd, "--backup-dir", s.backup_dir,
         "Directory of the admin API's online backups (POST /admin/v1/backups; default: backups/ beside the "
         "SQLite file)");
  option(cmd, "--metrics-listen", s.metrics_listen,
         "Address and port of GET /metrics for Prometheus (off unless set: no metrics kept; HTTPS with --tls-cert "
         "off loopback; never the --listen address)");
  cmd.add_flag("--ui,!--no-ui", s.ui,
               "Serve the account page on the public listener: GET /, /reset-password, /verify-email (the mailed "
               "links) and /ui/ (on by default)")
      ->envname(env_name("--ui"))
      ->capture_default_str();
  option(cmd, "--secrets-key-file", s.secrets_key_file,
         "File holding the key that seals TOTP secrets (64 hex digits, not readable by others; default: secrets.key "
         "beside the SQLite file, made on first start; Redis: none, two-factor enrolment is then unavailable)");
  cmd.add_option_function<std::string>(
         "--totp-issuer", [&s](const std::string& v) { s.service.totp_issuer = v; },
         "The name authenticator apps show for the accounts (otpauth issuer)")
      ->envname(env_name("--totp-issuer"))
      ->default_str(s.service.totp_issuer);
  option(cmd, "--introspection-token-file", s.introspection_token_file,
         "File holding the secret resource servers present to POST /v1/introspect (off unless set)");

  mail::MailOptions& m = s.mail;
  option(cmd, "--mail-url", m.url,
         "Where mail goes: smtp://[user:pass@]HOST:PORT[?starttls=required], smtps://[user:pass@]HOST:PORT, or "
         "file:DIR (one .eml file per message; for development)");
  option(cmd, "--mail-from", m.from, "From of every message: 'Name <address>' or an address");
  cmd.add_option("--public-url", m.public_url, "Base URL of the links in messages (where the account page is served)")
      ->envname(env_name("--public-url"))
      ->default_str("http://{--listen}");
  option(cmd, "--mail-templates", m.templates_dir,
         "Directory of template overrides: KIND.subject, KIND.txt, KIND.html (missing files: built-in)");
  option(cmd, "--mail-ca-file", m.ca_file, "PEM CA certificates the SMTP server's TLS certificate is checked against "
                                           "(default: the system's)");
  option(cmd, "--mail-max-attempts", m.max_attempts, "Deliveries tried before a message is given up")
      ->check(CLI::Range(1u, 100u));
  seconds(cmd, "--mail-retry-delay", m.backoff_initial,
          "Seconds before the first retry of a failed delivery; doubles each time, up to an hour", 1, 3600);
  seconds(cmd, "--mail-lease", m.lease,
          "Seconds a claimed message is reserved for this instance (must exceed --mail-send-timeout)", 2, 86400);
  seconds(cmd, "--mail-send-timeout", m.send_timeout, "Seconds one SMTP conversation may take", 1, 3600);
  option(cmd, "--mail-threads", m.delivery_threads, "Messages delivered at once (SMTP conversations)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}));

  accounts::Throttling& t = s.service.throttling;
  limit(cmd, "--login-account-limit", t.failed_logins_per_account,
        "Failed password checks (logins, re-authentication) per account per window before 429 (0: off)");
  limit(cmd, "--login-client-limit", t.failed_logins_per_client,
        "Failed password checks per client address per window before 429 (0: off)");
  limit(cmd, "--register-client-limit", t.registrations_per_client,
        "Registrations per client address per window before 429 (0: off)");
  limit(cmd, "--mail-request-client-limit", t.mail_requests_per_client,
        "Password reset and verification link requests per client address per window before 429 (0: off)");
  limit(cmd, "--mail-account-limit", t.mail_per_account_short,
        "Emails of one kind (reset, verification) to one account per window; more are not sent (0: off)");
  limit(cmd, "--mail-account-long-limit", t.mail_per_account_long,
        "Emails of one kind to one account per longer window; more are not sent (0: off)");
  option(cmd, "--log-level", s.log_level, "trace, debug, info, warn, error, critical or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  cmd.add_option_function<std::string>(
         "--log-format", [&s](const std::string& f) { s.log_format = f == "json" ? LogFormat::json : LogFormat::text; },
         "text: logfmt lines (ts=... level=... logger=... event=...); json: one JSON object per line")
      ->envname(env_name("--log-format"))
      ->default_str(s.log_format == LogFormat::json ? "json" : "text")
      ->check(CLI::IsMember({"text", "json"}));
}

}  // namespace vestibule::app
