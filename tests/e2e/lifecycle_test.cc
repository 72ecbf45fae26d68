// The process as an operator sees it: graceful shutdown on SIGTERM, and data that survives a
// restart on the same database file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

#include "api_helpers.h"
#include "server_process.h"
#include "store_under_test.h"

namespace vestibule::e2e {
namespace {

TEST(ShutdownTest, SigtermStopsTheServerWithExitCodeZero) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  ASSERT_EQ(client.get("/healthz").result_int(), 200u);

  EXPECT_EQ(server->stop(), 0) << server->exit_description();
  const std::string log = server->log();
  EXPECT_NE(log.find("event=stopping signal=15"), std::string::npos) << log;
  EXPECT_NE(log.find("event=stopped"), std::string::npos) << log;
}

TEST(ShutdownTest, SigtermDoesNotWaitForIdleKeepAliveConnections) {
  // In-flight requests get up to 30 s; an idle connection is not in flight and must not hold up
  // the exit, so the stop has to finish well inside that.
  ServerConfig config;
  config.extra_args = {"--shutdown-timeout", "30"};
  auto server = ServerProcess::start(config);
  HttpClient idle(server->port());
  ASSERT_EQ(idle.get("/healthz").result_int(), 200u);  // keep-alive: the connection stays open

  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(server->stop(std::chrono::seconds(5)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(ShutdownTest, SigtermRightAfterStartupStillStopsGracefully) {
  // An orchestrator may stop an instance the moment it reports listening. The window in which a
  // SIGTERM could still find the default disposition is short, so several starts give it a chance.
  for (int i = 0; i < 20; ++i) {
    auto server = ServerProcess::start();
    ASSERT_EQ(server->stop(), 0) << "start " << i << ": " << server->exit_description() << "; log:\n" << server->log();
    EXPECT_NE(server->log().find("event=stopped"), std::string::npos);
  }
}

TEST(ShutdownTest, NoConnectionIsAcceptedAfterShutdown) {
  auto server = ServerProcess::start();
  const unsigned short port = server->port();
  ASSERT_EQ(HttpClient(port).get("/healthz").result_int(), 200u);
  ASSERT_EQ(server->stop(), 0) << server->exit_description() << "; log:\n" << server->log();
  HttpClient client(port, std::chrono::seconds(2));
  EXPECT_THROW(client.get("/healthz"), std::runtime_error);
}

TEST(PersistenceTest, AnAcknowledgedAccountAndSessionSurviveARestart) {
  TempDir data;
  ServerConfig config;
  config.data_dir = data.path();
  config.hash_args = {};  // the production defaults, once, so that they are exercised too
  Account account;
  std::string token;
  {
    auto server = ServerProcess::start(config);
    HttpClient client(server->port());
    account = register_account(client, "persist");
    token = login(client, account);
    ASSERT_EQ(server->stop(), 0);
  }
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());

  Response me = client.get("/v1/users/me", token);
  ASSERT_EQ(me.result_int(), 200u) << "the session from before the restart: " << describe(me);
  EXPECT_EQ(text(body_object(me)["id"]), account.id);
  EXPECT_FALSE(login(client, account).empty());
  EXPECT_TRUE(is_problem(
      client.post("/v1/users", {{"name", "Again"}, {"email", account.email}, {"password", kPassword}}), 409,
      "email_taken"));
}

// The server holds its SQLite file exclusively (SQLite's unix-excl VFS, which spares every read a
// pair of file-lock system calls), so one file serves one instance; instances share Redis.
TEST(PersistenceTest, ASecondServerCannotOpenTheSqliteFileOfARunningOne) {
  if (store_under_test() != StoreKind::sqlite) GTEST_SKIP() << "SQLite only: instances share Redis by design";
  TempDir data;
  ServerConfig config;
  config.data_dir = data.path();
  auto first = ServerProcess::start(config);
  try {
    auto second = ServerProcess::start(config);
    ADD_FAILURE() << "a second server started on the same SQLite file";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("database is locked"));
  }
  HttpClient client(first->port());
  register_account(client, "first");  // the first one is unaffected
}

// A database the store refuses at open stops the server before it listens (exit status 2),
// instead of a server whose /readyz says 200 while every call gets 503. Here the file claims a
// schema version newer than the binary's: user_version is the big-endian word at offset 60 of
// SQLite's header.
TEST(PersistenceTest, AServerRefusesADatabaseOfANewerSchemaVersion) {
  if (store_under_test() != StoreKind::sqlite) GTEST_SKIP() << "SQLite only (the Redis version key: store tests)";
  TempDir data;
  ServerConfig config;
  config.data_dir = data.path();
  ASSERT_EQ(ServerProcess::start(config)->stop(), 0);  // creates the database; closing checkpoints it
  {
    std::fstream file(data.path() / "v.db", std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(60);
    file.write("\0\0\0\x63", 4);  // 99
    ASSERT_TRUE(file.good());
  }
  try {
    auto server = ServerProcess::start(config);
    ADD_FAILURE() << "the server started on a database of a newer schema";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("cannot open store: cannot open SQLite database " +
                                               (data.path() / "v.db").string() +
                                               ": incompatible schema: database version 99 is newer than this "
                                               "binary's 5; upgrade vestibule"));
  }
}

TEST(PersistenceTest, LoginStillWorksAfterTheHashParametersChange) {
  TempDir data;
  ServerConfig config;
  config.data_dir = data.path();
  Account account;
  {
    auto server = ServerProcess::start(config);
    HttpClient client(server->port());
    account = register_account(client, "rehash");
    ASSERT_EQ(server->stop(), 0);
  }
  config.hash_args = {"--hash-memory-kib", "2048", "--hash-iterations", "2"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  EXPECT_FALSE(login(client, account).empty());
  EXPECT_TRUE(server->wait_for_log("event=password.rehashed", std::chrono::seconds(5)))
      << "a login upgrades a hash made with older parameters";
  EXPECT_FALSE(login(client, account).empty()) << "and the upgraded hash verifies";
}

TEST(PersistenceTest, AccountsLogInAcrossAHashEngineSwitchBothWays) {
  TempDir data;
  ServerConfig config;
  config.data_dir = data.path();
  Account made_by_sodium;
  {
    auto server = ServerProcess::start(config);
    HttpClient client(server->port());
    made_by_sodium = register_account(client, "sodium");
    ASSERT_EQ(server->stop(), 0);
  }
  Account made_by_argon2;
  config.extra_args = {"--hash-engine", "argon2"};
  {
    auto server = ServerProcess::start(config);
    HttpClient client(server->port());
    EXPECT_FALSE(login(client, made_by_sodium).empty()) << "libargon2 verifies libsodium's hash";
    made_by_argon2 = register_account(client, "argon2");
    EXPECT_FALSE(login(client, made_by_argon2).empty());
    ASSERT_EQ(server->stop(), 0);
    EXPECT_EQ(server->log().find("event=password.rehashed"), std::string::npos)
        << "same parameters, same strings: switching engine rehashes nothing";
  }
  config.extra_args = {"--hash-engine", "sodium"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  EXPECT_FALSE(login(client, made_by_argon2).empty()) << "libsodium verifies libargon2's hash";
  EXPECT_FALSE(login(client, made_by_sodium).empty());
}

}  // namespace
}  // namespace vestibule::e2e
