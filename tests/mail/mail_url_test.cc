#include "mail/mail_url.h"

#include <gtest/gtest.h>

#include "mail/open.h"

namespace vestibule::mail {
namespace {

TEST(MailUrl, FileTakesADirectory) {
  auto url = parse_mail_url("file:data/mail");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->kind, MailUrl::Kind::file);
  EXPECT_EQ(url->directory, "data/mail");
  EXPECT_EQ(url->redacted(), "file:data/mail");
  auto absolute = parse_mail_url("file:/var/spool/vestibule%20mail");
  ASSERT_TRUE(absolute);
  EXPECT_EQ(absolute->directory, "/var/spool/vestibule mail");
}

TEST(MailUrl, SmtpWithCredentialsAndRequiredStartTls) {
  auto url = parse_mail_url("smtp://ann%40example.com:p%3Ass%40word@mail.example.com:587?starttls=required");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->kind, MailUrl::Kind::smtp);
  EXPECT_EQ(url->host, "mail.example.com");
  EXPECT_EQ(url->port, 587);
  EXPECT_EQ(url->user, "ann@example.com");
  EXPECT_EQ(url->password, "p:ss@word");
  EXPECT_EQ(url->starttls, MailUrl::StartTls::required);
  EXPECT_EQ(url->redacted(), "smtp://ann@example.com@mail.example.com:587?starttls=required");
}

TEST(MailUrl, SmtpDefaultsToOpportunisticStartTls) {
  auto url = parse_mail_url("smtp://127.0.0.1:2525");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->starttls, MailUrl::StartTls::opportunistic);
  EXPECT_EQ(url->user, "");
  EXPECT_EQ(url->redacted(), "smtp://127.0.0.1:2525");
}

TEST(MailUrl, SmtpsAndIpv6) {
  auto url = parse_mail_url("smtps://[::1]:465");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->kind, MailUrl::Kind::smtps);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 465);
  EXPECT_EQ(url->redacted(), "smtps://[::1]:465");
}

TEST(MailUrl, RefusesWhatItCannotUseWithoutQuotingThePassword) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://mail.example.com:25", "unsupported scheme 'http'"},
      {"smtp://mail.example.com", "needs a port"},
      {"smtp://u:secret@mail.example.com:0", "needs a port"},
      {"smtp://u:secret@mail.example.com:70000", "needs a port"},
      {"smtp://u:secret@mail.example.com:25?starttls=never", "allows only ?starttls=required"},
      {"smtps://u:secret@mail.example.com:465?starttls=required", "?starttls does not apply"},
      {"smtp://u:secret@mail.example.com:25?tls=1", "unknown parameter 'tls'"},
      {"smtp://u:secret@mail.example.com:25/x", "take no path"},
      {"smtp://:secret@mail.example.com:25", "no user name"},
      {"file:", "needs a directory"},
      {"file://host/dir", "no //host"},
      {"not a url secret", "must be a URL"},
  };
  for (const auto& [input, expected] : cases) {
    auto url = parse_mail_url(input);
    ASSERT_FALSE(url) << input;
    EXPECT_NE(url.error().message.find(expected), std::string::npos) << input << " -> " << url.error().message;
    EXPECT_EQ(url.error().message.find("secret"), std::string::npos) << url.error().message;
    EXPECT_EQ(url.error().message.rfind("--mail-url ", 0), 0u) << url.error().message;
  }
}

TEST(OpenTransport, RefusesASendTimeoutThatOutlastsTheLease) {
  MailOptions options;
  options.url = "smtp://127.0.0.1:2525";
  options.send_timeout = options.lease;
  auto refused = open_transport(options);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("shorter than the claim lease"), std::string::npos) << refused.error();
  options.send_timeout = options.lease - std::chrono::seconds(1);
  EXPECT_TRUE(open_transport(options));
  options.url = "smtp://127.0.0.1";
  ASSERT_FALSE(open_transport(options));
  EXPECT_NE(open_transport(options).error().find("needs a port"), std::string::npos);
}

}  // namespace
}  // namespace vestibule::mail
