// The JSONL line parser of `vestibule import` and the id conversion of `import-seed`.
#include "import/import_item.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace vestibule::import {
namespace {

TEST(ImportItemTest, AnObjectOfKnownFieldsBecomesTheBodyAsIs) {
  const ImportItem item = parse_line(
      R"({"name":"Ann","email":"ann@example.com","password_hash":"$2b$04$abc","email_verified":true,)"
      R"("created_at":"2020-01-02T03:04:05Z"})",
      7);
  EXPECT_EQ(item.where, "line 7");
  ASSERT_FALSE(item.rejection.has_value());
  EXPECT_FALSE(item.has_id);
  EXPECT_EQ(boost::json::parse(item.body),
            boost::json::parse(R"({"name":"Ann","email":"ann@example.com","password_hash":"$2b$04$abc",)"
                               R"("email_verified":true,"created_at":"2020-01-02T03:04:05Z"})"));
}

TEST(ImportItemTest, ALineWithAnIdSaysSo) {
  const ImportItem item = parse_line(R"({"id":"0b7e3c1a-6f7d-4f6e-9d7a-2f1e0c9b8a7d","name":"A","email":"a@b.c"})", 1);
  ASSERT_FALSE(item.rejection.has_value());
  EXPECT_TRUE(item.has_id);
}

TEST(ImportItemTest, MalformedJsonIsRejectedWithoutEchoingTheLine) {
  const ImportItem item = parse_line(R"({"name":"A","password_hash":"$argon2id$secret")", 3);
  ASSERT_TRUE(item.rejection.has_value());
  EXPECT_TRUE(item.rejection->starts_with("malformed_json (")) << *item.rejection;
  EXPECT_EQ(item.rejection->find("secret"), std::string::npos);
  EXPECT_TRUE(item.body.empty());
}

TEST(ImportItemTest, AJsonValueThatIsNotAnObjectIsRejected) {
  EXPECT_EQ(parse_line("[1,2]", 1).rejection, "malformed_json (not an object)");
  EXPECT_EQ(parse_line("\"ann\"", 1).rejection, "malformed_json (not an object)");
}

TEST(ImportItemTest, AnUnknownFieldIsRejectedByName) {
  // A plain password in an import file is a mistake to report, not a field to drop or send.
  EXPECT_EQ(parse_line(R"({"name":"A","email":"a@b.c","password":"hunter22"})", 2).rejection,
            "unknown_field (password)");
}

TEST(ImportItemTest, ALineOverTheLimitIsRejected) {
  const std::string line(kMaxLineBytes + 1, ' ');
  EXPECT_EQ(parse_line(line, 9).rejection, "line_too_long (over 65536 bytes)");
}

TEST(ImportItemTest, DashedUuidOf32HexDigitsIsLowerCase) {
  EXPECT_EQ(dashed_uuid("0123456789ABCDEF0123456789abcdef"), "01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_EQ(dashed_uuid("0123456789abcdef0123456789abcde"), std::nullopt);    // 31
  EXPECT_EQ(dashed_uuid("0123456789abcdef0123456789abcdef0"), std::nullopt);  // 33
  EXPECT_EQ(dashed_uuid("0123456789abcdef0123456789abcdeg"), std::nullopt);
  EXPECT_EQ(dashed_uuid("01234567-89ab-cdef-0123-456789abcd"), std::nullopt);
}

}  // namespace
}  // namespace vestibule::import
