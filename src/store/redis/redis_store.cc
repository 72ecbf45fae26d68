#include "store/redis/redis_store.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "store/redis/migrations.h"
#include "store/redis/scripts.h"

namespace vestibule::store::redis {
namespace {

const char* script_text(RedisStore::Script s) {
  using S = RedisStore::Script;
  switch (s) {
    case S::create_account: return scripts::kCreateAccount;
    case S::find_by_email: return scripts::kFindByEmail;
    case S::find_by_session: return scripts::kFindBySession;
    case S::update_account: return scripts::kUpdateAccount;
    case S::delete_account: return scripts::kDeleteAccount;
    case S::create_session: return scripts::kCreateSession;
    case S::delete_session: return scripts::kDeleteSession;
    case S::delete_sessions: return scripts::kDeleteSessions;
    case S::add_attempt: return scripts::kAddAttempt;
    case S::attempts: return scripts::kAttempts;
    case S::count: break;
  }
  return "";
}

std::string millis(TimePoint t) { return std::to_string(t.time_since_epoch().count()); }

TimePoint parse_millis(const std::string& s) {
  std::int64_t ms = 0;
  std::from_chars(s.data(), s.data() + s.size(), ms);
  return TimePoint(std::chrono::milliseconds(ms));
}

// HGETALL's flat [field, value, ...] array into an Account; not_found if empty.
Result<Account> to_account(const Reply& r) {
  if (r.type != Reply::Type::array || r.elements.empty()) return Error::not_found;
  Account a;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& field = r.elements[i].str;
    const std::string& value = r.elements[i + 1].str;
    if (field == "id") a.id = value;
    else if (field == "name") a.name = value;
    else if (field == "email") a.email = value;
    else if (field == "email_key") a.email_key = value;
    else if (field == "password_hash") a.password_hash = value;
    else if (field == "created_at") a.created_at = parse_millis(value);
    else if (field == "updated_at") a.updated_at = parse_millis(value);
  }
  return a;
}

// The common outcomes of a script: nil -> not_found, "email_taken", "ok".
Result<void> to_void(const Result<Reply>& r) {
  if (!r) return r.error();
  if (r->is_nil()) return Error::not_found;
  if (r->str == "email_taken") return Error::email_taken;
  if (r->str == "id_taken") return Error::unavailable;  // a UUID collision: not the client's doing
  return {};
}

}  // namespace

RedisStore::RedisStore(boost::asio::any_io_executor executor, RedisOptions options)
    : options_(std::move(options)), log_(logger_or_null(options_.logger)) {
  options_.client.logger = log_;
  client_ = std::make_shared<RedisClient>(executor, options_.client);
}

RedisStore::~RedisStore() { client_->close(); }

std::string RedisStore::account_key(std::string_view id) const {
  // The braces are a Redis Cluster hash tag: an account and its session index share a slot.
  return options_.key_prefix + "user:{" + std::string(id) + "}";
}
std::string RedisStore::email_key(std::string_view key) const { return options_.key_prefix + "email:" + std::string(key); }
std::string RedisStore::attempts_key(std::string_view key) const {
  return options_.key_prefix + "attempts:" + std::string(key);
}
std::string RedisStore::session_key(std::string_view digest) const {
  return options_.key_prefix + "session:" + std::string(digest);
}

Task<Result<Reply>> RedisStore::run(Script script, std::vector<std::string> keys, std::vector<std::string> args) {
  const auto index = static_cast<std::size_t>(script);
  std::string sha;
  {
    std::lock_guard lock(mutex_);
    sha = shas_[index];
  }
  if (sha.empty()) {
    std::vector<std::string> load{"SCRIPT", "LOAD", script_text(script)};
    auto loaded = co_await client_->command(std::move(load));
    if (!loaded) co_return loaded.error();
    if (loaded->type != Reply::Type::string) {
      log_->error("redis: SCRIPT LOAD failed: {}", loaded->str);
      co_return Error::unavailable;
    }
    sha = loaded->str;
    std::lock_guard lock(mutex_);
    shas_[index] = sha;
  }
  std::vector<std::string> command{"EVALSHA", sha, std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  auto reply = co_await client_->command(command);
  if (reply && reply->is_error() && reply->str.starts_with("NOSCRIPT")) {
    // The server lost its script cache: EVAL sends the body and caches it again.
    command[0] = "EVAL";
    command[1] = script_text(script);
    reply = co_await client_->command(std::move(command));
  }
  if (reply && reply->is_error()) {
    log_->error("redis: script failed: {}", reply->str);
    co_return Error::unavailable;
  }
  co_return reply;
}

Task<Result<void>> RedisStore::create_account(Account a, Effects effects) {
  // Stub: effects are not stored yet, so a create that has some is refused rather than half done.
  if (effects.token || !effects.mail.empty()) co_return Error::unavailable;
  std::vector<std::string> keys{account_key(a.id), email_key(a.email_key)};
  std::vector<std::string> args{a.id, a.name, a.email, a.email_key, a.password_hash, millis(a.created_at),
                                millis(a.updated_at)};
  auto reply = co_await run(Script::create_account, std::move(keys), std::move(args));
  co_return to_void(reply);
}

Task<Result<Account>> RedisStore::find_account_by_email(std::string key) {
  std::vector<std::string> keys{email_key(key)};
  std::vector<std::string> args{options_.key_prefix};
  auto reply = co_await run(Script::find_by_email, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  co_return to_account(*reply);
}

Task<Result<Account>> RedisStore::find_account_by_session(std::string digest, TimePoint now) {
  std::vector<std::string> keys{session_key(digest)};
  std::vector<std::string> args{options_.key_prefix, millis(now)};
  auto reply = co_await run(Script::find_by_session, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  co_return to_account(*reply);
}

Task<Result<Account>> RedisStore::update_account(std::string id, AccountChanges ch) {
  std::vector<std::string> keys{account_key(id)};
  std::vector<std::string> args{options_.key_prefix,
                                millis(ch.updated_at),
                                ch.name ? "1" : "0",
                                ch.name.value_or(""),
                                ch.email ? "1" : "0",
                                ch.email.value_or(""),
                                ch.email_key ? "1" : "0",
                                ch.email_key.value_or(""),
                                ch.password_hash ? "1" : "0",
                                ch.password_hash.value_or(""),
                                ch.keep_only_session ? "1" : "0",
                                ch.keep_only_session.value_or(""),
                                ch.expected_password_hash ? "1" : "0",
                                ch.expected_password_hash.value_or("")};
  auto reply = co_await run(Script::update_account, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  if (reply->is_nil()) co_return Error::not_found;
  if (reply->str == "email_taken") co_return Error::email_taken;
  co_return to_account(*reply);
}

Task<Result<void>> RedisStore::delete_account(std::string id) {
  std::vector<std::string> keys{account_key(id)};
  std::vector<std::string> args{options_.key_prefix};
  auto reply = co_await run(Script::delete_account, std::move(keys), std::move(args));
  co_return to_void(reply);
}

Task<Result<void>> RedisStore::create_session(Session s) {
  std::vector<std::string> keys{account_key(s.account_id), session_key(s.token_digest)};
  std::vector<std::string> args{s.token_digest, s.account_id, millis(s.created_at), millis(s.expires_at),
                                s.expected_password_hash ? "1" : "0", s.expected_password_hash.value_or("")};
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

Task<Result<std::size_t>> RedisStore::purge_expired_sessions(TimePoint) {
  co_return std::size_t{0};  // Redis expires sessions itself (PXAT on each session key)
}

namespace {

// {count, window end ms} from the attempt scripts.
Result<Attempts> to_attempts(const Result<Reply>& r) {
  if (!r) return r.error();
  if (r->type != Reply::Type::array || r->elements.size() != 2) return Error::unavailable;
  const long long count = r->elements[0].integer;
  if (count <= 0) return Attempts{};
  return Attempts{static_cast<std::uint32_t>(count), TimePoint(std::chrono::milliseconds(r->elements[1].integer))};
}

}  // namespace

Task<Result<Attempts>> RedisStore::add_attempt(std::string key, TimePoint now, std::chrono::milliseconds window) {
  std::vector<std::string> keys{attempts_key(key)};
  std::vector<std::string> args{millis(now), std::to_string(window.count())};
  auto reply = co_await run(Script::add_attempt, std::move(keys), std::move(args));
  co_return to_attempts(reply);
}

Task<Result<Attempts>> RedisStore::attempts(std::string key, TimePoint now) {
  std::vector<std::string> keys{attempts_key(key)};
  std::vector<std::string> args{millis(now)};
  auto reply = co_await run(Script::attempts, std::move(keys), std::move(args));
  co_return to_attempts(reply);
}

Task<Result<void>> RedisStore::clear_attempts(std::string key) {
  std::vector<std::string> command{"DEL", attempts_key(key)};
  auto reply = co_await client_->command(std::move(command));
  if (!reply) co_return reply.error();
  if (reply->is_error()) co_return Error::unavailable;
  co_return Result<void>{};
}

// Stubs until the Redis implementation of issue 10 lands.
Task<Result<void>> RedisStore::add_effects(std::string, Effects) { co_return Error::unavailable; }

Task<Result<TokenHolder>> RedisStore::find_token(std::string, TokenPurpose, TimePoint) {
  co_return Error::unavailable;
}

Task<Result<Account>> RedisStore::redeem_token(std::string, TokenPurpose, TimePoint, AccountChanges) {
  co_return Error::unavailable;
}

Task<Result<std::vector<OutboxMessage>>> RedisStore::claim_mail(TimePoint, std::chrono::milliseconds, std::size_t,
                                                                std::string) {
  co_return Error::unavailable;
}

Task<Result<bool>> RedisStore::complete_mail(std::string, std::string) { co_return Error::unavailable; }

Task<Result<bool>> RedisStore::retry_mail(std::string, std::string, TimePoint) { co_return Error::unavailable; }

Task<Result<bool>> RedisStore::fail_mail(std::string, std::string, TimePoint) { co_return Error::unavailable; }

Task<Result<OutboxStats>> RedisStore::outbox_stats() { co_return Error::unavailable; }

Task<Result<void>> RedisStore::ping() {
  std::vector<std::string> command{"PING"};
  auto reply = co_await client_->command(std::move(command));
  if (!reply) co_return reply.error();
  if (reply->is_error()) co_return Error::unavailable;
  co_return Result<void>{};
}

Task<boost::system::result<void, OpenError>> RedisStore::prepare() {
  co_return co_await prepare_data(*client_, options_.key_prefix, options_.email_key, *log_);
}

}  // namespace vestibule::store::redis
