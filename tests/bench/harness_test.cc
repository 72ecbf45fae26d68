// The benchmark harness's arithmetic: target checks, CPU lists, CSV quoting and the reading of
// wrk's report. (The harness itself runs with bench/run.sh, never under CTest.)
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "cpu_sets.h"
#include "report.h"
#include "wrk.h"

namespace vestibule::bench {
namespace {

TEST(Meets, ReadsEachKindOfTarget) {
  EXPECT_TRUE(meets(0.6, ">= 0.6"));
  EXPECT_FALSE(meets(0.59, ">= 0.6"));
  EXPECT_TRUE(meets(1.5, "<= 1.5"));
  EXPECT_FALSE(meets(1.51, "<= 1.5"));
  EXPECT_TRUE(meets(0.9, "0.9-1.1"));
  EXPECT_TRUE(meets(1.1, "0.9-1.1"));
  EXPECT_FALSE(meets(0.89, "0.9-1.1"));
  EXPECT_FALSE(meets(1.11, "0.9-1.1"));
  EXPECT_FALSE(meets(1.0, "about one"));  // an unreadable target is never met
}

TEST(Describe, WritesRunsOfCoresAsRanges) {
  EXPECT_EQ(describe({0}), "0");
  EXPECT_EQ(describe({0, 1, 2, 5}), "0-2,5");
  EXPECT_EQ(describe({1, 3, 4}), "1,3-4");
  EXPECT_EQ(describe({}), "");
}

TEST(SplitCpus, GivesTheServerAndTheLoadDisjointHalvesWhenItCan) {
  const CpuSplit split = split_cpus();
  ASSERT_FALSE(split.server.empty());
  ASSERT_FALSE(split.load.empty());
  if (!split.pinned) GTEST_SKIP() << "one core: both share it";
  for (int c : split.server) EXPECT_EQ(std::count(split.load.begin(), split.load.end(), c), 0) << c;
}

TEST(WriteCsv, QuotesFieldsWithCommasAndQuotes) {
  const auto file = std::filesystem::temp_directory_path() / ("bench-csv-" + std::to_string(::getpid()) + ".csv");
  Row row{.scenario = "4 me, 1000 users", .store = "sqlite", .per_second = 12.5};
  row.note = "say \"hi\"";
  write_csv({row}, file);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(file);
  EXPECT_NE(text.str().find("\n\"4 me, 1000 users\",sqlite,12.50,"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(",\"say \"\"hi\"\"\"\n"), std::string::npos) << text.str();
}

TEST(ParseWrkOutput, ReadsTheReportLineInItsUnits) {
  const LoadResult r = parse_wrk_output(
      "Running 5s test @ http://127.0.0.1:1/healthz\n"
      "VESTIBULE_WRK {\"requests\":1000,\"duration_us\":2000000,\"p50_us\":450,\"p99_us\":1200,\"max_us\":4000,"
      "\"connect\":0,\"read\":1,\"write\":0,\"status\":100,\"timeout\":2}\n");
  EXPECT_EQ(r.requests, 1000u);
  EXPECT_DOUBLE_EQ(r.seconds, 2.0);
  EXPECT_DOUBLE_EQ(r.p50_ms, 0.45);
  EXPECT_DOUBLE_EQ(r.p99_ms, 1.2);
  EXPECT_DOUBLE_EQ(r.max_ms, 4.0);
  EXPECT_EQ(r.errors, 103u);
  EXPECT_EQ(r.refused, 100u);
  EXPECT_DOUBLE_EQ(r.per_second(), 450.0);  // refused answers are not served requests
}

TEST(ParseWrkOutput, RefusesOutputWithoutAReport) {
  EXPECT_THROW(parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n"), std::runtime_error);
}

}  // namespace
}  // namespace vestibule::bench
