#include "store/redis/migrations.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vestibule::store::redis {
namespace {

using PrepareResult = boost::system::result<void, OpenError>;
using CallResult = boost::system::result<Reply, OpenError>;

// Accounts per script call in the re-key: bounded, so that no script blocks Redis for long.
constexpr std::size_t kBatch = 200;

// KEYS: account hashes. Returns, per key, {id, email, email_key, created_at} (nils if gone).
constexpr const char* kReadAccounts = R"lua(
local out = {}
for i, k in ipairs(KEYS) do out[i] = redis.call('HMGET', k, 'id', 'email', 'email_key', 'created_at') end
return out
)lua";

// KEYS: email index entries. ARGV: the account id each should hold. Frees each entry that still
// names its account (step 1 of a re-key; see migrate_to_2).
constexpr const char* kReleaseEmails = R"lua(
for i, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[i] then redis.call('DEL', k) end
end
return 'ok'
)lua";

// KEYS: account hash, new index entry, pairwise. ARGV: the new key, pairwise with the id. Each
// account claims its new entry and records its key in one step (step 2 of a re-key).
constexpr const char* kClaimEmails = R"lua(
for i = 1, #KEYS, 2 do
  local key, id = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[i], 'id') == id then
    redis.call('SET', KEYS[i + 1], id)
    redis.call('HSET', KEYS[i], 'email_key', key)
  end
end
return 'ok'
)lua";

// KEYS: account hashes. ARGV: the account id index. Lists each account that exists (step 1 of
// version 4). Returns how many it found.
constexpr const char* kIndexAccounts = R"lua(
local indexed = 0
for _, k in ipairs(KEYS) do
  local id = redis.call('HGET', k, 'id')
  if id then
    redis.call('ZADD', ARGV[1], 0, id)
    indexed = indexed + 1
  end
end
return indexed
)lua";

// KEYS: session keys. ARGV: prefix, now (ms), then a fresh public id per key. Rewrites each
// version-3 session ("<account id> <expires ms>", a string) as a version-4 hash with its public
// id's key (step 2 of version 4); keys already converted, or gone since the SCAN, are left. A
// value that is not "<id> <number>" (damaged; version 3 could not read it either) is deleted.
// Returns how many it converted.
constexpr const char* kConvertSessions = R"lua(
local p, now = ARGV[1], tonumber(ARGV[2])
local converted = 0
for i, k in ipairs(KEYS) do
  local v = redis.call('TYPE', k).ok == 'string' and redis.call('GET', k)
  local sep = v and string.find(v, ' ', 1, true)
  local expires = sep and tonumber(string.sub(v, sep + 1))
  if v and not expires then redis.call('DEL', k) end
  if expires then
    local account_id, expires_text = string.sub(v, 1, sep - 1), string.format('%.0f', expires)
    local created = string.format('%.0f', math.min(now, expires))
    local sid = ARGV[2 + i]
    redis.call('DEL', k)
    redis.call('HSET', k, 'account_id', account_id, 'id', sid, 'created_at', created, 'expires_at', expires_text,
               'last_used_at', created, 'user_agent', '', 'client_address', '')
    redis.call('PEXPIREAT', k, expires_text)
    redis.call('SET', p .. 'user:{' .. account_id .. '}:session_id:' .. sid, string.sub(k, #p + 9), 'PXAT',
               expires_text)
    converted = converted + 1
  end
end
return converted
)lua";

Task<CallResult> call(RedisClient& client, std::vector<std::string> args) {
  auto reply = co_await client.command(std::move(args));
  if (!reply) co_return OpenError{"Redis did not answer (" + std::string(to_string(reply.error())) + ")"};
  if (reply->is_error()) co_return OpenError{"Redis refused a command: " + reply->str};
  co_return std::move(*reply);
}

// EVAL of a one-off script (migrations run once; no script cache needed).
Task<CallResult> eval(RedisClient& client, const char* script, std::vector<std::string> keys,
                      std::vector<std::string> args) {
  std::vector<std::string> command{"EVAL", script, std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  co_return co_await call(client, std::move(command));
}

// Whether any key starts with `prefix` (one SCAN over the keyspace: only when the version key is
// missing, i.e. on the first start of a deployment or of the first release's data).
Task<boost::system::result<bool, OpenError>> any_key(RedisClient& client, const std::string& prefix) {
  std::string cursor = "0";
  do {
    std::vector<std::string> scan{"SCAN", cursor, "MATCH", glob_escape(prefix) + "*", "COUNT", "1000"};
    auto reply = co_await call(client, std::move(scan));
    if (!reply) co_return reply.error();
    if (reply->elements.size() != 2) co_return OpenError{"unexpected SCAN reply"};
    if (!reply->elements[1].elements.empty()) co_return true;
    cursor = reply->elements[0].str;
  } while (cursor != "0");
  co_return false;
}

struct Entry {
  std::string id;
  std::int64_t created_at = 0;
  std::string old_key;
  std::string new_key;
  std::string final_key;
};

std::int64_t parse_int(const std::string& s) {
  std::int64_t n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return n;
}

// Version 2: email keys become full Unicode case folds (security::email_key) instead of
// lower-cased addresses, and attempt counters hold "<count> <window end ms>" (the scripts read
// a version-1 counter, a bare INCR value, as a window ending at its TTL, so counts carry over;
// nothing to rewrite here). Re-keying follows the SQLite store's rule (sqlite/migrations.cc):
// when new keys collide, the older account (created_at, then id) takes the key and the newer
// one gets "conflict:<id>", which no address folds to; never merged; a warning names both ids.
// In two steps over every changed account, so that no entry is overwritten while another
// account still holds it: free the old entries, then claim the new ones.
Task<PrepareResult> migrate_to_2(RedisClient& client, const std::string& p, const EmailKeyFunction& email_key,
                                 spdlog::logger& log) {
  std::vector<Entry> entries;
  std::string cursor = "0";
  do {
    std::vector<std::string> scan{"SCAN", cursor, "MATCH", glob_escape(p) + "user:{*}", "COUNT", "1000"};
    auto page = co_await call(client, std::move(scan));
    if (!page) co_return page.error();
    if (page->elements.size() != 2) co_return OpenError{"unexpected SCAN reply"};
    cursor = page->elements[0].str;
    std::vector<std::string> keys;
    for (const Reply& k : page->elements[1].elements) {
      if (k.str.ends_with('}')) keys.push_back(k.str);  // not the ":sessions" sets
    }
    if (keys.empty()) continue;
    if (!email_key) co_return OpenError{"internal: migrating to data version 2 re-keys accounts and needs OpenOptions::email_key"};
    std::vector<std::string> no_args;
    auto rows = co_await eval(client, kReadAccounts, std::move(keys), std::move(no_args));
    if (!rows) co_return rows.error();
    for (const Reply& row : rows->elements) {
      // Deleted meanwhile, or not an account hash (no address to fold): left as it is.
      if (row.elements.size() != 4 || row.elements[0].is_nil() || row.elements[1].is_nil()) continue;
      entries.push_back(Entry{.id = row.elements[0].str,
                              .created_at = parse_int(row.elements[3].str),
                              .old_key = row.elements[2].str,
                              .new_key = email_key(row.elements[1].str),
                              .final_key = {}});
    }
  } while (cursor != "0");

  // SCAN may return a key twice.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
  entries.erase(std::unique(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.id == b.id; }),
                entries.end());
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.new_key != b.new_key) return a.new_key < b.new_key;
    if (a.created_at != b.created_at) return a.created_at < b.created_at;
    return a.id < b.id;
  });
  std::vector<const Entry*> changed;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    Entry& e = entries[i];
    const bool holder = i == 0 || entries[i - 1].new_key != e.new_key;
    e.final_key = holder ? e.new_key : "conflict:" + e.id;
    if (!holder) {
      const Entry* first = &e;
      while (first != entries.data() && (first - 1)->new_key == e.new_key) --first;
      // Ids only: addresses are personal data and stay out of logs.
      log.warn("event=store.email_key_conflict account_id={} holder_account_id={} email_key=conflict:{} "
               "reason=\"its address case-folds to the key of an older account; login by address reaches the older one\"",
               e.id, first->id, e.id);
    }
    if (e.final_key != e.old_key) changed.push_back(&e);
  }

  for (std::size_t start = 0; start < changed.size(); start += kBatch) {
    std::vector<std::string> keys;
    std::vector<std::string> ids;
    for (std::size_t i = start; i < std::min(changed.size(), start + kBatch); ++i) {
      keys.push_back(p + "email:" + changed[i]->old_key);
      ids.push_back(changed[i]->id);
    }
    auto released = co_await eval(client, kReleaseEmails, std::move(keys), std::move(ids));
    if (!released) co_return released.error();
  }
  for (std::size_t start = 0; start < changed.size(); start += kBatch) {
    std::vector<std::string> keys;
    std::vector<std::string> args;
    for (std::size_t i = start; i < std::min(changed.size(), start + kBatch); ++i) {
      keys.push_back(p + "user:{" + changed[i]->id + "}");
      keys.push_back(p + "email:" + changed[i]->final_key);
      args.push_back(changed[i]->final_key);
      args.push_back(changed[i]->id);
    }
    auto claimed = co_await eval(client, kClaimEmails, std::move(keys), std::move(args));
    if (!claimed) co_return claimed.error();
  }
  log.info("event=store.rekeyed accounts={} changed={}", entries.size(), changed.size());
  co_return PrepareResult{};
}

// Version 3: flow tokens (`token:DIGEST`, `user:{ID}:tokens`), the outbox (`mail:ID`,
// `outbox:due|created|failed`) and three account fields (email_verified, pending_email,
// pending_email_key). Nothing is rewritten: the new keys start empty, and an account hash
// without the new fields reads as unverified with no change pending, which is what every
// account was before (the store read them so before this version too: codec.cc's to_account).
// The version moves on all the same, because older binaries must not serve this data: a
// version-2 binary would change an address and leave email_verified set (the new address would
// pass as verified), delete an account and leave its flow tokens behind, and never deliver the
// queued mail. They refuse a newer version, so after this step they do not start.
Task<PrepareResult> migrate_to_3() { co_return PrepareResult{}; }

// A random UUID (version 4), the form the accounts layer gives new sessions' public ids.
std::string random_uuid() {
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, b, sizeof b);
  const std::string h(hex, 32);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

// Calls `script` once per batch of keys SCAN finds under `pattern` (keys for which `take` is
// true), with `args(batch size)` as its arguments. Returns the sum of the script's answers (a
// count per batch).
using KeyFilter = std::function<bool(const std::string&)>;
using ArgsFor = std::function<std::vector<std::string>(std::size_t)>;
Task<boost::system::result<long long, OpenError>> for_each_batch(RedisClient& client, const std::string& pattern,
                                                                 const KeyFilter& take, const char* script,
                                                                 const ArgsFor& args) {
  long long total = 0;
  std::string cursor = "0";
  do {
    std::vector<std::string> scan{"SCAN", cursor, "MATCH", pattern, "COUNT", std::to_string(kBatch)};
    auto page = co_await call(client, std::move(scan));
    if (!page) co_return page.error();
    if (page->elements.size() != 2) co_return OpenError{"unexpected SCAN reply"};
    cursor = page->elements[0].str;
    std::vector<std::string> keys;
    for (const Reply& k : page->elements[1].elements) {
      if (take(k.str)) keys.push_back(k.str);
    }
    if (keys.empty()) continue;
    std::vector<std::string> script_args = args(keys.size());
    auto done = co_await eval(client, script, std::move(keys), std::move(script_args));
    if (!done) co_return done.error();
    total += done->integer;
  } while (cursor != "0");
  co_return total;
}

// Version 4: sessions get public ids, the client's user agent and address, and a last use, so
// that their owner can list and revoke them; accounts get `disabled` and an id index, so that
// an operator can page through them. In two steps, each a SCAN with one script per batch (so an
// interrupted run resumes: both steps skip what is done):
// 1. every account joins `P accounts` (a sorted set at score 0, read in bytewise order);
// 2. every session becomes a hash with a fresh random id (and its `user:{ID}:session_id:SID`
//    key). Version 3 did not keep when a session was created: the migration's `now` stands in
//    (or the expiry, if earlier), and is its last use too; no user agent or address is known.
// An account without `disabled` is not disabled (codec.cc's to_account): nothing to write.
// Not safe while version-3 instances write (docs/redis.md says to stop them first): one still
// running writes string sessions after step 2 has passed them. The session scripts tolerate
// such a string rather than raise halfway (session_scripts.h: not found, not listed, deleted on
// revocation), but the migration does not come back for it.
Task<PrepareResult> migrate_to_4(RedisClient& client, const std::string& p, TimePoint now, spdlog::logger& log) {
  if (sodium_init() < 0) co_return OpenError{"libsodium could not be initialised"};
  const std::string index = p + "accounts";
  // Named: a coroutine's reference parameters must outlive its frame (STYLE.md, section 10).
  const KeyFilter account_hash = [](const std::string& k) { return k.ends_with('}'); };  // not ":sessions"
  const ArgsFor index_args = [&index](std::size_t) { return std::vector<std::string>{index}; };
  auto indexed = co_await for_each_batch(client, glob_escape(p) + "user:{*}", account_hash, kIndexAccounts, index_args);
  if (!indexed) co_return indexed.error();

  const KeyFilter any = [](const std::string&) { return true; };
  const ArgsFor session_args = [&p, now](std::size_t n) {
    std::vector<std::string> args{p, std::to_string(now.time_since_epoch().count())};
    for (std::size_t i = 0; i < n; ++i) args.push_back(random_uuid());
    return args;
  };
  auto converted = co_await for_each_batch(client, glob_escape(p) + "session:*", any, kConvertSessions, session_args);
  if (!converted) co_return converted.error();
  log.info("event=store.sessions_converted accounts_indexed={} sessions_converted={}", *indexed, *converted);
  co_return PrepareResult{};
}

// Version 5: the second factor (issue 14): account fields `totp_secret`, `totp_pending`,
// `totp_last_step` and one `recovery_code:DIGEST` field per unused recovery code, and flow
// tokens of purpose `mfa_login`. Nothing is rewritten: an account without the fields reads as
// TOTP off with no codes (codec.cc's to_account), which is what every account is. The version
// moves on all the same, as for version 3, because an older binary must not serve this data:
// it would ignore `totp_secret` and let a password alone sign in to an account protected by a
// second factor. Older binaries refuse a newer version, so after this step they do not start.
Task<PrepareResult> migrate_to_5() { co_return PrepareResult{}; }

std::string unreachable(const OpenError& e) { return "cannot check the Redis data version: " + e.message; }

}  // namespace

std::string glob_escape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

Task<PrepareResult> prepare_data(RedisClient& client, const std::string& prefix, const EmailKeyFunction& email_key,
                                 spdlog::logger& log, TimePoint now) {
  const std::string version_key = prefix + "schema_version";
  std::vector<std::string> get{"GET", version_key};
  auto stored = co_await call(client, std::move(get));
  if (!stored) co_return OpenError{unreachable(stored.error())};
  std::int64_t version = 0;
  if (stored->is_nil()) {
    auto found = co_await any_key(client, prefix);
    if (!found) co_return OpenError{unreachable(found.error())};
    if (*found) {
      version = 1;  // the first release wrote no version key
    } else {
      // A new keyspace starts at the current layout. NX: of instances starting together on an
      // empty keyspace, one writes it; the others read it back.
      std::vector<std::string> set{"SET", version_key, std::to_string(kDataVersion), "NX"};
      auto written = co_await call(client, std::move(set));
      if (!written) co_return OpenError{unreachable(written.error())};
      std::vector<std::string> again{"GET", version_key};
      stored = co_await call(client, std::move(again));
      if (!stored) co_return OpenError{unreachable(stored.error())};
    }
  }
  if (version == 0) {
    const std::string& text = stored->str;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
    if (ec != std::errc() || end != text.data() + text.size() || version < 1) {
      co_return OpenError{"not Vestibule data: " + version_key + " holds '" + text + "', not a version number"};
    }
  }
  if (version > kDataVersion) {
    co_return OpenError{"incompatible schema: Redis data version " + std::to_string(version) +
                        " is newer than this binary's " + std::to_string(kDataVersion) + "; upgrade vestibule"};
  }
  for (std::int64_t v = version + 1; v <= kDataVersion; ++v) {
    // Migration N brings version N-1 to N; version 1 had none before it.
    if (v == 2) {
      PrepareResult done = co_await migrate_to_2(client, prefix, email_key, log);
      if (!done) co_return done;
    }
    if (v == 3) {
      PrepareResult done = co_await migrate_to_3();
      if (!done) co_return done;
    }
    if (v == 4) {
      PrepareResult done = co_await migrate_to_4(client, prefix, now, log);
      if (!done) co_return done;
    }
    if (v == 5) {
      PrepareResult done = co_await migrate_to_5();
      if (!done) co_return done;
    }
    std::vector<std::string> set{"SET", version_key, std::to_string(v)};
    auto written = co_await call(client, std::move(set));
    if (!written) co_return written.error();
    log.info("event=store.migrated data_version={}", v);
  }
  co_return PrepareResult{};
}

}  // namespace vestibule::store::redis
