// A real store with faults switched on and off by the test: while `claims_fail` is set,
// claim_mail answers Error::unavailable; while `completions_fail` is set, complete_mail does
// (without completing); while `disable_before_session` is set, create_session first disables
// the account (an operator's change landing between a login's password check and its session);
// while `hold_backups` is set, backup() waits until release_backups(); while `email_lookups_fail`
// is set, find_account_by_email answers Error::unavailable, and while `pings_fail` is set, ping
// does (both count their calls).
// Everything else goes to the wrapped store. Thread-safe like it.
#pragma once

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <vector>

#include "store/store.h"

namespace vestibule::mail {

class FlakyStore final : public store::Store {
 public:
  explicit FlakyStore(store::Store& real) : real_(real) {}

  std::atomic<bool> claims_fail{false};
  std::atomic<bool> completions_fail{false};
  std::atomic<int> claim_calls{0};
  std::atomic<bool> disable_before_session{false};
  std::atomic<bool> email_lookups_fail{false};
  std::atomic<int> email_lookups{0};
  std::atomic<bool> pings_fail{false};
  std::atomic<int> pings{0};

  template <typename T>
  using Task = store::Task<store::Result<T>>;

  Task<std::vector<store::OutboxMessage>> claim_mail(store::TimePoint now, std::chrono::milliseconds lease,
                                                     std::size_t limit, std::string claim) override {
    ++claim_calls;
    if (claims_fail) co_return store::Error::unavailable;
    co_return co_await real_.claim_mail(now, lease, limit, std::move(claim));
  }
  Task<bool> complete_mail(std::string id, std::string claim) override {
    if (completions_fail) co_return store::Error::unavailable;
    co_return co_await real_.complete_mail(std::move(id), std::move(claim));
  }

  Task<void> create_account(store::Account a, store::Effects e) override { return real_.create_account(a, e); }
  Task<store::Account> find_account_by_email(std::string k) override {
    ++email_lookups;
    if (email_lookups_fail) co_return store::Error::unavailable;
    co_return co_await real_.find_account_by_email(std::move(k));
  }
  Task<store::Account> find_account(std::string id) override { return real_.find_account(id); }
  Task<std::vector<store::Account>> list_accounts(std::string after, std::size_t limit) override {
    return real_.list_accounts(after, limit);
  }
  Task<store::SessionAccount> find_session(std::string d, store::TimePoint now) override {
    return real_.find_session(d, now);
  }
  Task<void> touch_session(std::string d, store::TimePoint at) override { return real_.touch_session(d, at); }
  Task<std::vector<store::Session>> list_sessions(std::string id, store::TimePoint now) override {
    return real_.list_sessions(id, now);
  }
  Task<void> delete_session_by_id(std::string id, std::string session_id, store::TimePoint now) override {
    return real_.delete_session_by_id(id, session_id, now);
  }
  Task<store::Account> update_account(std::string id, store::AccountChanges c) override {
    return real_.update_account(id, c);
  }
  Task<void> delete_account(std::string id) override { return real_.delete_account(id); }
  Task<void> create_session(store::Session s) override {
    if (disable_before_session) {
      store::AccountChanges changes;
      changes.updated_at = s.created_at;
      changes.disabled = true;
      changes.revoke_all_sessions = true;
      auto disabled = co_await real_.update_account(s.account_id, std::move(changes));
      if (!disabled) co_return disabled.error();
    }
    co_return co_await real_.create_session(std::move(s));
  }
  Task<void> delete_session(std::string d) override { return real_.delete_session(d); }
  Task<void> delete_sessions(std::string id) override { return real_.delete_sessions(id); }
  Task<std::size_t> purge_expired_sessions(store::TimePoint now) override { return real_.purge_expired_sessions(now); }
  Task<store::Attempts> add_attempt(std::string k, store::TimePoint now, std::chrono::milliseconds w) override {
    return real_.add_attempt(k, now, w);
  }
  Task<store::Attempts> attempts(std::string k, store::TimePoint now) override { return real_.attempts(k, now); }
  Task<void> clear_attempts(std::string k) override { return real_.clear_attempts(k); }
  Task<void> add_effects(std::string id, store::Effects e) override { return real_.add_effects(id, e); }
  Task<store::TokenHolder> find_token(std::string d, store::TokenPurpose p, store::TimePoint now) override {
    return real_.find_token(d, p, now);
  }
  Task<store::Account> redeem_token(std::string d, store::TokenPurpose p, store::TimePoint now,
                                    store::AccountChanges c) override {
    return real_.redeem_token(d, p, now, c);
  }
  Task<bool> retry_mail(std::string id, std::string claim, store::TimePoint due) override {
    return real_.retry_mail(id, claim, due);
  }
  Task<bool> fail_mail(std::string id, std::string claim, store::TimePoint keep) override {
    return real_.fail_mail(id, claim, keep);
  }
  Task<store::OutboxStats> outbox_stats() override { return real_.outbox_stats(); }
  Task<void> ping() override {
    ++pings;
    if (pings_fail) co_return store::Error::unavailable;
    co_return co_await real_.ping();
  }

  // While hold_backups is set, backup() waits (on its caller's executor) until release_backups();
  // backups_waiting counts those that are. For a single-threaded io_context.
  std::atomic<bool> hold_backups{false};
  std::atomic<int> backups_waiting{0};
  bool supports_backup() const override { return real_.supports_backup(); }
  Task<std::uint64_t> backup(std::string path) override {
    if (hold_backups) {
      auto executor = co_await boost::asio::this_coro::executor;
      boost::asio::steady_timer gate(executor, boost::asio::steady_timer::time_point::max());
      gates_.push_back(&gate);
      ++backups_waiting;
      co_await gate.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      --backups_waiting;
    }
    co_return co_await real_.backup(std::move(path));
  }
  void release_backups() {
    for (auto* gate : gates_) gate->cancel();
    gates_.clear();
  }
  store::Task<boost::system::result<void, store::OpenError>> prepare() override { return real_.prepare(); }

 private:
  store::Store& real_;
  std::vector<boost::asio::steady_timer*> gates_;  // the held backups' timers
};

}  // namespace vestibule::mail
