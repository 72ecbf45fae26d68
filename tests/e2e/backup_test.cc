// Online backups through the admin API (POST /admin/v1/backups): a copy taken while the server
// serves opens as a store of its own with the same accounts and sessions; Redis, which keeps its
// own persistence, answers 409 backup_unsupported.
#include <gtest/gtest.h>

#include <filesystem>

#include "api_helpers.h"
#include "http_client.h"
#include "server_process.h"
#include "store_under_test.h"
#include "support/temp_dir.h"

namespace vestibule::e2e {
namespace {

TEST(BackupTest, ACopyTakenWhileServingServesTheSameAccountsAndSessions) {
  support::TempDir dir{"backup"};
  ServerConfig config;
  config.data_dir = dir.path() / "live";
  std::filesystem::create_directories(config.data_dir);
  config.admin = true;
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  HttpClient admin(server->admin_port());
  Account ann = register_account(client, "backup");
  const std::string token = login(client, ann);

  Response made = admin.request(http::verb::post, "/admin/v1/backups", {}, server->admin_token());
  if (store_under_test() == StoreKind::redis) {
    EXPECT_TRUE(is_problem(made, 409, "backup_unsupported"));
    return;
  }
  ASSERT_EQ(made.result_int(), 201u) << describe(made);
  const boost::json::object body = body_object(made);
  const std::string file(body.at("file").as_string());
  EXPECT_TRUE(file.starts_with("vestibule-") && file.ends_with("Z.db")) << file;
  const std::filesystem::path copy = config.data_dir / "backups" / file;
  ASSERT_TRUE(std::filesystem::exists(copy)) << copy;
  EXPECT_EQ(body.at("bytes").as_int64(), static_cast<std::int64_t>(std::filesystem::file_size(copy)));
  EXPECT_EQ(std::filesystem::status(copy).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_TRUE(server->wait_for_log("event=admin.backup.created file=" + file, std::chrono::seconds(10)));
  // The live server goes on serving.
  EXPECT_EQ(client.get("/v1/users/me", token).result_int(), 200u);
  EXPECT_EQ(server->stop(), 0);

  // Restoring is starting a server on the copy: the account logs in, the session still works.
  ServerConfig restored_config;
  restored_config.data_dir = dir.path() / "restored";
  std::filesystem::create_directories(restored_config.data_dir);
  restored_config.store_args = {"--store", "sqlite:" + copy.string()};
  auto restored = ServerProcess::start(restored_config);
  HttpClient restored_client(restored->port());
  EXPECT_EQ(restored_client.get("/v1/users/me", token).result_int(), 200u);
  EXPECT_FALSE(login(restored_client, ann).empty());
}

}  // namespace
}  // namespace vestibule::e2e
