// The process as an operator meets it: signals other than the stopping ones, and a log
// collector that stops reading stdout.
#include <gtest/gtest.h>
#include <signal.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "api_helpers.h"
#include "http_client.h"
#include "parallel_clients.h"
#include "server_process.h"

namespace vestibule::e2e {
namespace {

TEST(ProcessTest, SighupIsLoggedAndIgnored) {
  auto server = ServerProcess::start();
  HttpClient client(server->port());
  Account ann = register_account(client, "hup");
  const std::string token = login(client, ann);
  ASSERT_EQ(::kill(server->pid(), SIGHUP), 0);
  ASSERT_TRUE(server->wait_for_log("event=signal signal=SIGHUP action=ignored", std::chrono::seconds(10)))
      << server->log();
  EXPECT_TRUE(server->running()) << server->exit_description();
  // The same connection and the same session still work.
  EXPECT_EQ(client.get("/v1/users/me", token).result_int(), 200);
  EXPECT_EQ(server->stop(), 0);
}

// A full stdout pipe must not stall request handling: the log writer buffers, and no network
// thread ever writes to stdout itself. The access lines are written once the pipe drains.
TEST(ProcessTest, RequestsAreAnsweredWhileStdoutIsBlocked) {
  auto server = ServerProcess::start();
  HttpClient client(server->port(), std::chrono::seconds(5));
  server->pause_output(true);
  // Well past a pipe's 64 KiB of access lines (about 120 bytes each), and past the 1 s after
  // which the writer tries to write them out.
  constexpr int kRequests = 3000;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(client.get("/healthz").result_int(), 200) << "request " << i;
  }
  // Audit lines too (lossless: they wait in the buffer, not on the pipe).
  Account ann = register_account(client, "blocked-stdout");
  ASSERT_FALSE(login(client, ann).empty());
  const std::string last = client.get("/healthz").at("X-Request-Id");
  server->pause_output(false);
  EXPECT_TRUE(server->wait_for_log("request_id=" + last + " ", std::chrono::seconds(10)));
  EXPECT_TRUE(server->wait_for_log("event=login.succeeded account_id=" + ann.id, std::chrono::seconds(10)));
  EXPECT_EQ(server->log().find("event=log.dropped"), std::string::npos);
  EXPECT_EQ(server->stop(), 0);
}

// --shutdown-timeout bounds the exit even with the hashing queue full: the queued jobs are
// dropped at the deadline instead of each running its argon2id before the process can exit.
TEST(ProcessTest, ShutdownDropsQueuedHashJobsAtTheDeadline) {
  constexpr int kQueue = 32;
  ServerConfig config;
  // Hashes of a few hundred ms (64 MiB, 8 passes) on one thread at normal priority (so that a
  // busy machine slows them but does not starve them), behind a queue of kQueue.
  config.hash_args = {"--hash-threads", "1", "--hash-queue", std::to_string(kQueue), "--hash-nice", "0",
                      "--hash-memory-kib", "65536", "--hash-iterations", "8"};
  config.extra_args = {"--login-account-limit", "0", "--login-client-limit", "0", "--shutdown-timeout", "1"};
  auto server = ServerProcess::start(config);
  HttpClient client(server->port(), std::chrono::seconds(60));
  const std::string email = unique_email("shutdown");
  ASSERT_EQ(client.post("/v1/users", {{"name", "Ann"}, {"email", email}, {"password", kPassword}}).result_int(), 201);
  // What one verification costs on this machine now: the yardstick for the bound below.
  const auto before = std::chrono::steady_clock::now();
  ASSERT_EQ(client.post("/v1/sessions", {{"email", email}, {"password", kPassword}}).result_int(), 201);
  const auto hash_time = std::chrono::steady_clock::now() - before;

  // One login hashing, kQueue queued, the rest refused with 503 at once. Refusals are counted
  // as they come, so the test knows when the queue is full.
  constexpr int kClients = kQueue + 8;
  std::mutex mutex;
  std::condition_variable changed;
  int refused = 0;
  std::jthread burst([&] {
    run_together(server->port(), kClients, [&](int, HttpClient& c) {
      const unsigned status = c.post("/v1/sessions", {{"email", email}, {"password", kPassword}}).result_int();
      std::lock_guard lock(mutex);
      if (status == 503) ++refused;
      changed.notify_all();
    });
  });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(60), [&] { return refused >= 7; })) << server->log();
  }
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_EQ(server->stop(std::chrono::seconds(120)), 0) << server->exit_description();
  const auto stop_time = std::chrono::steady_clock::now() - stopping;
  // The bound itself, in units of this machine's hash time: 1 s of grace, then the hash running
  // at the deadline, plus slack. Draining the queue instead would cost about kQueue hashes.
  EXPECT_LT(stop_time, std::chrono::seconds(1) + 4 * hash_time + std::chrono::milliseconds(500))
      << "one hash took " << std::chrono::duration_cast<std::chrono::milliseconds>(hash_time).count() << " ms";
  const std::string log = server->log();
  const std::size_t at = log.find("event=shutdown.deadline");
  ASSERT_NE(at, std::string::npos) << log;
  const std::size_t dropped_at = log.find("hash_jobs_dropped=", at);
  ASSERT_NE(dropped_at, std::string::npos) << log;
  const int dropped = std::stoi(log.substr(dropped_at + std::string_view("hash_jobs_dropped=").size()));
  // The queue was full and nothing joined it since; only what the hashing thread started in the
  // second of grace has left it.
  // (Plus one: on a loaded machine a hash in the grace second may run faster than the one timed.)
  const auto started_in_grace = static_cast<int>(std::chrono::seconds(1) / hash_time) + 2;
  EXPECT_GE(dropped, kQueue - started_in_grace) << log;
}

}  // namespace
}  // namespace vestibule::e2e
