// The Lua scripts of the Redis store's outbox, one per atomic operation (the account, session and
// flow-token scripts are in scripts.h). Message keys are built inside the scripts from the
// prefix, which Redis Cluster would not allow; see docs/redis.md.
#pragma once

namespace vestibule::store::redis::scripts {

// The outbox: `P mail:ID` (a hash: id, kind, recipient, params, created_at, attempts, and claim
// while claimed), listed in `P outbox:due` (scored by when it is due: queued, or claimed until
// its lease ends) and `P outbox:created` (scored by created_at: the oldest queued message), or,
// once failed, only in `P outbox:failed` (scored by keep_until). A claim records its claim
// string in the message; completing, retrying or failing acts only while that string is still
// the message's, so a claimer whose lease ran out and whose message another claimer took
// changes nothing (0). Failed messages past their keep_until (by the caller's `now`) are removed
// by purges and claims (a claim removes at most 100, so that it stays short).

// KEYS: due, created, failed. ARGV: prefix, now (ms), lease end (ms), limit, claim. Returns the
// claimed messages' hashes (flat arrays), oldest due first.
inline constexpr const char* kClaimMail = R"lua(
local p = ARGV[1]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[2], 'LIMIT', 0, 100)) do
  redis.call('DEL', p .. 'mail:' .. id)
  redis.call('ZREM', KEYS[3], id)
end
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))) do
  local mkey = p .. 'mail:' .. id
  if redis.call('EXISTS', mkey) == 0 then
    redis.call('ZREM', KEYS[1], id)  -- an entry without its message: nothing to deliver
    redis.call('ZREM', KEYS[2], id)
  else
    redis.call('HSET', mkey, 'claim', ARGV[5])
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    out[#out + 1] = redis.call('HGETALL', mkey)
  end
end
return out
)lua";

// KEYS: message, due, created. ARGV: id, claim. Returns 1, or 0 if not this claimer's.
inline constexpr const char* kCompleteMail = R"lua(
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
)lua";

// KEYS: message, due. ARGV: id, claim, due (ms). The claim ends: the message is handed back.
inline constexpr const char* kRetryMail = R"lua(
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[2] then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HDEL', KEYS[1], 'claim')
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
)lua";

// KEYS: message, due, created, failed. ARGV: id, claim, keep_until (ms). The params go (they
// may hold a flow token); the rest stays, out of the queue, until keep_until.
inline constexpr const char* kFailMail = R"lua(
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[2] then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HDEL', KEYS[1], 'claim', 'params')
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
return 1
)lua";

// KEYS: due, created, failed. Returns {queued, failed, oldest created_at or -1}.
inline constexpr const char* kOutboxStats = R"lua(
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local first = -1
if #oldest == 2 then first = tonumber(oldest[2]) end
return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[3]), first}
)lua";

// KEYS: failed. ARGV: prefix, now (ms), batch. Removes up to `batch` failed messages whose
// keep_until is at or before `now`; returns how many.
inline constexpr const char* kPurgeFailedMail = R"lua(
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(gone) do
  redis.call('DEL', ARGV[1] .. 'mail:' .. id)
  redis.call('ZREM', KEYS[1], id)
end
return #gone
)lua";

}  // namespace vestibule::store::redis::scripts
