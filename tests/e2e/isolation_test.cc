// One account's token only ever reaches that account, and nothing one user does changes another.
#include <gtest/gtest.h>

#include "api_helpers.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;

class IsolationTest : public SharedServerTest {
 protected:
  struct User {
    Account account;
    std::string token;
    json::object profile;
  };
  User new_user(std::string_view tag) {
    User u{register_account(client(), tag), "", {}};
    u.token = login(client(), u.account);
    u.profile = body_object(client().get("/v1/users/me", u.token));
    return u;
  }
  json::object me(const User& u) { return body_object(client().get("/v1/users/me", u.token)); }
};

TEST_F(IsolationTest, EachTokenReturnsOnlyItsOwnAccount) {
  User a = new_user("iso-a");
  User b = new_user("iso-b");
  for (int i = 0; i < 3; ++i) {  // interleaved on one connection
    json::object seen_a = me(a);
    json::object seen_b = me(b);
    EXPECT_EQ(text(seen_a["id"]), a.account.id);
    EXPECT_EQ(text(seen_a["email"]), a.account.email);
    EXPECT_EQ(text(seen_b["id"]), b.account.id);
    EXPECT_EQ(text(seen_b["email"]), b.account.email);
  }
  EXPECT_NE(a.account.id, b.account.id);
}

TEST_F(IsolationTest, ChangingOneAccountLeavesAnotherUntouched) {
  User a = new_user("iso-change-a");
  User b = new_user("iso-change-b");
  ASSERT_EQ(client().patch("/v1/users/me", {{"name", "Renamed"}}, a.token).result_int(), 200u);
  ASSERT_EQ(client()
                .patch("/v1/users/me",
                       {{"email", unique_email("iso-moved")}, {"password", "another long password"},
                        {"current_password", a.account.password}},
                       a.token)
                .result_int(),
            200u);
  EXPECT_EQ(me(b), b.profile);
  EXPECT_FALSE(login(client(), b.account).empty());
}

TEST_F(IsolationTest, LoggingOutOneAccountEverywhereLeavesAnotherLoggedIn) {
  User a = new_user("iso-logout-a");
  User b = new_user("iso-logout-b");
  ASSERT_EQ(client().del("/v1/sessions", a.token).result_int(), 204u);
  EXPECT_EQ(client().get("/v1/users/me", b.token).result_int(), 200u);
}

TEST_F(IsolationTest, DeletingOneAccountLeavesAnotherUntouched) {
  User a = new_user("iso-delete-a");
  User b = new_user("iso-delete-b");
  ASSERT_EQ(client().del("/v1/users/me", a.token, json::object{{"password", a.account.password}}).result_int(), 204u);
  EXPECT_EQ(me(b), b.profile);
  EXPECT_FALSE(login(client(), b.account).empty());
}

}  // namespace
}  // namespace vestibule::e2e
