// Several stateless vestibule processes on one Redis (same key prefix) serve one user base: a
// token from one works on all, and a logout or password change through one is seen at once by
// the others. Always runs against a private redis-server, whatever VESTIBULE_E2E_STORE says.
#include <gtest/gtest.h>

#include <memory>

#include <set>

#include "api_helpers.h"
#include "delivered_mail.h"
#include "registration_race.h"
#include "server_process.h"
// Last: they declare vestibule::testing, which would hide ::testing in the headers above.
#include "support/redis_server.h"
#include "support/smtp_server.h"

namespace vestibule::e2e {
namespace {

class TwoInstancesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.start();
    ServerConfig config;
    config.store_args = {"--store", redis_.url(), "--redis-key-prefix", "shared:"};
    // Off, so that every loser of the registration race can try its password.
    config.extra_args = {"--login-account-limit", "0"};
    first_ = ServerProcess::start(config);
    second_ = ServerProcess::start(config);
    a_ = std::make_unique<HttpClient>(first_->port());
    b_ = std::make_unique<HttpClient>(second_->port());
  }

  HttpClient& a() { return *a_; }
  HttpClient& b() { return *b_; }

  vestibule::testing::RedisServer redis_;  // first, so that it is stopped after both instances
  std::unique_ptr<ServerProcess> first_;
  std::unique_ptr<ServerProcess> second_;
  std::unique_ptr<HttpClient> a_;
  std::unique_ptr<HttpClient> b_;
};

TEST_F(TwoInstancesTest, ATokenIssuedByOneInstanceWorksOnTheOther) {
  const Account account = register_account(a(), "roaming");
  const std::string from_a = login(a(), account);
  Response me = b().get("/v1/users/me", from_a);
  ASSERT_EQ(me.result_int(), 200u) << describe(me);
  EXPECT_EQ(text(body_object(me)["id"]), account.id);

  const std::string from_b = login(b(), account);
  EXPECT_EQ(a().get("/v1/users/me", from_b).result_int(), 200u);
}

TEST_F(TwoInstancesTest, ALogoutThroughOneInstanceIsSeenAtOnceByTheOther) {
  const Account account = register_account(a(), "leaving");
  const std::string token = login(a(), account);
  ASSERT_EQ(b().get("/v1/users/me", token).result_int(), 200u);

  ASSERT_EQ(a().del("/v1/sessions/current", token).result_int(), 204u);
  EXPECT_TRUE(is_problem(b().get("/v1/users/me", token), 401, "invalid_token"));

  // Logging out everywhere through one instance ends the sessions issued by the other.
  const std::string first = login(a(), account);
  const std::string second = login(a(), account);
  const std::string through_b = login(b(), account);
  ASSERT_EQ(b().del("/v1/sessions", through_b).result_int(), 204u);
  EXPECT_TRUE(is_problem(a().get("/v1/users/me", first), 401, "invalid_token"));
  EXPECT_TRUE(is_problem(a().get("/v1/users/me", second), 401, "invalid_token"));
}

TEST_F(TwoInstancesTest, APasswordChangeThroughOneInstanceRevokesTheOtherSessionsOnBoth) {
  const Account account = register_account(a(), "rotating");
  const std::string changer = login(a(), account);
  const std::string other_on_a = login(a(), account);
  const std::string other_on_b = login(b(), account);

  Response res = a().patch("/v1/users/me", {{"password", "a brand new password"}, {"current_password", account.password}},
                           changer);
  ASSERT_EQ(res.result_int(), 200u) << describe(res);

  EXPECT_TRUE(is_problem(b().get("/v1/users/me", other_on_b), 401, "invalid_token"));
  EXPECT_TRUE(is_problem(b().get("/v1/users/me", other_on_a), 401, "invalid_token"));
  EXPECT_EQ(b().get("/v1/users/me", changer).result_int(), 200u) << "the token that made the change stays valid";
  EXPECT_TRUE(is_problem(b().post("/v1/sessions", {{"email", account.email}, {"password", account.password}}), 401,
                         "invalid_credentials"));
  EXPECT_FALSE(login(b(), account.email, "a brand new password").empty());
}

TEST_F(TwoInstancesTest, ParallelRegistrationsOfOneAddressOnBothInstancesCreateExactlyOneAccount) {
  constexpr int kClients = 50;
  auto port_of = [this](int i) { return i % 2 == 0 ? first_->port() : second_->port(); };
  const RegistrationRace race = race_registration(port_of, kClients);

  // Exactly one password was stored, the winner's, whichever instance is asked.
  int logins = 0;
  for (int i = 0; i < kClients; ++i) {
    HttpClient& c = i % 2 == 0 ? b() : a();  // the other instance than the one that registered
    Response res = c.post("/v1/sessions", {{"email", race.email}, {"password", RegistrationRace::password_of(i)}});
    if (res.result_int() == 201u) {
      ++logins;
      EXPECT_EQ(i, race.winner);
    } else {
      EXPECT_TRUE(is_problem(res, 401, "invalid_credentials")) << "password " << i << ": " << describe(res);
    }
  }
  EXPECT_EQ(logins, 1);
}

}  // namespace
}  // namespace vestibule::e2e

namespace vestibule::e2e {
namespace {

// The failed-login limit is kept in Redis, so guesses spread over two instances add up.
TEST(SharedThrottlingTest, FailedLoginsSpreadOverTwoInstancesShareOneLimit) {
  vestibule::testing::RedisServer redis;
  redis.start();
  ServerConfig config;
  config.store_args = {"--store", redis.url(), "--redis-key-prefix", "throttle:"};
  config.extra_args = {"--login-account-limit", "4"};
  auto first = ServerProcess::start(config);
  auto second = ServerProcess::start(config);
  HttpClient a(first->port());
  HttpClient b(second->port());
  const Account account = register_account(a, "spread");
  for (int i = 0; i < 4; ++i) {
    HttpClient& via = i % 2 ? b : a;
    Response res = via.post("/v1/sessions", {{"email", account.email}, {"password", "spread guess " + std::to_string(i)}});
    ASSERT_TRUE(is_problem(res, 401, "invalid_credentials")) << i << ": " << describe(res);
  }
  EXPECT_TRUE(is_problem(a.post("/v1/sessions", {{"email", account.email}, {"password", account.password}}), 429,
                         "too_many_attempts"));
  EXPECT_TRUE(is_problem(b.post("/v1/sessions", {{"email", account.email}, {"password", account.password}}), 429,
                         "too_many_attempts"));
}

TEST(TwoInstancesMailTest, EveryMessageIsDeliveredOnceWhenTwoInstancesShareTheOutbox) {
  if (!vestibule::testing::SmtpServer::available()) GTEST_SKIP() << "python3-aiosmtpd is not installed";
  vestibule::testing::RedisServer redis;
  redis.start();
  vestibule::testing::SmtpServer smtp;
  ServerConfig config;
  config.store_args = {"--store", redis.url(), "--redis-key-prefix", "mail:"};
  config.extra_args = {"--mail-url", smtp.url(), "--register-client-limit", "0"};
  auto first = ServerProcess::start(config);
  auto second = ServerProcess::start(config);
  HttpClient a(first->port()), b(second->port());
  std::set<std::string> addresses;
  constexpr std::size_t kMessages = 20;
  for (std::size_t i = 0; i < kMessages; ++i) addresses.insert(register_account(i % 2 ? a : b, "shared").email);
  const auto mail = smtp.wait_for_messages(kMessages, std::chrono::seconds(30));
  std::set<std::string> ids, to;
  for (const auto& m : mail) {
    ids.insert(parse_mail(m.content).header("message-id"));
    to.insert(m.recipients);
  }
  EXPECT_EQ(to, addresses);
  EXPECT_EQ(ids.size(), kMessages);
  // One more, after all of them: it is the next to arrive, so no earlier one came twice.
  const Account last = register_account(a, "last");
  const auto all = smtp.wait_for_messages(kMessages + 1, std::chrono::seconds(30));
  EXPECT_EQ(all.size(), kMessages + 1);
  EXPECT_EQ(all.back().recipients, last.email);
}

}  // namespace
}  // namespace vestibule::e2e
