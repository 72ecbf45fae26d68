#include "store/redis/redis_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "store/redis/codec.h"
#include "store/redis/migrations.h"
#include "store/redis/outbox_scripts.h"
#include "store/redis/scripts.h"
#include "store/redis/session_scripts.h"
#include "store/redis/tracking.h"

namespace vestibule::store::redis {
namespace {

std::string script_text(RedisStore::Script s) {
  using S = RedisStore::Script;
  // The scripts that change an account with its effects share their argument reading, checks
  // and writes (scripts::kChangesPrelude); every script that revokes sessions shares how
  // (scripts::kSessionsPrelude).
  const std::string sessions = scripts::kSessionsPrelude;
  const std::string changes = sessions + scripts::kChangesPrelude;
  switch (s) {
    case S::create_account: return changes + scripts::kCreateAccount;
    case S::find_by_email: return scripts::kFindByEmail;
    case S::list_accounts: return scripts::kListAccounts;
    case S::update_account: return changes + scripts::kUpdateAccount;
    case S::delete_account: return sessions + scripts::kDeleteAccount;
    case S::find_session: return scripts::kFindSession;
    case S::touch_session: return scripts::kTouchSession;
    case S::list_sessions: return scripts::kListSessions;
    case S::create_session: return sessions + scripts::kCreateSession;
    case S::delete_session: return sessions + scripts::kDeleteSession;
    case S::delete_session_by_id: return sessions + scripts::kDeleteSessionById;
    case S::delete_sessions: return sessions + scripts::kDeleteSessions;
    case S::add_attempt: return scripts::kAddAttempt;
    case S::attempts: return scripts::kAttempts;
    case S::add_effects: return changes + scripts::kAddEffects;
    case S::find_token: return scripts::kFindToken;
    case S::redeem_token: return changes + scripts::kRedeemToken;
    case S::claim_mail: return scripts::kClaimMail;
    case S::complete_mail: return scripts::kCompleteMail;
    case S::retry_mail: return scripts::kRetryMail;
    case S::fail_mail: return scripts::kFailMail;
    case S::outbox_stats: return scripts::kOutboxStats;
    case S::purge_failed_mail: return scripts::kPurgeFailedMail;
    case S::count: break;
  }
  return "";
}

}  // namespace

RedisStore::RedisStore(boost::asio::any_io_executor executor, RedisOptions options)
    : executor_(executor), options_(std::move(options)), log_(logger_or_null(options_.logger)) {
  options_.client.logger = log_;
  client_ = std::make_shared<RedisClient>(executor, options_.client);
}

RedisStore::~RedisStore() { client_->close(); }

boost::system::result<std::shared_ptr<SessionWatch>, OpenError> RedisStore::watch_sessions(SessionCache& cache) {
  TrackingOptions tracking;
  tracking.client = options_.client;
  tracking.key_prefix = options_.key_prefix;
  return std::shared_ptr<SessionWatch>(Tracking::start(executor_, std::move(tracking), cache));
}

std::string RedisStore::account_key(std::string_view id) const {
  // The braces are a Redis Cluster hash tag: an account and its session index share a slot.
  return options_.key_prefix + "user:{" + std::string(id) + "}";
}
std::string RedisStore::email_key(std::string_view key) const { return options_.key_prefix + "email:" + std::string(key); }
std::string RedisStore::session_id_key(std::string_view account_id, std::string_view session_id) const {
  return account_key(account_id) + ":session_id:" + std::string(session_id);
}
std::string RedisStore::accounts_key() const { return options_.key_prefix + "accounts"; }
std::string RedisStore::attempts_key(std::string_view key) const {
  return options_.key_prefix + "attempts:" + std::string(key);
}
std::string RedisStore::session_key(std::string_view digest) const {
  return options_.key_prefix + "session:" + std::string(digest);
}
std::string RedisStore::token_key(std::string_view digest) const {
  return options_.key_prefix + "token:" + std::string(digest);
}
std::string RedisStore::mail_key(std::string_view id) const { return options_.key_prefix + "mail:" + std::string(id); }
std::string RedisStore::outbox_key(std::string_view which) const {
  return options_.key_prefix + "outbox:" + std::string(which);
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
  std::vector<std::string> keys{account_key(a.id), email_key(a.email_key), accounts_key()};
  std::vector<std::string> args{options_.key_prefix, a.id, a.name, a.email, a.email_key, a.password_hash,
                                millis(a.created_at), millis(a.updated_at), flag(a.email_verified), a.pending_email,
                                a.pending_email_key, flag(a.disabled), a.totp_secret, a.totp_pending,
                                std::to_string(a.totp_last_step)};
  append_digests(args, a.recovery_codes);
  append_effects(args, effects);
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

Task<Result<Account>> RedisStore::find_account(std::string id) {
  // One key: no script needed.
  std::vector<std::string> command{"HGETALL", account_key(id)};
  auto reply = co_await client_->command(std::move(command));
  if (!reply) co_return reply.error();
  if (reply->is_error()) co_return Error::unavailable;
  co_return to_account(*reply);
}

Task<Result<std::vector<Account>>> RedisStore::list_accounts(std::string after_id, std::size_t limit) {
  std::vector<std::string> keys{accounts_key()};
  // Redis reads LIMIT as a signed 64-bit count.
  const std::size_t count = std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max());
  std::vector<std::string> args{options_.key_prefix, after_id.empty() ? "-" : "(" + after_id, std::to_string(count)};
  auto reply = co_await run(Script::list_accounts, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  if (reply->type != Reply::Type::array) co_return Error::unavailable;
  std::vector<Account> accounts;
  for (const Reply& hash : reply->elements) {
    Result<Account> account = to_account(hash);
    if (!account) co_return Error::unavailable;  // the script returns only present accounts
    accounts.push_back(std::move(*account));
  }
  co_return accounts;
}

Task<Result<Account>> RedisStore::update_account(std::string id, AccountChanges ch) {
  std::vector<std::string> keys{account_key(id)};
  std::vector<std::string> args{options_.key_prefix};
  append_changes(args, ch);
  auto reply = co_await run(Script::update_account, std::move(keys), std::move(args));
  co_return to_changed_account(reply);
}

Task<Result<void>> RedisStore::delete_account(std::string id) {
  std::vector<std::string> keys{account_key(id), accounts_key()};
  std::vector<std::string> args{options_.key_prefix};
  auto reply = co_await run(Script::delete_account, std::move(keys), std::move(args));
  co_return to_void(reply);
}

Task<Result<std::size_t>> RedisStore::purge_expired_sessions(TimePoint now) {
  // Redis expires sessions, attempt windows and flow tokens itself (their TTLs). Failed mail is
  // kept until a keep_until of the caller's clock, so it is removed here, in bounded batches so
  // that no one script holds Redis for long.
  constexpr int kBatch = 500;
  for (;;) {
    std::vector<std::string> keys{outbox_key("failed")};
    std::vector<std::string> args{options_.key_prefix, millis(now), std::to_string(kBatch)};
    auto reply = co_await run(Script::purge_failed_mail, std::move(keys), std::move(args));
    if (!reply) co_return reply.error();
    if (reply->type != Reply::Type::integer) co_return Error::unavailable;
    if (reply->integer < kBatch) break;
  }
  co_return std::size_t{0};  // sessions removed: none, Redis did
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

Task<Result<void>> RedisStore::add_effects(std::string id, Effects effects) {
  std::vector<std::string> keys{account_key(id)};
  std::vector<std::string> args{options_.key_prefix, id};
  append_effects(args, effects);
  auto reply = co_await run(Script::add_effects, std::move(keys), std::move(args));
  co_return to_void(reply);
}

Task<Result<TokenHolder>> RedisStore::find_token(std::string digest, TokenPurpose purpose, TimePoint now) {
  std::vector<std::string> keys{token_key(digest)};
  std::vector<std::string> args{options_.key_prefix, to_string(purpose), millis(now)};
  auto reply = co_await run(Script::find_token, std::move(keys), std::move(args));
  if (!reply) co_return reply.error();
  if (reply->is_nil()) co_return Error::not_found;
  if (reply->type != Reply::Type::array || reply->elements.size() != 2) co_return Error::unavailable;
  std::optional<FlowToken> token = to_token(std::move(digest), reply->elements[0]);
  Result<Account> account = to_account(reply->elements[1]);
  if (!token || !account) co_return Error::unavailable;  // the script checked both: damaged data
  co_return TokenHolder{std::move(*token), std::move(*account)};
}

Task<Result<Account>> RedisStore::redeem_token(std::string digest, TokenPurpose purpose, TimePoint now,
                                               AccountChanges ch) {
  std::vector<std::string> keys{token_key(digest)};
  std::vector<std::string> args{options_.key_prefix, to_string(purpose), millis(now), digest};
  append_changes(args, ch);
  auto reply = co_await run(Script::redeem_token, std::move(keys), std::move(args));
  co_return to_changed_account(reply);
}

Task<Result<void>> RedisStore::ping() {
  std::vector<std::string> command{"PING"};
  auto reply = co_await client_->command(std::move(command));
  if (!reply) co_return reply.error();
  if (reply->is_error()) co_return Error::unavailable;
  co_return Result<void>{};
}

std::optional<bool> RedisStore::connected() const { return client_->connected(); }

Task<boost::system::result<void, OpenError>> RedisStore::prepare() {
  // The service's clock, as every other time in the store is the caller's.
  const TimePoint now = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  co_return co_await prepare_data(*client_, options_.key_prefix, options_.email_key, *log_, now);
}

}  // namespace vestibule::store::redis
