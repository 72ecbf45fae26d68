// A Store that answers check_session from an in-process SessionCache and keeps it exact: each
// write of a session or an account marks what it changes as changing before it starts (no
// answer from memory for it meanwhile) and forgets it before it returns, so no check of this
// process answers the old state once the store holds the new one; and, when the inner store
// is one that other processes change too (Redis), the watch that the inner store gives
// (Store::watch_sessions) is caught up before every answer from memory. Everything else is the
// inner store's, passed on unchanged: results, errors and their contracts.
//
// Which writes forget what: update_account, delete_account, delete_sessions and
// delete_session_by_id the account's sessions; delete_session the one session; create_session
// with keep_newest (it may revoke older ones) the account's; redeem_token the account it
// changed; touch_session moves the cached last use. The others change no session or account
// (create_account has none yet; a flow token or mail is not part of a session check). A write
// that fails forgets all the same: Error::unavailable may hide a change that was applied.
//
// Thread-safe as the inner store is.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/session_cache.h"
#include "store/store.h"

namespace vestibule::store {

class CachingStore final : public Store {
 public:
  // Opens the inner store's watch (an OpenError if it has one and cannot start it).
  static boost::system::result<std::unique_ptr<CachingStore>, OpenError> create(std::unique_ptr<Store> inner,
                                                                                std::size_t max_entries);
  ~CachingStore() override;

  SessionCacheStats cache_stats() const { return cache_->stats(); }
  // Whether a check could be answered from memory now: no watch, or the watch caught up
  // (SessionWatch::catch_up). For tests and the benchmark, which wait for it after a start.
  bool answering() { return !watch_ || watch_->catch_up(); }

  Task<Result<SessionSummary>> check_session(std::string token_digest, TimePoint now) override;

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
  std::optional<bool> connected() const override { return inner_->connected(); }
  bool supports_backup() const override { return inner_->supports_backup(); }
  Task<Result<std::uint64_t>> backup(std::string path) override;
  // Forwarded; the cache then starts empty (migrations may have changed anything).
  Task<boost::system::result<void, OpenError>> prepare() override;

 private:
  CachingStore(std::unique_ptr<Store> inner, std::unique_ptr<SessionCache> cache);

  std::unique_ptr<Store> inner_;
  std::unique_ptr<SessionCache> cache_;
  std::shared_ptr<SessionWatch> watch_;  // null: only this object changes the inner store
};

}  // namespace vestibule::store
