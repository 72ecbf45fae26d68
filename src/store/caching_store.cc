#include "store/caching_store.h"

#include <utility>

namespace vestibule::store {

boost::system::result<std::unique_ptr<CachingStore>, OpenError> CachingStore::create(std::unique_ptr<Store> inner,
                                                                                     std::size_t max_entries) {
  // A watch disables fills at once, until its channel is connected (session_cache.h, reset()).
  auto cache = std::make_unique<SessionCache>(max_entries);
  auto watch = inner->watch_sessions(*cache);
  if (!watch) return watch.error();
  std::unique_ptr<CachingStore> out(new CachingStore(std::move(inner), std::move(cache)));
  out->watch_ = std::move(*watch);
  return out;
}

CachingStore::CachingStore(std::unique_ptr<Store> inner, std::unique_ptr<SessionCache> cache)
    : inner_(std::move(inner)), cache_(std::move(cache)) {}

CachingStore::~CachingStore() {
  if (watch_) watch_->stop();
}

// Every change of a session or an account below is acknowledged only after the watch settled
// (SessionWatch::settle): Redis has then written its invalidation to every other process's
// tracking connection.

Task<Result<SessionSummary>> CachingStore::check_session(std::string token_digest, TimePoint now) {
  // Caught up first: every invalidation that has arrived is applied before the lookup.
  const bool answerable = !watch_ || watch_->catch_up();
  if (answerable) {
    std::optional<SessionSummary> hit = cache_->find(token_digest, now);
    if (hit) co_return std::move(*hit);
  } else {
    cache_->missed();
  }
  // Before the read: a change forgotten while it runs makes the cache refuse its answer.
  const SessionCache::Ticket ticket = cache_->ticket();
  Result<SessionSummary> found = co_await inner_->check_session(std::move(token_digest), now);
  if (found) cache_->fill(ticket, *found);
  co_return found;
}

Task<Result<void>> CachingStore::touch_session(std::string token_digest, TimePoint at) {
  const std::string digest = token_digest;
  Result<void> done = co_await inner_->touch_session(std::move(token_digest), at);
  if (done) cache_->touched(digest, at);
  co_return done;
}

Task<Result<void>> CachingStore::delete_session_by_id(std::string account_id, std::string session_id, TimePoint now) {
  const std::string account = account_id;
  cache_->begin_change(SessionCache::Scope::account, account);
  Result<void> done = co_await inner_->delete_session_by_id(std::move(account_id), std::move(session_id), now);
  cache_->end_change(SessionCache::Scope::account, account);
  if (done && watch_) co_await watch_->settle();
  co_return done;
}

Task<Result<Account>> CachingStore::update_account(std::string account_id, AccountChanges changes) {
  const std::string account = account_id;
  cache_->begin_change(SessionCache::Scope::account, account);
  Result<Account> done = co_await inner_->update_account(std::move(account_id), std::move(changes));
  cache_->end_change(SessionCache::Scope::account, account);
  if (done && watch_) co_await watch_->settle();
  co_return done;
}

Task<Result<void>> CachingStore::delete_account(std::string account_id) {
  const std::string account = account_id;
  cache_->begin_change(SessionCache::Scope::account, account);
  Result<void> done = co_await inner_->delete_account(std::move(account_id));
  cache_->end_change(SessionCache::Scope::account, account);
  if (done && watch_) co_await watch_->settle();
  co_return done;
}

Task<Result<void>> CachingStore::create_session(Session session) {
  const bool revokes = session.keep_newest != 0;
  const std::string account = revokes ? session.account_id : std::string();
  if (revokes) cache_->begin_change(SessionCache::Scope::account, account);
  Result<void> done = co_await inner_->create_session(std::move(session));
  if (revokes) cache_->end_change(SessionCache::Scope::account, account);
  // A new session is in no other process's cache: only a creation that ends others waits.
  if (revokes && done && watch_) co_await watch_->settle();
  co_return done;
}

Task<Result<void>> CachingStore::delete_session(std::string token_digest) {
  const std::string digest = token_digest;
  cache_->begin_change(SessionCache::Scope::session, digest);
  Result<void> done = co_await inner_->delete_session(std::move(token_digest));
  cache_->end_change(SessionCache::Scope::session, digest);
  if (done && watch_) co_await watch_->settle();
  co_return done;
}

Task<Result<void>> CachingStore::delete_sessions(std::string account_id) {
  const std::string account = account_id;
  cache_->begin_change(SessionCache::Scope::account, account);
  Result<void> done = co_await inner_->delete_sessions(std::move(account_id));
  cache_->end_change(SessionCache::Scope::account, account);
  if (done && watch_) co_await watch_->settle();
  co_return done;
}

Task<Result<Account>> CachingStore::redeem_token(std::string token_digest, TokenPurpose purpose, TimePoint now,
                                                 AccountChanges changes) {
  Result<Account> done = co_await inner_->redeem_token(std::move(token_digest), purpose, now, std::move(changes));
  // Its account is known only from the answer, so it is forgotten after the change rather than
  // around it (a reset's revocations reach this process's checks a moment after the commit,
  // before the reset is answered). A redemption that failed changed nothing (the contract),
  // except perhaps behind an Error::unavailable from a store others change too, whose watch
  // then tells.
  if (done) cache_->forget_account(done->id);
  if (done && watch_) co_await watch_->settle();
  co_return done;
}

Task<boost::system::result<void, OpenError>> CachingStore::prepare() {
  auto prepared = co_await inner_->prepare();
  // Migrations write behind this object's back; a watch hears of theirs like of any change.
  if (!watch_) cache_->reset(true);
  co_return prepared;
}

// The rest change no session and no account: passed on as they are, without a frame of ours.

Task<Result<void>> CachingStore::create_account(Account account, Effects effects) {
  return inner_->create_account(std::move(account), std::move(effects));
}

Task<Result<Account>> CachingStore::find_account_by_email(std::string email_key) {
  return inner_->find_account_by_email(std::move(email_key));
}

Task<Result<Account>> CachingStore::find_account(std::string account_id) {
  return inner_->find_account(std::move(account_id));
}

Task<Result<std::vector<Account>>> CachingStore::list_accounts(std::string after_id, std::size_t limit) {
  return inner_->list_accounts(std::move(after_id), limit);
}

Task<Result<SessionAccount>> CachingStore::find_session(std::string token_digest, TimePoint now) {
  return inner_->find_session(std::move(token_digest), now);
}

Task<Result<std::vector<Session>>> CachingStore::list_sessions(std::string account_id, TimePoint now) {
  return inner_->list_sessions(std::move(account_id), now);
}

Task<Result<std::size_t>> CachingStore::purge_expired_sessions(TimePoint now) {
  // An expired session is never answered from the cache (its expiry is checked on each hit).
  return inner_->purge_expired_sessions(now);
}

Task<Result<Attempts>> CachingStore::add_attempt(std::string key, TimePoint now, std::chrono::milliseconds window) {
  return inner_->add_attempt(std::move(key), now, window);
}

Task<Result<Attempts>> CachingStore::attempts(std::string key, TimePoint now) {
  return inner_->attempts(std::move(key), now);
}

Task<Result<void>> CachingStore::clear_attempts(std::string key) { return inner_->clear_attempts(std::move(key)); }

Task<Result<void>> CachingStore::add_effects(std::string account_id, Effects effects) {
  return inner_->add_effects(std::move(account_id), std::move(effects));
}

Task<Result<TokenHolder>> CachingStore::find_token(std::string token_digest, TokenPurpose purpose, TimePoint now) {
  return inner_->find_token(std::move(token_digest), purpose, now);
}

Task<Result<std::vector<OutboxMessage>>> CachingStore::claim_mail(TimePoint now, std::chrono::milliseconds lease,
                                                                 std::size_t limit, std::string claim) {
  return inner_->claim_mail(now, lease, limit, std::move(claim));
}

Task<Result<bool>> CachingStore::complete_mail(std::string message_id, std::string claim) {
  return inner_->complete_mail(std::move(message_id), std::move(claim));
}

Task<Result<bool>> CachingStore::retry_mail(std::string message_id, std::string claim, TimePoint due) {
  return inner_->retry_mail(std::move(message_id), std::move(claim), due);
}

Task<Result<bool>> CachingStore::fail_mail(std::string message_id, std::string claim, TimePoint keep_until) {
  return inner_->fail_mail(std::move(message_id), std::move(claim), keep_until);
}

Task<Result<OutboxStats>> CachingStore::outbox_stats() { return inner_->outbox_stats(); }

Task<Result<void>> CachingStore::ping() { return inner_->ping(); }

Task<Result<std::uint64_t>> CachingStore::backup(std::string path) { return inner_->backup(std::move(path)); }

}  // namespace vestibule::store
