// The SQLite store's own behaviour beyond the contract: what opening does to an existing file
// (migrations from the previous release's schema, integrity and ownership checks) and a ping
// that does not wait behind queued writes.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/open.h"
#include "store/store.h"
#include "support/run_awaitable.h"
#include "support/temp_dir.h"
#include "test_email_key.h"

namespace vestibule::store {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0{4'102'444'800'123ms};  // 2100-01-01T00:00:00.123Z, as in the contract suite

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A raw connection for building and inspecting files as another release (or program) left
// them. unix-excl like the store's own, so it may also sit beside an open store in this process.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix-excl") != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path.string());
    }
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error ? error : "?";
      sqlite3_free(error);
      throw std::runtime_error(sql + ": " + message);
    }
  }
  std::int64_t integer(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) throw std::runtime_error(sql);
    const std::int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteStoreTest() {
    log_ = std::make_shared<spdlog::logger>("store", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_));
  }

  std::filesystem::path path() const { return dir_.path() / "vestibule.db"; }

  boost::system::result<std::unique_ptr<Store>, OpenError> open(std::size_t threads = 2) {
    OpenOptions options;
    options.threads = threads;
    options.email_key = test_email_key;
    options.logger = log_;
    return open_store("sqlite:" + path().string(), options);
  }

  // The message open() fails with; fails the test if it opened.
  std::string open_error() {
    auto opened = open();
    if (opened) {
      ADD_FAILURE() << "opened";
      return "";
    }
    return opened.error().message;
  }

  template <typename T>
  T run(Task<T> task) {
    return testing::run_awaitable(io_, std::move(task));
  }

  std::string logged() {
    log_->flush();
    return log_text_.str();
  }

  boost::asio::io_context io_;  // first: outlives every store a test opens

 private:
  support::TempDir dir_{"sqlite"};
  std::ostringstream log_text_;
  std::shared_ptr<spdlog::logger> log_;
};

std::string ms(TimePoint t) { return std::to_string(t.time_since_epoch().count()); }

// A database as the previous release (schema version 1, keys lower-cased) left it.
void build_version_1(const std::filesystem::path& path) {
  RawDb db(path);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(read_file(std::filesystem::path(VESTIBULE_STORE_FIXTURES) / "schema_v1.sql"));
  const std::string hash = "'$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h'";
  auto account = [&](const std::string& id, const std::string& email, const std::string& key, TimePoint created) {
    db.exec("INSERT INTO accounts VALUES ('" + id + "', 'Name of " + id + "', '" + email + "', '" + key + "', " + hash +
            ", " + ms(created) + ", " + ms(created + 5s) + ")");
  };
  account("acc-ann", "Ann@example.com", "ann@example.com", kT0);
  account("acc-upper", "STRASSE@example.de", "strasse@example.de", kT0 + 1s);    // older
  account("acc-sharp", "stra\u00dfe@example.de", "stra\u00dfe@example.de", kT0 + 2s);  // newer: same fold
  account("acc-sigma", "\u03c3\u03b1\u03c2@example.gr", "\u03c3\u03b1\u03c2@example.gr", kT0);
  db.exec("INSERT INTO sessions VALUES ('digest-ann', 'acc-ann', " + ms(kT0) + ", " + ms(kT0 + 1h) + ")");
  db.exec("INSERT INTO sessions VALUES ('digest-sharp', 'acc-sharp', " + ms(kT0) + ", " + ms(kT0 + 1h) + ")");
  db.exec("INSERT INTO attempts VALUES ('login:account:acc-ann', 3, " + ms(kT0 + 10min) + ")");
}

TEST_F(SqliteStoreTest, Version1DatabaseIsUpgradedInPlaceWithItsData) {
  build_version_1(path());
  auto opened = open();
  ASSERT_TRUE(opened) << opened.error().message;
  Store& store = **opened;

  Result<Account> ann = run(store.find_account_by_email("ann@example.com"));
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->id, "acc-ann");
  EXPECT_EQ(ann->email, "Ann@example.com");
  EXPECT_EQ(ann->name, "Name of acc-ann");
  EXPECT_EQ(ann->created_at, kT0);
  EXPECT_EQ(ann->updated_at, kT0 + 5s);
  Result<Account> sigma = run(store.find_account_by_email("\u03c3\u03b1\u03c3@example.gr"));
  ASSERT_TRUE(sigma) << "re-keyed by the new function";
  EXPECT_EQ(sigma->id, "acc-sigma");
  EXPECT_EQ(sigma->email_key, "\u03c3\u03b1\u03c3@example.gr");
  EXPECT_FALSE(run(store.find_account_by_email("\u03c3\u03b1\u03c2@example.gr"))) << "the old key is gone";

  // The collision: the older account takes the key; the newer keeps everything under a placeholder.
  Result<Account> holder = run(store.find_account_by_email("strasse@example.de"));
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->id, "acc-upper");
  Result<Account> placeholder = run(store.find_account_by_email("conflict:acc-sharp"));
  ASSERT_TRUE(placeholder);
  EXPECT_EQ(placeholder->id, "acc-sharp");
  EXPECT_EQ(placeholder->email, "stra\u00dfe@example.de");
  Result<Account> by_session = run(store.find_account_by_session("digest-sharp", kT0));
  ASSERT_TRUE(by_session) << "its sessions still work";
  EXPECT_EQ(by_session->id, "acc-sharp");
  const std::string log = logged();
  EXPECT_NE(log.find("event=store.email_key_conflict account_id=acc-sharp holder_account_id=acc-upper"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("example.de"), std::string::npos) << "no address in the log: " << log;

  // Sessions, throttling windows and uniqueness carry over.
  Result<Account> by_ann_session = run(store.find_account_by_session("digest-ann", kT0));
  ASSERT_TRUE(by_ann_session);
  EXPECT_EQ(by_ann_session->id, "acc-ann");
  Result<Attempts> attempts = run(store.attempts("login:account:acc-ann", kT0));
  ASSERT_TRUE(attempts);
  EXPECT_EQ(attempts->count, 3u);
  Account twin{"acc-new", "n", "x", "strasse@example.de", "h", kT0, kT0};
  Result<void> duplicate = run(store.create_account(twin, {}));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error(), Error::email_taken);
  // The placeholder account can take a new address of its own.
  AccountChanges move;
  move.email = "sharp@example.de";
  move.email_key = "sharp@example.de";
  move.updated_at = kT0 + 1h;
  EXPECT_TRUE(run(store.update_account("acc-sharp", std::move(move))));

  opened->reset();
  RawDb db(path());
  EXPECT_EQ(db.integer("PRAGMA user_version"), 5) << "and on through every later migration";
}

// A database as the release before issue 10 left it (schema version 2: no verified addresses,
// flow tokens or outbox yet).
void build_version_2(const std::filesystem::path& path) {
  RawDb db(path);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(read_file(std::filesystem::path(VESTIBULE_STORE_FIXTURES) / "schema_v2.sql"));
}

TEST_F(SqliteStoreTest, Version2DatabaseIsUpgradedInPlaceKeepingAccountsAndSessions) {
  build_version_2(path());
  auto opened = open();
  ASSERT_TRUE(opened) << opened.error().message;
  Store& store = **opened;
  EXPECT_NE(logged().find("event=store.migrated schema_version=3"), std::string::npos) << logged();
  EXPECT_EQ(logged().find("schema_version=2"), std::string::npos) << "only migration 3 ran: " << logged();

  Result<Account> ann = run(store.find_account_by_email("ann@example.com"));
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->id, "acc-ann");
  EXPECT_EQ(ann->name, "Ann");
  EXPECT_EQ(ann->email, "Ann@example.com");
  EXPECT_EQ(ann->password_hash, "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h");
  EXPECT_EQ(ann->created_at, kT0);
  EXPECT_EQ(ann->updated_at, kT0 + 5s);
  EXPECT_FALSE(ann->email_verified) << "nobody has proved an address yet";
  EXPECT_EQ(ann->pending_email, "");
  EXPECT_EQ(ann->pending_email_key, "");
  Result<Account> zoe = run(store.find_account_by_email("zo\u00eb@b\u00fccher.example"));
  ASSERT_TRUE(zoe);
  EXPECT_EQ(zoe->name, "Zo\u00eb");
  EXPECT_FALSE(zoe->email_verified);
  Result<Account> by_session = run(store.find_account_by_session("digest-ann", kT0));
  ASSERT_TRUE(by_session);
  EXPECT_EQ(by_session->id, "acc-ann");
  EXPECT_FALSE(by_session->email_verified);
  EXPECT_EQ(run(store.attempts("login:account:acc-zoe", kT0)).value().count, 2u);

  // The new tables work with the old rows: a token for an upgraded account, redeemed.
  Effects effects;
  effects.token = FlowToken{"digest-v", TokenPurpose::email_verification, "acc-ann", "Ann@example.com", kT0, kT0 + 1h};
  effects.mail.push_back(OutboxMessage{"msg-1", "verify_email", "Ann@example.com", {{"name", "Ann"}}, kT0, 0});
  ASSERT_TRUE(run(store.add_effects("acc-ann", std::move(effects))));
  AccountChanges verified;
  verified.email_verified = true;
  verified.updated_at = kT0 + 1min;
  Result<Account> redeemed = run(store.redeem_token("digest-v", TokenPurpose::email_verification, kT0, verified));
  ASSERT_TRUE(redeemed);
  EXPECT_TRUE(redeemed->email_verified);
  EXPECT_EQ(run(store.outbox_stats()).value().queued, 1u);

  opened->reset();
  RawDb db(path());
  EXPECT_EQ(db.integer("PRAGMA user_version"), 5);
  EXPECT_EQ(db.integer("SELECT count(*) FROM accounts"), 2);
}

// A database as the release before issue 11 left it (schema version 3: no disabled accounts,
// no public session ids, session metadata or last use yet).
void build_version_3(const std::filesystem::path& path) {
  RawDb db(path);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(read_file(std::filesystem::path(VESTIBULE_STORE_FIXTURES) / "schema_v3.sql"));
}

TEST_F(SqliteStoreTest, Version3DatabaseIsUpgradedInPlaceKeepingAccountsSessionsTokensAndMail) {
  build_version_3(path());
  auto opened = open();
  ASSERT_TRUE(opened) << opened.error().message;
  Store& store = **opened;
  EXPECT_NE(logged().find("event=store.migrated schema_version=4"), std::string::npos) << logged();
  EXPECT_EQ(logged().find("schema_version=3"), std::string::npos) << "only migration 4 ran: " << logged();

  Result<Account> ann = run(store.find_account("acc-ann"));
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->name, "Ann");
  EXPECT_EQ(ann->email, "Ann@example.com");
  EXPECT_EQ(ann->email_key, "ann@example.com");
  EXPECT_EQ(ann->password_hash, "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h");
  EXPECT_EQ(ann->created_at, kT0);
  EXPECT_EQ(ann->updated_at, kT0 + 5s);
  EXPECT_TRUE(ann->email_verified);
  EXPECT_EQ(ann->pending_email, "ann@new.example");
  EXPECT_EQ(ann->pending_email_key, "ann@new.example");
  EXPECT_FALSE(ann->disabled) << "nobody has disabled an account yet";
  Result<std::vector<Account>> all = run(store.list_accounts("", 10));
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->at(1).id, "acc-zoe");
  EXPECT_EQ(all->at(1).name, "Zo\u00eb");
  EXPECT_FALSE(all->at(1).disabled);

  // The sessions keep working, each with an id of its own, no metadata, last used when created.
  Result<SessionAccount> old_session = run(store.find_session("digest-ann-old", kT0));
  ASSERT_TRUE(old_session);
  EXPECT_EQ(old_session->account.id, "acc-ann");
  const Session& s = old_session->session;
  EXPECT_EQ(s.account_id, "acc-ann");
  EXPECT_EQ(s.created_at, kT0);
  EXPECT_EQ(s.expires_at, kT0 + 1h);
  EXPECT_EQ(s.last_used_at, kT0);
  EXPECT_EQ(s.user_agent, "");
  EXPECT_EQ(s.client_address, "");
  EXPECT_EQ(s.id.size(), 32u) << s.id;
  EXPECT_EQ(s.id.find_first_not_of("0123456789abcdef"), std::string::npos) << s.id;
  Result<std::vector<Session>> listed = run(store.list_sessions("acc-ann", kT0));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u) << "the expired one is not listed";
  EXPECT_EQ(listed->at(0).token_digest, "digest-ann-new");
  EXPECT_EQ(listed->at(0).last_used_at, kT0 + 1s);
  EXPECT_EQ(listed->at(1).id, s.id);
  EXPECT_NE(listed->at(0).id, s.id);
  EXPECT_EQ(run(store.find_account_by_session("digest-zoe", kT0)).value().id, "acc-zoe");
  ASSERT_TRUE(run(store.touch_session("digest-ann-old", kT0 + 2min)));
  EXPECT_EQ(run(store.find_session("digest-ann-old", kT0)).value().session.last_used_at, kT0 + 2min);
  ASSERT_TRUE(run(store.delete_session_by_id("acc-ann", s.id, kT0)));
  EXPECT_FALSE(run(store.find_session("digest-ann-old", kT0)));
  EXPECT_TRUE(run(store.find_session("digest-ann-new", kT0)));

  // Throttling, flow tokens and queued mail carry over; new sessions and accounts work beside the old.
  EXPECT_EQ(run(store.attempts("login:account:acc-zoe", kT0)).value().count, 2u);
  Result<TokenHolder> token = run(store.find_token("digest-verify", TokenPurpose::email_verification, kT0));
  ASSERT_TRUE(token);
  EXPECT_EQ(token->account.id, "acc-ann");
  EXPECT_EQ(run(store.outbox_stats()).value().queued, 1u);
  Session fresh{"digest-fresh", "acc-zoe", kT0, kT0 + 1h, "fresh-id", "curl/8.0", "192.0.2.1"};
  ASSERT_TRUE(run(store.create_session(fresh)));
  EXPECT_EQ(run(store.find_session("digest-fresh", kT0)).value().session.client_address, "192.0.2.1");
  Account twin{"acc-ann", "n", "x", "other@example.com", "h", kT0, kT0};
  Result<void> duplicate = run(store.create_account(twin, {}));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error(), Error::id_taken);

  opened->reset();
  RawDb db(path());
  EXPECT_EQ(db.integer("PRAGMA user_version"), 5);
  EXPECT_EQ(db.integer("SELECT count(*) FROM accounts"), 2);
  EXPECT_EQ(db.integer("SELECT count(DISTINCT id) FROM sessions"), 4);
}

// A database as the release before issue 14 left it (schema version 4: no second factor yet).
void build_version_4(const std::filesystem::path& path) {
  RawDb db(path);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(read_file(std::filesystem::path(VESTIBULE_STORE_FIXTURES) / "schema_v4.sql"));
}

TEST_F(SqliteStoreTest, Version4DatabaseIsUpgradedInPlaceKeepingItsDataWithTotpOff) {
  build_version_4(path());
  auto opened = open();
  ASSERT_TRUE(opened) << opened.error().message;
  Store& store = **opened;
  EXPECT_NE(logged().find("event=store.migrated schema_version=5"), std::string::npos) << logged();
  EXPECT_EQ(logged().find("schema_version=4"), std::string::npos) << "only migration 5 ran: " << logged();

  // The accounts keep every field and have the second factor off.
  Result<Account> ann = run(store.find_account_by_email("ann@example.com"));
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->id, "acc-ann");
  EXPECT_EQ(ann->name, "Ann");
  EXPECT_EQ(ann->email, "Ann@example.com");
  EXPECT_EQ(ann->password_hash, "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$h");
  EXPECT_EQ(ann->created_at, kT0);
  EXPECT_EQ(ann->updated_at, kT0 + 5s);
  EXPECT_TRUE(ann->email_verified);
  EXPECT_FALSE(ann->disabled);
  EXPECT_FALSE(ann->totp_enabled()) << "nobody has a second factor yet";
  EXPECT_EQ(ann->totp_pending, "");
  EXPECT_EQ(ann->totp_last_step, 0);
  EXPECT_TRUE(ann->recovery_codes.empty());
  Result<std::vector<Account>> all = run(store.list_accounts("", 10));
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->at(1).name, "Zoë");
  EXPECT_TRUE(all->at(1).disabled);
  EXPECT_FALSE(all->at(1).totp_enabled());

  // The session keeps working with its metadata, and reads its account with TOTP off.
  Result<SessionAccount> session = run(store.find_session("digest-ann", kT0));
  ASSERT_TRUE(session);
  EXPECT_EQ(session->session.id, "sid-ann");
  EXPECT_EQ(session->session.user_agent, "curl/8.0");
  EXPECT_EQ(session->session.client_address, "192.0.2.1");
  EXPECT_EQ(session->session.last_used_at, kT0 + 1min);
  EXPECT_EQ(session->account.id, "acc-ann");
  EXPECT_FALSE(session->account.totp_enabled());
  EXPECT_EQ(run(store.attempts("login:account:acc-zoe", kT0)).value().count, 2u);
  Result<TokenHolder> reset = run(store.find_token("digest-reset", TokenPurpose::password_reset, kT0));
  ASSERT_TRUE(reset);
  EXPECT_TRUE(reset->account.recovery_codes.empty());

  // The new columns and table work with the old rows: enrol, then sign in with a code.
  AccountChanges enrol;
  enrol.totp_secret = "sealed";
  enrol.recovery_codes = std::vector<std::string>{"d1", "d2"};
  enrol.updated_at = kT0 + 1min;
  ASSERT_TRUE(run(store.update_account("acc-ann", enrol)));
  Effects effects;
  effects.token = FlowToken{"digest-mfa", TokenPurpose::mfa_login, "acc-ann", "Ann@example.com", kT0, kT0 + 5min};
  ASSERT_TRUE(run(store.add_effects("acc-ann", std::move(effects))));
  AccountChanges code;
  code.use_recovery_code = "d2";
  code.updated_at = kT0 + 2min;
  Result<Account> signed_in = run(store.redeem_token("digest-mfa", TokenPurpose::mfa_login, kT0, code));
  ASSERT_TRUE(signed_in);
  EXPECT_EQ(signed_in->totp_secret, "sealed");
  EXPECT_EQ(signed_in->recovery_codes, std::vector<std::string>{"d1"});

  opened->reset();
  RawDb db(path());
  EXPECT_EQ(db.integer("PRAGMA user_version"), 5);
  EXPECT_EQ(db.integer("SELECT count(*) FROM accounts"), 2);
  EXPECT_EQ(db.integer("SELECT count(*) FROM sessions"), 1);
  EXPECT_EQ(db.integer("SELECT count(*) FROM recovery_codes"), 1);
}

TEST_F(SqliteStoreTest, AFailedMessageKeepsNoParams) {
  auto opened = open();
  ASSERT_TRUE(opened) << opened.error().message;
  Store& store = **opened;
  Account a{"acc-1", "n", "a@example.com", "a@example.com", "h", kT0, kT0};
  Effects effects;
  effects.mail.push_back(OutboxMessage{"msg-1", "reset", "a@example.com", {{"link", "https://x/#token=secret"}}, kT0, 0});
  ASSERT_TRUE(run(store.create_account(a, std::move(effects))));
  RawDb db(path());
  EXPECT_EQ(db.integer("SELECT count(*) FROM outbox WHERE instr(params, 'secret') > 0"), 1);
  ASSERT_EQ(run(store.claim_mail(kT0, 1min, 10, "courier")).value().size(), 1u);
  ASSERT_TRUE(run(store.fail_mail("msg-1", "courier", kT0 + 24h)).value());

  // The token in the link is gone from the file, not merely hidden.
  EXPECT_EQ(db.integer("SELECT count(*) FROM outbox WHERE instr(params, 'secret') > 0"), 0);
  EXPECT_EQ(db.integer("SELECT count(*) FROM outbox WHERE id = 'msg-1' AND params = '[]' AND status = 'failed' "
                       "AND attempts = 1 AND claim IS NULL"),
            1);
}

TEST_F(SqliteStoreTest, AMessageWithDamagedParamsIsFailedInsteadOfHandedOut) {
  auto opened = open();
  ASSERT_TRUE(opened) << opened.error().message;
  Store& store = **opened;
  Account a{"acc-1", "n", "a@example.com", "a@example.com", "h", kT0, kT0};
  Effects effects;
  effects.mail.push_back(OutboxMessage{"msg-damaged", "reset", "a@example.com", {{"k", "v"}}, kT0, 0});
  effects.mail.push_back(OutboxMessage{"msg-fine", "reset", "a@example.com", {{"k", "v"}}, kT0 + 1ms, 0});
  ASSERT_TRUE(run(store.create_account(a, std::move(effects))));
  {
    RawDb db(path());
    db.exec("UPDATE outbox SET params = '{\"not\": \"pairs\"}' WHERE id = 'msg-damaged'");
  }

  Result<std::vector<OutboxMessage>> claimed = run(store.claim_mail(kT0 + 1s, 1min, 10, "courier"));
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front().id, "msg-fine") << "the damaged one does not stall the others";
  const OutboxStats stats = run(store.outbox_stats()).value();
  EXPECT_EQ(stats.queued, 1u);
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_NE(logged().find("event=store.outbox_damaged message_id=msg-damaged"), std::string::npos) << logged();
}

TEST_F(SqliteStoreTest, BackupWritesAPrivateCopyThatOpensAsAStoreWithTheSameData) {
  build_version_1(path());
  auto opened = open();
  ASSERT_TRUE(opened) << opened.error().message;
  Store& store = **opened;
  ASSERT_TRUE(store.supports_backup());
  const std::filesystem::path copy = path().parent_path() / "copy.db";
  Result<std::uint64_t> bytes = run(store.backup(copy.string()));
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, std::filesystem::file_size(copy));
  EXPECT_EQ(std::filesystem::status(copy).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // The store goes on serving while the copy exists, and the copy opens as a store of its own.
  EXPECT_TRUE(run(store.find_account_by_email("ann@example.com")));
  OpenOptions options;
  options.email_key = test_email_key;
  auto restored = open_store("sqlite:" + copy.string(), options);
  ASSERT_TRUE(restored) << restored.error().message;
  Result<Account> ann = run((*restored)->find_account_by_email("ann@example.com"));
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->id, "acc-ann");
  Result<SessionAccount> session = run((*restored)->find_session("digest-ann", kT0 + 1min));
  ASSERT_TRUE(session);
  EXPECT_EQ(session->account.id, "acc-ann");
}

TEST_F(SqliteStoreTest, BackupRefusesAnExistingFileAndLeavesItAlone) {
  auto opened = open();
  ASSERT_TRUE(opened) << opened.error().message;
  const std::filesystem::path taken = path().parent_path() / "taken.db";
  { std::ofstream(taken) << "not mine"; }
  EXPECT_EQ(run((*opened)->backup(taken.string())).error(), Error::unavailable);
  EXPECT_EQ(read_file(taken), "not mine");
  const std::filesystem::path nowhere = path().parent_path() / "missing-dir" / "copy.db";
  EXPECT_EQ(run((*opened)->backup(nowhere.string())).error(), Error::unavailable);
  EXPECT_FALSE(std::filesystem::exists(nowhere));
}

TEST_F(SqliteStoreTest, ReopeningACurrentDatabaseMigratesNothing) {
  {
    auto opened = open();
    ASSERT_TRUE(opened) << opened.error().message;
  }
  EXPECT_NE(logged().find("event=store.migrated schema_version=5"), std::string::npos);
  const std::size_t before = logged().size();
  auto again = open();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(logged().size(), before) << logged();
}

TEST_F(SqliteStoreTest, RefusesADatabaseOfANewerVersion) {
  {
    RawDb db(path());
    db.exec("PRAGMA user_version = 6");
  }
  EXPECT_EQ(open_error(), "cannot open SQLite database " + path().string() +
                              ": incompatible schema: database version 6 is newer than this binary's 5; upgrade vestibule");
}

TEST_F(SqliteStoreTest, RefusesADatabaseOfAnotherProgram) {
  {
    RawDb db(path());
    db.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
  }
  EXPECT_EQ(open_error(),
            "cannot open SQLite database " + path().string() + ": not a Vestibule database: it holds other tables (invoices)");
}

TEST_F(SqliteStoreTest, RefusesAVersionedDatabaseLackingAColumn) {
  {
    RawDb db(path());
    db.exec("CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT); PRAGMA user_version = 5");
  }
  EXPECT_EQ(open_error(),
            "cannot open SQLite database " + path().string() + ": not a Vestibule database: table accounts has no column email");
}

TEST_F(SqliteStoreTest, RefusesACurrentDatabaseLackingTheOutbox) {
  {
    auto opened = open();
    ASSERT_TRUE(opened) << opened.error().message;
  }
  {
    RawDb db(path());
    db.exec("DROP TABLE outbox");
  }
  EXPECT_EQ(open_error(),
            "cannot open SQLite database " + path().string() + ": not a Vestibule database: table outbox is missing");
}

TEST_F(SqliteStoreTest, RefusesACurrentDatabaseLackingASessionColumn) {
  {
    auto opened = open();
    ASSERT_TRUE(opened) << opened.error().message;
  }
  {
    RawDb db(path());
    db.exec("ALTER TABLE sessions DROP COLUMN last_used_at");
  }
  EXPECT_EQ(open_error(), "cannot open SQLite database " + path().string() +
                              ": not a Vestibule database: table sessions has no column last_used_at");
}

TEST_F(SqliteStoreTest, RefusesACurrentDatabaseLackingTheSecondFactor) {
  {
    auto opened = open();
    ASSERT_TRUE(opened) << opened.error().message;
  }
  {
    RawDb db(path());
    db.exec("DROP TABLE recovery_codes");
  }
  EXPECT_EQ(open_error(),
            "cannot open SQLite database " + path().string() + ": not a Vestibule database: table recovery_codes is missing");
  {
    RawDb db(path());
    db.exec("CREATE TABLE recovery_codes (account_id TEXT, digest TEXT); ALTER TABLE accounts DROP COLUMN totp_last_step");
  }
  EXPECT_EQ(open_error(), "cannot open SQLite database " + path().string() +
                              ": not a Vestibule database: table accounts has no column totp_last_step");
}

TEST_F(SqliteStoreTest, RefusesACurrentDatabaseWhoseSessionIdsAreNotUnique) {
  {
    auto opened = open();
    ASSERT_TRUE(opened) << opened.error().message;
  }
  {
    RawDb db(path());
    db.exec("DROP INDEX sessions_by_id; CREATE INDEX sessions_by_id ON sessions(id)");
  }
  EXPECT_EQ(open_error(),
            "cannot open SQLite database " + path().string() + ": not a Vestibule database: sessions.id has no unique index");
}

// File descriptors this process has open (Linux).
std::size_t open_files() {
  const std::filesystem::directory_iterator fds("/proc/self/fd");
  return static_cast<std::size_t>(std::distance(begin(fds), end(fds)));
}

TEST_F(SqliteStoreTest, RefusesAFileThatIsNotSqlite) {
  {
    std::ofstream out(path(), std::ios::binary);
    for (int i = 0; i < 200; ++i) out << "this is a text file, not a database\n";
  }
  const std::size_t files_before = open_files();
  const std::string message = open_error();
  EXPECT_EQ(message, "cannot open SQLite database " + path().string() + ": file is not a database");
  // The connection that found out is closed again, and with it the file (and its lock).
  EXPECT_EQ(open_files(), files_before);
}

TEST_F(SqliteStoreTest, RefusesAFileWithOverwrittenPages) {
  {
    auto opened = open();
    ASSERT_TRUE(opened) << opened.error().message;
    for (int i = 0; i < 400; ++i) {
      const std::string id = "acc-" + std::to_string(i);
      Account a{id, "Name " + id, id + "@example.com", id + "@example.com", std::string(100, 'h'), kT0, kT0};
      ASSERT_TRUE(run((*opened)->create_account(a, {})));
    }
  }
  // The last connection's close checkpointed the WAL into the file: the damage below is what
  // the next open reads.
  ASSERT_TRUE(!std::filesystem::exists(path().string() + "-wal") || std::filesystem::file_size(path().string() + "-wal") == 0);
  const std::uintmax_t size = std::filesystem::file_size(path());
  constexpr std::uintmax_t kPage = 4096;
  ASSERT_GE(size, 8 * kPage) << "enough pages to damage one in the middle";
  {
    std::fstream file(path(), std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(size / kPage / 2 * kPage));
    const std::string garbage(kPage, '\x5a');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    ASSERT_TRUE(file.good());
  }
  const std::string message = open_error();
  EXPECT_TRUE(message.starts_with("cannot open SQLite database " + path().string() + ": the database file is corrupt ("))
      << message;
}

TEST_F(SqliteStoreTest, FailedMigrationLeavesTheDatabaseAtItsVersion) {
  build_version_1(path());
  OpenOptions options;  // no email_key: migration 2 cannot re-key the accounts
  auto opened = open_store("sqlite:" + path().string(), options);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().message, "cannot open SQLite database " + path().string() +
                                        ": internal: migrating to schema version 2 re-keys accounts and needs "
                                        "OpenOptions::email_key");
  RawDb db(path());
  EXPECT_EQ(db.integer("PRAGMA user_version"), 1);
  EXPECT_EQ(db.integer("SELECT count(*) FROM accounts WHERE email_key = 'stra\u00dfe@example.de'"), 1);
}

// /readyz must not read "not ready" behind a backlog of writes. The one writer thread is held
// for real: this test's own connection (same process, so the exclusive file lock does not keep
// it out) holds the write lock, and the store's write waits for it in its busy handler.
TEST_F(SqliteStoreTest, PingAnswersWhileEveryWriterWaits) {
  auto opened = open(/*threads=*/1);
  ASSERT_TRUE(opened) << opened.error().message;
  Store& store = **opened;
  RawDb blocker(path());
  blocker.exec("BEGIN IMMEDIATE");
  Account a{"acc-1", "n", "a@example.com", "a@example.com", "h", kT0, kT0};
  std::future<Result<void>> write = boost::asio::co_spawn(io_, store.create_account(a, {}), boost::asio::use_future);

  Result<void> pong = run(store.ping());
  EXPECT_TRUE(pong);
  EXPECT_EQ(write.wait_for(0s), std::future_status::timeout) << "ping answered before the queued write";

  blocker.exec("COMMIT");
  while (write.wait_for(0s) != std::future_status::ready) {
    ASSERT_GT(io_.run_one_for(10s), 0u) << "the write never completed";
  }
  EXPECT_TRUE(write.get()) << "the write went through once the lock was free";
}

// The queue the metrics show (vestibule_store_queue_depth, vestibule_store_active): with the one
// writer held by this test's lock, the first of three writes runs (waiting for the lock) and two
// wait for the thread; once the lock goes, all three complete and the pool is idle again.
TEST_F(SqliteStoreTest, ItsWorkerPoolShowsTheWritesWaitingAndRunning) {
  auto opened = open(/*threads=*/1);
  ASSERT_TRUE(opened) << opened.error().message;
  Store& store = **opened;
  const util::WorkerPool* pool = worker_pool(store);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->threads(), 1u);
  RawDb blocker(path());
  blocker.exec("BEGIN IMMEDIATE");
  std::vector<std::future<Result<Attempts>>> writes;
  for (int i = 0; i < 3; ++i) {
    writes.push_back(boost::asio::co_spawn(io_, store.add_attempt("k" + std::to_string(i), kT0, 60s),
                                           boost::asio::use_future));
  }
  const auto deadline = std::chrono::steady_clock::now() + 4s;  // within the 5 s busy timeout
  while ((pool->active() != 1 || pool->queued() != 2) && std::chrono::steady_clock::now() < deadline) {
    io_.poll();  // starts the writes' coroutines, which post their jobs
    io_.restart();
    std::this_thread::sleep_for(1ms);  // polling a real condition under a deadline
  }
  EXPECT_EQ(pool->active(), 1u);
  EXPECT_EQ(pool->queued(), 2u);

  blocker.exec("COMMIT");
  for (auto& w : writes) {
    while (w.wait_for(0s) != std::future_status::ready) {
      ASSERT_GT(io_.run_one_for(10s), 0u) << "a write never completed";
    }
    EXPECT_TRUE(w.get());
  }
  // A worker counts its job done just after posting the result back: a moment later, at most.
  const auto idle_by = std::chrono::steady_clock::now() + 5s;
  while (pool->active() != 0 && std::chrono::steady_clock::now() < idle_by) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(pool->active(), 0u);
  EXPECT_EQ(pool->queued(), 0u);
}

TEST(StoreWorkerPool, IsNoneForRedisWhichHasNoThreads) {
  boost::asio::io_context io;
  OpenOptions options;
  options.executor = io.get_executor();
  auto opened = open_store("redis://127.0.0.1:1", options);  // connects lazily: never, here
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(worker_pool(**opened), nullptr);
}

}  // namespace
}  // namespace vestibule::store
