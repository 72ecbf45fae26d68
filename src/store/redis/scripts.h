// The Lua scripts of the Redis store, one per atomic operation. Redis runs a script without
// interleaving any other command, so each is all-or-nothing with respect to other clients; each
// checks its preconditions before its first write, so an early return leaves nothing behind.
// Keys are built inside some scripts (an account's sessions and tokens, messages), which Redis
// Cluster would not allow; see docs/redis.md. The session scripts are in session_scripts.h.
#pragma once

namespace vestibule::store::redis::scripts {

// Shared by the scripts that change an account with its effects (kCreateAccount, kUpdateAccount,
// kAddEffects, kRedeemToken), which RedisStore sends with this text (after
// kSessionsPrelude, session_scripts.h) in front of theirs: how they
// read their arguments, check their preconditions (before any write) and write. ARGV[1] is the
// key prefix in each. Effects (codec.h, append_effects): has_token (0/1), token digest,
// purpose, email, created_at, expires_at, message count, then per message id, kind, recipient,
// params (JSON, store/params.h), created_at. Changes (append_changes): updated_at, then 0/1 and
// value for name, email, email_key, password_hash, keep_only_session, expected_password_hash,
// email_verified ('0'/'1'), disabled ('0'/'1'); then 0/1, pending_email, pending_email_key; revoke_all_sessions
// (0/1); the count of purposes to drop and the purposes; then 0/1 and value for totp_secret,
// totp_pending, expected_totp_pending, accept_totp_step (decimal), use_recovery_code; then 0/1
// (recovery_codes given), the count of digests and the digests; then the effects.
//
// An account's recovery codes are fields of its hash, `recovery_code:DIGEST` = '1' (see
// docs/redis.md): every read of the hash returns them, deleting the hash deletes them, and
// using one is HEXISTS then HDEL in the script of the change.
inline constexpr const char* kChangesPrelude = R"lua(
local P = ARGV[1]

local function read_effects(i)
  local e = {mail = {}}
  if ARGV[i] == '1' then
    e.token = {digest = ARGV[i + 1], purpose = ARGV[i + 2], email = ARGV[i + 3], created_at = ARGV[i + 4],
               expires_at = ARGV[i + 5]}
  end
  local n = tonumber(ARGV[i + 6])
  i = i + 7
  for m = 1, n do
    e.mail[m] = {id = ARGV[i], kind = ARGV[i + 1], recipient = ARGV[i + 2], params = ARGV[i + 3],
                 created_at = ARGV[i + 4]}
    i = i + 5
  end
  return e
end

-- nil if the effects can be written; else the script's answer ('collision': a digest or message
-- id in use, which only a collision of random values can cause; never overwritten).
local function check_effects(e)
  if e.token and redis.call('EXISTS', P .. 'token:' .. e.token.digest) == 1 then return 'collision' end
  for _, m in ipairs(e.mail) do
    if redis.call('EXISTS', P .. 'mail:' .. m.id) == 1 then return 'collision' end
  end
  return nil
end

-- A token is a hash that expires at its expiry; the account's token index (a sorted set scored
-- by expiry, like its session index) lets deletion and drop_tokens find them without a scan.
-- Entries expired at the new token's created_at are dropped with their tokens.
local function write_effects(id, e)
  if e.token then
    local t = e.token
    local zkey = P .. 'user:{' .. id .. '}:tokens'
    for _, d in ipairs(redis.call('ZRANGEBYSCORE', zkey, '-inf', t.created_at)) do
      redis.call('DEL', P .. 'token:' .. d)
    end
    redis.call('ZREMRANGEBYSCORE', zkey, '-inf', t.created_at)
    local tkey = P .. 'token:' .. t.digest
    redis.call('HSET', tkey, 'purpose', t.purpose, 'account_id', id, 'email', t.email, 'created_at', t.created_at,
               'expires_at', t.expires_at)
    redis.call('PEXPIREAT', tkey, t.expires_at)
    redis.call('ZADD', zkey, t.expires_at, t.digest)
    local last = redis.call('ZRANGE', zkey, -1, -1, 'WITHSCORES')
    redis.call('PEXPIREAT', zkey, last[2])
  end
  -- A queued message is due at once (its created_at) and listed by creation for outbox_stats.
  for _, m in ipairs(e.mail) do
    redis.call('HSET', P .. 'mail:' .. m.id, 'id', m.id, 'kind', m.kind, 'recipient', m.recipient, 'params', m.params,
               'created_at', m.created_at, 'attempts', '0')
    redis.call('ZADD', P .. 'outbox:due', m.created_at, m.id)
    redis.call('ZADD', P .. 'outbox:created', m.created_at, m.id)
  end
end

local function read_changes(i)
  local j = i + 1
  -- Table constructors do not fix the order in which they evaluate fields: one read a statement.
  local function opt()
    local v = nil
    if ARGV[j] == '1' then v = ARGV[j + 1] end
    j = j + 2
    return v
  end
  local c = {updated_at = ARGV[i], drop = {}}
  c.name = opt()
  c.email = opt()
  c.email_key = opt()
  c.hash = opt()
  c.keep_only = opt()
  c.expected_hash = opt()
  c.verified = opt()
  c.disabled = opt()
  if ARGV[j] == '1' then c.pending = {ARGV[j + 1], ARGV[j + 2]} end
  c.revoke_all = ARGV[j + 3] == '1'
  local n = tonumber(ARGV[j + 4])
  for k = 1, n do c.drop[ARGV[j + 4 + k]] = true end
  j = j + 5 + n
  c.totp_secret = opt()
  c.totp_pending = opt()
  c.expected_pending = opt()
  c.accept_step = opt()
  c.use_code = opt()
  local has_codes, m = ARGV[j] == '1', tonumber(ARGV[j + 1])
  if has_codes then
    c.codes = {}
    for k = 1, m do c.codes[k] = ARGV[j + 1 + k] end
  end
  c.effects = read_effects(j + 2 + m)
  return c
end

local RECOVERY_CODE = 'recovery_code:'

-- a < b for integers in decimal (as std::to_string writes them), exactly: Lua's numbers are
-- doubles, which would round a step beyond 2^53 and could let a replay through. Digit by digit
-- (bytes), since Lua's string `<` follows the server's collation locale.
local function int_less(a, b)
  local neg_a, neg_b = string.sub(a, 1, 1) == '-', string.sub(b, 1, 1) == '-'
  if neg_a ~= neg_b then return neg_a end
  if neg_a then a, b = string.sub(b, 2), string.sub(a, 2) end
  if #a ~= #b then return #a < #b end
  for k = 1, #a do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then return x < y end
  end
  return false
end

-- nil if the changes apply to the account at `akey`; else the script's answer: false (gone, or
-- a condition no longer holds: the password hash or pending secret is not the expected one, the
-- time step is not after the last accepted one, the recovery code is not in the set),
-- 'email_taken' or 'collision'.
local function check_changes(akey, c)
  if redis.call('EXISTS', akey) == 0 then return false end
  if c.expected_hash and redis.call('HGET', akey, 'password_hash') ~= c.expected_hash then return false end
  if c.expected_pending and (redis.call('HGET', akey, 'totp_pending') or '') ~= c.expected_pending then
    return false
  end
  if c.accept_step and not int_less(redis.call('HGET', akey, 'totp_last_step') or '0', c.accept_step) then
    return false
  end
  if c.use_code and redis.call('HEXISTS', akey, RECOVERY_CODE .. c.use_code) == 0 then return false end
  if c.email_key and redis.call('HGET', akey, 'email_key') ~= c.email_key and
     redis.call('EXISTS', P .. 'email:' .. c.email_key) == 1 then
    return 'email_taken'
  end
  return check_effects(c.effects)
end

-- Revokes every session of the account but `keep` (nil: all).
local function revoke_sessions(akey, keep)
  for _, d in ipairs(redis.call('ZRANGE', akey .. ':sessions', 0, -1)) do
    if d ~= keep then drop_session(P, akey, d) end
  end
end

-- Deletes the account's flow tokens whose purpose is in the set `purposes` (and index entries
-- whose token has expired).
local function drop_tokens(akey, purposes)
  local zkey = akey .. ':tokens'
  for _, d in ipairs(redis.call('ZRANGE', zkey, 0, -1)) do
    local tkey = P .. 'token:' .. d
    local purpose = redis.call('HGET', tkey, 'purpose')
    if not purpose or purposes[purpose] then
      redis.call('DEL', tkey)
      redis.call('ZREM', zkey, d)
    end
  end
end

-- Only after check_changes passed.
local function write_changes(akey, c)
  local id = redis.call('HGET', akey, 'id')
  if c.email_key then
    local old = redis.call('HGET', akey, 'email_key')
    if old ~= c.email_key then
      redis.call('DEL', P .. 'email:' .. old)
      redis.call('SET', P .. 'email:' .. c.email_key, id)
    end
    redis.call('HSET', akey, 'email_key', c.email_key)
  end
  if c.email then redis.call('HSET', akey, 'email', c.email) end
  if c.name then redis.call('HSET', akey, 'name', c.name) end
  if c.hash then redis.call('HSET', akey, 'password_hash', c.hash) end
  if c.verified then redis.call('HSET', akey, 'email_verified', c.verified) end
  if c.disabled then redis.call('HSET', akey, 'disabled', c.disabled) end
  if c.pending then
    if c.pending[1] == '' and c.pending[2] == '' then
      redis.call('HDEL', akey, 'pending_email', 'pending_email_key')
    else
      redis.call('HSET', akey, 'pending_email', c.pending[1], 'pending_email_key', c.pending[2])
    end
  end
  -- Absent fields read as empty: a cleared secret leaves none behind.
  if c.totp_secret == '' then redis.call('HDEL', akey, 'totp_secret')
  elseif c.totp_secret then redis.call('HSET', akey, 'totp_secret', c.totp_secret) end
  if c.totp_pending == '' then redis.call('HDEL', akey, 'totp_pending')
  elseif c.totp_pending then redis.call('HSET', akey, 'totp_pending', c.totp_pending) end
  if c.accept_step then redis.call('HSET', akey, 'totp_last_step', c.accept_step) end
  -- The code used leaves the set it was found in; a new set in the same change replaces the rest.
  if c.use_code then redis.call('HDEL', akey, RECOVERY_CODE .. c.use_code) end
  if c.codes then
    for _, f in ipairs(redis.call('HKEYS', akey)) do
      if string.sub(f, 1, #RECOVERY_CODE) == RECOVERY_CODE then redis.call('HDEL', akey, f) end
    end
    for _, d in ipairs(c.codes) do redis.call('HSET', akey, RECOVERY_CODE .. d, '1') end
  end
  redis.call('HSET', akey, 'updated_at', c.updated_at)
  if c.revoke_all then
    revoke_sessions(akey, nil)
  elseif c.keep_only then
    revoke_sessions(akey, c.keep_only)
  end
  if next(c.drop) then drop_tokens(akey, c.drop) end
  write_effects(id, c.effects)
end
)lua";

// KEYS: account, email index, account id index. ARGV: prefix, id, name, email, email_key, hash,
// created_at, updated_at, email_verified ('0'/'1'), pending_email, pending_email_key, disabled
// ('0'/'1'), totp_secret, totp_pending, totp_last_step, the count of recovery code digests and
// the digests (from 17), effects (after them). After kChangesPrelude. The id is checked first:
// an import that re-sends an existing account learns that its id exists, whatever the address.
// The second factor's fields are written only when set (absent: off, none, 0).
inline constexpr const char* kCreateAccount = R"lua(
local ncodes = tonumber(ARGV[16])
local e = read_effects(17 + ncodes)
if redis.call('EXISTS', KEYS[1]) == 1 then return 'id_taken' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'email_taken' end
local refused = check_effects(e)
if refused ~= nil then return refused end
redis.call('HSET', KEYS[1], 'id', ARGV[2], 'name', ARGV[3], 'email', ARGV[4], 'email_key', ARGV[5],
           'password_hash', ARGV[6], 'created_at', ARGV[7], 'updated_at', ARGV[8], 'email_verified', ARGV[9],
           'disabled', ARGV[12])
if ARGV[10] ~= '' or ARGV[11] ~= '' then
  redis.call('HSET', KEYS[1], 'pending_email', ARGV[10], 'pending_email_key', ARGV[11])
end
if ARGV[13] ~= '' then redis.call('HSET', KEYS[1], 'totp_secret', ARGV[13]) end
if ARGV[14] ~= '' then redis.call('HSET', KEYS[1], 'totp_pending', ARGV[14]) end
if ARGV[15] ~= '0' then redis.call('HSET', KEYS[1], 'totp_last_step', ARGV[15]) end
for k = 1, ncodes do redis.call('HSET', KEYS[1], RECOVERY_CODE .. ARGV[16 + k], '1') end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[2])
write_effects(ARGV[2], e)
return 'ok'
)lua";

// KEYS: account id index. ARGV: prefix, the lower bound ('-' for the first page, else '(' and
// the last id of the previous page: exclusive), limit (passed on as text: a Lua number would
// round a large one). The index is a sorted set with every member at score 0, which Redis
// orders bytewise (ZRANGEBYLEX): the paging the contract asks for, unaffected by inserts and
// deletions elsewhere in the order. Create and delete keep it and the accounts in step, so
// every entry has its account. Returns the account hashes.
inline constexpr const char* kListAccounts = R"lua(
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYLEX', KEYS[1], ARGV[2], '+', 'LIMIT', 0, ARGV[3])) do
  local a = redis.call('HGETALL', ARGV[1] .. 'user:{' .. id .. '}')
  if #a > 0 then out[#out + 1] = a end
end
return out
)lua";

// KEYS: email index. ARGV: prefix. Returns the account hash as a flat array, or nil.
inline constexpr const char* kFindByEmail = R"lua(
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('HGETALL', ARGV[1] .. 'user:{' .. id .. '}')
)lua";

// KEYS: account. ARGV: prefix, changes (from 2). After kChangesPrelude. Returns the account
// hash as stored afterwards.
inline constexpr const char* kUpdateAccount = R"lua(
local c = read_changes(2)
local refused = check_changes(KEYS[1], c)
if refused ~= nil then return refused end
write_changes(KEYS[1], c)
return redis.call('HGETALL', KEYS[1])
)lua";

// KEYS: account. ARGV: prefix, account id, effects (from 3). After kChangesPrelude.
inline constexpr const char* kAddEffects = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local e = read_effects(3)
local refused = check_effects(e)
if refused ~= nil then return refused end
write_effects(ARGV[2], e)
return 'ok'
)lua";

// A token is live while it exists, has the purpose asked for and expires after the caller's
// `now` (its TTL only cleans up, as a session's does).

// KEYS: token. ARGV: prefix, purpose, now (ms). Returns {token hash, account hash} (flat
// arrays), or nil.
inline constexpr const char* kFindToken = R"lua(
local t = redis.call('HMGET', KEYS[1], 'purpose', 'account_id', 'expires_at')
if not t[1] or t[1] ~= ARGV[2] or tonumber(t[3]) <= tonumber(ARGV[3]) then return false end
local account = redis.call('HGETALL', ARGV[1] .. 'user:{' .. t[2] .. '}')
if #account == 0 then return false end
return {redis.call('HGETALL', KEYS[1]), account}
)lua";

// KEYS: token. ARGV: prefix, purpose, now (ms), digest, changes (from 5). After
// kChangesPrelude. Every precondition (the token live, then the changes') is checked before the
// token is consumed, so a refusal leaves it usable; Redis runs one script at a time, so of
// concurrent redemptions the first consumes the token and the others find it gone. Returns the
// account hash as stored afterwards.
inline constexpr const char* kRedeemToken = R"lua(
local t = redis.call('HMGET', KEYS[1], 'purpose', 'account_id', 'expires_at')
if not t[1] or t[1] ~= ARGV[2] or tonumber(t[3]) <= tonumber(ARGV[3]) then return false end
local akey = P .. 'user:{' .. t[2] .. '}'
local c = read_changes(5)
local refused = check_changes(akey, c)
if refused ~= nil then return refused end
redis.call('DEL', KEYS[1])
redis.call('ZREM', akey .. ':tokens', ARGV[4])
write_changes(akey, c)
return redis.call('HGETALL', akey)
)lua";

// KEYS: account, account id index. ARGV: prefix. After kSessionsPrelude. The account's queued
// mail stays (it may still go out). A script that raises keeps the writes it made before, so the
// account's email and id index entries go last, after everything that could raise (a session of
// an unexpected type, say): a failure then leaves the account reachable by address and by the
// admin listing, and deleting it again finishes the job, rather than an account nobody can find.
inline constexpr const char* kDeleteAccount = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local p = ARGV[1]
local a = redis.call('HMGET', KEYS[1], 'id', 'email_key')
local zkey = KEYS[1] .. ':sessions'
for _, d in ipairs(redis.call('ZRANGE', zkey, 0, -1)) do drop_session(p, KEYS[1], d) end
local tkey = KEYS[1] .. ':tokens'
for _, d in ipairs(redis.call('ZRANGE', tkey, 0, -1)) do redis.call('DEL', p .. 'token:' .. d) end
redis.call('DEL', zkey, tkey, KEYS[1])
if a[2] then redis.call('DEL', p .. 'email:' .. a[2]) end
if a[1] then redis.call('ZREM', KEYS[2], a[1]) end
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
