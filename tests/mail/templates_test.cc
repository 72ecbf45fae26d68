#include "mail/templates.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace vestibule::mail {
namespace {

constexpr const char* kPublic = "http://127.0.0.1:9443";

store::Params token_params(std::string token = "tok-_EN") {
  return {{"name", "Ann"}, {"token", std::move(token)}, {"expires_in", "3600"}};
}

Templates builtin() {
  auto t = Templates::load("");
  EXPECT_TRUE(t) << t.error().message;
  return std::move(*t);
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(Templates, ResetPasswordReadsExactly) {
  auto r = builtin().render("reset_password", token_params(), "ann@example.com", kPublic);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->subject, "Reset your password");
  EXPECT_EQ(r->text,
            "Hi Ann,\n"
            "\n"
            "we received a request to reset the password of the account for ann@example.com.\n"
            "To choose a new password, open this link:\n"
            "\n"
            "http://127.0.0.1:9443/reset-password#token=tok-_EN\n"
            "\n"
            "The link can be used once and expires in 1 hour.\n"
            "\n"
            "If you did not ask for this, you can ignore this message: your password\n"
            "stays as it is.\n");
  EXPECT_NE(r->html.find("<a href=\"http://127.0.0.1:9443/reset-password#token=tok-_EN\">"), std::string::npos);
}

TEST(Templates, EveryKindFillsEveryPlaceholder) {
  const Templates t = builtin();
  const std::pair<const char*, store::Params> kinds[] = {
      {"verify_email", token_params()},
      {"reset_password", token_params()},
      {"password_changed", {{"name", "Ann"}}},
      {"email_change_notice", {{"name", "Ann"}, {"new_email", "ann@new.example"}}},
      {"registration_attempt", {}},
  };
  for (const auto& [kind, params] : kinds) {
    auto r = t.render(kind, params, "ann@example.com", kPublic);
    ASSERT_TRUE(r) << kind;
    for (const std::string* part : {&r->subject, &r->text, &r->html}) {
      EXPECT_FALSE(part->empty()) << kind;
      EXPECT_EQ(part->find("{{"), std::string::npos) << kind << ": " << *part;
    }
    EXPECT_EQ(r->subject.find('\n'), std::string::npos) << kind;
    EXPECT_NE(r->text.find("ann@example.com"), std::string::npos) << kind;
  }
}

TEST(Templates, LinksCarryTheTokenInTheFragment) {
  const Templates t = builtin();
  auto verify = t.render("verify_email", token_params("a+b/c="), "ann@example.com", "https://id.example.com/");
  ASSERT_TRUE(verify);
  EXPECT_NE(verify->text.find("\nhttps://id.example.com/verify-email#token=a%2Bb%2Fc%3D\n"), std::string::npos)
      << verify->text;
  auto changed = t.render("password_changed", {{"name", "Ann"}}, "ann@example.com", kPublic);
  ASSERT_TRUE(changed);
  EXPECT_NE(changed->text.find("\nhttp://127.0.0.1:9443/reset-password\n"), std::string::npos) << changed->text;
  auto attempt = t.render("registration_attempt", {}, "ann@example.com", kPublic);
  ASSERT_TRUE(attempt);
  EXPECT_NE(attempt->text.find("\nhttp://127.0.0.1:9443/reset-password\n"), std::string::npos) << attempt->text;
  auto notice =
      t.render("email_change_notice", {{"name", "Ann"}, {"new_email", "ann@new.example"}}, "ann@old.example", kPublic);
  ASSERT_TRUE(notice);
  EXPECT_NE(notice->text.find("from ann@old.example\nto ann@new.example."), std::string::npos) << notice->text;
}

TEST(Templates, EscapesValuesInHtmlOnly) {
  auto r = builtin().render("password_changed", {{"name", "<b>Ann & \"Bo\" 'x'</b>"}}, "ann@example.com", kPublic);
  ASSERT_TRUE(r);
  EXPECT_NE(r->html.find("<p>Hi &lt;b&gt;Ann &amp; &quot;Bo&quot; &#39;x&#39;&lt;/b&gt;,</p>"), std::string::npos)
      << r->html;
  EXPECT_NE(r->text.find("Hi <b>Ann & \"Bo\" 'x'</b>,\n"), std::string::npos) << r->text;
}

TEST(Templates, ControlCharactersInValuesBecomeSpaces) {
  support::TempDir dir("templates");
  write(dir.path() / "password_changed.subject", "Hello {{name}}\n");
  auto t = Templates::load(dir.path().string());
  ASSERT_TRUE(t) << t.error().message;
  auto r = t->render("password_changed", {{"name", "Ann\r\nBcc: eve@example.com"}}, "ann@example.com", kPublic);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->subject, "Hello Ann  Bcc: eve@example.com");
  EXPECT_NE(r->text.find("Hi Ann  Bcc: eve@example.com,\n"), std::string::npos);
}

TEST(Templates, OverridesReplaceSomePartsAndKeepTheOthers) {
  support::TempDir dir("templates");
  write(dir.path() / "verify_email.subject", "Welcome, {{ name }}!\r\n");
  write(dir.path() / "verify_email.html", "<p>Go: {{link}} ({{expires_in}})</p>\r\n");
  auto t = Templates::load(dir.path().string());
  ASSERT_TRUE(t) << t.error().message;
  auto r = t->render("verify_email", token_params(), "ann@example.com", kPublic);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->subject, "Welcome, Ann!");
  EXPECT_EQ(r->html, "<p>Go: http://127.0.0.1:9443/verify-email#token=tok-_EN (1 hour)</p>\n");
  auto built_in = builtin().render("verify_email", token_params(), "ann@example.com", kPublic);
  EXPECT_EQ(r->text, built_in->text);  // no verify_email.txt: the built-in text
}

TEST(Templates, RefusesBadOverridesAtLoad) {
  {
    support::TempDir dir("templates");
    write(dir.path() / "reset_password.txt", "Your token: {{token}}\n");
    auto t = Templates::load(dir.path().string());
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message.find("reset_password.txt uses {{token}}"), std::string::npos) << t.error().message;
  }
  {
    support::TempDir dir("templates");
    write(dir.path() / "reset_password.subject", "Two\nlines\n");
    auto t = Templates::load(dir.path().string());
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message.find("reset_password.subject has several lines"), std::string::npos);
  }
  auto missing = Templates::load("/nonexistent/vestibule-templates");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("is not a readable directory"), std::string::npos);
}

TEST(Templates, UnknownKindAndMissingParamsArePermanentErrors) {
  const Templates t = builtin();
  auto unknown = t.render("newsletter", {}, "ann@example.com", kPublic);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), RenderError::unknown_kind);
  auto missing = t.render("reset_password", {{"name", "Ann"}, {"expires_in", "60"}}, "ann@example.com", kPublic);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), RenderError::missing_param);
  EXPECT_STREQ(to_string(RenderError::missing_param), "missing_param");
}

TEST(Templates, DescribesDurationsInWords) {
  EXPECT_EQ(describe_duration("3600"), "1 hour");
  EXPECT_EQ(describe_duration("86400"), "24 hours");
  EXPECT_EQ(describe_duration("172800"), "2 days");
  EXPECT_EQ(describe_duration("1800"), "30 minutes");
  EXPECT_EQ(describe_duration("60"), "1 minute");
  EXPECT_EQ(describe_duration("90"), "90 seconds");
  EXPECT_EQ(describe_duration("soon"), "soon");
}

}  // namespace
}  // namespace vestibule::mail
