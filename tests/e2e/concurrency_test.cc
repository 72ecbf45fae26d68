// Requests that really overlap: a registration race for one address, and many users at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "api_helpers.h"
#include "parallel_clients.h"
#include "registration_race.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;
using testing::Each;
using testing::Eq;

class ConcurrencyTest : public SharedServerTest {};

TEST_F(ConcurrencyTest, ParallelRegistrationsOfOneAddressCreateExactlyOneAccount) {
  constexpr int kClients = 50;
  const RegistrationRace race = race_registration([this](int) { return port(); }, kClients);

  // Exactly one password was stored: the winner's. (Losers' passwords are tried only up to the
  // failed-login limit per account, 10 by default; past it every login would get 429.)
  ASSERT_GE(race.winner, 0);
  int failures = 0;
  for (int i = 0; i < kClients && failures < 8; ++i) {
    if (i == race.winner) continue;
    Response res =
        client().post("/v1/sessions", {{"email", race.email}, {"password", RegistrationRace::password_of(i)}});
    EXPECT_TRUE(is_problem(res, 401, "invalid_credentials")) << describe(res);
    ++failures;
  }
  Response won =
      client().post("/v1/sessions", {{"email", race.email}, {"password", RegistrationRace::password_of(race.winner)}});
  EXPECT_EQ(won.result_int(), 201u) << describe(won);
}

TEST_F(ConcurrencyTest, OfParallelPasswordChangesExactlyOneWinsAndTheOthersAreRefused) {
  constexpr int kSessions = 6;  // under the failed-login limit of 10, which re-authentication counts against
  Account account = register_account(client(), "change-race");
  std::vector<std::string> tokens;
  for (int i = 0; i < kSessions; ++i) tokens.push_back(login(client(), account));
  auto new_password = [](int i) { return "race new password " + std::to_string(i); };
  std::vector<Response> responses(kSessions);

  std::vector<std::string> errors = run_together(port(), kSessions, [&](int i, HttpClient& c) {
    responses[i] = c.patch("/v1/users/me", {{"password", new_password(i)}, {"current_password", account.password}},
                           tokens[i]);
  });
  ASSERT_THAT(errors, Each(Eq("")));

  int winner = -1;
  for (int i = 0; i < kSessions; ++i) {
    if (responses[i].result_int() == 200u) {
      EXPECT_EQ(winner, -1) << "two changes succeeded: " << winner << " and " << i;
      winner = i;
    } else if (responses[i].result_int() == 401u) {
      // Authenticated only after the winner committed, which revoked this session: the change
      // was refused before any password was checked.
      EXPECT_TRUE(is_problem(responses[i], 401, "invalid_token")) << i << ": " << describe(responses[i]);
    } else {
      // Verified against the password the winner replaced meanwhile.
      EXPECT_TRUE(is_problem(responses[i], 409, "conflict")) << i << ": " << describe(responses[i]);
    }
  }
  ASSERT_NE(winner, -1) << "no change succeeded";
  EXPECT_EQ(client().get("/v1/users/me", tokens[winner]).result_int(), 200u) << "the winner's session survives";
  for (int i = 0; i < kSessions; ++i) {
    if (i == winner) continue;
    EXPECT_EQ(client().get("/v1/users/me", tokens[i]).result_int(), 401u) << "logged out by the winner: " << i;
  }
  EXPECT_FALSE(login(client(), account.email, new_password(winner)).empty()) << "the winner's password sticks";
}

TEST_F(ConcurrencyTest, ManyUsersWorkAtOnceEachSeeingOnlyTheirOwnData) {
  constexpr int kClients = 40;
  std::atomic<int> completed{0};
  std::vector<std::string> errors = run_together(port(), kClients, [&](int i, HttpClient& c) {
    const std::string email = unique_email("crowd");
    const std::string name = "Crowd " + std::to_string(i);
    Response res = c.post("/v1/users", {{"name", name}, {"email", email}, {"password", kPassword}});
    ASSERT_EQ(res.result_int(), 201u) << describe(res);
    const json::value id = body_object(res)["id"];

    const std::string token = login(c, email, kPassword);
    res = c.get("/v1/users/me", token);
    ASSERT_EQ(res.result_int(), 200u) << describe(res);
    json::object me = body_object(res);
    EXPECT_EQ(me["id"], id);
    EXPECT_EQ(text(me["email"]), email);
    EXPECT_EQ(text(me["name"]), name);

    res = c.patch("/v1/users/me", {{"name", name + " renamed"}}, token);
    ASSERT_EQ(res.result_int(), 200u) << describe(res);
    EXPECT_EQ(text(body_object(res)["name"]), name + " renamed");
    EXPECT_EQ(body_object(res)["id"], id);

    res = c.del("/v1/sessions/current", token);
    ASSERT_EQ(res.result_int(), 204u) << describe(res);
    res = c.get("/v1/users/me", token);
    ASSERT_TRUE(is_problem(res, 401, "invalid_token"));
    ++completed;
  });
  EXPECT_THAT(errors, Each(Eq("")));
  EXPECT_EQ(completed.load(), kClients);
}

}  // namespace
}  // namespace vestibule::e2e
