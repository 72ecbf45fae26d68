#include "store/instrumented_store.h"

#include <chrono>
#include <utility>

namespace vestibule::store {
namespace {

using Operation = metrics::StoreMetrics::Operation;

using Steady = std::chrono::steady_clock;

// The one coroutine frame a call adds: awaits the inner store's task and records the time since
// `start`. The caller reads `start` in a statement of its own before it calls the inner store,
// because a backend may do its work in that call already (SQLite's inline reads return a task
// that is ready), and the order in which function arguments are evaluated is unspecified. Takes
// the task, not a lambda, by value (STYLE.md 10).
template <typename T>
Task<Result<T>> timed(const Operation& op, Steady::time_point start, Task<Result<T>> call) {
  Result<T> result = co_await std::move(call);
  const bool failed = !result && result.error() == Error::unavailable;
  op.record(Steady::now() - start, failed);
  co_return result;
}

}  // namespace

using Op = InstrumentedStore::Op;

const std::array<const char*, InstrumentedStore::kOps> InstrumentedStore::kOperationNames = {
    "create_account", "find_account_by_email", "find_account", "list_accounts", "find_session",
    "touch_session", "list_sessions", "delete_session_by_id", "update_account", "delete_account",
    "create_session", "delete_session", "delete_sessions", "purge_expired_sessions", "add_attempt",
    "attempts", "clear_attempts", "add_effects", "find_token", "redeem_token", "claim_mail",
    "complete_mail", "retry_mail", "fail_mail", "outbox_stats", "ping", "backup"};

InstrumentedStore::InstrumentedStore(std::unique_ptr<Store> inner, metrics::StoreMetrics& metrics)
    : inner_(std::move(inner)) {
  for (std::size_t i = 0; i < kOps; ++i) ops_[i] = metrics.operation(kOperationNames[i]);
}

std::unique_ptr<Store> instrument(std::unique_ptr<Store> inner, metrics::StoreMetrics& metrics) {
  return std::make_unique<InstrumentedStore>(std::move(inner), metrics);
}

std::unique_ptr<Store> instrument(std::unique_ptr<Store> inner, metrics::StoreMetrics* metrics) {
  if (!metrics) return inner;
  return instrument(std::move(inner), *metrics);
}

Task<Result<void>> InstrumentedStore::create_account(Account account, Effects effects) {
  const auto start = Steady::now();
  return timed(op(Op::create_account), start, inner_->create_account(std::move(account), std::move(effects)));
}

Task<Result<Account>> InstrumentedStore::find_account_by_email(std::string email_key) {
  const auto start = Steady::now();
  return timed(op(Op::find_account_by_email), start, inner_->find_account_by_email(std::move(email_key)));
}

Task<Result<Account>> InstrumentedStore::find_account(std::string account_id) {
  const auto start = Steady::now();
  return timed(op(Op::find_account), start, inner_->find_account(std::move(account_id)));
}

Task<Result<std::vector<Account>>> InstrumentedStore::list_accounts(std::string after_id, std::size_t limit) {
  const auto start = Steady::now();
  return timed(op(Op::list_accounts), start, inner_->list_accounts(std::move(after_id), limit));
}

Task<Result<SessionAccount>> InstrumentedStore::find_session(std::string token_digest, TimePoint now) {
  const auto start = Steady::now();
  return timed(op(Op::find_session), start, inner_->find_session(std::move(token_digest), now));
}

Task<Result<void>> InstrumentedStore::touch_session(std::string token_digest, TimePoint at) {
  const auto start = Steady::now();
  return timed(op(Op::touch_session), start, inner_->touch_session(std::move(token_digest), at));
}

Task<Result<std::vector<Session>>> InstrumentedStore::list_sessions(std::string account_id, TimePoint now) {
  const auto start = Steady::now();
  return timed(op(Op::list_sessions), start, inner_->list_sessions(std::move(account_id), now));
}

Task<Result<void>> InstrumentedStore::delete_session_by_id(std::string account_id, std::string session_id,
                                                           TimePoint now) {
  const auto start = Steady::now();
  return timed(op(Op::delete_session_by_id), start,
               inner_->delete_session_by_id(std::move(account_id), std::move(session_id), now));
}

Task<Result<Account>> InstrumentedStore::update_account(std::string account_id, AccountChanges changes) {
  const auto start = Steady::now();
  return timed(op(Op::update_account), start, inner_->update_account(std::move(account_id), std::move(changes)));
}

Task<Result<void>> InstrumentedStore::delete_account(std::string account_id) {
  const auto start = Steady::now();
  return timed(op(Op::delete_account), start, inner_->delete_account(std::move(account_id)));
}

Task<Result<void>> InstrumentedStore::create_session(Session session) {
  const auto start = Steady::now();
  return timed(op(Op::create_session), start, inner_->create_session(std::move(session)));
}

Task<Result<void>> InstrumentedStore::delete_session(std::string token_digest) {
  const auto start = Steady::now();
  return timed(op(Op::delete_session), start, inner_->delete_session(std::move(token_digest)));
}

Task<Result<void>> InstrumentedStore::delete_sessions(std::string account_id) {
  const auto start = Steady::now();
  return timed(op(Op::delete_sessions), start, inner_->delete_sessions(std::move(account_id)));
}

Task<Result<std::size_t>> InstrumentedStore::purge_expired_sessions(TimePoint now) {
  const auto start = Steady::now();
  return timed(op(Op::purge_expired_sessions), start, inner_->purge_expired_sessions(now));
}

Task<Result<Attempts>> InstrumentedStore::add_attempt(std::string key, TimePoint now,
                                                      std::chrono::milliseconds window) {
  const auto start = Steady::now();
  return timed(op(Op::add_attempt), start, inner_->add_attempt(std::move(key), now, window));
}

Task<Result<Attempts>> InstrumentedStore::attempts(std::string key, TimePoint now) {
  const auto start = Steady::now();
  return timed(op(Op::attempts), start, inner_->attempts(std::move(key), now));
}

Task<Result<void>> InstrumentedStore::clear_attempts(std::string key) {
  const auto start = Steady::now();
  return timed(op(Op::clear_attempts), start, inner_->clear_attempts(std::move(key)));
}

Task<Result<void>> InstrumentedStore::add_effects(std::string account_id, Effects effects) {
  const auto start = Steady::now();
  return timed(op(Op::add_effects), start, inner_->add_effects(std::move(account_id), std::move(effects)));
}

Task<Result<TokenHolder>> InstrumentedStore::find_token(std::string token_digest, TokenPurpose purpose,
                                                        TimePoint now) {
  const auto start = Steady::now();
  return timed(op(Op::find_token), start, inner_->find_token(std::move(token_digest), purpose, now));
}

Task<Result<Account>> InstrumentedStore::redeem_token(std::string token_digest, TokenPurpose purpose, TimePoint now,
                                                      AccountChanges changes) {
  const auto start = Steady::now();
  return timed(op(Op::redeem_token), start, inner_->redeem_token(std::move(token_digest), purpose, now, std::move(changes)));
}

Task<Result<std::vector<OutboxMessage>>> InstrumentedStore::claim_mail(TimePoint now, std::chrono::milliseconds lease,
                                                                       std::size_t limit, std::string claim) {
  const auto start = Steady::now();
  return timed(op(Op::claim_mail), start, inner_->claim_mail(now, lease, limit, std::move(claim)));
}

Task<Result<bool>> InstrumentedStore::complete_mail(std::string message_id, std::string claim) {
  const auto start = Steady::now();
  return timed(op(Op::complete_mail), start, inner_->complete_mail(std::move(message_id), std::move(claim)));
}

Task<Result<bool>> InstrumentedStore::retry_mail(std::string message_id, std::string claim, TimePoint due) {
  const auto start = Steady::now();
  return timed(op(Op::retry_mail), start, inner_->retry_mail(std::move(message_id), std::move(claim), due));
}

Task<Result<bool>> InstrumentedStore::fail_mail(std::string message_id, std::string claim, TimePoint keep_until) {
  const auto start = Steady::now();
  return timed(op(Op::fail_mail), start, inner_->fail_mail(std::move(message_id), std::move(claim), keep_until));
}

Task<Result<OutboxStats>> InstrumentedStore::outbox_stats() {
  const auto start = Steady::now();
  return timed(op(Op::outbox_stats), start, inner_->outbox_stats());
}

Task<Result<void>> InstrumentedStore::ping() {
  const auto start = Steady::now();
  return timed(op(Op::ping), start, inner_->ping());
}

Task<Result<std::uint64_t>> InstrumentedStore::backup(std::string path) {
  const auto start = Steady::now();
  return timed(op(Op::backup), start, inner_->backup(std::move(path)));
}

}  // namespace vestibule::store
