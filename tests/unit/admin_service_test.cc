// AdminService over the real SQLite store and the real hasher with tiny parameters: paging and
// its cursor, the rules of a create (password or imported hash, given id and times), changes
// that write nothing, an address change's consequences, and disabling.
#include "accounts/admin_service.h"
#include "accounts/backups.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/io_context.hpp>
#include <future>
#include <filesystem>
#include <boost/asio/use_future.hpp>
#include <boost/asio/co_spawn.hpp>
#include <memory>
#include <set>
#include <string>

#include "account_assertions.h"
#include "mail/flaky_store.h"
#include "security/tokens.h"
#include "store/open.h"
#include "support/pooled_hasher.h"
#include "support/run_awaitable.h"
#include "support/temp_dir.h"

namespace vestibule::accounts {
namespace {

using namespace std::chrono_literals;
using testing::run_awaitable;

const TimePoint kT0{1'800'000'000'000ms};

class AdminServiceTest : public ::testing::Test {
 protected:
  AdminServiceTest() {
    store_ = store::open_store("sqlite:" + (dir_.path() / "vestibule.db").string(), store::OpenOptions{}).value();
    auto audit = std::make_shared<spdlog::logger>("audit", std::make_shared<spdlog::sinks::null_sink_mt>());
    admin_ = std::make_unique<AdminService>(*store_, hasher_, security::PasswordPolicy{}, [this] { return now_; },
                                            std::move(audit));
  }
  ~AdminServiceTest() override {
    admin_.reset();
    store_.reset();
  }

  template <typename T>
  T run(Task<T> task) {
    return run_awaitable(io_, std::move(task));
  }

  Result<User> create(std::string email, std::optional<std::string> id = std::nullopt) {
    NewUser u;
    u.name = "Ada";
    u.email = std::move(email);
    u.password = "correct horse battery";
    u.id = std::move(id);
    return run(admin_->create_user(std::move(u)));
  }

  boost::asio::io_context io_;
  TimePoint now_ = kT0;
  testing::PooledHasher hasher_{security::HasherOptions{.params = {.memory_kib = 1024, .iterations = 1}, .threads = 1}};
  support::TempDir dir_{"admin"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AdminService> admin_;
};

TEST_F(AdminServiceTest, PagesFollowTheirCursorsToTheEndInIdOrder) {
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) created.insert(create("user" + std::to_string(i) + "@example.com").value().id);
  std::vector<std::string> listed;
  UserQuery q;
  q.limit = 3;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = run(admin_->list_users(q));
    ASSERT_TRUE(page);
    for (const User& u : page->users) listed.push_back(u.id);
    if (!page->next_cursor) break;
    EXPECT_EQ(page->users.size(), 3u) << "only the last page is short";
    q.cursor = page->next_cursor;
  }
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), created);
  EXPECT_EQ(listed.size(), created.size());
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
}

TEST_F(AdminServiceTest, AnExactPageHasNoNextCursor) {
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(create("exact" + std::to_string(i) + "@example.com"));
  UserQuery q;
  q.limit = 2;
  auto page = run(admin_->list_users(q));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->users.size(), 2u);
  EXPECT_FALSE(page->next_cursor) << "no empty page to fetch after the last";
}

TEST_F(AdminServiceTest, ALimitOrCursorOutsideTheRulesIsRefusedTogether) {
  UserQuery q;
  q.limit = 0;
  q.cursor = "bm90LWEtdXVpZA";  // base64url of "not-a-uuid": decodes, but not to one of our ids
  auto page = run(admin_->list_users(q));
  ASSERT_TRUE(fails_with(page, Code::validation_failed));
  ASSERT_EQ(page.error().fields.size(), 2u);
  EXPECT_EQ(page.error().fields[0].field, "limit");
  EXPECT_EQ(page.error().fields[1].field, "cursor");
  q.limit = kMaxPageSize + 1;
  q.cursor.reset();
  EXPECT_TRUE(fails_with(run(admin_->list_users(q)), Code::validation_failed));
}

TEST_F(AdminServiceTest, AnImportedHashIsKeptAsGivenAndAnUnknownOneRefused) {
  const std::string hash = security::PasswordHasher::hash_now("old password", {.memory_kib = 1024, .iterations = 1});
  NewUser u{.name = "Imported", .email = "imported@example.com", .password = std::nullopt, .password_hash = hash,
            .id = "ABCDEF01-2345-4678-9ABC-DEF012345678", .email_verified = true, .created_at = kT0 - 24h * 365};
  Result<User> created = run(admin_->create_user(u));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->id, "abcdef01-2345-4678-9abc-def012345678");
  EXPECT_EQ(created->created_at, kT0 - 24h * 365);
  EXPECT_EQ(created->updated_at, kT0);
  EXPECT_TRUE(created->email_verified);
  EXPECT_EQ(run(store_->find_account(created->id)).value().password_hash, hash) << "stored as given";

  u.email = "other@example.com";
  EXPECT_TRUE(fails_with(run(admin_->create_user(u)), Code::id_taken));
  u.id.reset();
  u.password_hash = "$1$salt$md5cryptisnotsupported";
  auto refused = run(admin_->create_user(u));
  ASSERT_TRUE(fails_with(refused, Code::validation_failed));
  EXPECT_EQ(refused.error().fields.at(0).code, "unsupported_hash");
}

TEST_F(AdminServiceTest, ACreationTimeBeforeTheEpochOrAheadIsRefused) {
  for (TimePoint when : {TimePoint(-1ms), kT0 + 24h + 1ms}) {
    NewUser u{.name = "Ada", .email = "ada@example.com", .password = "correct horse battery", .created_at = when};
    auto refused = run(admin_->create_user(u));
    ASSERT_TRUE(fails_with(refused, Code::validation_failed));
    EXPECT_EQ(refused.error().fields.at(0).field, "created_at");
    EXPECT_EQ(refused.error().fields.at(0).code, "out_of_range");
  }
  NewUser edge{.name = "Ada", .email = "ada@example.com", .password = "correct horse battery", .created_at = kT0 + 24h};
  EXPECT_TRUE(run(admin_->create_user(edge))) << "a day of clock skew is allowed";
}

TEST_F(AdminServiceTest, DisablingVoidsTheAccountsLinks) {
  Result<User> ada = create("ada@example.com");
  ASSERT_TRUE(ada);
  store::FlowToken link{"digest-of-a-reset-link", store::TokenPurpose::password_reset, ada->id, "ada@example.com", kT0,
                        kT0 + 1h};
  ASSERT_TRUE(run(store_->add_effects(ada->id, store::Effects{link, {}})));
  ASSERT_TRUE(run(admin_->update_user(ada->id, UserEdit{.disabled = false})));
  EXPECT_TRUE(run(store_->find_token(link.token_digest, store::TokenPurpose::password_reset, now_)))
      << "enabling drops nothing";
  ASSERT_TRUE(run(admin_->update_user(ada->id, UserEdit{.disabled = true})));
  EXPECT_FALSE(run(store_->find_token(link.token_digest, store::TokenPurpose::password_reset, now_)));
}

TEST_F(AdminServiceTest, AnEmptyChangeWritesNothing) {
  Result<User> ada = create("ada@example.com");
  ASSERT_TRUE(ada);
  now_ = kT0 + 1h;
  Result<User> same = run(admin_->update_user(ada->id, UserEdit{}));
  ASSERT_TRUE(same);
  EXPECT_EQ(same->updated_at, kT0);
}

TEST_F(AdminServiceTest, ANewAddressIsUnverifiedAndItsOldLinksAreDropped) {
  Result<User> ada = create("ada@example.com");
  ASSERT_TRUE(ada);
  ASSERT_TRUE(run(admin_->update_user(ada->id, UserEdit{.email_verified = true})));
  store::FlowToken link{"digest-of-a-reset-link", store::TokenPurpose::password_reset, ada->id, "ada@example.com", kT0,
                        kT0 + 1h};
  ASSERT_TRUE(run(store_->add_effects(ada->id, store::Effects{link, {}})));

  Result<User> moved = run(admin_->update_user(ada->id, UserEdit{.email = "ADA@elsewhere.example"}));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->email, "ADA@elsewhere.example");
  EXPECT_FALSE(moved->email_verified);
  EXPECT_FALSE(run(store_->find_token(link.token_digest, store::TokenPurpose::password_reset, now_)))
      << "a reset link sent to the old address is void";

  Result<User> respelled = run(admin_->update_user(ada->id, UserEdit{.email = "ada@ELSEWHERE.example",
                                                                      .email_verified = true}));
  ASSERT_TRUE(respelled);
  EXPECT_TRUE(respelled->email_verified) << "the operator may say so";
}

TEST_F(AdminServiceTest, DisablingRevokesEverySessionInTheSameChange) {
  Result<User> ada = create("ada@example.com");
  ASSERT_TRUE(ada);
  store::Session s{"digest-1", ada->id, kT0, kT0 + 1h};
  s.id = security::new_uuid();
  ASSERT_TRUE(run(store_->create_session(s)));
  Result<User> disabled = run(admin_->update_user(ada->id, UserEdit{.disabled = true}));
  ASSERT_TRUE(disabled);
  EXPECT_TRUE(disabled->disabled);
  EXPECT_TRUE(run(store_->list_sessions(ada->id, now_)).value().empty());
  EXPECT_TRUE(fails_with(run(admin_->revoke_sessions(security::new_uuid())), Code::not_found));
  EXPECT_TRUE(fails_with(run(admin_->update_user("nope", UserEdit{.name = "X"})), Code::not_found));
}

// One backup at a time: a second asked while the first is being written is refused at once
// (backup_in_progress), and the first still completes; after it, backups work again.
TEST(BackupsTest, ASecondBackupWhileOneIsWrittenIsRefused) {
  boost::asio::io_context io;  // first: outlives the store
  support::TempDir dir{"backups"};
  auto real = store::open_store("sqlite:" + (dir.path() / "vestibule.db").string(), store::OpenOptions{}).value();
  mail::FlakyStore flaky(*real);
  flaky.hold_backups = true;
  auto audit = std::make_shared<spdlog::logger>("audit", std::make_shared<spdlog::sinks::null_sink_mt>());
  TimePoint t{std::chrono::milliseconds(1'800'000'000'000)};
  Backups backups(flaky, (dir.path() / "backups").string(), [&t] { return t; }, audit);

  auto first = boost::asio::co_spawn(io, backups.create(), boost::asio::use_future);
  io.poll();  // runs it up to the held copy
  ASSERT_EQ(flaky.backups_waiting, 1);
  t += std::chrono::milliseconds(1);
  auto second = boost::asio::co_spawn(io, backups.create(), boost::asio::use_future);
  io.poll();
  ASSERT_EQ(second.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  Result<BackupInfo> refused = second.get();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::backup_in_progress);

  flaky.release_backups();
  io.restart();
  io.run();  // the held copy, on the store's worker, then its completion here
  Result<BackupInfo> made = first.get();
  ASSERT_TRUE(made);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "backups" / made->file));
  EXPECT_EQ(std::filesystem::status(dir.path() / "backups").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all)
      << "made here: private";

  flaky.hold_backups = false;
  t += std::chrono::milliseconds(1);
  auto third = boost::asio::co_spawn(io, backups.create(), boost::asio::use_future);
  io.restart();
  io.run();
  EXPECT_TRUE(third.get());
}

}  // namespace
}  // namespace vestibule::accounts
