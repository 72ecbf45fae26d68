// The outbox operations of RedisStore (accounts and flow tokens are in redis_store.cc, sessions
// in redis_sessions.cc): claims with leases over `P outbox:due`, each a Lua script (outbox_scripts.h).

#include <spdlog/spdlog.h>

#include "store/redis/codec.h"
#include "store/redis/redis_store.h"

namespace vestibule::store::redis {

Task<Result<std::vector<OutboxMessage>>> RedisStore::claim_mail(TimePoint now, std::chrono::milliseconds lease,
                                                                std::size_t limit, std::string claim) {
  std::vector<OutboxMessage> claimed;
  if (limit == 0) co_return claimed;  // asked for none: no script, no cleanup either
  std::vector<std::string> keys{outbox_key("due"), outbox_key("created"), outbox_key("failed")};
  std::vector<std::string> args{options_.key_prefix, millis(now), millis(now + lease), std::to_string(limit),
                                std::move(claim)};
  auto reply = co_await run(Script::claim_mail, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  if (reply->type != Reply::Type::array) co_return Error::unavailable;
  for (const Reply& hash : reply->elements) {
    std::optional<OutboxMessage> m = to_message(hash);
    if (!m) {
      // Skipped, not fatal: one damaged message must not stop the others. It stays claimed and
      // comes back after its lease, logged again. Its id only: never a recipient or a param.
      log_->error("event=store.mail_damaged message_id={} reason=\"params are not valid JSON pairs\"",
                  field(hash, "id"));
      continue;
    }
    claimed.push_back(std::move(*m));
  }
  co_return claimed;
}

Task<Result<bool>> RedisStore::complete_mail(std::string id, std::string claim) {
  std::vector<std::string> keys{mail_key(id), outbox_key("due"), outbox_key("created")};
  std::vector<std::string> args{id, std::move(claim)};
  auto reply = co_await run(Script::complete_mail, std::move(keys), std::move(args));
  co_return to_bool(reply);
}

Task<Result<bool>> RedisStore::retry_mail(std::string id, std::string claim, TimePoint due) {
  std::vector<std::string> keys{mail_key(id), outbox_key("due")};
  std::vector<std::string> args{id, std::move(claim), millis(due)};
  auto reply = co_await run(Script::retry_mail, std::move(keys), std::move(args));
  co_return to_bool(reply);
}

Task<Result<bool>> RedisStore::fail_mail(std::string id, std::string claim, TimePoint keep_until) {
  std::vector<std::string> keys{mail_key(id), outbox_key("due"), outbox_key("created"), outbox_key("failed")};
  std::vector<std::string> args{id, std::move(claim), millis(keep_until)};
  auto reply = co_await run(Script::fail_mail, std::move(keys), std::move(args));
  co_return to_bool(reply);
}

Task<Result<OutboxStats>> RedisStore::outbox_stats() {
  std::vector<std::string> keys{outbox_key("due"), outbox_key("created"), outbox_key("failed")};
  std::vector<std::string> args;
  auto reply = co_await run(Script::outbox_stats, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  if (reply->type != Reply::Type::array || reply->elements.size() != 3) co_return Error::unavailable;
  OutboxStats stats;
  stats.queued = static_cast<std::size_t>(reply->elements[0].integer);
  stats.failed = static_cast<std::size_t>(reply->elements[1].integer);
  const long long oldest = reply->elements[2].integer;  // -1: nothing queued
  if (oldest >= 0) stats.oldest_queued = TimePoint(std::chrono::milliseconds(oldest));
  co_return stats;
}

}  // namespace vestibule::store::redis
