// Connection limits: one client address cannot take every slot (--max-connections-per-client);
// at start the descriptor limit's soft value is raised to the hard one, and --max-connections
// plus a reserve that grows with the store's and network threads must fit it, or the server
// refuses to start; the reserve covers what the server really opens; a server out of
// descriptors closes new connections at once (never leaves them hanging in the backlog), counts
// them as refused, and serves again once descriptors are free.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api_helpers.h"
#include "http_client.h"
#include "raw_connection.h"
#include "server_process.h"
#include "store_under_test.h"
#include "support/exposition.h"

namespace vestibule::e2e {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kDeadline = std::chrono::seconds(5);

// New connections until one is served, while the server notices closed ones asynchronously (a
// real condition, bounded in time and count). The status of the last attempt.
unsigned served_again(unsigned short port) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  unsigned status = 0;
  for (int attempt = 0; attempt < 100 && status != 200u && Clock::now() < deadline; ++attempt) {
    HttpClient next(port, std::chrono::seconds(5));
    try {
      status = next.get("/healthz").result_int();
    } catch (const std::runtime_error&) {
      status = 0;  // refused or closed before the answer
    }
    if (status != 200u) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status;
}

TEST(PerClientLimitTest, ConnectionsFromOneAddressBeyondItsCapAreRefusedWith503) {
  ServerConfig config;
  config.extra_args = {"--max-connections-per-client", "3"};
  auto server = ServerProcess::start(config);
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<HttpClient>(server->port()));
    ASSERT_EQ(held.back()->get("/healthz").result_int(), 200u) << "connection " << i;  // kept alive
  }

  HttpClient fourth(server->port(), kDeadline);
  Response res;
  ASSERT_NO_THROW(res = fourth.receive()) << "the fourth connection must be answered, not left open";
  EXPECT_TRUE(is_problem(res, 503, "overloaded")) << describe(res);
  EXPECT_EQ(res[http::field::retry_after], "1");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(has_standard_headers(res));

  held.front()->close();
  EXPECT_EQ(served_again(server->port()), 200u) << "a closed connection gives its slot back";
  for (std::size_t i = 1; i < held.size(); ++i) EXPECT_EQ(held[i]->get("/healthz").result_int(), 200u);
}

// The reserve README documents for one listener, --mail-threads 2 and the store under test with
// `io_threads` reader and `store_threads` worker connections (SQLite: two descriptors each, and
// one for ping; the shared-memory index and 4 for backups and sorts; Redis: 2).
std::size_t documented_reserve(std::size_t io_threads, std::size_t store_threads) {
  const std::size_t store =
      store_under_test() == StoreKind::sqlite ? 2 * (io_threads + store_threads + 1) + 1 + 4 : 2;
  return 32 + 18 + store + 2;
}

// The soft and hard "Max open files" of a running process, as /proc/PID/limits shows them.
std::pair<std::string, std::string> open_files_limit(pid_t pid) {
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(limits, line);) {
    if (!line.starts_with("Max open files")) continue;
    std::istringstream fields(line.substr(std::string_view("Max open files").size()));
    std::string soft, hard;
    fields >> soft >> hard;
    return {soft, hard};
  }
  return {};
}

// The number in `log` after the first match of the regular expression `before`, or 0.
std::size_t number_after(const std::string& log, const std::string& before) {
  std::smatch m;
  if (!std::regex_search(log, m, std::regex(before + "([0-9]+)"))) return 0;
  return std::stoul(m[1]);
}

TEST(DescriptorLimitTest, TheSoftLimitIsRaisedToTheHardLimitAtStart) {
  ServerConfig config;
  config.max_open_files = 2000;
  config.soft_open_files = 200;  // 1000 connections fit only the hard limit
  config.extra_args = {"--max-connections", "1000", "--io-threads", "2", "--store-threads", "2"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());
  EXPECT_EQ(client.get("/healthz").result_int(), 200u);
  EXPECT_EQ(open_files_limit(server->pid()), std::make_pair(std::string("2000"), std::string("2000")));
  const std::size_t reserve = documented_reserve(2, 2);
  EXPECT_NE(server->log().find("event=descriptors limit=2000 needed=" + std::to_string(1000 + reserve) +
                               " connections=1000 reserved=" + std::to_string(reserve)),
            std::string::npos)
      << server->log();
}

TEST(DescriptorLimitTest, MaxConnectionsBeyondTheHardLimitRefusesToStart) {
  ServerConfig config;
  config.max_open_files = 1000;
  config.soft_open_files = 200;  // raised first: the refusal names the hard limit
  config.extra_args = {"--max-connections", "1000", "--io-threads", "2", "--store-threads", "2"};
  const ServerProcess::Exit exit = ServerProcess::run_until_exit(config, std::chrono::seconds(10));
  EXPECT_EQ(exit.code, 2) << exit.log;
  const std::size_t reserve = documented_reserve(2, 2);
  const std::size_t store = reserve - 32 - 18 - 2;
  EXPECT_NE(exit.log.find("1000 connections (--max-connections and the admin and metrics listeners') need " +
                          std::to_string(1000 + reserve) + " file descriptors with the " + std::to_string(reserve) +
                          " reserved besides them (32 for the process, 18 for the listeners, " +
                          std::to_string(store) +
                          " for the store, 2 for mail), but the limit is 1000 (RLIMIT_NOFILE hard limit): lower "
                          "--max-connections, --store-threads or --io-threads, or raise the limit (ulimit -Hn)"),
            std::string::npos)
      << exit.log;
  EXPECT_EQ(exit.log.find("event=listening"), std::string::npos) << exit.log;
}

TEST(DescriptorLimitTest, TheReserveGrowsWithTheStoreAndNetworkThreads) {
  if (store_under_test() != StoreKind::sqlite) GTEST_SKIP() << "Redis holds one connection whatever the threads";
  // 1000 connections and the reserve of one store and one network thread fit 1100 descriptors;
  // with 16 of each, their 33 SQLite connections (66 descriptors) no longer do.
  ServerConfig few;
  few.max_open_files = 1100;
  few.extra_args = {"--max-connections", "1000", "--io-threads", "1", "--store-threads", "1"};
  auto server = ServerProcess::start(few);
  EXPECT_EQ(HttpClient(server->port()).get("/healthz").result_int(), 200u);
  EXPECT_EQ(server->stop(), 0);

  ServerConfig many = few;
  many.extra_args = {"--max-connections", "1000", "--io-threads", "16", "--store-threads", "16"};
  const ServerProcess::Exit exit = ServerProcess::run_until_exit(many, std::chrono::seconds(10));
  EXPECT_EQ(exit.code, 2) << exit.log;
  EXPECT_NE(exit.log.find("need " + std::to_string(1000 + documented_reserve(16, 16)) +
                          " file descriptors with the " + std::to_string(documented_reserve(16, 16)) +
                          " reserved besides them (32 for the process, 18 for the listeners, 71 for the store"),
            std::string::npos)
      << exit.log;
}

// The server's own count, taken at its word: at exactly the limit it says it needs, every one of
// --max-connections is served and the next is refused with a 503 (so it still had a descriptor
// to accept it with), none shed for want of one. With 16 network and 16 store threads SQLite alone
// holds 66 descriptors, more than a fixed reserve of 64.
TEST(DescriptorLimitTest, TheReserveCoversWhatTheServerOpens) {
  constexpr int kConnections = 40;
  ServerConfig config;
  config.extra_args = {"--max-connections", std::to_string(kConnections), "--io-threads", "16", "--store-threads",
                       "16"};
  config.max_open_files = 50;  // too few: the refusal says how many it needs
  const ServerProcess::Exit refused = ServerProcess::run_until_exit(config, std::chrono::seconds(10));
  const std::size_t needed = number_after(refused.log, R"(listeners'\) need )");
  ASSERT_NE(needed, 0u) << refused.log;

  config.max_open_files = needed;
  auto server = ServerProcess::start(config);
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < kConnections; ++i) {
    held.push_back(std::make_unique<HttpClient>(server->port(), std::chrono::seconds(5)));
    Response res;
    ASSERT_NO_THROW(res = held.back()->get("/healthz")) << "connection " << i << " of " << kConnections;
    ASSERT_EQ(res.result_int(), 200u) << "connection " << i << ": " << describe(res);  // kept alive
  }
  HttpClient over(server->port(), std::chrono::seconds(5));
  Response res;
  ASSERT_NO_THROW(res = over.receive()) << "the connection past the limit must be answered, not shed";
  EXPECT_TRUE(is_problem(res, 503, "overloaded")) << describe(res);
  for (auto& c : held) EXPECT_EQ(c->get("/readyz").result_int(), 200u);
  EXPECT_TRUE(server->running()) << server->exit_description();
}

TEST(DescriptorLimitTest, OutOfDescriptorsNewConnectionsAreClosedAtOnceCountedAsRefusedAndServiceResumes) {
  ServerConfig config;
  config.max_open_files = 160;
  // No connection limit of the server's own: the descriptor limit is what runs out.
  config.extra_args = {"--max-connections", "0", "--max-connections-per-client", "0", "--io-threads", "2",
                       "--store-threads", "2"};
  config.metrics = true;
  config.through_contract_proxy = false;
  auto server = ServerProcess::start(config);
  // Connected before the descriptors run out, and kept alive: the scrapes need no new one.
  HttpClient scraper(server->metrics_port());
  const auto scrape = [&] {
    Response res = scraper.get("/metrics");
    EXPECT_EQ(res.result_int(), 200u) << describe(res);
    return testing::series_values(res.body());
  };
  const std::string refused = R"(vestibule_http_connections_refused_total{listener="public"})";
  const std::string open = R"(vestibule_http_open_connections{listener="public"})";
  ASSERT_EQ(scrape().at(refused), 0);
  boost::asio::io_context io;
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

  // Connections held open (each answered once, kept alive) until one is closed unanswered:
  // the server has run out. Bounded: 160 descriptors cannot hold 400 connections.
  std::vector<std::unique_ptr<RawConnection>> held;
  int served = 0;
  bool shed = false;
  for (int i = 0; i < 400 && !shed; ++i) {
    auto c = std::make_unique<RawConnection>(io, server->port());
    ASSERT_FALSE(c->write(request, kDeadline));
    const RawConnection::Read read = c->read_until("{\"status\":\"ok\"}", kDeadline);
    ASSERT_NE(read.ec, boost::asio::error::timed_out) << "connection " << i << " was left hanging";
    if (read.closed_by_peer()) {
      EXPECT_EQ(read.data, "") << "closed without an answer";
      shed = true;
    } else {
      ASSERT_FALSE(read.ec) << read.ec.message();
      ++served;
      held.push_back(std::move(c));
    }
  }
  ASSERT_TRUE(shed) << "400 connections fit in 160 descriptors?";
  EXPECT_GT(served, 50) << "the server ran out long before its limit";

  // While it is out, every new connection is closed at once: the backlog drains.
  for (int i = 0; i < 3; ++i) {
    RawConnection c(io, server->port());
    ASSERT_FALSE(c.write(request, kDeadline));
    const RawConnection::Read read = c.read_until_closed(kDeadline);
    EXPECT_TRUE(read.closed_by_peer()) << "connection " << i << ": " << read.ec.message();
    EXPECT_EQ(read.data, "");
  }
  // Each shed connection counts as refused, once: the first, then the three.
  const auto out = scrape();
  EXPECT_EQ(out.at(refused), 4);
  EXPECT_EQ(out.at(open), served);
  EXPECT_EQ(scraper.connections_opened(), 1);

  held.clear();  // the descriptors come back
  EXPECT_EQ(served_again(server->port()), 200u);
  EXPECT_TRUE(server->running()) << server->exit_description();
}

}  // namespace
}  // namespace vestibule::e2e
