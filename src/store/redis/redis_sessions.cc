// The session operations of RedisStore (accounts and flow tokens are in redis_store.cc, the
// outbox in redis_outbox.cc), each one Lua script (session_scripts.h).

#include <algorithm>
#include <string>

#include "store/redis/codec.h"
#include "store/redis/redis_store.h"

namespace vestibule::store::redis {

Task<Result<SessionAccount>> RedisStore::find_session(std::string digest, TimePoint now) {
  std::vector<std::string> keys{session_key(digest)};
  std::vector<std::string> args{options_.key_prefix, millis(now)};
  auto reply = co_await run(Script::find_session, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  if (reply->is_nil()) co_return Error::not_found;
  if (reply->type != Reply::Type::array || reply->elements.size() != 2) co_return Error::unavailable;
  std::optional<Session> session = to_session(std::move(digest), reply->elements[0]);
  Result<Account> account = to_account(reply->elements[1]);
  if (!session || !account) co_return Error::unavailable;  // the script checked both: damaged data
  co_return SessionAccount{std::move(*session), std::move(*account)};
}

Task<Result<void>> RedisStore::touch_session(std::string digest, TimePoint at) {
  std::vector<std::string> keys{session_key(digest)};
  std::vector<std::string> args{millis(at)};
  auto reply = co_await run(Script::touch_session, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  co_return Result<void>{};
}

Task<Result<std::vector<Session>>> RedisStore::list_sessions(std::string account_id, TimePoint now) {
  std::vector<std::string> keys{account_key(account_id)};
  std::vector<std::string> args{options_.key_prefix, millis(now)};
  auto reply = co_await run(Script::list_sessions, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  if (reply->type != Reply::Type::array || reply->elements.size() % 2 != 0) co_return Error::unavailable;
  std::vector<Session> sessions;
  for (std::size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    std::optional<Session> s = to_session(reply->elements[i].str, reply->elements[i + 1]);
    if (!s) co_return Error::unavailable;
    // The index's score is the expiry the hash holds; the hash decides.
    if (s->expires_at <= now) continue;
    sessions.push_back(std::move(*s));
  }
  std::sort(sessions.begin(), sessions.end(), [](const Session& a, const Session& b) {
    if (a.created_at != b.created_at) return a.created_at > b.created_at;
    return a.id > b.id;
  });
  co_return sessions;
}

Task<Result<void>> RedisStore::delete_session_by_id(std::string account_id, std::string session_id, TimePoint now) {
  // An empty id names no session (a session without one has no id key).
  if (session_id.empty()) co_return Error::not_found;
  std::vector<std::string> keys{session_id_key(account_id, session_id), account_key(account_id)};
  std::vector<std::string> args{options_.key_prefix, account_id, millis(now)};
  auto reply = co_await run(Script::delete_session_by_id, std::move(keys), std::move(args));
  co_return to_void(reply);
}

Task<Result<void>> RedisStore::create_session(Session s) {
  std::vector<std::string> keys{account_key(s.account_id), session_key(s.token_digest),
                                session_id_key(s.account_id, s.id)};
  std::vector<std::string> args{options_.key_prefix,
                                s.token_digest,
                                s.account_id,
                                millis(s.created_at),
                                millis(s.expires_at),
                                flag(s.expected_password_hash.has_value()),
                                s.expected_password_hash.value_or(""),
                                s.id,
                                s.user_agent,
                                s.client_address,
                                std::to_string(s.keep_newest),
                                flag(s.without_second_factor)};
  auto reply = co_await run(Script::create_session, std::move(keys), std::move(args));
  co_return to_void(reply);
}

Task<Result<void>> RedisStore::delete_session(std::string digest) {
  std::vector<std::string> keys{session_key(digest)};
  std::vector<std::string> args{options_.key_prefix, digest};
  auto reply = co_await run(Script::delete_session, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  co_return Result<void>{};
}

Task<Result<void>> RedisStore::delete_sessions(std::string id) {
  std::vector<std::string> keys{account_key(id)};
  std::vector<std::string> args{options_.key_prefix};
  auto reply = co_await run(Script::delete_sessions, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  co_return Result<void>{};
}

}  // namespace vestibule::store::redis
