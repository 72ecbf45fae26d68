-- Shared by the wrk scripts: numbers their threads, and prints a run's figures as one line of
-- JSON that the harness (bench/harness/wrk.cc) parses. Latencies are in microseconds, as wrk
-- measures them.
local report = {}

-- wrk's setup(): numbers the threads, so that each one's Lua state has a global `id` (0, 1, ...).
local threads = 0
function report.setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function report.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'VESTIBULE_WRK {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end

return report
