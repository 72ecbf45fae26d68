#include "cpu_sets.h"

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace vestibule::bench {
namespace {

cpu_set_t to_set(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) CPU_SET(c, &set);
  return set;
}

void set_affinity(pid_t tid, const std::vector<int>& cpus) {
  const cpu_set_t set = to_set(cpus);
  // A thread may exit between listing and pinning it: that is not an error.
  if (::sched_setaffinity(tid, sizeof set, &set) != 0 && errno != ESRCH) {
    throw std::runtime_error(std::string("sched_setaffinity: ") + std::strerror(errno));
  }
}

}  // namespace

CpuSplit split_cpus() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) throw std::runtime_error("sched_getaffinity failed");
  std::vector<int> all;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) all.push_back(c);
  }
  CpuSplit split;
  if (all.size() < 2) {
    split.server = split.load = all;
    return split;
  }
  const std::size_t half = all.size() / 2;
  split.server.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(half));
  split.load.assign(all.begin() + static_cast<std::ptrdiff_t>(half), all.end());
  split.pinned = true;
  return split;
}

void pin_this_thread(const std::vector<int>& cpus) { set_affinity(0, cpus); }

void pin_all_threads(pid_t pid, const std::vector<int>& cpus) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    set_affinity(static_cast<pid_t>(std::stol(task.path().filename().string())), cpus);
  }
}

std::string describe(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace vestibule::bench
