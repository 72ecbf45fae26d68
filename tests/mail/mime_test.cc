#include "mail/mime.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "mail/address.h"

namespace vestibule::mail {
namespace {

constexpr const char* kId = "0190c0de-1111-7222-8333-944445555666";
const store::TimePoint kDate{std::chrono::seconds(1796164451)};  // Tue, 01 Dec 2026 22:34:11 UTC

std::string decode_base64(std::string_view text) {
  std::string out(text.size(), '\0');
  std::size_t len = 0;
  const int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                                   "\r\n", &len, nullptr, sodium_base64_VARIANT_ORIGINAL);
  EXPECT_EQ(rc, 0);
  out.resize(len);
  return out;
}

// The words of encoded-word header lines, decoded and joined.
std::string decode_words(std::string_view header) {
  std::string out;
  std::size_t at = 0;
  while ((at = header.find("=?UTF-8?B?", at)) != std::string_view::npos) {
    const std::size_t end = header.find("?=", at + 10);
    const std::string word = decode_base64(header.substr(at + 10, end - at - 10));
    EXPECT_NE(static_cast<unsigned char>(word[0]) & 0xc0, 0x80) << "a word starts inside a UTF-8 character";
    out += word;
    at = end + 2;
  }
  return out;
}

void expect_lines_within(std::string_view text, std::size_t limit) {
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find("\r\n", start);
    ASSERT_NE(end, std::string_view::npos) << "no CRLF after: " << text.substr(start);
    const std::string_view line = text.substr(start, end - start);
    EXPECT_EQ(line.find('\n'), std::string_view::npos) << "bare LF in: " << line;
    EXPECT_EQ(line.find('\r'), std::string_view::npos) << "bare CR in: " << line;
    EXPECT_LE(line.size(), limit) << line;
    start = end + 2;
  }
}

Mailbox vestibule_from() { return *parse_mailbox("Vestibule <no-reply@localhost>"); }

TEST(Mime, HeadersAndPartsAreExact) {
  const Rendered content{"Reset your password", "Hi Ann,\n\nline two\n", "<p>Hi Ann,</p>\n"};
  auto message = build_message(MimeParts{kId, vestibule_from(), "ann@example.com", kDate, content});
  ASSERT_TRUE(message);
  const std::string boundary = std::string("=_vestibule_") + kId;
  const std::string expected_head =
      "Date: Tue, 01 Dec 2026 22:34:11 +0000\r\n"
      "From: \"Vestibule\" <no-reply@localhost>\r\n"
      "To: <ann@example.com>\r\n"
      "Subject: Reset your password\r\n"
      "Message-ID: <0190c0de-1111-7222-8333-944445555666@localhost>\r\n"
      "MIME-Version: 1.0\r\n"
      "Auto-Submitted: auto-generated\r\n"
      "Content-Type: multipart/alternative;\r\n"
      " boundary=\"" +
      boundary +
      "\"\r\n"
      "\r\n";
  ASSERT_EQ(message->substr(0, expected_head.size()), expected_head);
  const std::string text_b64 = "SGkgQW5uLA0KDQpsaW5lIHR3bw0K";  // "Hi Ann,\r\n\r\nline two\r\n"
  const std::string html_b64 = "PHA+SGkgQW5uLDwvcD4NCg==";      // "<p>Hi Ann,</p>\r\n"
  EXPECT_EQ(message->substr(expected_head.size()),
            "--" + boundary + "\r\n" +
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + text_b64 +
                "\r\n--" + boundary + "\r\n" +
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + html_b64 +
                "\r\n--" + boundary + "--\r\n");
  EXPECT_EQ(decode_base64(text_b64), "Hi Ann,\r\n\r\nline two\r\n");
}

TEST(Mime, SameMessageSameBytes) {
  const Rendered content{"S", "t", "h"};
  auto a = build_message(MimeParts{kId, vestibule_from(), "ann@example.com", kDate, content});
  auto b = build_message(MimeParts{kId, vestibule_from(), "ann@example.com", kDate, content});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
}

TEST(Mime, LongBodiesWrapAtSeventySixAndKeepCrlf) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "Zeile " + std::to_string(i) + " mit Umlauten: äöü\n";
  const Rendered content{"S", text, "<p>" + text + "</p>"};
  auto message = build_message(MimeParts{kId, vestibule_from(), "ann@example.com", kDate, content});
  ASSERT_TRUE(message);
  expect_lines_within(*message, 78);
  const std::size_t body = message->find("base64\r\n\r\n") + 10;
  const std::size_t end = message->find("\r\n--", body);
  std::string crlf_text;
  for (char c : text) {
    if (c == '\n') crlf_text += '\r';
    crlf_text += c;
  }
  EXPECT_EQ(decode_base64(std::string_view(*message).substr(body, end - body)), crlf_text);
}

TEST(Mime, NonAsciiSubjectIsEncodedWords) {
  EXPECT_EQ(encode_header("Subject", "Passwort zurücksetzen"),
            "Subject: =?UTF-8?B?UGFzc3dvcnQgenVyw7xja3NldHplbg==?=\r\n");
  std::string long_subject;
  for (int i = 0; i < 12; ++i) long_subject += "Bestätigen Sie Ihre Adresse ";
  const std::string header = encode_header("Subject", long_subject);
  expect_lines_within(header, 78);
  EXPECT_EQ(decode_words(header), long_subject);
  EXPECT_GT(std::count(header.begin(), header.end(), '\n'), 5);
}

TEST(Mime, LongAsciiSubjectIsFoldedAtSpaces) {
  std::string subject;
  for (int i = 0; i < 20; ++i) subject += "word" + std::to_string(i) + " ";
  subject.pop_back();
  const std::string header = encode_header("Subject", subject);
  expect_lines_within(header, 78);
  std::string unfolded = header;
  for (std::size_t at; (at = unfolded.find("\r\n ")) != std::string::npos;) unfolded.replace(at, 2, "");
  EXPECT_EQ(unfolded, "Subject: " + subject + "\r\n");
}

TEST(Mime, NoCrLfGetsIntoHeaders) {
  EXPECT_EQ(encode_header("Subject", "Hi\r\nBcc: eve@example.com"), "Subject: Hi  Bcc: eve@example.com\r\n");
  const Rendered content{"Hi\r\nBcc: eve@example.com\nX: y", "t", "h"};
  auto message = build_message(MimeParts{kId, vestibule_from(), "ann@example.com", kDate, content});
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("\r\nSubject: Hi  Bcc: eve@example.com X: y\r\n"), std::string::npos);
  EXPECT_EQ(message->find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(message->find("\r\nX:"), std::string::npos);
}

TEST(Mime, NonAsciiSenderNameIsEncoded) {
  auto from = parse_mailbox("Vestíbulo <no-reply@example.com>");
  ASSERT_TRUE(from);
  const Rendered content{"S", "t", "h"};
  auto message = build_message(MimeParts{kId, *from, "ann@example.com", kDate, content});
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("\r\nFrom: =?UTF-8?B?VmVzdMOtYnVsbw==?=\r\n <no-reply@example.com>\r\n"), std::string::npos);
  EXPECT_NE(message->find("Message-ID: <" + std::string(kId) + "@example.com>\r\n"), std::string::npos);
}

TEST(Mime, RefusesAnIdThatCouldBreakAHeader) {
  const Rendered content{"S", "t", "h"};
  for (const char* id : {"", "a>b", "a\r\nBcc: x", "a b", "a@b"}) {
    EXPECT_FALSE(build_message(MimeParts{id, vestibule_from(), "ann@example.com", kDate, content})) << id;
  }
}

TEST(Address, AsciiFormsOfRecipients) {
  EXPECT_EQ(ascii_address("ann@example.com").value(), "ann@example.com");
  EXPECT_EQ(ascii_address("ann.o'neil+tag@bücher.example").value(), "ann.o'neil+tag@xn--bcher-kva.example");
  for (const char* bad : {"ann@", "@example.com", "ann", "ann@exa mple.com", "a\r\nb@example.com",
                          "ann@example.com\r\nRCPT TO:<eve@example.com>", "<ann>@example.com", "ann@[127.0.0.1]",
                          "ann..lee@example.com", "ann@-example.com", "ann@example..com"}) {
    EXPECT_FALSE(ascii_address(bad)) << bad;
  }
  auto smtputf8 = ascii_address("jürgen@example.com");
  ASSERT_FALSE(smtputf8);
  EXPECT_NE(smtputf8.error().message.find("SMTPUTF8"), std::string::npos);
}

TEST(Address, ParsesTheSender) {
  auto named = parse_mailbox("Vestibule <no-reply@localhost>");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->display_name, "Vestibule");
  EXPECT_EQ(named->address, "no-reply@localhost");
  EXPECT_EQ(named->domain(), "localhost");
  auto quoted = parse_mailbox("\"Acme, Inc.\" <id@acme.example>");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->display_name, "Acme, Inc.");
  auto bare = parse_mailbox("id@acme.example");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->display_name, "");
  EXPECT_FALSE(parse_mailbox("Eve\r\nBcc: x <id@acme.example>"));
  EXPECT_FALSE(parse_mailbox("Eve <id@acme.example"));
}

}  // namespace
}  // namespace vestibule::mail
