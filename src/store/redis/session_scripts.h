// The Lua scripts of the Redis store's sessions, one per atomic operation (accounts and flow
// tokens are in scripts.h, the outbox in outbox_scripts.h). A session is `P session:DIGEST`, a
// hash (account_id, id, created_at, expires_at, last_used_at, user_agent, client_address)
// expiring at its expiry; `P user:{ID}:sessions` lists the account's digests scored by expiry;
// `P user:{ID}:session_id:SID` holds the digest of the account's session with the public id SID
// and expires with it. So a lookup by token is one key, a lookup by public id is scoped to its
// account (another account's id is not even a key there), and nothing outlives its session.
// Keys are built inside some scripts from the prefix, which Redis Cluster would not allow; see
// docs/redis.md.
#pragma once

namespace vestibule::store::redis::scripts {

// Shared by every script that revokes sessions (the ones below, kChangesPrelude's
// revoke_sessions, kDeleteAccount), which RedisStore sends with this text in front of theirs.
inline constexpr const char* kSessionsPrelude = R"lua(
-- Deletes one session of the account at `akey`: its hash, its public id's key and its entry in
-- the account's index. A session key that is not a hash (a version-3 string session, written by
-- an older instance still running during an upgrade, has no public id) is just deleted: HGET on
-- it would raise, and a script that raises stops halfway with its earlier writes kept.
local function drop_session(p, akey, digest)
  local skey = p .. 'session:' .. digest
  if redis.call('TYPE', skey).ok == 'hash' then
    local sid = redis.call('HGET', skey, 'id')
    if sid and sid ~= '' then redis.call('DEL', akey .. ':session_id:' .. sid) end
  end
  redis.call('DEL', skey)
  redis.call('ZREM', akey .. ':sessions', digest)
end
)lua";

// KEYS: session. ARGV: prefix, now (ms). Returns {session hash, account hash} (flat arrays), or
// nil. One script, so the hot path (every authenticated request) is one round trip. A key that
// is not a hash (a version-3 string session that an older instance wrote during an upgrade) is
// not found, not an error: the holder logs in again, rather than getting 503 for every request
// until the token expires. The key is left for its TTL (the older instance may still read it).
inline constexpr const char* kFindSession = R"lua(
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return false end
local s = redis.call('HGETALL', KEYS[1])
if #s == 0 then return false end
local account_id, expires
for i = 1, #s, 2 do
  if s[i] == 'account_id' then account_id = s[i + 1] elseif s[i] == 'expires_at' then expires = s[i + 1] end
end
if not account_id or not expires or tonumber(expires) <= tonumber(ARGV[2]) then return false end
local a = redis.call('HGETALL', ARGV[1] .. 'user:{' .. account_id .. '}')
if #a == 0 then return false end
return {s, a}
)lua";

// KEYS: session. ARGV: at (ms). Never backwards; a session that is gone stays gone (HSET alone
// would create a hash without a TTL), and one that is not a hash (version 3) is left as it is.
inline constexpr const char* kTouchSession = R"lua(
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 'ok' end
local last = redis.call('HGET', KEYS[1], 'last_used_at')
if last and tonumber(ARGV[1]) > tonumber(last) then redis.call('HSET', KEYS[1], 'last_used_at', ARGV[1]) end
return 'ok'
)lua";

// KEYS: account. ARGV: prefix, now (ms). Returns digest, session hash, digest, ... of the
// sessions live at `now` (the index's scores are the expiries); RedisStore orders them.
// Sessions that are not hashes (version 3: find_session does not find them) are not listed.
inline constexpr const char* kListSessions = R"lua(
local out = {}
for _, d in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1] .. ':sessions', '(' .. ARGV[2], '+inf')) do
  local skey = ARGV[1] .. 'session:' .. d
  local s = {}
  if redis.call('TYPE', skey).ok == 'hash' then s = redis.call('HGETALL', skey) end
  if #s > 0 then
    out[#out + 1] = d
    out[#out + 1] = s
  end
end
return out
)lua";

// KEYS: account, session, session id key. ARGV: prefix, digest, account id, created_at (ms),
// expires_at (ms), expect_hash (0/1), expected password hash, id, user_agent, client_address,
// keep_newest (0: no bound). After kSessionsPrelude. Refuses (nil) a gone or disabled account
// and a changed password hash; a digest or public id in use (only a collision of random values)
// refuses too ('collision'), rather than overwrite another session. Expired index entries are
// dropped here, and the index expires with its last session. A session without a public id
// (written by a caller that has none) gets no id key.
// The bound orders by the hashes' created_at and id, not by the index's scores (expiries): those
// follow creation only while the token lifetime never changes. Reading the hashes is work in the
// number of live sessions, which the bound itself keeps at keep_newest, so it is paid only when
// the account is over it. A session that is not a hash (a version-3 string a still running older
// instance wrote; it has no created_at) ranks oldest, and an entry whose session is gone is
// dropped from the index without counting.
inline constexpr const char* kCreateSession = R"lua(
local p, digest, created = ARGV[1], ARGV[2], ARGV[4]
local a = redis.call('HMGET', KEYS[1], 'id', 'password_hash', 'disabled', 'totp_secret')
if not a[1] or a[3] == '1' then return false end
if ARGV[6] == '1' and a[2] ~= ARGV[7] then return false end
if ARGV[12] == '1' and a[4] and a[4] ~= '' then return false end
local has_id = ARGV[8] ~= ''
if redis.call('EXISTS', KEYS[2]) == 1 or (has_id and redis.call('EXISTS', KEYS[3]) == 1) then return 'collision' end
local zkey = KEYS[1] .. ':sessions'
redis.call('ZREMRANGEBYSCORE', zkey, '-inf', created)
redis.call('HSET', KEYS[2], 'account_id', ARGV[3], 'id', ARGV[8], 'created_at', created, 'expires_at', ARGV[5],
           'last_used_at', created, 'user_agent', ARGV[9], 'client_address', ARGV[10])
redis.call('PEXPIREAT', KEYS[2], ARGV[5])
if has_id then redis.call('SET', KEYS[3], digest, 'PXAT', ARGV[5]) end
redis.call('ZADD', zkey, ARGV[5], digest)
local keep = tonumber(ARGV[11])
if keep > 0 and redis.call('ZCARD', zkey) > keep then
  local others = {}
  for _, d in ipairs(redis.call('ZRANGE', zkey, 0, -1)) do
    if d ~= digest then
      local skey = p .. 'session:' .. d
      local t = redis.call('TYPE', skey).ok
      if t == 'hash' then
        local s = redis.call('HMGET', skey, 'created_at', 'id')
        others[#others + 1] = {d = d, at = tonumber(s[1]) or 0, id = s[2] or ''}
      elseif t == 'none' then
        redis.call('ZREM', zkey, d)
      else
        others[#others + 1] = {d = d, at = -1, id = ''}
      end
    end
  end
  table.sort(others, function(x, y)
    if x.at ~= y.at then return x.at > y.at end
    return x.id > y.id
  end)
  for i = keep, #others do drop_session(p, KEYS[1], others[i].d) end
end
local last = redis.call('ZRANGE', zkey, -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', zkey, last[2])
return 'ok'
)lua";

// KEYS: session. ARGV: prefix, digest. After kSessionsPrelude. A version-3 string session
// ("<account id> <expires ms>") names its account before the first space.
inline constexpr const char* kDeleteSession = R"lua(
local t = redis.call('TYPE', KEYS[1]).ok
local account_id
if t == 'hash' then
  account_id = redis.call('HGET', KEYS[1], 'account_id')
elseif t == 'string' then
  local v = redis.call('GET', KEYS[1])
  local sep = string.find(v, ' ', 1, true)
  if sep then account_id = string.sub(v, 1, sep - 1) end
end
if not account_id then
  if t ~= 'none' then redis.call('DEL', KEYS[1]) end
  return 'ok'
end
drop_session(ARGV[1], ARGV[1] .. 'user:{' .. account_id .. '}', ARGV[2])
return 'ok'
)lua";

// KEYS: session id key, account. ARGV: prefix, account id, now (ms). After kSessionsPrelude.
// nil unless the account has a session live at `now` with this id.
inline constexpr const char* kDeleteSessionById = R"lua(
local d = redis.call('GET', KEYS[1])
if not d or redis.call('TYPE', ARGV[1] .. 'session:' .. d).ok ~= 'hash' then return false end
local s = redis.call('HMGET', ARGV[1] .. 'session:' .. d, 'account_id', 'expires_at')
if s[1] ~= ARGV[2] or not s[2] or tonumber(s[2]) <= tonumber(ARGV[3]) then return false end
drop_session(ARGV[1], KEYS[2], d)
return 'ok'
)lua";

// KEYS: account. ARGV: prefix. After kSessionsPrelude.
inline constexpr const char* kDeleteSessions = R"lua(
local zkey = KEYS[1] .. ':sessions'
for _, d in ipairs(redis.call('ZRANGE', zkey, 0, -1)) do drop_session(ARGV[1], KEYS[1], d) end
redis.call('DEL', zkey)
return 'ok'
)lua";

}  // namespace vestibule::store::redis::scripts
