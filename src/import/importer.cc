#include "import/importer.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "import/outcome.h"

namespace vestibule::import {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kUsersTarget = "/admin/v1/users";

// One run's shared state: the source (one reader at a time), the tallies, the stop flag.
class Run {
 public:
  Run(Source& source, const AdminEndpoint& endpoint, const std::string& token, const ImportOptions& options,
      std::ostream& progress)
      : source_(source), endpoint_(endpoint), token_(token), options_(options), progress_(progress) {}

  Summary run() {
    started_ = last_progress_ = Clock::now();
    std::vector<std::thread> workers;
    const std::size_t n = std::max<std::size_t>(1, options_.concurrency);
    for (std::size_t i = 0; i < n; ++i) workers.emplace_back([this] { work(); });
    for (std::thread& t : workers) t.join();
    if (std::optional<std::string> e = source_.error(); e && !summary_.fatal) summary_.fatal = *e;
    std::stable_sort(ordered_.begin(), ordered_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [order, r] : ordered_) summary_.rejected.push_back(std::move(r));
    summary_.seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    return std::move(summary_);
  }

 private:
  void work() {
    // The client holds the connection: one per worker, kept alive across its users.
    AdminClient client(endpoint_, token_, options_.client);
    while (!stop_.load()) {
      std::optional<ImportItem> item;
      std::size_t order = 0;
      {
        std::lock_guard lock(source_mutex_);
        if (stop_.load()) break;
        item = source_.next();
        order = next_order_++;
      }
      if (!item) break;
      if (item->rejection) {
        reject(order, item->where, *item->rejection);
        continue;
      }
      send(client, *item, order);
    }
  }

  void send(AdminClient& client, const ImportItem& item, std::size_t order) {
    std::chrono::milliseconds backoff = options_.first_backoff;
    std::string last_failure;
    bool unreachable = false;
    for (int attempt = 1; attempt <= options_.attempts && !stop_.load(); ++attempt) {
      if (attempt > 1) {
        // Backoff gives a restarting or overloaded server room; not a synchronisation.
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
      }
      boost::system::result<Reply> reply = client.request("POST", kUsersTarget, item.body);
      if (!reply) {
        unreachable = true;
        last_failure = "admin API unreachable (" + reply.error().message() + ")";
        continue;
      }
      unreachable = false;
      Outcome outcome = classify(reply->status, reply->body, item.has_id);
      switch (outcome.verdict) {
        case Verdict::imported: return tally(&Summary::imported);
        case Verdict::skipped: return tally(&Summary::skipped);
        case Verdict::rejected: return reject(order, item.where, outcome.reason);
        case Verdict::unauthorized:
          reject(order, item.where, outcome.reason);
          return stop("the admin API refused the token (" + outcome.reason + "); the run stopped");
        case Verdict::retry: last_failure = outcome.reason; break;
      }
    }
    if (stop_.load() && last_failure.empty()) return;  // stopped before this user was sent
    reject(order, item.where, last_failure + " after " + std::to_string(options_.attempts) + " attempts");
    // A server that stays unreachable fails every later user the same way: stop instead.
    if (unreachable) stop("lost the connection to the admin API: " + last_failure);
  }

  void tally(std::size_t Summary::*counter) {
    std::lock_guard lock(summary_mutex_);
    ++(summary_.*counter);
    decided();
  }

  void reject(std::size_t order, const std::string& where, std::string reason) {
    std::lock_guard lock(summary_mutex_);
    ordered_.emplace_back(order, Rejection{where, std::move(reason)});
    decided();
  }

  void stop(std::string why) {
    std::lock_guard lock(summary_mutex_);
    if (!summary_.fatal) summary_.fatal = std::move(why);
    stop_.store(true);
  }

  // Under summary_mutex_.
  void decided() {
    ++decided_;
    const Clock::time_point now = Clock::now();
    if (decided_ % options_.progress_every != 0 && now - last_progress_ < options_.progress_interval) return;
    last_progress_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    progress_ << "import: " << decided_ << " users done (" << summary_.imported << " imported, " << summary_.skipped
              << " skipped, " << ordered_.size() << " rejected), "
              << static_cast<long>(seconds > 0 ? static_cast<double>(decided_) / seconds : 0) << " users/s\n"
              << std::flush;
  }

  Source& source_;
  const AdminEndpoint& endpoint_;
  const std::string& token_;
  const ImportOptions& options_;
  std::ostream& progress_;
  std::atomic<bool> stop_{false};

  std::mutex source_mutex_;
  std::size_t next_order_ = 0;  // guarded by source_mutex_

  std::mutex summary_mutex_;  // guards what follows
  Summary summary_;
  std::vector<std::pair<std::size_t, Rejection>> ordered_;
  std::size_t decided_ = 0;
  Clock::time_point started_;
  Clock::time_point last_progress_;
};

}  // namespace

std::optional<std::string> check_admin_api(const AdminEndpoint& endpoint, const std::string& token,
                                           const ClientOptions& options) {
  AdminClient client(endpoint, token, options);
  boost::system::result<Reply> reply = client.request("GET", std::string(kUsersTarget) + "?limit=1");
  if (!reply) return "cannot reach the admin API: " + reply.error().message();
  if (reply->status == 200) return std::nullopt;
  const Outcome outcome = classify(reply->status, reply->body, false);
  if (outcome.verdict == Verdict::unauthorized) return "the admin API refused the token (" + outcome.reason + ")";
  if (outcome.verdict == Verdict::retry) return "the admin API is not ready (" + outcome.reason + ")";
  // A 404 or 405 is what the public listener, or another server, answers at this path.
  return "unexpected answer from GET " + std::string(kUsersTarget) + ": " + outcome.reason +
         " (does --admin-url name the admin listener?)";
}

Summary run_import(Source& source, const AdminEndpoint& endpoint, const std::string& token,
                   const ImportOptions& options, std::ostream& progress) {
  return Run(source, endpoint, token, options, progress).run();
}

void print_summary(const Summary& summary, std::ostream& out) {
  out << "imported: " << summary.imported << "\n"
      << "skipped (already there): " << summary.skipped << "\n"
      << "rejected: " << summary.rejected.size() << "\n";
  for (const Rejection& r : summary.rejected) out << "  " << r.where << ": " << r.reason << "\n";
  if (summary.fatal) out << "stopped early: " << *summary.fatal << "\n";
  out << std::flush;
}

int exit_status(const Summary& summary) {
  if (summary.fatal) return 2;
  return summary.rejected.empty() ? 0 : 1;
}

}  // namespace vestibule::import
