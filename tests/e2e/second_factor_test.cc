// Two-factor sign-in end to end (issue 14): enrolment, confirmation, sign-in with TOTP codes
// and recovery codes, replay, the window's edges, a dead mfa_token, the throttle, turning it off,
// the secrets key. Every TOTP code is made by an independent tool, Debian's oathtool, from the
// secret the server returned; the server's own clock decides, so each test that depends on the
// step first makes sure the current step has a few seconds left (fresh_step()).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "api_helpers.h"
#include "delivered_mail.h"
#include "server_process.h"
#include "store_under_test.h"
#include "support/smtp_server.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kPeriod = 30;

// Seconds since the epoch.
std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Waits, if need be, until the current 30-second step has at least `margin` left, so that a
// sequence of requests that takes less than that runs within one step (bounded: at most
// `margin`, on the clock itself). Whether it waited.
bool fresh_step(std::chrono::seconds margin = 8s) {
  const std::int64_t now = now_seconds();
  if (kPeriod - now % kPeriod >= margin.count()) return false;
  const std::chrono::system_clock::time_point next(std::chrono::seconds((now / kPeriod + 1) * kPeriod));
  std::this_thread::sleep_until(next + 200ms);
  return true;
}

// The TOTP code of `secret` (base32) at `offset` steps from now, by oathtool.
std::string oathtool_code(const std::string& secret, int offset) {
  const std::int64_t at = now_seconds() + offset * kPeriod;
  const std::string command = "oathtool --totp -b '" + secret + "' --now '@" + std::to_string(at) + "' 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run oathtool");
  std::array<char, 64> buffer{};
  std::string out;
  while (std::fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
  const int status = ::pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (status != 0 || !std::regex_match(out, std::regex("[0-9]{6}"))) throw std::runtime_error("oathtool: " + out);
  return out;
}

bool oathtool_available() { return ::access("/usr/bin/oathtool", X_OK) == 0; }

// A code that is not the secret's at any step near now.
std::string wrong_code(const std::string& secret) {
  std::set<std::string> near;
  for (int offset = -3; offset <= 3; ++offset) near.insert(oathtool_code(secret, offset));
  for (int n = 0;; ++n) {
    std::string candidate = std::to_string(100000 + (n * 7919) % 900000);
    if (!near.contains(candidate)) return candidate;
  }
}

// A secrets key file of mode 0600 in `dir`.
std::filesystem::path write_key(const std::filesystem::path& dir, mode_t mode = 0600) {
  const auto path = dir / "secrets.key";
  {
    std::ofstream out(path);
    out << "8d5c4b1f0a9e8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a392817f6e5d4\n";
  }
  ::chmod(path.c_str(), mode);
  return path;
}

class SecondFactorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!oathtool_available()) GTEST_SKIP() << "oathtool is not installed (scripts/setup.sh --test)";
  }

  void start(std::vector<std::string> extra = {}) {
    config_.data_dir = data_.path();
    config_.extra_args = {"--secrets-key-file", write_key(keys_.path()).string()};
    config_.extra_args.insert(config_.extra_args.end(), extra.begin(), extra.end());
    server_ = ServerProcess::start(config_);
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  HttpClient& client() { return *client_; }

  // fresh_step(), then a new connection if it waited: a keep-alive connection idle that long may
  // have been closed by the other end (the contract proxy closes idle ones after 5 s), and a
  // request written into that close would fail.
  void fresh_step(std::chrono::seconds margin = 8s) {
    if (e2e::fresh_step(margin)) client().close();
  }

  // An account with the second factor on: its password, token, secret and recovery codes.
  struct Enrolled {
    Account account;
    std::string token;
    std::string secret;
    std::vector<std::string> recovery_codes;
  };

  // Starts an enrolment and returns the secret (checking the answer's shape).
  std::string enrol(const Account& a, const std::string& token) {
    Response res = client().post("/v1/users/me/totp", {{"current_password", a.password}}, token);
    EXPECT_EQ(res.result_int(), 201u) << describe(res);
    json::object body = body_object(res);
    EXPECT_EQ(keys_of(body), (std::set<std::string>{"secret", "otpauth_uri"}));
    const std::string secret(body["secret"].as_string());
    EXPECT_TRUE(std::regex_match(secret, std::regex("[A-Z2-7]{32}"))) << secret;
    return secret;
  }

  Enrolled enrolled(std::string_view tag) {
    Enrolled e{register_account(client(), tag), "", "", {}};
    e.token = login(client(), e.account);
    e.secret = enrol(e.account, e.token);
    fresh_step();
    Response confirmed = client().post("/v1/users/me/totp/confirm", {{"code", oathtool_code(e.secret, 0)}}, e.token);
    EXPECT_EQ(confirmed.result_int(), 200u) << describe(confirmed);
    const json::object body = body_object(confirmed);  // named: the loop must not range over a temporary
    if (const json::value* codes = body.if_contains("recovery_codes"); codes && codes->is_array()) {
      for (const json::value& c : codes->as_array()) e.recovery_codes.emplace_back(c.as_string());
    }
    return e;
  }

  // The first step of a sign-in that needs a second factor: its mfa_token.
  std::string mfa_token(const Account& a) {
    Response res = client().post("/v1/sessions", {{"email", a.email}, {"password", a.password}});
    EXPECT_EQ(res.result_int(), 200u) << describe(res);
    json::object body = body_object(res);
    EXPECT_EQ(keys_of(body), (std::set<std::string>{"mfa_required", "mfa_token", "expires_in"}));
    EXPECT_EQ(body["mfa_required"], true);
    EXPECT_EQ(body["expires_in"], 300);
    return std::string(body["mfa_token"].as_string());
  }

  Response second_step(const std::string& token, const std::string& code) {
    return client().post("/v1/sessions/mfa", {{"mfa_token", token}, {"code", code}});
  }

  TempDir data_{"totp-e2e"};
  TempDir keys_{"totp-keys"};
  ServerConfig config_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(SecondFactorTest, EnrolmentIsPendingUntilConfirmedAndThenSignInNeedsACode) {
  start();
  const Account ann = register_account(client(), "totp-enrol");
  const std::string token = login(client(), ann);
  const std::string secret = enrol(ann, token);
  // Pending: the user shows it off, and a login still opens a session at once.
  EXPECT_EQ(body_object(client().get("/v1/users/me", token))["totp_enabled"], false);
  EXPECT_EQ(client().post("/v1/sessions", {{"email", ann.email}, {"password", ann.password}}).result_int(), 201u);

  fresh_step();
  Response wrong = client().post("/v1/users/me/totp/confirm", {{"code", wrong_code(secret)}}, token);
  EXPECT_TRUE(is_problem(wrong, 400, "invalid_code")) << describe(wrong);
  Response confirmed = client().post("/v1/users/me/totp/confirm", {{"code", oathtool_code(secret, 0)}}, token);
  ASSERT_EQ(confirmed.result_int(), 200u) << describe(confirmed);
  json::object body = body_object(confirmed);
  ASSERT_EQ(keys_of(body), std::set<std::string>{"recovery_codes"});
  std::set<std::string> codes;
  for (const json::value& c : body["recovery_codes"].as_array()) {
    const std::string code(c.as_string());
    EXPECT_TRUE(std::regex_match(code, std::regex("[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}")))
        << code;
    codes.insert(code);
  }
  EXPECT_EQ(codes.size(), 10u);
  EXPECT_EQ(body_object(client().get("/v1/users/me", token))["totp_enabled"], true);

  // The code that confirmed cannot sign in (replay); the next step's can.
  const std::string mfa = mfa_token(ann);
  EXPECT_TRUE(is_problem(second_step(mfa, oathtool_code(secret, 0)), 401, "invalid_code"));
  Response session = second_step(mfa, oathtool_code(secret, 1));
  ASSERT_EQ(session.result_int(), 201u) << describe(session);
  json::object s = body_object(session);
  EXPECT_TRUE(is_token(s["token"].as_string()));
  EXPECT_EQ(client().get("/v1/users/me", std::string(s["token"].as_string())).result_int(), 200u);
  // The mfa_token was single use.
  EXPECT_TRUE(is_problem(second_step(mfa, oathtool_code(secret, 1)), 400, "invalid_token"));
}

TEST_F(SecondFactorTest, TheOtpauthUriNamesTheIssuerTheAccountAndTheSecret) {
  start();
  const Account ann = register_account(client(), "totp-uri");
  const std::string token = login(client(), ann);
  Response res = client().post("/v1/users/me/totp", {{"current_password", ann.password}}, token);
  ASSERT_EQ(res.result_int(), 201u) << describe(res);
  json::object body = body_object(res);
  const std::string secret(body["secret"].as_string());
  const std::string uri(body["otpauth_uri"].as_string());
  EXPECT_THAT(uri, ::testing::StartsWith("otpauth://totp/Vestibule:"));
  EXPECT_THAT(uri, HasSubstr("?secret=" + secret + "&issuer=Vestibule&algorithm=SHA1&digits=6&period=30"));
  EXPECT_THAT(uri, HasSubstr(":totp-uri-"));
  EXPECT_THAT(uri, HasSubstr("%40example.com?"));  // the account's address, percent-encoded
}

TEST_F(SecondFactorTest, TheWindowIsOneStepEitherSideAndACodeIsNeverAcceptedTwice) {
  start();
  Enrolled e = enrolled("totp-window");  // confirmed with the current step's code
  fresh_step();
  const std::string mfa = mfa_token(e.account);
  EXPECT_TRUE(is_problem(second_step(mfa, oathtool_code(e.secret, 2)), 401, "invalid_code"));   // too far ahead
  EXPECT_TRUE(is_problem(second_step(mfa, oathtool_code(e.secret, -2)), 401, "invalid_code"));  // too far behind
  ASSERT_EQ(second_step(mfa, oathtool_code(e.secret, 1)).result_int(), 201u);                  // one ahead
  // Now the current and previous steps are behind the last accepted one: both refused.
  const std::string again = mfa_token(e.account);
  EXPECT_TRUE(is_problem(second_step(again, oathtool_code(e.secret, 1)), 401, "invalid_code"));
  EXPECT_TRUE(is_problem(second_step(again, oathtool_code(e.secret, 0)), 401, "invalid_code"));
  EXPECT_TRUE(is_problem(second_step(again, oathtool_code(e.secret, -1)), 401, "invalid_code"));
}

TEST_F(SecondFactorTest, ACodeOneStepBehindIsAccepted) {
  start();
  const Account ann = register_account(client(), "totp-behind");
  const std::string token = login(client(), ann);
  const std::string secret = enrol(ann, token);
  fresh_step();
  // Confirmed with the previous step's code: the current one still signs in.
  ASSERT_EQ(client().post("/v1/users/me/totp/confirm", {{"code", oathtool_code(secret, -1)}}, token).result_int(), 200u);
  EXPECT_EQ(second_step(mfa_token(ann), oathtool_code(secret, 0)).result_int(), 201u);
}

TEST_F(SecondFactorTest, AWrongPasswordAnswersAsWithoutASecondFactor) {
  start();
  Enrolled e = enrolled("totp-wrong-password");
  Response res = client().post("/v1/sessions", {{"email", e.account.email}, {"password", "not the password at all"}});
  EXPECT_TRUE(is_problem(res, 401, "invalid_credentials")) << describe(res);
}

TEST_F(SecondFactorTest, RecoveryCodesSignInOnceEachAndANewSetReplacesTheOld) {
  start();
  Enrolled e = enrolled("totp-recovery");
  ASSERT_EQ(e.recovery_codes.size(), 10u);
  // Case and hyphens do not matter.
  std::string typed = e.recovery_codes[0];
  std::erase(typed, '-');
  std::transform(typed.begin(), typed.end(), typed.begin(), [](unsigned char c) { return std::toupper(c); });
  ASSERT_EQ(second_step(mfa_token(e.account), typed).result_int(), 201u);
  EXPECT_TRUE(is_problem(second_step(mfa_token(e.account), e.recovery_codes[0]), 401, "invalid_code"));

  Response fresh = client().post("/v1/users/me/recovery-codes", {{"current_password", e.account.password}}, e.token);
  ASSERT_EQ(fresh.result_int(), 200u) << describe(fresh);
  const json::object fresh_body = body_object(fresh);
  const std::string new_code(fresh_body.at("recovery_codes").as_array().at(0).as_string());
  EXPECT_TRUE(is_problem(second_step(mfa_token(e.account), e.recovery_codes[1]), 401, "invalid_code"));
  EXPECT_EQ(second_step(mfa_token(e.account), new_code).result_int(), 201u);
}

TEST_F(SecondFactorTest, AnMfaTokenDiesAfterFiveCodes) {
  start();
  Enrolled e = enrolled("totp-dead");
  fresh_step(12s);
  const std::string mfa = mfa_token(e.account);
  const std::string wrong = wrong_code(e.secret);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(is_problem(second_step(mfa, wrong), 401, "invalid_code")) << i;
  EXPECT_TRUE(is_problem(second_step(mfa, oathtool_code(e.secret, 1)), 400, "invalid_token"));
  // A new sign-in works (five failures are below the account's limit of ten).
  EXPECT_EQ(second_step(mfa_token(e.account), oathtool_code(e.secret, 1)).result_int(), 201u);
}

TEST_F(SecondFactorTest, WrongCodesCountTowardTheAccountsLoginLimit) {
  start({"--login-account-limit", "4"});
  Enrolled e = enrolled("totp-throttle");  // a complete sign-in: the count starts at zero
  fresh_step(12s);
  const std::string wrong = wrong_code(e.secret);
  const std::string mfa = mfa_token(e.account);  // the password: 1
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(is_problem(second_step(mfa, wrong), 401, "invalid_code")) << i;  // 2, 3, 4
  // The account's budget is spent: codes and passwords alike are refused, the right ones too.
  Response code = second_step(mfa, oathtool_code(e.secret, 1));
  EXPECT_TRUE(is_problem(code, 429, "too_many_attempts")) << describe(code);
  EXPECT_FALSE(code[http::field::retry_after].empty());
  Response password = client().post("/v1/sessions", {{"email", e.account.email}, {"password", e.account.password}});
  EXPECT_TRUE(is_problem(password, 429, "too_many_attempts")) << describe(password);
}

// Whoever has the password cannot clear the count of wrong codes by logging in again: only a
// complete sign-in (password and code) forgets it.
TEST_F(SecondFactorTest, ThePasswordAloneDoesNotForgetWrongCodes) {
  start({"--login-account-limit", "4"});
  Enrolled e = enrolled("totp-no-reset");
  const std::string wrong = wrong_code(e.secret);
  const std::string first = mfa_token(e.account);                             // 1
  EXPECT_TRUE(is_problem(second_step(first, wrong), 401, "invalid_code"));    // 2
  EXPECT_TRUE(is_problem(second_step(first, wrong), 401, "invalid_code"));    // 3
  const std::string second = mfa_token(e.account);                            // 4: the right password
  EXPECT_TRUE(is_problem(second_step(second, wrong), 429, "too_many_attempts"));
}

TEST_F(SecondFactorTest, TurningItOffNeedsThePasswordAndThenSignInOpensASessionAtOnce) {
  start();
  Enrolled e = enrolled("totp-off");
  Response wrong = client().del("/v1/users/me/totp", e.token, json::object{{"current_password", "wrong password!"}});
  EXPECT_TRUE(is_problem(wrong, 403, "invalid_password")) << describe(wrong);
  Response off = client().del("/v1/users/me/totp", e.token, json::object{{"current_password", e.account.password}});
  ASSERT_EQ(off.result_int(), 204u) << describe(off);
  EXPECT_EQ(body_object(client().get("/v1/users/me", e.token))["totp_enabled"], false);
  EXPECT_EQ(client().post("/v1/sessions", {{"email", e.account.email}, {"password", e.account.password}}).result_int(),
            201u);
  Response codes = client().post("/v1/users/me/recovery-codes", {{"current_password", e.account.password}}, e.token);
  EXPECT_TRUE(is_problem(codes, 409, "totp_not_enabled")) << describe(codes);
}

TEST_F(SecondFactorTest, EnrolmentAndConfirmationRefuseWhatDoesNotFit) {
  start();
  const Account ann = register_account(client(), "totp-refusals");
  const std::string token = login(client(), ann);
  EXPECT_TRUE(is_problem(client().post("/v1/users/me/totp/confirm", {{"code", "123456"}}, token), 409, "totp_not_pending"));
  EXPECT_TRUE(is_problem(client().post("/v1/users/me/totp", {{"current_password", "wrong password!"}}, token), 403,
                         "invalid_password"));
  EXPECT_TRUE(is_problem(client().post("/v1/users/me/totp", json::object{}, token), 422, "validation_failed"));
  // Direct: without a bearer token the contract proxy would answer itself (contract_proxy.h).
  HttpClient direct(server_->server_port());
  EXPECT_TRUE(is_problem(direct.post("/v1/users/me/totp", {{"current_password", ann.password}}), 401, "invalid_token"));
  Enrolled e = enrolled("totp-twice");
  EXPECT_TRUE(is_problem(client().post("/v1/users/me/totp", {{"current_password", e.account.password}}, e.token), 409,
                         "totp_enabled"));
  EXPECT_TRUE(is_problem(second_step("not-a-token", "123456"), 400, "invalid_token"));
  EXPECT_TRUE(is_problem(client().post("/v1/sessions/mfa", json::object{}), 422, "validation_failed"));
}

TEST_F(SecondFactorTest, NoSecretCodeOrTokenReachesTheLog) {
  start();
  Enrolled e = enrolled("totp-log");
  fresh_step();
  const std::string mfa = mfa_token(e.account);
  const std::string code = oathtool_code(e.secret, 1);
  ASSERT_EQ(second_step(mfa, code).result_int(), 201u);
  ASSERT_EQ(second_step(mfa_token(e.account), e.recovery_codes[3]).result_int(), 201u);
  // The lines are read from the process as it writes them: wait for the last one.
  EXPECT_TRUE(server_->wait_for_log("second_factor=recovery_code", 10s));
  const std::string log = server_->log();
  EXPECT_THAT(log, HasSubstr("event=totp.enabled"));
  for (const std::string& secret : {e.secret, mfa, e.recovery_codes[3], e.recovery_codes[0]}) {
    EXPECT_THAT(log, Not(HasSubstr(secret)));
  }
}

TEST_F(SecondFactorTest, TheSecondFactorSurvivesARestart) {
  start();
  Enrolled e = enrolled("totp-restart");
  server_->stop();
  server_ = ServerProcess::start(config_);
  client_ = std::make_unique<HttpClient>(server_->port());
  EXPECT_EQ(second_step(mfa_token(e.account), e.recovery_codes[0]).result_int(), 201u);
}

// A mailbox is not a second factor: a reset sets the password, leaves the code required, ends
// the sign-ins waiting for a code, and does not forget the wrong codes counted.
TEST_F(SecondFactorTest, APasswordResetKeepsTheSecondFactorAndTheCountOfWrongCodes) {
  if (!testing::SmtpServer::available()) GTEST_SKIP() << "python3-aiosmtpd is not installed (scripts/setup.sh --test)";
  testing::SmtpServer smtp;
  const std::string public_url = "https://accounts.example.com";
  start({"--mail-url", smtp.url(), "--public-url", public_url, "--login-account-limit", "5"});
  Enrolled e = enrolled("totp-reset");  // a complete sign-in: the count starts at zero
  fresh_step(12s);
  const std::string wrong = wrong_code(e.secret);
  const std::string waiting = mfa_token(e.account);                          // 1
  EXPECT_TRUE(is_problem(second_step(waiting, wrong), 401, "invalid_code"));  // 2
  EXPECT_TRUE(is_problem(second_step(waiting, wrong), 401, "invalid_code"));  // 3
  ASSERT_EQ(client().post("/v1/password-resets", {{"email", e.account.email}}).result_int(), 202u);
  std::optional<std::string> token;
  for (const testing::ReceivedMessage& m : smtp.wait_for_messages(2, 20s)) {
    if (!token) token = link_token(parse_mail(m.content).text, public_url + "/reset-password");
  }
  ASSERT_TRUE(token) << "no reset link was delivered";
  const std::string new_password = "a brand new passphrase";
  Response done = client().post("/v1/password-resets/confirm", {{"token", *token}, {"password", new_password}});
  ASSERT_EQ(done.result_int(), 204u) << describe(done);
  e.account.password = new_password;
  // The sign-in that waited for a code from before the reset is over.
  EXPECT_TRUE(is_problem(second_step(waiting, oathtool_code(e.secret, 1)), 400, "invalid_token"));
  const std::string after = mfa_token(e.account);                             // 4: still a code to give
  EXPECT_TRUE(is_problem(second_step(after, wrong), 401, "invalid_code"));    // 5
  // The count survived the reset: the account's budget is spent.
  EXPECT_TRUE(is_problem(second_step(after, oathtool_code(e.secret, 1)), 429, "too_many_attempts"));
}

TEST_F(SecondFactorTest, ASignInWaitingForACodeEndsWhenThePasswordChangesOrTheSecondFactorGoesOff) {
  start();
  Enrolled e = enrolled("totp-ends");
  fresh_step();
  const std::string before_change = mfa_token(e.account);
  const std::string new_password = "another long passphrase";
  Response changed = client().patch(
      "/v1/users/me", {{"password", new_password}, {"current_password", e.account.password}}, e.token);
  ASSERT_EQ(changed.result_int(), 200u) << describe(changed);
  e.account.password = new_password;
  EXPECT_TRUE(is_problem(second_step(before_change, oathtool_code(e.secret, 1)), 400, "invalid_token"));

  const std::string before_off = mfa_token(e.account);
  Response off = client().del("/v1/users/me/totp", e.token, json::object{{"current_password", new_password}});
  ASSERT_EQ(off.result_int(), 204u) << describe(off);
  EXPECT_TRUE(is_problem(second_step(before_off, oathtool_code(e.secret, 1)), 400, "invalid_token"));
}

TEST_F(SecondFactorTest, AnOperatorCanTurnItOffButNotOn) {
  config_.admin = true;
  start();
  Enrolled e = enrolled("totp-admin");
  HttpClient admin(server_->admin_port());
  const std::string path = "/admin/v1/users/" + e.account.id;
  Response on = admin.patch(path, {{"totp_enabled", true}}, server_->admin_token());
  EXPECT_TRUE(is_problem(on, 422, "validation_failed")) << describe(on);
  Response off = admin.patch(path, {{"totp_enabled", false}}, server_->admin_token());
  ASSERT_EQ(off.result_int(), 200u) << describe(off);
  EXPECT_EQ(body_object(off)["totp_enabled"], false);
  EXPECT_EQ(client().post("/v1/sessions", {{"email", e.account.email}, {"password", e.account.password}}).result_int(),
            201u);
}

// The key: refused when others may read it; on SQLite made beside the database when not given;
// on Redis, without one, enrolment is unavailable and everything else works.
TEST(SecretsKeyTest, AKeyFileOthersMayReadIsRefusedAtStart) {
  TempDir keys("totp-keys");
  ServerConfig config;
  config.extra_args = {"--secrets-key-file", write_key(keys.path(), 0644).string()};
  ServerProcess::Exit exit = ServerProcess::run_until_exit(config, 20s);
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_THAT(exit.log, HasSubstr("--secrets-key-file"));
}

// A database whose key was lost (or restored without it): a new key would open none of its
// secrets, so the server refuses to start instead of making one; with the file back it starts.
TEST(SecretsKeyTest, AMissingKeyBesideADatabaseWithSecondFactorsIsRefusedAtStart) {
  if (store_under_test() == StoreKind::redis) GTEST_SKIP() << "the key is made beside a SQLite database only";
  if (!oathtool_available()) GTEST_SKIP() << "oathtool is not installed (scripts/setup.sh --test)";
  TempDir data("totp-lostkey");
  ServerConfig config;
  config.data_dir = data.path();
  const auto key = data.path() / "secrets.key";
  {
    auto server = ServerProcess::start(config);
    HttpClient client(server->port());
    const Account ann = register_account(client, "totp-lostkey");
    const std::string token = login(client, ann);
    Response enrolled = client.post("/v1/users/me/totp", {{"current_password", ann.password}}, token);
    ASSERT_EQ(enrolled.result_int(), 201u) << describe(enrolled);
    ASSERT_EQ(server->stop(), 0);
  }
  const auto kept = data.path() / "secrets.key.kept";
  std::filesystem::rename(key, kept);
  ServerProcess::Exit exit = ServerProcess::run_until_exit(config, 20s);
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_THAT(exit.log, HasSubstr("accounts have a second factor sealed with a key"));
  EXPECT_FALSE(std::filesystem::exists(key)) << "the new key was left behind";
  std::filesystem::rename(kept, key);
  auto restored = ServerProcess::start(config);
  EXPECT_TRUE(restored->running());
}

TEST(SecretsKeyTest, WithoutAKeyFileSqliteMakesOneBesideTheDatabaseAndRedisHasNoTotp) {
  TempDir data("totp-nokey");
  ServerConfig config;
  config.data_dir = data.path();
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  const Account ann = register_account(client, "totp-nokey");
  const std::string token = login(client, ann);
  Response res = client.post("/v1/users/me/totp", {{"current_password", ann.password}}, token);
  if (store_under_test() == StoreKind::redis) {
    EXPECT_TRUE(is_problem(res, 503, "totp_unavailable")) << describe(res);
    EXPECT_EQ(client.get("/v1/users/me", token).result_int(), 200u);
    return;
  }
  EXPECT_EQ(res.result_int(), 201u) << describe(res);
  struct stat st {};
  ASSERT_EQ(::stat((data.path() / "secrets.key").c_str(), &st), 0) << "no secrets.key beside the database";
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace vestibule::e2e
