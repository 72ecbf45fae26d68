// The Lua scripts of the Redis store, one per atomic operation. Redis runs a script without
// interleaving any other command, so each is all-or-nothing with respect to other clients; each
// checks its preconditions before its first write, so an early return leaves nothing behind.
// Keys are built inside some scripts (sessions of an account), which Redis Cluster would not
// allow; see docs/redis.md.
#pragma once

namespace vestibule::store::redis::scripts {

// KEYS: account, email index. ARGV: id, name, email, email_key, hash, created_at, updated_at.
inline constexpr const char* kCreateAccount = R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then return 'email_taken' end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'id_taken' end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'email', ARGV[3], 'email_key', ARGV[4],
           'password_hash', ARGV[5], 'created_at', ARGV[6], 'updated_at', ARGV[7])
redis.call('SET', KEYS[2], ARGV[1])
return 'ok'
)lua";

// KEYS: email index. ARGV: prefix. Returns the account hash as a flat array, or nil.
inline constexpr const char* kFindByEmail = R"lua(
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('HGETALL', ARGV[1] .. 'user:{' .. id .. '}')
)lua";

// KEYS: session. ARGV: prefix, now (ms). The session value is "<account id> <expires ms>".
inline constexpr const char* kFindBySession = R"lua(
local v = redis.call('GET', KEYS[1])
if not v then return false end
local sep = string.find(v, ' ', 1, true)
if tonumber(string.sub(v, sep + 1)) <= tonumber(ARGV[2]) then return false end
return redis.call('HGETALL', ARGV[1] .. 'user:{' .. string.sub(v, 1, sep - 1) .. '}')
)lua";

// KEYS: account. ARGV: prefix, updated_at, set_name, name, set_email, email, set_email_key,
// email_key, set_hash, hash, keep_only_session (0/1), kept digest, expect_hash (0/1), expected
// password hash. ("set_*" are 0/1.)
inline constexpr const char* kUpdateAccount = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[13] == '1' and redis.call('HGET', KEYS[1], 'password_hash') ~= ARGV[14] then return false end
local p = ARGV[1]
local id = redis.call('HGET', KEYS[1], 'id')
if ARGV[7] == '1' then
  local old = redis.call('HGET', KEYS[1], 'email_key')
  if old ~= ARGV[8] then
    local claimed = p .. 'email:' .. ARGV[8]
    if redis.call('EXISTS', claimed) == 1 then return 'email_taken' end
    redis.call('DEL', p .. 'email:' .. old)
    redis.call('SET', claimed, id)
  end
  redis.call('HSET', KEYS[1], 'email_key', ARGV[8])
end
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'email', ARGV[6]) end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'name', ARGV[4]) end
if ARGV[9] == '1' then redis.call('HSET', KEYS[1], 'password_hash', ARGV[10]) end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[2])
if ARGV[11] == '1' then
  local zkey = KEYS[1] .. ':sessions'
  for _, d in ipairs(redis.call('ZRANGE', zkey, 0, -1)) do
    if d ~= ARGV[12] then
      redis.call('DEL', p .. 'session:' .. d)
      redis.call('ZREM', zkey, d)
    end
  end
end
return redis.call('HGETALL', KEYS[1])
)lua";

// KEYS: account. ARGV: prefix.
inline constexpr const char* kDeleteAccount = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local p = ARGV[1]
redis.call('DEL', p .. 'email:' .. redis.call('HGET', KEYS[1], 'email_key'))
local zkey = KEYS[1] .. ':sessions'
for _, d in ipairs(redis.call('ZRANGE', zkey, 0, -1)) do redis.call('DEL', p .. 'session:' .. d) end
redis.call('DEL', zkey, KEYS[1])
return 'ok'
)lua";

// KEYS: account, session. ARGV: digest, account id, created_at (ms), expires_at (ms),
// expect_hash (0/1), expected password hash.
// The account's session index is a sorted set scored by expiry: expired entries are dropped
// here, and the set itself expires with its last session.
inline constexpr const char* kCreateSession = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[5] == '1' and redis.call('HGET', KEYS[1], 'password_hash') ~= ARGV[6] then return false end
local zkey = KEYS[1] .. ':sessions'
redis.call('ZREMRANGEBYSCORE', zkey, '-inf', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2] .. ' ' .. ARGV[4], 'PXAT', ARGV[4])
redis.call('ZADD', zkey, ARGV[4], ARGV[1])
local last = redis.call('ZRANGE', zkey, -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', zkey, last[2])
return 'ok'
)lua";

// KEYS: session. ARGV: prefix, digest.
inline constexpr const char* kDeleteSession = R"lua(
local v = redis.call('GET', KEYS[1])
if not v then return 'ok' end
redis.call('DEL', KEYS[1])
redis.call('ZREM', ARGV[1] .. 'user:{' .. string.sub(v, 1, string.find(v, ' ', 1, true) - 1) .. '}:sessions', ARGV[2])
return 'ok'
)lua";

// KEYS: account. ARGV: prefix.
inline constexpr const char* kDeleteSessions = R"lua(
local zkey = KEYS[1] .. ':sessions'
for _, d in ipairs(redis.call('ZRANGE', zkey, 0, -1)) do redis.call('DEL', ARGV[1] .. 'session:' .. d) end
redis.call('DEL', zkey)
return 'ok'
)lua";

// An attempt counter's value is "<count> <window end ms>", the end computed from the caller's
// `now` (the store contract: a window opens at `now`, whatever Redis's clock says). Data version
// 1 kept a bare INCR count whose TTL was the rest of its window: read as a window ending then.
// The TTL is only cleanup: the rest of the window, relative, so that an instance whose clock
// differs from Redis's neither loses a live window (as PEXPIREAT would when its clock is behind)
// nor keeps a dead one for long.

// KEYS: counter. ARGV: now (ms), window (ms). Returns {count, window end ms}.
inline constexpr const char* kAddAttempt = R"lua(
local now = tonumber(ARGV[1])
local count, ends = 0, 0
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, ' ', 1, true)
  if sep then
    count, ends = tonumber(string.sub(v, 1, sep - 1)), tonumber(string.sub(v, sep + 1))
  else
    count, ends = tonumber(v), now + math.max(redis.call('PTTL', KEYS[1]), 0)
  end
end
if ends <= now then count, ends = 0, now + tonumber(ARGV[2]) end
count = count + 1
redis.call('SET', KEYS[1], string.format('%d %.0f', count, ends), 'PX', string.format('%.0f', ends - now))
return {count, ends}
)lua";

// KEYS: counter. ARGV: now (ms). Returns {count, window end ms}, count 0 if no window is open.
inline constexpr const char* kAttempts = R"lua(
local v = redis.call('GET', KEYS[1])
if not v then return {0, 0} end
local now = tonumber(ARGV[1])
local count, ends
local sep = string.find(v, ' ', 1, true)
if sep then
  count, ends = tonumber(string.sub(v, 1, sep - 1)), tonumber(string.sub(v, sep + 1))
else
  count, ends = tonumber(v), now + math.max(redis.call('PTTL', KEYS[1]), 0)
end
if ends <= now then return {0, 0} end
return {count, ends}
)lua";

}  // namespace vestibule::store::redis::scripts
