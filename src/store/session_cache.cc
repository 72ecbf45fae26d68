#include "store/session_cache.h"

#include <algorithm>

namespace vestibule::store {
namespace {

// What an entry holds: its strings' buffers, its list node and its two index entries (a
// generous allowance per node, so the estimate errs high).
std::size_t estimate(const std::string& digest, const SessionSummary& s) {
  constexpr std::size_t kNodes = 3 * 64;
  const AccountSummary& a = s.account;
  return sizeof(SessionSummary) + kNodes + 2 * digest.capacity() + s.session.token_digest.capacity() +
         s.session.account_id.capacity() + s.session.id.capacity() + 2 * a.id.capacity() + a.name.capacity() +
         a.email.capacity() + a.email_key.capacity() + a.pending_email.capacity();
}

}  // namespace

SessionCache::SessionCache(std::size_t max_entries, bool enabled)
    : max_entries_(std::max<std::size_t>(1, max_entries)), enabled_(enabled) {}

bool SessionCache::changing(const SessionSummary& s) const {
  return (!changing_sessions_.empty() && changing_sessions_.contains(s.session.token_digest)) ||
         (!changing_accounts_.empty() && changing_accounts_.contains(s.account.id));
}

std::optional<SessionSummary> SessionCache::find(const std::string& digest, TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = by_digest_.find(digest);
  if (it == by_digest_.end() || changing(it->second->found)) {
    ++stats_.misses;
    return std::nullopt;
  }
  if (it->second->found.session.expires_at <= now) {
    // Expiry holds on a hit: the store would not find it either.
    erase(it->second);
    ++stats_.misses;
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  ++stats_.hits;
  return it->second->found;
}

void SessionCache::missed() {
  std::lock_guard lock(mu_);
  ++stats_.misses;
}

SessionCache::Ticket SessionCache::ticket() const {
  std::lock_guard lock(mu_);
  return Ticket{resets_epoch_, stripes_};
}

void SessionCache::fill(const Ticket& ticket, SessionSummary found) {
  std::string digest = found.session.token_digest;
  const std::size_t bytes = estimate(digest, found);
  std::lock_guard lock(mu_);
  const bool forgotten = ticket.resets != resets_epoch_ ||
                         ticket.stripes[stripe(digest)] != stripes_[stripe(digest)] ||
                         ticket.stripes[stripe(found.account.id)] != stripes_[stripe(found.account.id)];
  if (!enabled_ || forgotten || changing(found) || bytes > kMaxEntryBytes) {
    ++stats_.refused_fills;
    return;
  }
  if (auto it = by_digest_.find(digest); it != by_digest_.end()) erase(it->second);
  while (lru_.size() >= max_entries_) erase(std::prev(lru_.end()));
  std::string account_id = found.account.id;
  lru_.push_front(Entry{digest, std::move(found), bytes});
  by_digest_.emplace(std::move(digest), lru_.begin());
  by_account_[std::move(account_id)].push_back(lru_.begin());
  stats_.bytes += bytes;
}

void SessionCache::begin_change(Scope scope, const std::string& key) {
  std::lock_guard lock(mu_);
  if (scope == Scope::session) {
    changing_sessions_.insert(key);
  } else {
    changing_accounts_.insert(key);
  }
}

void SessionCache::end_change(Scope scope, const std::string& key) {
  std::lock_guard lock(mu_);
  auto& set = scope == Scope::session ? changing_sessions_ : changing_accounts_;
  if (auto it = set.find(key); it != set.end()) set.erase(it);
  if (scope == Scope::session) {
    forget_session_locked(key);
  } else {
    forget_account_locked(key);
  }
}

void SessionCache::touched(const std::string& digest, TimePoint at) {
  std::lock_guard lock(mu_);
  auto it = by_digest_.find(digest);
  if (it == by_digest_.end()) return;
  TimePoint& last = it->second->found.session.last_used_at;
  last = std::max(last, at);
}

void SessionCache::forget_session(const std::string& digest) {
  std::lock_guard lock(mu_);
  forget_session_locked(digest);
}

void SessionCache::forget_account(const std::string& account_id) {
  std::lock_guard lock(mu_);
  forget_account_locked(account_id);
}

void SessionCache::forget_session_locked(const std::string& digest) {
  ++stripes_[stripe(digest)];
  ++stats_.invalidations;
  if (auto it = by_digest_.find(digest); it != by_digest_.end()) erase(it->second);
}

void SessionCache::forget_account_locked(const std::string& account_id) {
  ++stripes_[stripe(account_id)];
  ++stats_.invalidations;
  auto it = by_account_.find(account_id);
  if (it == by_account_.end()) return;
  // erase() edits this vector; take it first.
  std::vector<Lru::iterator> entries = std::move(it->second);
  by_account_.erase(it);
  for (Lru::iterator e : entries) {
    by_digest_.erase(e->digest);
    stats_.bytes -= e->bytes;
    lru_.erase(e);
  }
}

void SessionCache::reset(bool enabled) {
  std::lock_guard lock(mu_);
  ++resets_epoch_;
  ++stats_.resets;
  enabled_ = enabled;
  by_digest_.clear();
  by_account_.clear();
  lru_.clear();
  stats_.bytes = 0;
}

SessionCacheStats SessionCache::stats() const {
  std::lock_guard lock(mu_);
  SessionCacheStats out = stats_;
  out.entries = lru_.size();
  return out;
}

void SessionCache::erase(Lru::iterator it) {
  auto account = by_account_.find(it->found.account.id);
  if (account != by_account_.end()) {
    auto& entries = account->second;
    entries.erase(std::remove(entries.begin(), entries.end(), it), entries.end());
    if (entries.empty()) by_account_.erase(account);
  }
  by_digest_.erase(it->digest);
  stats_.bytes -= it->bytes;
  lru_.erase(it);
}

}  // namespace vestibule::store
