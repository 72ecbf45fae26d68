// The benchmark harness's arithmetic: target checks, CPU lists, CSV quoting and the reading of
// wrk's report. (The harness itself runs with bench/run.sh, never under CTest.)
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "counters.h"
#include "cpu_sets.h"
#include "report.h"
#include "tls_handshakes.h"
#include "turns.h"
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

TEST(Spread, IsTheMedianWithTheRange) {
  const Spread odd = spread({1.2, 0.4, 0.9, 5.0, 0.8});
  EXPECT_DOUBLE_EQ(odd.median, 0.9);  // one outlier (5.0) moves the range, not the verdict
  EXPECT_DOUBLE_EQ(odd.min, 0.4);
  EXPECT_DOUBLE_EQ(odd.max, 5.0);
  EXPECT_EQ(odd.count, 5u);
  EXPECT_DOUBLE_EQ(spread({1, 2, 3, 4}).median, 2.5);
  EXPECT_EQ(spread({}).count, 0u);
}

TEST(InTurns, RunsEveryArmOncePerRoundInOrder) {
  std::string order;
  const auto arm = [&](char name, std::uint64_t requests) -> Measure {
    return [&order, name, requests] {
      order += name;
      return LoadResult{.requests = requests, .seconds = 1};
    };
  };
  const auto runs = in_turns(3, {arm('a', 100), arm('b', 80)});
  EXPECT_EQ(order, "ababab");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].size(), 3u);
  const Spread s = per_round(runs[1], runs[0], rate);
  EXPECT_DOUBLE_EQ(s.median, 0.8);
  EXPECT_EQ(merged(runs[0]).requests, 300u);
  EXPECT_DOUBLE_EQ(merged(runs[0]).seconds, 3.0);
}

TEST(PairedRatioRow, JudgesTheMedianAndShowsTheRange) {
  const Row row = paired_ratio_row(Row{.scenario = "1 me", .note = "cache on"}, "req/s me / healthz",
                                   Spread{.median = 0.82, .min = 0.61, .max = 0.9, .count = 5}, ">= 0.8");
  EXPECT_DOUBLE_EQ(*row.ratio, 0.82);
  EXPECT_TRUE(*row.met);
  EXPECT_EQ(row.note, "median of 5 pairs in turns, min-max 0.610-0.900; cache on");
}

TEST(Commandstats, CountsCallsBetweenTwoReadsWithoutTheReads) {
  const CommandCalls before = parse_commandstats(
      "# Commandstats\r\ncmdstat_evalsha:calls=10,usec=50,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\n"
      "cmdstat_info:calls=3,usec=9\r\n");
  const CommandCalls after = parse_commandstats(
      "cmdstat_evalsha:calls=12,usec=60\r\ncmdstat_ping:calls=1,usec=1\r\ncmdstat_info:calls=4,usec=12\r\n");
  const CommandCalls ran = calls_between(before, after);
  EXPECT_EQ(ran, (CommandCalls{{"evalsha", 2}, {"ping", 1}}));
  EXPECT_EQ(total_calls(ran), 3u);
  EXPECT_EQ(describe_calls(ran), "evalsha 2, ping 1");
  EXPECT_EQ(describe_calls({}), "none");
}

TEST(ExposedValue, FindsASeriesByItsExactLabels) {
  const std::string text =
      "# TYPE vestibule_session_cache_lookups_total counter\n"
      "vestibule_session_cache_lookups_total{result=\"hit\"} 41\n"
      "vestibule_session_cache_lookups_total{result=\"miss\"} 2\n";
  EXPECT_EQ(exposed_value(text, "vestibule_session_cache_lookups_total{result=\"miss\"}"), 2.0);
  EXPECT_EQ(exposed_value(text, "vestibule_session_cache_lookups_total{result=\"hit\"}"), 41.0);
  EXPECT_EQ(exposed_value(text, "vestibule_session_cache_lookups_total"), std::nullopt);
}

TEST(ParseSTimeOutput, CountsConnectionsAndResumedOnes) {
  const Handshakes h = parse_s_time_output(
      "Collecting connection statistics for 1 seconds\n\nNow timing with session id reuse.\n"
      "*rrrr\n\n5 connections in 0.01s; 500.00 connections/user sec, bytes read 100\n"
      "5 connections in 1 real seconds, 20 bytes read per connection\n");
  EXPECT_EQ(h.run.requests, 5u);
  EXPECT_EQ(h.resumed, 4u);
  EXPECT_THROW(parse_s_time_output("ERROR\nUnable to get connection\n"), std::runtime_error);
}

}  // namespace
}  // namespace vestibule::bench
