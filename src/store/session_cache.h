// An in-process cache of live sessions: token digest -> the session and its account's summary
// (store::SessionSummary: never a password hash, a second-factor secret or a recovery code), so
// that checking a bearer token needs no store round trip. Bounded: at most `max_entries`
// sessions, the least recently used forgotten first, and none larger than kMaxEntryBytes.
//
// Exact, not "usually": an answer from the cache is what the store would answer, because
//   - whoever changes a session or an account tells the cache before the change is acknowledged
//     (CachingStore after each write of this process; a SessionWatch for other processes'),
//   - a change in flight is announced before it starts (begin_change) and forgotten when it
//     ends (end_change): meanwhile its session or account is never answered from memory, so
//     no reader ever sees the store's new state and then the cache's old one,
//   - a fill (an entry written after a store read) is refused when its session or its account
//     was forgotten between the ticket taken before the read and the fill, or is being changed,
//     so an answer read before a change can never be stored after the change was forgotten,
//   - the cached expiry is checked against the caller's clock on every hit.
// Thread-safe: one mutex; every call is O(1) but forget_account, O(that account's cached
// sessions).
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "metrics/store_metrics.h"
#include "store/store.h"

namespace vestibule::store {

// What keeps a SessionCache exact when other processes change the store (Redis: its
// server-assisted invalidation, store/redis/tracking.h). Thread-safe.
class SessionWatch {
 public:
  virtual ~SessionWatch() = default;
  // Applies to the cache every invalidation that has arrived so far, then says whether the
  // cache may answer now: false while the channel is down or reconnecting, while a message is
  // half read, or when the channel has not proven recently enough that nothing sent is unread.
  // Called before every hit, so it is cheap (a non-blocking read).
  virtual bool catch_up() = 0;
  // Returns once the channel has shown that every other process was sent the invalidations of
  // the changes this process has had acknowledged so far (Redis: a PING on the watch's own
  // connection, answered in a later pass than the change's). CachingStore awaits it after each
  // change of a session or an account, before the change is acknowledged. It never fails: with
  // the channel down, or no answer within the command timeout, it returns at once or then.
  virtual Task<void> settle() = 0;
  // Closes the channel; afterwards catch_up() is false and the cache is never touched again.
  virtual void stop() = 0;
};

// Counters and sizes, for the metrics (vestibule_session_cache_*) and the benchmark.
using SessionCacheStats = metrics::SessionCacheCounts;

class SessionCache {
 public:
  // An entry's estimated size above which it is not kept (no valid account comes near it: the
  // name, the address and its key are bounded far below).
  static constexpr std::size_t kMaxEntryBytes = 4096;

  // max_entries >= 1. `enabled`: whether fills are accepted from the start (false for a cache
  // that must wait for its watch to connect, see reset()).
  explicit SessionCache(std::size_t max_entries, bool enabled = true);

  // The cached session with this digest, live at `now` (an entry expired at or before `now`
  // is dropped and missed). Counts a hit or a miss.
  std::optional<SessionSummary> find(const std::string& digest, TimePoint now);
  // Counts a miss that find() did not see (the watch said the cache may not answer).
  void missed();

  // Forgets are counted per stripe of keys (a digest's or an account id's hash), so a change
  // refuses only the fills whose session or account shares its stripe.
  static constexpr std::size_t kStripes = 64;

  // Taken before the store read whose answer fill() then offers.
  struct Ticket {
    std::uint64_t resets = 0;
    std::array<std::uint64_t, kStripes> stripes{};
  };
  Ticket ticket() const;
  // Keeps `found` unless its session or account was forgotten (or everything reset) since
  // `ticket`, either is being changed, fills are disabled, or it is larger than kMaxEntryBytes;
  // evicts the least recently used entry when full.
  void fill(const Ticket& ticket, SessionSummary found);

  // A change to this session (digest) or account (id) is about to be made: until end_change,
  // find() misses it and fill() refuses it. Calls nest (two changes at once); each
  // begin_change is paired with exactly one end_change, which forgets what it changed.
  enum class Scope { session, account };
  void begin_change(Scope scope, const std::string& key);
  void end_change(Scope scope, const std::string& key);

  // A touch_session that succeeded: moves the cached last use forward (never back).
  void touched(const std::string& digest, TimePoint at);
  // A change to the session with this digest, or to this account (and so all its sessions).
  void forget_session(const std::string& digest);
  void forget_account(const std::string& account_id);
  // Forgets everything; `enabled` says whether fills are accepted from now on (a watch turns
  // them off while its channel is down, since nothing would tell the cache of a change then).
  void reset(bool enabled);

  SessionCacheStats stats() const;

 private:
  struct Entry {
    std::string digest;
    SessionSummary found;
    std::size_t bytes = 0;
  };
  using Lru = std::list<Entry>;  // most recently used first

  static std::size_t stripe(const std::string& key) { return std::hash<std::string>{}(key) % kStripes; }
  void erase(Lru::iterator it);  // with mu_ held
  bool changing(const SessionSummary& s) const;  // with mu_ held
  // With mu_ held: a forget, so the fills in flight that it concerns are refused.
  void forget_session_locked(const std::string& digest);
  void forget_account_locked(const std::string& account_id);

  const std::size_t max_entries_;
  mutable std::mutex mu_;
  bool enabled_;
  std::uint64_t resets_epoch_ = 0;
  std::array<std::uint64_t, kStripes> stripes_{};
  std::unordered_multiset<std::string> changing_sessions_;
  std::unordered_multiset<std::string> changing_accounts_;
  Lru lru_;
  std::unordered_map<std::string, Lru::iterator> by_digest_;
  std::unordered_map<std::string, std::vector<Lru::iterator>> by_account_;
  SessionCacheStats stats_{};
};

}  // namespace vestibule::store
