// The shared store: accounts, sessions, flow tokens and the mail outbox in Redis, so any number
// of stateless Vestibule instances serve one user base and share one outbox. Every multi-key
// change is one Lua script, which Redis runs atomically (a change and its effects together);
// sessions and flow tokens expire with Redis TTLs. Key layout: docs/redis.md. Connects lazily;
// prepare() checks and migrates the data version before serving. Thread-safe.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/redis/redis_client.h"
#include "store/store.h"

namespace vestibule::store::redis {

// The default key prefix (--redis-key-prefix).
inline constexpr const char* kDefaultKeyPrefix = "vestibule:";

struct RedisOptions {
  ClientOptions client;
  std::string key_prefix = kDefaultKeyPrefix;
  EmailKeyFunction email_key{};               // for migrations that re-key accounts (store.h)
  std::shared_ptr<spdlog::logger> logger{};  // none: nothing is logged; also the client's
};

class RedisStore final : public Store {
 public:
  RedisStore(boost::asio::any_io_executor executor, RedisOptions options);
  ~RedisStore() override;

  Task<Result<void>> create_account(Account account, Effects effects) override;
  Task<Result<Account>> find_account_by_email(std::string email_key) override;
  Task<Result<Account>> find_account(std::string account_id) override;
  Task<Result<std::vector<Account>>> list_accounts(std::string after_id, std::size_t limit) override;
  Task<Result<SessionAccount>> find_session(std::string token_digest, TimePoint now) override;
  Task<Result<void>> touch_session(std::string token_digest, TimePoint at) override;
  Task<Result<std::vector<Session>>> list_sessions(std::string account_id, TimePoint now) override;
  Task<Result<void>> delete_session_by_id(std::string account_id, std::string session_id, TimePoint now) override;
  Task<Result<Account>> update_account(std::string account_id, AccountChanges changes) override;
  Task<Result<void>> delete_account(std::string account_id) override;
  Task<Result<void>> create_session(Session session) override;
  Task<Result<void>> delete_session(std::string token_digest) override;
  Task<Result<void>> delete_sessions(std::string account_id) override;
  Task<Result<std::size_t>> purge_expired_sessions(TimePoint now) override;
  Task<Result<Attempts>> add_attempt(std::string key, TimePoint now, std::chrono::milliseconds window) override;
  Task<Result<Attempts>> attempts(std::string key, TimePoint now) override;
  Task<Result<void>> clear_attempts(std::string key) override;
  Task<Result<void>> add_effects(std::string account_id, Effects effects) override;
  Task<Result<TokenHolder>> find_token(std::string token_digest, TokenPurpose purpose, TimePoint now) override;
  Task<Result<Account>> redeem_token(std::string token_digest, TokenPurpose purpose, TimePoint now,
                                     AccountChanges changes) override;
  Task<Result<std::vector<OutboxMessage>>> claim_mail(TimePoint now, std::chrono::milliseconds lease,
                                                     std::size_t limit, std::string claim) override;
  Task<Result<bool>> complete_mail(std::string message_id, std::string claim) override;
  Task<Result<bool>> retry_mail(std::string message_id, std::string claim, TimePoint due) override;
  Task<Result<bool>> fail_mail(std::string message_id, std::string claim, TimePoint keep_until) override;
  Task<Result<OutboxStats>> outbox_stats() override;
  Task<Result<void>> ping() override;
  // The client's connection state (RedisClient::connected).
  std::optional<bool> connected() const override;
  // A Tracking connection (redis/tracking.h) telling `cache` of every change by any client.
  boost::system::result<std::shared_ptr<SessionWatch>, OpenError> watch_sessions(SessionCache& cache) override;
  // Checks the data version and migrates older data (redis/migrations.h).
  Task<boost::system::result<void, OpenError>> prepare() override;

  enum class Script { create_account, find_by_email, list_accounts, update_account, delete_account,
                      find_session, touch_session, list_sessions, create_session, delete_session,
                      delete_session_by_id, delete_sessions, add_attempt, attempts, add_effects, find_token,
                      redeem_token, claim_mail, complete_mail, retry_mail, fail_mail, outbox_stats,
                      purge_failed_mail, count };

 private:
  // EVALSHA with the cached digest; loads the script on first use and after NOSCRIPT (e.g.
  // when Redis restarted without persistence or was flushed).
  Task<Result<Reply>> run(Script script, std::vector<std::string> keys, std::vector<std::string> args);

  std::string account_key(std::string_view id) const;
  std::string email_key(std::string_view email_key) const;
  std::string session_key(std::string_view digest) const;
  std::string session_id_key(std::string_view account_id, std::string_view session_id) const;
  std::string accounts_key() const;  // the account id index
  std::string attempts_key(std::string_view key) const;
  std::string token_key(std::string_view digest) const;
  std::string mail_key(std::string_view id) const;
  std::string outbox_key(std::string_view which) const;  // "due", "created", "failed"

  boost::asio::any_io_executor executor_;
  RedisOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<RedisClient> client_;
  std::mutex mutex_;
  std::array<std::string, static_cast<std::size_t>(Script::count)> shas_;
};

}  // namespace vestibule::store::redis
