// The Redis store's data version (redis/migrations.h), against the suite's private redis-server:
// a fresh keyspace gets the current version, a newer one is refused, and data laid out by the
// previous releases (written here with raw commands, as those releases wrote it) is upgraded.
// (How the current version lays out its keys: redis_flows_test.cc.)

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "redis_fixture.h"
#include "store/open.h"
#include "store/redis/redis_client.h"
#include "store/store.h"
#include "support/run_awaitable.h"

namespace vestibule::store {
namespace {

using namespace std::chrono_literals;

TEST_F(RedisStoreTest, AFreshKeyspaceGetsTheCurrentVersion) {
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "5");
  EXPECT_EQ(logged().find("event=store.migrated"), std::string::npos) << "nothing to migrate: " << logged();
}

TEST_F(RedisStoreTest, OffersNoBackupItsPersistenceIsRedisOwn) {
  std::unique_ptr<Store> store = open();
  EXPECT_FALSE(store->supports_backup());
  EXPECT_EQ(run(store->backup("/nonexistent/copy.db")).error(), Error::unavailable);
}

TEST_F(RedisStoreTest, ANewerVersionIsRefused) {
  raw({"SET", "P:schema_version", "6"});
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().message, "incompatible schema: Redis data version 6 is newer than this binary's 5; upgrade vestibule");
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "6") << "left as it was";
}

TEST_F(RedisStoreTest, AVersionThatIsNotANumberIsRefused) {
  raw({"SET", "P:schema_version", "banana"});
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().message,
            "not Vestibule data: " + prefix_ + "schema_version holds 'banana', not a version number");
}

TEST_F(RedisStoreTest, UnreachableRedisIsReportedByPrepare) {
  OpenOptions options;
  options.executor = io_.get_executor();
  std::unique_ptr<Store> store =
      open_store("redis://127.0.0.1:" + std::to_string(testing::free_loopback_port()), options).value();
  auto prepared = run(store->prepare());
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().message, "cannot check the Redis data version: Redis did not answer (unavailable)");
}

// The previous release's layout (docs/redis.md before data versions): no version key, keys
// lower-cased, attempt counters bare INCR values with a TTL.
void write_version_1(const std::function<redis::Reply(std::vector<std::string>)>& raw) {
  auto account = [&](const std::string& id, const std::string& email, const std::string& key, TimePoint created) {
    raw({"HSET", "P:user:{" + id + "}", "id", id, "name", "Name of " + id, "email", email, "email_key", key,
         "password_hash", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h", "created_at", ms(created), "updated_at",
         ms(created + 5s)});
    raw({"SET", "P:email:" + key, id});
  };
  account("acc-ann", "Ann@example.com", "ann@example.com", kT0);
  account("acc-upper", "STRASSE@example.de", "strasse@example.de", kT0 + 1s);                // older
  account("acc-sharp", "stra\u00dfe@example.de", "stra\u00dfe@example.de", kT0 + 2s);        // newer: same fold
  account("acc-sigma", "\u03c3\u03b1\u03c2@example.gr", "\u03c3\u03b1\u03c2@example.gr", kT0);
  const TimePoint expires = kT0 + 1h;
  raw({"SET", "P:session:digest-sharp", "acc-sharp " + ms(expires), "PXAT", ms(expires)});
  raw({"ZADD", "P:user:{acc-sharp}:sessions", ms(expires), "digest-sharp"});
  raw({"SET", "P:attempts:login:account:acc-ann", "3", "PX", "600000"});
}

TEST_F(RedisStoreTest, Version1DataIsUpgradedInPlace) {
  write_version_1([this](std::vector<std::string> args) { return raw(std::move(args)); });
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "5") << "and on through version 5";

  Result<Account> ann = run(store->find_account_by_email("ann@example.com"));
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->id, "acc-ann");
  EXPECT_EQ(ann->email, "Ann@example.com");
  EXPECT_EQ(ann->created_at, kT0);
  Result<Account> sigma = run(store->find_account_by_email("\u03c3\u03b1\u03c3@example.gr"));
  ASSERT_TRUE(sigma) << "re-keyed by the new function";
  EXPECT_EQ(sigma->id, "acc-sigma");
  EXPECT_EQ(sigma->email_key, "\u03c3\u03b1\u03c3@example.gr");
  EXPECT_EQ(raw({"EXISTS", "P:email:\u03c3\u03b1\u03c2@example.gr"}).integer, 0) << "the old index entry is gone";

  Result<Account> holder = run(store->find_account_by_email("strasse@example.de"));
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->id, "acc-upper") << "the older account takes the key";
  Result<Account> placeholder = run(store->find_account_by_email("conflict:acc-sharp"));
  ASSERT_TRUE(placeholder);
  EXPECT_EQ(placeholder->id, "acc-sharp");
  EXPECT_EQ(placeholder->email_key, "conflict:acc-sharp");
  EXPECT_EQ(raw({"EXISTS", "P:email:stra\u00dfe@example.de"}).integer, 0);
  Result<Account> by_session = run(store->find_account_by_session("digest-sharp", kT0));
  ASSERT_TRUE(by_session) << "its sessions still work";
  EXPECT_EQ(by_session->id, "acc-sharp");
  const std::string log = logged();
  EXPECT_NE(log.find("event=store.email_key_conflict account_id=acc-sharp holder_account_id=acc-upper"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("example.de"), std::string::npos) << "no address in the log: " << log;

  Account twin{"acc-new", "n", "x", "strasse@example.de", "h", kT0, kT0};
  Result<void> duplicate = run(store->create_account(twin, {}));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error(), Error::email_taken);

  // A version-1 counter keeps counting: its window ends when its TTL runs out.
  const TimePoint now = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  Result<Attempts> counted = run(store->add_attempt("login:account:acc-ann", now, 60s));
  ASSERT_TRUE(counted);
  EXPECT_EQ(counted->count, 4u);
  EXPECT_GT(counted->window_ends, now + 590s);
  EXPECT_LE(counted->window_ends, now + 600s);
}

// Version 2's layout (docs/redis.md of that release): accounts without email_verified or a
// pending address, no flow tokens, no outbox.
TEST_F(RedisStoreTest, Version2DataIsUpgradedThroughVersion3) {
  raw({"SET", "P:schema_version", "2"});
  raw({"HSET", "P:user:{acc-ann}", "id", "acc-ann", "name", "Ann", "email", "Ann@example.com", "email_key",
       "ann@example.com", "password_hash", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h", "created_at", ms(kT0),
       "updated_at", ms(kT0 + 5s)});
  raw({"SET", "P:email:ann@example.com", "acc-ann"});
  const TimePoint expires = kT0 + 1h;
  raw({"SET", "P:session:digest-ann", "acc-ann " + ms(expires), "PXAT", ms(expires)});
  raw({"ZADD", "P:user:{acc-ann}:sessions", ms(expires), "digest-ann"});
  raw({"SET", "P:attempts:login:account:acc-ann", "2 " + ms(kT0 + 10min), "PX", "600000"});

  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "5");
  EXPECT_NE(logged().find("event=store.migrated data_version=3"), std::string::npos) << logged();

  Result<Account> ann = run(store->find_account_by_email("ann@example.com"));
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->id, "acc-ann");
  EXPECT_EQ(ann->email, "Ann@example.com");
  EXPECT_EQ(ann->updated_at, kT0 + 5s);
  EXPECT_FALSE(ann->email_verified) << "an account of version 2 has not verified its address";
  EXPECT_EQ(ann->pending_email, "");
  EXPECT_EQ(ann->pending_email_key, "");
  Result<Account> by_session = run(store->find_account_by_session("digest-ann", kT0));
  ASSERT_TRUE(by_session) << "sessions carry over";
  EXPECT_EQ(by_session->id, "acc-ann");
  Result<Attempts> attempts = run(store->attempts("login:account:acc-ann", kT0));
  ASSERT_TRUE(attempts);
  EXPECT_EQ(attempts->count, 2u);

  // The old account takes part in the new flows.
  Effects effects;
  effects.token = FlowToken{.token_digest = "verify-ann",
                            .purpose = TokenPurpose::email_verification,
                            .account_id = "acc-ann",
                            .email = "Ann@example.com",
                            .created_at = kT0,
                            .expires_at = kT0 + 1h};
  ASSERT_TRUE(run(store->add_effects("acc-ann", effects)));
  AccountChanges verify;
  verify.updated_at = kT0 + 1min;
  verify.email_verified = true;
  Result<Account> verified = run(store->redeem_token("verify-ann", TokenPurpose::email_verification, kT0, verify));
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->email_verified);
  EXPECT_EQ(verified->name, "Ann") << "the fields of version 2 are kept";
}

// Version 3's layout (docs/redis.md of that release): sessions as "<account id> <expires ms>"
// strings, no account id index, accounts without `disabled`. One session was already converted
// by an interrupted run (a hash with its id key; the version still 3): it is left as it is.
TEST_F(RedisStoreTest, Version3DataIsUpgradedToVersion4) {
  raw({"SET", "P:schema_version", "3"});
  for (const std::string id : {"acc-b", "acc-a", "acc-c"}) {
    raw({"HSET", "P:user:{" + id + "}", "id", id, "name", "Name of " + id, "email", id + "@example.com", "email_key",
         id + "@example.com", "password_hash", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h", "created_at", ms(kT0),
         "updated_at", ms(kT0 + 5s), "email_verified", "1"});
    raw({"SET", "P:email:" + id + "@example.com", id});
  }
  auto session = [&](const std::string& digest, const std::string& account_id, TimePoint expires) {
    raw({"SET", "P:session:" + digest, account_id + " " + ms(expires), "PXAT", ms(expires)});
    raw({"ZADD", "P:user:{" + account_id + "}:sessions", ms(expires), digest});
  };
  session("digest-a1", "acc-a", kT0 + 1h);
  session("digest-a2", "acc-a", kT0 + 2h);
  raw({"HSET", "P:session:digest-b1", "account_id", "acc-b", "id", "sid-b1", "created_at", ms(kT0), "expires_at",
       ms(kT0 + 1h), "last_used_at", ms(kT0 + 1min), "user_agent", "", "client_address", ""});
  raw({"PEXPIREAT", "P:session:digest-b1", ms(kT0 + 1h)});
  raw({"SET", "P:user:{acc-b}:session_id:sid-b1", "digest-b1", "PXAT", ms(kT0 + 1h)});
  raw({"ZADD", "P:user:{acc-b}:sessions", ms(kT0 + 1h), "digest-b1"});
  raw({"SET", "P:session:digest-damaged", "acc-c", "PXAT", ms(kT0 + 1h)});  // no expiry: nobody's session

  const TimePoint before = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_TRUE(prepared) << prepared.error().message;
  const TimePoint after = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "5");
  EXPECT_NE(logged().find("event=store.migrated data_version=4"), std::string::npos) << logged();
  EXPECT_NE(logged().find("event=store.sessions_converted accounts_indexed=3 sessions_converted=2"), std::string::npos)
      << logged();
  EXPECT_EQ(raw({"EXISTS", "P:session:digest-damaged"}).integer, 0) << "a damaged session is deleted";

  // Every account is in the id index, and reads as not disabled.
  Result<std::vector<Account>> listed = run(store->list_accounts("", 10));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].id, "acc-a");
  EXPECT_EQ((*listed)[1].id, "acc-b");
  EXPECT_EQ((*listed)[2].id, "acc-c");
  for (const Account& a : *listed) {
    EXPECT_FALSE(a.disabled) << a.id;
    EXPECT_TRUE(a.email_verified) << a.id << ": the fields of version 3 are kept";
    EXPECT_EQ(a.updated_at, kT0 + 5s) << a.id;
  }
  Result<std::vector<Account>> second = run(store->list_accounts("acc-a", 1));
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(second->front().id, "acc-b");

  // Each session became a hash with a fresh UUID, created (and last used) at the migration.
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  Result<SessionAccount> a1 = run(store->find_session("digest-a1", kT0));
  Result<SessionAccount> a2 = run(store->find_session("digest-a2", kT0));
  ASSERT_TRUE(a1);
  ASSERT_TRUE(a2);
  EXPECT_TRUE(std::regex_match(a1->session.id, uuid)) << a1->session.id;
  EXPECT_TRUE(std::regex_match(a2->session.id, uuid)) << a2->session.id;
  EXPECT_NE(a1->session.id, a2->session.id);
  EXPECT_EQ(a1->session.account_id, "acc-a");
  EXPECT_EQ(a1->account.id, "acc-a");
  EXPECT_EQ(a1->session.expires_at, kT0 + 1h);
  EXPECT_EQ(a2->session.expires_at, kT0 + 2h);
  EXPECT_GE(a1->session.created_at, before);
  EXPECT_LE(a1->session.created_at, after);
  EXPECT_EQ(a1->session.last_used_at, a1->session.created_at);
  EXPECT_EQ(a1->session.user_agent, "");
  EXPECT_EQ(a1->session.client_address, "");
  EXPECT_EQ(raw({"PEXPIRETIME", "P:session:digest-a1"}).integer, kT0.time_since_epoch().count() + 3'600'000)
      << "it still expires at its expiry";
  const std::string id_key = "P:user:{acc-a}:session_id:" + a1->session.id;
  EXPECT_EQ(raw({"GET", id_key}).str, "digest-a1");
  EXPECT_EQ(raw({"PEXPIRETIME", id_key}).integer, kT0.time_since_epoch().count() + 3'600'000);

  Result<SessionAccount> b1 = run(store->find_session("digest-b1", kT0));
  ASSERT_TRUE(b1);
  EXPECT_EQ(b1->session.id, "sid-b1") << "converted before: left as it was";
  EXPECT_EQ(b1->session.last_used_at, kT0 + 1min);

  // The converted sessions are listed and revoked by their new ids.
  Result<std::vector<Session>> sessions = run(store->list_sessions("acc-a", kT0));
  ASSERT_TRUE(sessions);
  EXPECT_EQ(sessions->size(), 2u);
  ASSERT_TRUE(run(store->delete_session_by_id("acc-a", a1->session.id, kT0)));
  Result<SessionAccount> revoked = run(store->find_session("digest-a1", kT0));
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error(), Error::not_found);
  EXPECT_EQ(raw({"EXISTS", id_key}).integer, 0);
  EXPECT_TRUE(run(store->find_session("digest-a2", kT0))) << "the other stays";
}

// Version 4's layout (docs/redis.md of that release): accounts without the second factor's
// fields, sessions as hashes with public ids. Nothing is rewritten; the accounts read as TOTP
// off, and the fields written from then on sit beside the old ones.
TEST_F(RedisStoreTest, Version4DataIsUpgradedToVersion5WithTotpOff) {
  raw({"SET", "P:schema_version", "4"});
  raw({"HSET", "P:user:{acc-ann}", "id", "acc-ann", "name", "Ann", "email", "Ann@example.com", "email_key",
       "ann@example.com", "password_hash", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h", "created_at", ms(kT0),
       "updated_at", ms(kT0 + 5s), "email_verified", "1", "disabled", "0"});
  raw({"SET", "P:email:ann@example.com", "acc-ann"});
  raw({"ZADD", "P:accounts", "0", "acc-ann"});
  const TimePoint expires = kT0 + 1h;
  raw({"HSET", "P:session:digest-ann", "account_id", "acc-ann", "id", "sid-ann", "created_at", ms(kT0), "expires_at",
       ms(expires), "last_used_at", ms(kT0 + 1min), "user_agent", "curl/8.0", "client_address", "192.0.2.1"});
  raw({"PEXPIREAT", "P:session:digest-ann", ms(expires)});
  raw({"SET", "P:user:{acc-ann}:session_id:sid-ann", "digest-ann", "PXAT", ms(expires)});
  raw({"ZADD", "P:user:{acc-ann}:sessions", ms(expires), "digest-ann"});

  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "5");
  EXPECT_NE(logged().find("event=store.migrated data_version=5"), std::string::npos) << logged();
  EXPECT_EQ(logged().find("data_version=4"), std::string::npos) << "only migration 5 ran: " << logged();

  Result<Account> ann = run(store->find_account_by_email("ann@example.com"));
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->name, "Ann");
  EXPECT_TRUE(ann->email_verified) << "the fields of version 4 are kept";
  EXPECT_FALSE(ann->totp_enabled()) << "nobody has a second factor yet";
  EXPECT_EQ(ann->totp_pending, "");
  EXPECT_EQ(ann->totp_last_step, 0);
  EXPECT_TRUE(ann->recovery_codes.empty());
  Result<SessionAccount> session = run(store->find_session("digest-ann", kT0));
  ASSERT_TRUE(session);
  EXPECT_EQ(session->session.id, "sid-ann");
  EXPECT_EQ(session->session.user_agent, "curl/8.0");
  EXPECT_FALSE(session->account.totp_enabled());

  // Enrolled and signed in with a recovery code: the new fields in the old hash.
  AccountChanges enrol;
  enrol.totp_secret = "sealed";
  enrol.recovery_codes = std::vector<std::string>{"d1", "d2"};
  enrol.updated_at = kT0 + 1min;
  ASSERT_TRUE(run(store->update_account("acc-ann", enrol)));
  EXPECT_EQ(raw({"HGET", "P:user:{acc-ann}", "totp_secret"}).str, "sealed");
  EXPECT_EQ(raw({"HGET", "P:user:{acc-ann}", "recovery_code:d1"}).str, "1");
  Effects effects;
  effects.token = FlowToken{"digest-mfa", TokenPurpose::mfa_login, "acc-ann", "Ann@example.com", kT0, kT0 + 5min};
  ASSERT_TRUE(run(store->add_effects("acc-ann", std::move(effects))));
  EXPECT_EQ(raw({"HGET", "P:token:digest-mfa", "purpose"}).str, "mfa_login");
  AccountChanges code;
  code.use_recovery_code = "d2";
  code.updated_at = kT0 + 2min;
  Result<Account> signed_in = run(store->redeem_token("digest-mfa", TokenPurpose::mfa_login, kT0, code));
  ASSERT_TRUE(signed_in);
  EXPECT_EQ(signed_in->recovery_codes, std::vector<std::string>{"d1"});
  EXPECT_EQ(raw({"HEXISTS", "P:user:{acc-ann}", "recovery_code:d2"}).integer, 0);

  // Turned off: no field is left behind.
  AccountChanges off;
  off.totp_secret = "";
  off.recovery_codes = std::vector<std::string>{};
  off.updated_at = kT0 + 3min;
  ASSERT_TRUE(run(store->update_account("acc-ann", off)));
  EXPECT_EQ(raw({"HEXISTS", "P:user:{acc-ann}", "totp_secret"}).integer, 0);
  EXPECT_EQ(raw({"HEXISTS", "P:user:{acc-ann}", "recovery_code:d1"}).integer, 0);
}

// An older instance still running while this release upgrades (docs/redis.md says to stop them
// first) writes version-3 sessions, strings, next to version-4 data. Nothing meets one and
// fails halfway: it is not found (the holder logs in again), not listed, and revoked with the
// rest; a failure while deleting the account leaves the account findable, not orphaned.
class MixedVersionsTest : public RedisStoreTest {
 protected:
  void SetUp() override {
    store_ = open();
    auto prepared = run(store_->prepare());
    ASSERT_TRUE(prepared) << prepared.error().message;
    const Account ann{.id = "acc-1",
                      .name = "Ann",
                      .email = "ann@example.com",
                      .email_key = "ann@example.com",
                      .password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h",
                      .created_at = kT0,
                      .updated_at = kT0};
    ASSERT_TRUE(run(store_->create_account(ann, {})));
    ASSERT_TRUE(run(store_->create_session(session("digest-v4", kT0))));
    // As a version-3 instance writes a login: "<account id> <expires ms>", listed by expiry.
    raw({"SET", "P:session:digest-v3", "acc-1 " + ms(kT0 + 2h), "PXAT", ms(kT0 + 2h)});
    raw({"ZADD", "P:user:{acc-1}:sessions", ms(kT0 + 2h), "digest-v3"});
  }

  static Session session(const std::string& digest, TimePoint created_at, std::size_t keep_newest = 0) {
    return Session{.token_digest = digest,
                   .account_id = "acc-1",
                   .created_at = created_at,
                   .expires_at = kT0 + 1h,
                   .id = "sid-" + digest,
                   .keep_newest = keep_newest};
  }

  bool v3_session_gone() {
    return raw({"EXISTS", "P:session:digest-v3"}).integer == 0 &&
           raw({"ZSCORE", "P:user:{acc-1}:sessions", "digest-v3"}).is_nil();
  }

  Store& store() { return *store_; }
  std::unique_ptr<Store> store_;
};

TEST_F(MixedVersionsTest, AVersion3SessionIsNotFoundNotListedAndTouchLeavesIt) {
  Result<SessionAccount> found = run(store().find_session("digest-v3", kT0));
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error(), Error::not_found) << "not unavailable: that would be a 503 until the token expires";
  Result<std::vector<Session>> listed = run(store().list_sessions("acc-1", kT0));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, "sid-digest-v4");
  EXPECT_TRUE(run(store().touch_session("digest-v3", kT0 + 1min)));
  EXPECT_EQ(raw({"GET", "P:session:digest-v3"}).str, "acc-1 " + ms(kT0 + 2h)) << "left to its TTL";
  EXPECT_TRUE(run(store().find_session("digest-v4", kT0))) << "the version-4 session still works";
}

TEST_F(MixedVersionsTest, RevokingAllSessionsDeletesAVersion3SessionToo) {
  ASSERT_TRUE(run(store().delete_sessions("acc-1")));
  EXPECT_TRUE(v3_session_gone());
  EXPECT_EQ(raw({"EXISTS", "P:session:digest-v4", "P:user:{acc-1}:sessions"}).integer, 0);
}

TEST_F(MixedVersionsTest, APasswordResetRevokesAVersion3SessionToo) {
  AccountChanges reset;
  reset.updated_at = kT0 + 1s;
  reset.password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$new";
  reset.revoke_all_sessions = true;
  ASSERT_TRUE(run(store().update_account("acc-1", reset)));
  EXPECT_TRUE(v3_session_gone());
  EXPECT_EQ(raw({"HGET", "P:user:{acc-1}", "password_hash"}).str, "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$new");
}

TEST_F(MixedVersionsTest, RevokingTheVersion3SessionByItsTokenDeletesIt) {
  ASSERT_TRUE(run(store().delete_session("digest-v3")));
  EXPECT_TRUE(v3_session_gone());
  EXPECT_TRUE(run(store().find_session("digest-v4", kT0)));
}

TEST_F(MixedVersionsTest, TheSessionBoundRanksAVersion3SessionOldest) {
  ASSERT_TRUE(run(store().create_session(session("digest-new", kT0 + 1s, 2))));
  EXPECT_TRUE(v3_session_gone()) << "it has no created_at";
  EXPECT_TRUE(run(store().find_session("digest-v4", kT0)));
  EXPECT_TRUE(run(store().find_session("digest-new", kT0)));
}

TEST_F(MixedVersionsTest, DeletingTheAccountDeletesAVersion3SessionAndEveryIndexEntry) {
  ASSERT_TRUE(run(store().delete_account("acc-1")));
  EXPECT_TRUE(v3_session_gone());
  EXPECT_EQ(raw({"KEYS", "P:user:*"}).elements.size(), 0u);
  EXPECT_EQ(raw({"KEYS", "P:session:*"}).elements.size(), 0u);
  EXPECT_EQ(raw({"EXISTS", "P:email:ann@example.com"}).integer, 0);
  EXPECT_TRUE(raw({"ZSCORE", "P:accounts", "acc-1"}).is_nil());
}

// A script that raises keeps its earlier writes. Made to raise here by a token index of the
// wrong type: the account stays reachable by address and in the listing, so deleting it again
// can finish, rather than an account nobody can find.
TEST_F(MixedVersionsTest, ADeletionThatFailsHalfwayLeavesTheAccountFindable) {
  raw({"SET", "P:user:{acc-1}:tokens", "not a sorted set"});
  Result<void> deleted = run(store().delete_account("acc-1"));
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error(), Error::unavailable);
  Result<Account> by_email = run(store().find_account_by_email("ann@example.com"));
  ASSERT_TRUE(by_email) << "its address still leads to it";
  EXPECT_EQ(by_email->id, "acc-1");
  Result<std::vector<Account>> listed = run(store().list_accounts("", 10));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u) << "still in the admin listing";

  raw({"DEL", "P:user:{acc-1}:tokens"});
  ASSERT_TRUE(run(store().delete_account("acc-1")));
  Result<Account> gone = run(store().find_account_by_email("ann@example.com"));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error(), Error::not_found);
}

// The older account's new key is the one the newer account holds under version 1: the holder
// must take over an entry another account is giving up. Also after an interruption between the
// two steps (every old entry freed, nothing claimed yet, the version still 1): the next start
// completes the re-key.
class RedisRekeyTest : public RedisStoreTest, public ::testing::WithParamInterface<bool> {};

TEST_P(RedisRekeyTest, TheOlderAccountTakesTheKeyTheNewerOneHeld) {
  const bool interrupted = GetParam();
  auto account = [&](const std::string& id, const std::string& email, const std::string& key, TimePoint created) {
    raw({"HSET", "P:user:{" + id + "}", "id", id, "name", "n", "email", email, "email_key", key, "password_hash",
         "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h", "created_at", ms(created), "updated_at", ms(created)});
    if (!interrupted) raw({"SET", "P:email:" + key, id});
  };
  account("acc-old", "stra\u00dfe@example.de", "stra\u00dfe@example.de", kT0);
  account("acc-new", "STRASSE@example.de", "strasse@example.de", kT0 + 1s);
  std::unique_ptr<Store> store = open();
  auto prepared = run(store->prepare());
  ASSERT_TRUE(prepared) << prepared.error().message;

  Result<Account> holder = run(store->find_account_by_email("strasse@example.de"));
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->id, "acc-old");
  EXPECT_EQ(holder->email_key, "strasse@example.de");
  Result<Account> placeholder = run(store->find_account_by_email("conflict:acc-new"));
  ASSERT_TRUE(placeholder);
  EXPECT_EQ(placeholder->id, "acc-new");
  EXPECT_EQ(raw({"EXISTS", "P:email:stra\u00dfe@example.de"}).integer, 0);
  EXPECT_EQ(raw({"GET", "P:schema_version"}).str, "5");
}

INSTANTIATE_TEST_SUITE_P(Rekey, RedisRekeyTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("InterruptedBetweenTheSteps") : std::string("InOneRun");
                         });

// Stores log where they are told (OpenOptions::logger), or nowhere: never through spdlog's global
// default logger, which belongs to whoever embeds the store.
TEST(StoreLogging, GoesToTheGivenLoggerAndNeverToTheGlobalDefault) {
  std::ostringstream global_text;
  std::ostringstream given_text;
  const std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("global", std::make_shared<spdlog::sinks::ostream_sink_mt>(global_text)));
  auto given = std::make_shared<spdlog::logger>("given", std::make_shared<spdlog::sinks::ostream_sink_mt>(given_text));
  const std::string url = "redis://127.0.0.1:" + std::to_string(testing::free_loopback_port());
  boost::asio::io_context io;
  {
    OpenOptions options;
    options.executor = io.get_executor();
    options.logger = given;
    std::unique_ptr<Store> store = open_store(url, options).value();
    EXPECT_FALSE(testing::run_awaitable(io, store->ping()));
  }
  {
    OpenOptions options;  // no logger: nothing is written anywhere
    options.executor = io.get_executor();
    std::unique_ptr<Store> store = open_store(url, options).value();
    EXPECT_FALSE(testing::run_awaitable(io, store->ping()));
  }
  spdlog::default_logger()->flush();
  spdlog::set_default_logger(previous);
  given->flush();
  EXPECT_NE(given_text.str().find("redis: cannot connect to 127.0.0.1:"), std::string::npos) << given_text.str();
  EXPECT_EQ(global_text.str(), "");
}

}  // namespace
}  // namespace vestibule::store
