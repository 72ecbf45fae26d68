// The mailed flows end to end: the real binary delivers through a real SMTP server (Debian's
// aiosmtpd, tests/support/smtp_server.h) on loopback, the tests read the delivered messages,
// follow their links and finish each flow; then the faults: SMTP down and back, the server
// killed with mail queued, a recipient refused for good. Runs against each store (CTest).
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api_helpers.h"
#include "delivered_mail.h"
#include "server_process.h"
// Last: it declares vestibule::testing, which would hide ::testing in the headers above.
#include "support/smtp_server.h"

namespace vestibule::e2e {
namespace {

using namespace std::chrono_literals;
using vestibule::testing::ReceivedMessage;
using vestibule::testing::SmtpServer;
using vestibule::testing::SmtpServerOptions;

constexpr auto kMailTimeout = 20s;
constexpr const char* kPublicUrl = "https://accounts.example.com";

class MailFlowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SmtpServer::available()) GTEST_SKIP() << "python3-aiosmtpd is not installed (scripts/setup.sh --test)";
  }

  // A server delivering to `smtp`; `extra` adds flags.
  void start(SmtpServer& smtp, std::vector<std::string> extra = {}) {
    config_.extra_args = {"--mail-url", smtp.url(), "--public-url", kPublicUrl, "--mail-retry-delay", "1"};
    config_.extra_args.insert(config_.extra_args.end(), extra.begin(), extra.end());
    server_ = ServerProcess::start(config_);
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  HttpClient& client() { return *client_; }

  // The one message among `all` sent to `to` whose subject contains `subject`.
  static DeliveredMail find(const std::vector<ReceivedMessage>& all, const std::string& to, const std::string& subject) {
    std::vector<DeliveredMail> found;
    for (const ReceivedMessage& m : all) {
      DeliveredMail mail = parse_mail(m.content);
      if (m.recipients == to && mail.header("subject").find(subject) != std::string::npos) found.push_back(mail);
    }
    EXPECT_EQ(found.size(), 1u) << "messages to " << to << " about '" << subject << "'";
    return found.empty() ? DeliveredMail{} : found.front();
  }

  TempDir data_{"mail-e2e"};  // for tests that restart the server on the same data
  ServerConfig config_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(MailFlowsTest, AForgottenPasswordIsResetThroughTheEmailedLink) {
  SmtpServer smtp;
  start(smtp);
  const Account ann = register_account(client(), "reset");
  std::vector<ReceivedMessage> mail = smtp.wait_for_messages(1, kMailTimeout);
  const DeliveredMail welcome = find(mail, ann.email, "Confirm your email");
  EXPECT_NE(welcome.header("message-id").find("@localhost>"), std::string::npos);
  EXPECT_FALSE(welcome.header("date").empty());
  EXPECT_NE(welcome.header("from").find("no-reply@localhost"), std::string::npos);
  EXPECT_NE(welcome.header("content-type").find("multipart/alternative"), std::string::npos);

  Response asked = client().post("/v1/password-resets", {{"email", ann.email}});
  ASSERT_EQ(asked.result_int(), 202u) << describe(asked);
  Response unknown = client().post("/v1/password-resets", {{"email", unique_email("nobody")}});
  ASSERT_EQ(unknown.result_int(), 202u) << describe(unknown);
  EXPECT_EQ(unknown.body(), asked.body());  // the answer does not tell

  mail = smtp.wait_for_messages(2, kMailTimeout);
  const DeliveredMail reset = find(mail, ann.email, "Reset");
  const std::optional<std::string> token = link_token(reset.text, std::string(kPublicUrl) + "/reset-password");
  ASSERT_TRUE(token) << reset.text;
  EXPECT_TRUE(link_token(reset.html, std::string(kPublicUrl) + "/reset-password"));
  EXPECT_NE(reset.text.find("expires in 1 hour"), std::string::npos) << reset.text;
  // Links carry the token only in the fragment, and it is in no header.
  for (const auto& [name, value] : reset.headers) EXPECT_EQ(value.find(*token), std::string::npos) << name;

  const std::string old_session = login(client(), ann);
  Response weak = client().post("/v1/password-resets/confirm", {{"token", *token}, {"password", "short"}});
  EXPECT_TRUE(is_problem(weak, 422, "validation_failed"));
  Response done = client().post("/v1/password-resets/confirm", {{"token", *token}, {"password", "a brand new passphrase"}});
  ASSERT_EQ(done.result_int(), 204u) << describe(done);
  EXPECT_TRUE(is_problem(client().get("/v1/users/me", old_session), 401, "invalid_token"));
  EXPECT_TRUE(is_problem(client().post("/v1/password-resets/confirm", {{"token", *token}, {"password", "another passphrase"}}),
                         400, "invalid_token"));
  const std::string fresh = login(client(), ann.email, "a brand new passphrase");
  Response me = client().get("/v1/users/me", fresh);
  EXPECT_EQ(body_object(me)["email_verified"], true);

  mail = smtp.wait_for_messages(3, kMailTimeout);
  find(mail, ann.email, "was changed");
  // Never a token or a link in the server's log.
  EXPECT_EQ(server_->log().find(*token), std::string::npos);
  EXPECT_EQ(server_->log().find("#token="), std::string::npos);
}

TEST_F(MailFlowsTest, AnAddressIsVerifiedThroughTheEmailedLink) {
  SmtpServer smtp;
  start(smtp);
  const Account ann = register_account(client(), "verify");
  const DeliveredMail link = find(smtp.wait_for_messages(1, kMailTimeout), ann.email, "Confirm your email");
  const std::optional<std::string> token = link_token(link.text, std::string(kPublicUrl) + "/verify-email");
  ASSERT_TRUE(token) << link.text;
  Response verified = client().post("/v1/email-verifications", {{"token", *token}});
  ASSERT_EQ(verified.result_int(), 200u) << describe(verified);
  EXPECT_TRUE(is_user(body_object(verified)));
  EXPECT_EQ(body_object(verified)["email_verified"], true);
  EXPECT_TRUE(is_problem(client().post("/v1/email-verifications", {{"token", *token}}), 400, "invalid_token"));
  const std::string session = login(client(), ann);
  EXPECT_TRUE(is_problem(client().post("/v1/users/me/email-verification", boost::json::object{}, session), 409,
                         "already_verified"));
}

TEST_F(MailFlowsTest, UnderRequiredVerificationNothingTellsWhichAddressesHaveAccounts) {
  SmtpServer smtp;
  start(smtp, {"--email-verification", "required"});
  const std::string email = unique_email("required");
  const boost::json::object registration{{"name", "Ann"}, {"email", email}, {"password", std::string(kPassword)}};
  Response fresh = client().post("/v1/users", registration);
  ASSERT_EQ(fresh.result_int(), 202u) << describe(fresh);
  Response taken = client().post("/v1/users", registration);
  ASSERT_EQ(taken.result_int(), 202u) << describe(taken);
  EXPECT_EQ(taken.body(), fresh.body());

  std::vector<ReceivedMessage> mail = smtp.wait_for_messages(2, kMailTimeout);
  const DeliveredMail link = find(mail, email, "Confirm your email");
  find(mail, email, "tried to sign up");  // the owner hears of it
  Response early = client().post("/v1/sessions", {{"email", email}, {"password", std::string(kPassword)}});
  EXPECT_TRUE(is_problem(early, 403, "email_not_verified"));
  Response wrong = client().post("/v1/sessions", {{"email", email}, {"password", "not the password"}});
  EXPECT_TRUE(is_problem(wrong, 401, "invalid_credentials"));

  const std::optional<std::string> token = link_token(link.text, std::string(kPublicUrl) + "/verify-email");
  ASSERT_TRUE(token);
  ASSERT_EQ(client().post("/v1/email-verifications", {{"token", *token}}).result_int(), 200u);
  const std::string session = login(client(), email, kPassword);

  // An address change waits for the new address to be proven.
  const std::string moved = unique_email("moved");
  Response pending = client().patch("/v1/users/me", {{"email", moved}, {"current_password", std::string(kPassword)}}, session);
  ASSERT_EQ(pending.result_int(), 200u) << describe(pending);
  EXPECT_EQ(text(body_object(pending)["email"]), email);
  EXPECT_EQ(text(body_object(pending)["pending_email"]), moved);
  mail = smtp.wait_for_messages(5, kMailTimeout);  // the fresh link from the early login, then two
  find(mail, email, "being changed");              // the notice to the old address
  const DeliveredMail confirm = find(mail, moved, "Confirm your email");
  const std::optional<std::string> move_token = link_token(confirm.text, std::string(kPublicUrl) + "/verify-email");
  ASSERT_TRUE(move_token);
  Response done = client().post("/v1/email-verifications", {{"token", *move_token}});
  ASSERT_EQ(done.result_int(), 200u) << describe(done);
  EXPECT_EQ(text(body_object(done)["email"]), moved);
  EXPECT_FALSE(body_object(done).contains("pending_email"));
  login(client(), moved, kPassword);
}

TEST_F(MailFlowsTest, MailGoesOverStartTlsWithAuthentication) {
  SmtpServerOptions options;
  options.starttls = true;
  options.user = "courier";
  options.password = "s3cret pass";
  SmtpServer smtp(options);
  config_.extra_args = {"--mail-url",
                        "smtp://courier:s3cret%20pass@127.0.0.1:" + std::to_string(smtp.port()) + "?starttls=required",
                        "--mail-ca-file", smtp.ca_file().string(), "--public-url", kPublicUrl};
  server_ = ServerProcess::start(config_);
  client_ = std::make_unique<HttpClient>(server_->port());
  const Account ann = register_account(client(), "tls");
  find(smtp.wait_for_messages(1, kMailTimeout), ann.email, "Confirm your email");
  EXPECT_EQ(server_->log().find("s3cret"), std::string::npos);
}

TEST_F(MailFlowsTest, MailQueuedWhileSmtpIsDownIsDeliveredOnceWhenItReturns) {
  SmtpServer smtp;
  start(smtp);
  smtp.stop();
  std::set<std::string> addresses;
  for (int i = 0; i < 3; ++i) addresses.insert(register_account(client(), "outage").email);  // answers as usual
  ASSERT_TRUE(server_->wait_for_log("event=mail.retry", 10s)) << server_->log();
  smtp.start();
  const std::vector<ReceivedMessage> mail = smtp.wait_for_messages(3, kMailTimeout);
  std::set<std::string> ids, to;
  for (const ReceivedMessage& m : mail) {
    ids.insert(parse_mail(m.content).header("message-id"));
    to.insert(m.recipients);
  }
  EXPECT_EQ(to, addresses);
  EXPECT_EQ(ids.size(), mail.size());
  // A later message arrives after the earlier ones; no earlier one came twice meanwhile.
  const Account last = register_account(client(), "after");
  const std::vector<ReceivedMessage> all = smtp.wait_for_messages(4, kMailTimeout);
  EXPECT_EQ(all.size(), 4u);
  EXPECT_EQ(all.back().recipients, last.email);
}

TEST_F(MailFlowsTest, MailQueuedWhenTheServerIsKilledIsDeliveredAfterARestart) {
  SmtpServer smtp;
  config_.data_dir = data_.path();
  start(smtp);
  smtp.stop();
  const Account ann = register_account(client(), "killed");
  ASSERT_TRUE(server_->wait_for_log("event=mail.retry", 10s)) << server_->log();
  ::kill(server_->pid(), SIGKILL);
  server_.reset();
  smtp.start();
  start(smtp);
  find(smtp.wait_for_messages(1, kMailTimeout), ann.email, "Confirm your email");
}

TEST_F(MailFlowsTest, ARecipientRefusedForGoodDoesNotHoldUpTheOthers) {
  SmtpServerOptions options;
  options.reject = "^bounce";
  SmtpServer smtp(options);
  start(smtp);
  const Account bounced = register_account(client(), "bounce");
  const Account fine = register_account(client(), "fine");
  const std::vector<ReceivedMessage> mail = smtp.wait_for_messages(1, kMailTimeout);
  EXPECT_EQ(mail.front().recipients, fine.email);
  ASSERT_TRUE(server_->wait_for_log("event=mail.failed", 10s)) << server_->log();
  EXPECT_EQ(server_->log().find(bounced.email), std::string::npos);  // ids in the log, not addresses
}

TEST_F(MailFlowsTest, ResetMailIsLimitedPerAccountWhileTheAnswerStaysTheSame) {
  SmtpServer smtp;
  start(smtp);
  const Account ann = register_account(client(), "limited");
  smtp.wait_for_messages(1, kMailTimeout);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(client().post("/v1/password-resets", {{"email", ann.email}}).result_int(), 202u);
  }
  // One reset mail per minute: with two more messages after them, there is one reset among
  // them (three would fill the wait below with resets alone).
  register_account(client(), "next");
  register_account(client(), "later");
  const std::vector<ReceivedMessage> mail = smtp.wait_for_messages(4, kMailTimeout);
  find(mail, ann.email, "Reset");
}

}  // namespace
}  // namespace vestibule::e2e

namespace vestibule::e2e {
namespace {

TEST_F(MailFlowsTest, DisablingAnAccountVoidsTheResetLinkItWasMailed) {
  SmtpServer smtp;
  config_.admin = true;
  start(smtp);
  const Account ann = register_account(client(), "disabled-reset");
  smtp.wait_for_messages(1, kMailTimeout);
  ASSERT_EQ(client().post("/v1/password-resets", {{"email", ann.email}}).result_int(), 202u);
  const DeliveredMail reset = find(smtp.wait_for_messages(2, kMailTimeout), ann.email, "Reset");
  const std::optional<std::string> token = link_token(reset.text, std::string(kPublicUrl) + "/reset-password");
  ASSERT_TRUE(token);

  HttpClient admin(server_->admin_port());
  const std::string target = "/admin/v1/users/" + ann.id;
  ASSERT_EQ(admin.request(http::verb::patch, target, boost::json::object{{"disabled", true}}, server_->admin_token())
                .result_int(),
            200u);
  const boost::json::object confirm{{"token", *token}, {"password", "a new password for ann"}};
  EXPECT_TRUE(is_problem(client().post("/v1/password-resets/confirm", confirm), 400, "invalid_token"))
      << "a link mailed before the account was disabled";
  ASSERT_EQ(admin.request(http::verb::patch, target, boost::json::object{{"disabled", false}}, server_->admin_token())
                .result_int(),
            200u);
  EXPECT_TRUE(is_problem(client().post("/v1/password-resets/confirm", confirm), 400, "invalid_token"))
      << "and it stays void once the account is enabled again";
  EXPECT_FALSE(login(client(), ann).empty()) << "the password is still the owner's";
}

}  // namespace
}  // namespace vestibule::e2e
