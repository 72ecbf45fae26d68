// Reading a JSONL file line by line: numbers, blank lines, long lines, CRLF.
#include "import/jsonl_source.h"

#include <gtest/gtest.h>

#include <sstream>

namespace vestibule::import {
namespace {

std::vector<ImportItem> all(Source& s) {
  std::vector<ImportItem> out;
  while (std::optional<ImportItem> item = s.next()) out.push_back(std::move(*item));
  return out;
}

TEST(JsonlSourceTest, BlankLinesAreSkippedButCounted) {
  std::istringstream in("{\"name\":\"a\"}\n\n   \n{\"name\":\"b\"}\r\n{oops\n");
  JsonlSource source(in);
  const std::vector<ImportItem> items = all(source);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].where, "line 1");
  EXPECT_FALSE(items[0].rejection.has_value());
  EXPECT_EQ(items[1].where, "line 4");
  EXPECT_FALSE(items[1].rejection.has_value());  // the \r of a CRLF line is not part of it
  EXPECT_EQ(items[2].where, "line 5");
  ASSERT_TRUE(items[2].rejection.has_value());
  EXPECT_TRUE(items[2].rejection->starts_with("malformed_json"));
  EXPECT_EQ(source.error(), std::nullopt);
}

TEST(JsonlSourceTest, ALastLineWithoutNewlineIsRead) {
  std::istringstream in("{\"name\":\"a\"}");
  JsonlSource source(in);
  EXPECT_EQ(all(source).size(), 1u);
}

TEST(JsonlSourceTest, AnOverlongLineIsRejectedAndTheNextOneReadAfterIt) {
  std::istringstream in("{\"name\":\"" + std::string(3 * kMaxLineBytes, 'x') + "\"}\n{\"name\":\"b\"}\n");
  JsonlSource source(in);
  const std::vector<ImportItem> items = all(source);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].rejection, "line_too_long (over 65536 bytes)");
  EXPECT_EQ(items[1].where, "line 2");
  EXPECT_FALSE(items[1].rejection.has_value());
}

TEST(JsonlSourceTest, AMissingFileThrows) {
  EXPECT_THROW(JsonlSource("/nonexistent/users.jsonl"), std::runtime_error);
}

}  // namespace
}  // namespace vestibule::import
