// SmtpTransport against a real SMTP server (aiosmtpd) on loopback: plain, STARTTLS + AUTH,
// implicit TLS, refusals, and a server that is down or never answers.
#include "mail/smtp_transport.h"

#include <gtest/gtest.h>

#include <future>

#include "support/redis_server.h"
#include "support/smtp_server.h"

namespace vestibule::mail {
namespace {

using testing::SmtpServer;
using testing::SmtpServerOptions;
using Outcome = SendResult::Outcome;
using namespace std::chrono_literals;

constexpr std::string_view kMessage =
    "From: <no-reply@localhost>\r\nTo: <ann@example.com>\r\nSubject: Test\r\nMessage-ID: <m1@localhost>\r\n\r\n"
    "Hello,\r\n.leading dot survives dot-stuffing\r\n";

const Envelope kEnvelope{"m1", "no-reply@localhost", "ann@example.com"};

class SmtpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SmtpServer::available()) GTEST_SKIP() << "needs /usr/bin/python3 with aiosmtpd (Debian: python3-aiosmtpd)";
  }
  static SmtpTransport transport(const std::string& url, SmtpOptions options = {}) {
    auto parsed = parse_mail_url(url);
    EXPECT_TRUE(parsed) << parsed.error().message;
    options.connect_timeout = std::min(options.connect_timeout, std::chrono::milliseconds(5s));
    options.send_timeout = std::min(options.send_timeout, std::chrono::milliseconds(10s));
    return SmtpTransport(*parsed, options);
  }
};

TEST_F(SmtpTransportTest, DeliversOverPlainSmtp) {
  SmtpServer server;
  SmtpTransport t = transport(server.url());
  const SendResult r = t.send(kEnvelope, kMessage);
  EXPECT_EQ(r.outcome, Outcome::sent) << r.reason;
  auto got = server.wait_for_messages(1, 10s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].mail_from, "no-reply@localhost");
  EXPECT_EQ(got[0].recipients, "ann@example.com");
  EXPECT_EQ(got[0].content, kMessage);
}

TEST_F(SmtpTransportTest, DeliversWithStartTlsAndAuth) {
  SmtpServer server(SmtpServerOptions{.starttls = true, .user = "courier", .password = "s3cret:@"});
  SmtpTransport t =
      transport("smtp://courier:s3cret%3A%40@127.0.0.1:" + std::to_string(server.port()) + "?starttls=required",
                SmtpOptions{.ca_file = server.ca_file().string()});
  const SendResult r = t.send(kEnvelope, kMessage);
  EXPECT_EQ(r.outcome, Outcome::sent) << r.reason << "\n" << server.log();
  EXPECT_EQ(server.wait_for_messages(1, 10s)[0].content, kMessage);
}

// Only because the server is on loopback: elsewhere a password needs TLS (smtp_transport.h).
TEST_F(SmtpTransportTest, AuthWithoutTlsIsAllowedOnLoopback) {
  SmtpServer server(SmtpServerOptions{.user = "courier", .password = "pw"});
  SmtpTransport t = transport("smtp://courier:pw@127.0.0.1:" + std::to_string(server.port()));
  const SendResult r = t.send(kEnvelope, kMessage);
  EXPECT_EQ(r.outcome, Outcome::sent) << r.reason << "\n" << server.log();
  EXPECT_EQ(server.wait_for_messages(1, 10s).size(), 1u);
}

TEST_F(SmtpTransportTest, OpportunisticStartTlsStillChecksTheCertificate) {
  SmtpServer server(SmtpServerOptions{.starttls = true});
  SmtpTransport t = transport(server.url());  // the generated certificate is not trusted
  const SendResult r = t.send(kEnvelope, kMessage);
  EXPECT_EQ(r.outcome, Outcome::transient) << r.reason;
  EXPECT_EQ(server.received().size(), 0u);
}

TEST_F(SmtpTransportTest, DeliversOverImplicitTls) {
  SmtpServer server(SmtpServerOptions{.implicit_tls = true});
  SmtpTransport t = transport("smtps://127.0.0.1:" + std::to_string(server.port()),
                              SmtpOptions{.ca_file = server.ca_file().string()});
  const SendResult r = t.send(kEnvelope, kMessage);
  EXPECT_EQ(r.outcome, Outcome::sent) << r.reason << "\n" << server.log();
  EXPECT_EQ(server.wait_for_messages(1, 10s).size(), 1u);
}

// A server without STARTTLS under ?starttls=required: nothing is sent in clear. Transient, since
// the server or the URL may be fixed before the attempts run out.
TEST_F(SmtpTransportTest, RequiredStartTlsRefusesAServerWithoutIt) {
  SmtpServer server;
  SmtpTransport t = transport(server.url() + "?starttls=required");
  const SendResult r = t.send(kEnvelope, kMessage);
  EXPECT_EQ(r.outcome, Outcome::transient) << r.reason;
  EXPECT_EQ(server.received().size(), 0u);
}

TEST_F(SmtpTransportTest, WrongPasswordIsTransientAndNotInTheReason) {
  SmtpServer server(SmtpServerOptions{.starttls = true, .user = "courier", .password = "right"});
  SmtpTransport t = transport("smtp://courier:wrong-pass@127.0.0.1:" + std::to_string(server.port()),
                              SmtpOptions{.ca_file = server.ca_file().string()});
  const SendResult r = t.send(kEnvelope, kMessage);
  EXPECT_EQ(r.outcome, Outcome::transient) << r.reason;
  EXPECT_EQ(r.reason.find("wrong-pass"), std::string::npos);
  EXPECT_EQ(r.reason.rfind("smtp 535", 0), 0u) << r.reason;
  EXPECT_EQ(server.received().size(), 0u);
}

TEST_F(SmtpTransportTest, RejectedRecipientIsPermanent) {
  SmtpServer server(SmtpServerOptions{.reject = "^gone@"});
  SmtpTransport t = transport(server.url());
  const SendResult r = t.send(Envelope{"m2", "no-reply@localhost", "gone@example.com"}, kMessage);
  EXPECT_EQ(r.outcome, Outcome::permanent) << r.reason;
  EXPECT_EQ(r.reason.rfind("smtp 550", 0), 0u) << r.reason;
  EXPECT_EQ(r.reason.find("gone@"), std::string::npos);
}

TEST_F(SmtpTransportTest, TemporarilyRefusedRecipientIsTransient) {
  SmtpServer server(SmtpServerOptions{.tempfail = "^later@"});
  SmtpTransport t = transport(server.url());
  const SendResult r = t.send(Envelope{"m3", "no-reply@localhost", "later@example.com"}, kMessage);
  EXPECT_EQ(r.outcome, Outcome::transient) << r.reason;
  EXPECT_EQ(r.reason.rfind("smtp 451", 0), 0u) << r.reason;
}

TEST_F(SmtpTransportTest, ServerDownIsTransient) {
  const unsigned short port = testing::free_loopback_port();  // nothing listens there
  SmtpTransport t = transport("smtp://127.0.0.1:" + std::to_string(port));
  const SendResult r = t.send(kEnvelope, kMessage);
  EXPECT_EQ(r.outcome, Outcome::transient);
  EXPECT_NE(r.reason.find("connect"), std::string::npos) << r.reason;
}

TEST_F(SmtpTransportTest, ServerThatNeverAnswersTimesOutAsTransient) {
  testing::SilentListener silent;
  SmtpTransport t = transport("smtp://127.0.0.1:" + std::to_string(silent.port()),
                              SmtpOptions{.connect_timeout = 1s, .send_timeout = 1500ms});
  const auto started = std::chrono::steady_clock::now();
  const SendResult r = t.send(kEnvelope, kMessage);
  EXPECT_EQ(r.outcome, Outcome::transient) << r.reason;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(SmtpTransportTest, CancelEndsASendInProgress) {
  testing::SilentListener silent;
  SmtpTransport t = transport("smtp://127.0.0.1:" + std::to_string(silent.port()),
                              SmtpOptions{.connect_timeout = 10s, .send_timeout = 10s});
  auto sending = std::async(std::launch::async, [&] { return t.send(kEnvelope, kMessage); });
  t.cancel();
  ASSERT_EQ(sending.wait_for(5s), std::future_status::ready) << "cancel() did not end the send";
  EXPECT_EQ(sending.get().outcome, Outcome::transient);
  EXPECT_EQ(t.send(kEnvelope, kMessage).reason, "cancelled");
}

}  // namespace
}  // namespace vestibule::mail
