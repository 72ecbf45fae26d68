// What the server side counted over a measured window, read before and after it: Redis's own
// count of the commands it ran (INFO commandstats, through redis-cli), a series of Vestibule's
// /metrics (its --metrics-listen port), and a process's CPU time (/proc). Each read is bounded
// in time. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace vestibule::bench {

// Calls per command, e.g. {"evalsha", 300}, {"ping", 2}.
using CommandCalls = std::map<std::string, std::uint64_t>;

// The calls in the text of `INFO commandstats` (lines "cmdstat_NAME:calls=N,...").
CommandCalls parse_commandstats(const std::string& info);
// INFO commandstats of the redis-server on 127.0.0.1:port. Throws std::runtime_error.
CommandCalls redis_command_calls(unsigned short port);
// What ran between two reads, without the INFO commands of the reads themselves.
CommandCalls calls_between(const CommandCalls& before, const CommandCalls& after);
// Adds `more` into `sum`.
void add_calls(CommandCalls& sum, const CommandCalls& more);
std::uint64_t total_calls(const CommandCalls& calls);
// "evalsha 300, ping 2" (most first), or "none".
std::string describe_calls(const CommandCalls& calls);

// The value of `series` (a metric name with its labels exactly as exposed, e.g.
// vestibule_session_cache_lookups_total{result="hit"}) in a Prometheus text exposition.
std::optional<double> exposed_value(const std::string& exposition, const std::string& series);
// GET /metrics on 127.0.0.1:port. Throws std::runtime_error unless it answers 200.
std::string scrape_metrics(unsigned short port);

// User plus system CPU time of every thread of `pid` so far, in seconds (/proc/PID/stat).
double process_cpu_seconds(pid_t pid);

}  // namespace vestibule::bench
