// A Store that times every operation of another and counts its failures, into the metrics of
// that store's backend (metrics::StoreMetrics: vestibule_store_operation_duration_seconds and
// vestibule_store_errors_total, labelled by the operation's name, the Store method's: find_session,
// create_account, ...). A failure is Error::unavailable, the store failing; the domain answers
// (not_found, email_taken, id_taken, a false from the outbox calls) are results like any other.
// An operation that throws records nothing.
//
// Everything else is the inner store's: results, errors and the error contracts are passed on
// unchanged; prepare() is forwarded untimed (it runs once, before serving); the non-virtual
// helpers of Store (find_account_by_session) stay in the base and so count as the operation
// they call. The clock starts before the inner store is called (SQLite's inline reads do their
// work in that call). The series are resolved once, in the constructor: a call costs one
// coroutine frame and two steady-clock reads, nothing else (no lookup, no other allocation).
//
// Thread-safe as the inner store is. The StoreMetrics (with its Metrics) must outlive it.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "metrics/store_metrics.h"
#include "store/store.h"

namespace vestibule::store {

class InstrumentedStore final : public Store {
 public:
  // The operations timed, in the order of kOperationNames.
  enum class Op {
    create_account, find_account_by_email, find_account, list_accounts, find_session, touch_session,
    list_sessions, delete_session_by_id, update_account, delete_account, create_session, delete_session,
    delete_sessions, purge_expired_sessions, add_attempt, attempts, clear_attempts, add_effects, find_token,
    redeem_token, claim_mail, complete_mail, retry_mail, fail_mail, outbox_stats, ping, backup, count
  };
  static constexpr std::size_t kOps = static_cast<std::size_t>(Op::count);
  // The `operation` label of each Op (its Store method's name).
  static const std::array<const char*, kOps> kOperationNames;

  InstrumentedStore(std::unique_ptr<Store> inner, metrics::StoreMetrics& metrics);

  Store& inner() { return *inner_; }

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
  Task<boost::system::result<void, OpenError>> prepare() override { return inner_->prepare(); }
  boost::system::result<std::shared_ptr<SessionWatch>, OpenError> watch_sessions(SessionCache& cache) override {
    return inner_->watch_sessions(cache);
  }

 private:
  const metrics::StoreMetrics::Operation& op(Op o) const { return ops_[static_cast<std::size_t>(o)]; }

  std::unique_ptr<Store> inner_;
  std::array<metrics::StoreMetrics::Operation, kOps> ops_{};
};

// `inner` wrapped in an InstrumentedStore recording into `metrics` (Metrics::store(backend)).
std::unique_ptr<Store> instrument(std::unique_ptr<Store> inner, metrics::StoreMetrics& metrics);
// The same, or `inner` itself, untouched and at no cost, when `metrics` is null (no metrics).
std::unique_ptr<Store> instrument(std::unique_ptr<Store> inner, metrics::StoreMetrics* metrics);

}  // namespace vestibule::store
