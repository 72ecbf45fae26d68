#include "scenarios.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "counters.h"
#include "hash_rate.h"
#include "idle_connections.h"
#include "seed.h"
#include "timing.h"
#include "turns.h"

namespace vestibule::bench {
namespace {

constexpr int kFastConnections = 32;   // GET scenarios: enough to keep one core busy
constexpr int kHashConnections = 8;    // logins/registrations: more than the hash threads
constexpr int kFloodConnections = 16;  // the flood keeps the hash pool and its queue full

// The server's hashing parameters: the production defaults.
security::HashParams params(const std::string& engine) {
  security::HashParams p;
  p.engine = engine == "argon2" ? security::HashEngine::argon2 : security::HashEngine::sodium;
  return p;
}

std::string engine_label(const std::string& engine) { return engine == "argon2" ? "libargon2" : "libsodium"; }

double tail_latency(const LoadResult& r) { return r.p99_ms; }

// The in-process argon2id rate as a run: its hashes over its time.
LoadResult as_run(const HashRate& rate) {
  LoadResult r;
  r.requests = rate.hashes;
  r.seconds = rate.per_second > 0 ? static_cast<double>(rate.hashes) / rate.per_second : 0;
  return r;
}

std::string range(const std::vector<LoadResult>& runs, Figure figure, int decimals) {
  std::vector<double> values;
  for (const LoadResult& r : runs) values.push_back(figure(r));
  const Spread s = spread(values);
  return fixed(s.min, decimals) + "-" + fixed(s.max, decimals);
}

void log(const std::string& what) { std::fprintf(stderr, "bench: %s\n", what.c_str()); }

}  // namespace

Bench::Bench(BenchOptions options, CpuSplit cpus)
    : options_(std::move(options)), cpus_(std::move(cpus)), temp_(std::make_unique<e2e::TempDir>()) {
  // One hash for every seeded account: seeding a million costs one argon2id run.
  password_hash_ = security::PasswordHasher::hash_now(kBenchPassword, params("sodium"));
}

Bench::~Bench() = default;

std::vector<Row> Bench::run() {
  raw_hash_rates();
  for (const std::string& store : options_.stores) {
    if (store == "redis" && !testing::RedisServer::available()) {
      add({.scenario = "redis rows", .store = "redis", .note = "skipped: redis-server is not installed"});
      continue;
    }
    store_scenarios(store);
  }
  if (std::find(options_.stores.begin(), options_.stores.end(), "sqlite") != options_.stores.end()) tls_rows();
  idle_memory();
  return rows_;
}

Bench::Database Bench::seed(const std::string& store, std::size_t users, const std::string& name) {
  Database db{.store = store, .args = {}, .users = users, .token_file = temp_->path() / (store + "-" + name + ".token")};
  SeedPlan plan{.users = users, .sessions = 1, .password_hash = password_hash_};
  if (store == "redis") {
    if (!redis_) {
      redis_ = std::make_unique<testing::RedisServer>();
      pin_this_thread(cpus_.server);  // Redis is part of the server side
      redis_->start();
      pin_this_thread(cpus_.load);
    }
    plan.store_url = redis_->url();
    plan.redis_key_prefix = "bench-" + name + ":";
    db.args = {"--store", plan.store_url, "--redis-key-prefix", plan.redis_key_prefix};
  } else {
    plan.store_url = "sqlite:" + (temp_->path() / (name + ".db")).string();
    db.args = {"--store", plan.store_url};
  }
  log("seeding " + std::to_string(users) + " accounts into " + store + " (" + name + ")");
  const Seeded seeded = seed_store(plan);
  db.seed_seconds = seeded.seconds;
  std::ofstream(db.token_file) << seeded.tokens.at(0) << '\n';
  return db;
}

std::unique_ptr<e2e::ServerProcess> Bench::start_server(const Database& db, const std::string& engine,
                                                        std::vector<std::string> extra, bool metrics) {
  const std::string threads = std::to_string(cpus_.server.size());
  e2e::ServerConfig config;
  // Its own directory: the introspection secret (and the mail) of two servers at once stay apart.
  config.data_dir = temp_->path() / ("server-" + std::to_string(++servers_started_));
  std::filesystem::create_directories(config.data_dir);
  config.metrics = metrics;
  config.store_args = db.args;
  config.hash_args = {"--hash-threads", threads, "--hash-engine", engine};
  // Throttling off: the load comes from one address and the flood is made of logins.
  config.extra_args = {"--io-threads", threads, "--login-account-limit", "0", "--login-client-limit", "0",
                       "--register-client-limit", "0", "--mail-request-client-limit", "0"};
  config.extra_args.insert(config.extra_args.end(), extra.begin(), extra.end());
  config.max_log_bytes = 1 << 20;
  config.introspection = true;  // its secret file: <data dir>/introspection.token
  pin_this_thread(cpus_.server);  // the server inherits this thread's cores...
  auto server = e2e::ServerProcess::start(config);
  pin_all_threads(::getpid(), cpus_.load);  // ...and the harness (and its log reader) goes back
  return server;
}

LoadSpec Bench::load(const std::string& script, int connections, std::vector<std::string> args, std::string path) const {
  return LoadSpec{.script = options_.wrk_scripts / script,
                  .path = std::move(path),
                  .script_args = std::move(args),
                  .connections = connections,
                  .threads = static_cast<int>(cpus_.load.size()),
                  .duration = options_.duration};
}

LoadSpec Bench::login_load(const Database& db, int connections) const {
  return load("login.lua", connections, {std::to_string(db.users), kBenchPassword});
}

LoadSpec Bench::me_load(const Database& db) const {
  return load("me.lua", kFastConnections, {db.token_file.string()}, "/v1/users/me");
}

LoadSpec Bench::turn(LoadSpec spec) const {
  spec.duration = options_.turn;
  return spec;
}

Row Bench::load_row(std::string scenario, const std::string& store, const LoadResult& r) const {
  return Row{.scenario = std::move(scenario),
             .store = store,
             .per_second = r.per_second(),
             .p50_ms = r.p50_ms,
             .p99_ms = r.p99_ms,
             .max_ms = r.max_ms,
             .errors = r.errors};
}

void Bench::raw_hash_rates() {
  const std::size_t threads = cpus_.server.size();
  for (const std::string engine : {"sodium", "argon2"}) {
    if (engine == "argon2" && !options_.compare_engines) continue;
    log("raw argon2id rate, " + engine_label(engine));
    const HashRate rate = measure_hash_rate(params(engine), threads, cpus_.server, options_.hash_sample);
    add({.scenario = "2 raw argon2id " + engine_label(engine),
         .store = "-",
         .per_second = rate.per_second,
         .note = fixed(rate.ms_per_hash, 1) + " ms a hash; m=19456 KiB t=2 p=1 on " + std::to_string(threads) +
                 " thread(s), cores " + describe(cpus_.server)});
  }
  // Keycloak's sizing guide plans 15 password logins/s per vCPU at m=7 MiB, t=5.
  security::HashParams keycloak = params("sodium");
  keycloak.memory_kib = 7168;
  keycloak.iterations = 5;
  const HashRate k = measure_hash_rate(keycloak, threads, cpus_.server, options_.hash_sample);
  add({.scenario = "2 raw argon2id at Keycloak's",
       .store = "-",
       .per_second = k.per_second,
       .note = fixed(k.per_second / static_cast<double>(threads), 1) +
               "/s per core at m=7168 KiB t=5 (Keycloak plans 15/s per vCPU)"});
}

void Bench::store_scenarios(const std::string& store) {
  // Two servers alike but for the session cache, each on its own copy of the same accounts (a
  // SQLite file is held by one process at a time), both with --metrics-listen (the hit rate).
  const Database small = seed(store, options_.small_users, "small");
  const Database uncached = seed(store, options_.small_users, "uncached");
  {
    auto on = start_server(small, "sodium", {}, true);
    auto off = start_server(uncached, "sodium", {"--session-cache-entries", "0"}, true);
    cache_rows(store, *on, small, *off, uncached);
    hashing_rows(store, *on, small, "sodium");
    flood_rows(store, *on, small);
    timing_rows(store, on->port());
    scale(store, *off, uncached);
  }
  {
    auto server = start_server(small, "sodium", {"--email-verification", "required"});
    log(store + ": registration timing (verification required)");
    std::vector<std::string> known;
    for (int i = 0; i <= options_.timing_rounds; ++i) {
      known.push_back(seeded_email(options_.small_users / 2 + 100 + static_cast<std::size_t>(i)));
    }
    const PairTiming reg = measure_registration_timing(server->port(), known, kBenchPassword, options_.timing_rounds);
    Row r = ratio_row(Row{.scenario = "6 registration timing", .store = store}, "median new / taken",
                      reg.absent_ms / reg.present_ms, "0.9-1.1");
    r.note = "new address " + fixed(reg.absent_ms, 2) + " ms, taken " + fixed(reg.present_ms, 2) + " ms, " +
             std::to_string(reg.rounds) + " rounds, --email-verification required";
    add(r);
  }
  metrics_cost(store, small);
  if (options_.compare_engines && store == "sqlite") {
    auto server = start_server(small, "argon2");
    hashing_rows(store, *server, small, "argon2");
  }
}

// me and introspect against healthz on each server, all six in turns. Around each `me` run of a
// server: the session cache's hits and misses from its /metrics and, on Redis, the commands
// Redis ran (INFO commandstats: every client's, so the tracking connection's PING heartbeat
// counts, and so would anything the idle other server did meanwhile).
void Bench::cache_rows(const std::string& store, const e2e::ServerProcess& on, const Database& on_db,
                       const e2e::ServerProcess& off, const Database& off_db) {
  const bool redis = store == "redis";
  const LoadSpec healthz = turn(load("plain.lua", kFastConnections, {}, "/healthz"));
  const auto introspect = [&](const Database& db, const e2e::ServerProcess& server) {
    return turn(load("introspect.lua", kFastConnections,
                     {db.token_file.string(), (server.data_dir() / "introspection.token").string()}, "/v1/introspect"));
  };
  log(store + ": healthz, me and introspect, session cache on and off, " + std::to_string(options_.pairs) +
      " rounds in turns");
  run_load(turn(me_load(on_db)), on.port());  // warm-ups, not reported: the cache fills here
  run_load(turn(me_load(off_db)), off.port());

  struct Window {
    CommandCalls calls;
    double hits = 0, misses = 0;
    std::uint64_t requests = 0;
  };
  Window on_window, off_window;
  const auto counter = [](const std::string& exposition, const std::string& result) {
    return exposed_value(exposition, "vestibule_session_cache_lookups_total{result=\"" + result + "\"}").value_or(0);
  };
  const auto watched_me = [&](const e2e::ServerProcess& server, const Database& db, Window& window) -> Measure {
    return [&, spec = turn(me_load(db))] {
      const std::string scraped = scrape_metrics(server.metrics_port());
      const CommandCalls before = redis ? redis_command_calls(redis_->port()) : CommandCalls{};
      const LoadResult r = run_load(spec, server.port());
      if (redis) add_calls(window.calls, calls_between(before, redis_command_calls(redis_->port())));
      const std::string rescraped = scrape_metrics(server.metrics_port());
      window.hits += counter(rescraped, "hit") - counter(scraped, "hit");
      window.misses += counter(rescraped, "miss") - counter(scraped, "miss");
      window.requests += r.requests;
      return r;
    };
  };
  const auto plain = [](LoadSpec spec, const e2e::ServerProcess& server) -> Measure {
    return [spec = std::move(spec), &server] { return run_load(spec, server.port()); };
  };
  const auto runs = in_turns(options_.pairs, {plain(healthz, on), watched_me(on, on_db, on_window),
                                              plain(introspect(on_db, on), on), plain(healthz, off),
                                              watched_me(off, off_db, off_window), plain(introspect(off_db, off), off)});
  const std::string on_target = redis ? ">= 0.8" : ">= 0.85";
  const std::string off_target = redis ? ">= 0.4" : ">= 0.6";
  Row base = load_row("1 healthz (baseline)", store, merged(runs[0]));
  base.note = "the cache-on server; the cache-off one: " + fixed(merged(runs[3]).per_second(), 1) + " req/s";
  add(base);
  add(paired_ratio_row(load_row("1 me, cache on", store, merged(runs[1])), "req/s me / healthz",
                       per_round(runs[1], runs[0], rate), on_target));
  add(paired_ratio_row(load_row("1 me, cache off", store, merged(runs[4])), "req/s me / healthz",
                       per_round(runs[4], runs[3], rate), off_target));
  // Reported beside me, with no target of its own: issue 15's targets are me's, and an
  // introspection also parses a form body and checks the resource server's secret.
  Row intro_on = load_row("1 introspect, cache on", store, merged(runs[2]));
  intro_on.note = "no target (issue 15 sets me's)";
  add(paired_ratio_row(std::move(intro_on), "req/s introspect / healthz", per_round(runs[2], runs[0], rate), ""));
  Row intro_off = load_row("1 introspect, cache off", store, merged(runs[5]));
  intro_off.note = "no target";
  add(paired_ratio_row(std::move(intro_off), "req/s introspect / healthz", per_round(runs[5], runs[3], rate), ""));
  const double lookups = on_window.hits + on_window.misses;
  Row hits = ratio_row(Row{.scenario = "1 session cache hit rate", .store = store}, "hits / lookups, me runs",
                       lookups > 0 ? on_window.hits / lookups : 0, "");
  hits.note = fixed(on_window.hits, 0) + " hits, " + fixed(on_window.misses, 0) + " misses over " +
              std::to_string(options_.pairs) + " runs after a warm-up (/metrics before and after each)";
  add(hits);
  if (!redis) return;
  const auto command_row = [&](const std::string& label, const Window& window, std::string target) {
    const std::uint64_t total = total_calls(window.calls);
    const double per_me = window.requests ? static_cast<double>(total) / static_cast<double>(window.requests) : 0;
    Row row = ratio_row(Row{.scenario = "1 redis commands per me, cache " + label, .store = store},
                        "commands / me request", per_me, std::move(target));
    row.note = std::to_string(total) + " over " + std::to_string(window.requests) + " requests in " +
               std::to_string(options_.pairs) + " runs: " + describe_calls(window.calls) +
               " (INFO commandstats, every client)";
    return row;
  };
  add(command_row("on", on_window, "<= 0.01"));
  add(command_row("off", off_window, ""));
}

// Logins (and registrations) against the raw argon2id rate, measured in this process on the
// server's cores, in turns: hash, login, register, hash, ...
void Bench::hashing_rows(const std::string& store, const e2e::ServerProcess& server, const Database& db,
                         const std::string& engine) {
  const bool registrations = engine == "sodium";
  log(store + ": logins" + (registrations ? " and registrations" : " with " + engine_label(engine)) + ", " +
      std::to_string(options_.pairs) + " rounds in turns with the raw rate");
  const std::size_t threads = cpus_.server.size();
  const auto window = std::chrono::duration_cast<std::chrono::milliseconds>(options_.turn);
  int registration_runs = 0;
  std::vector<Measure> arms = {
      [&] { return as_run(measure_hash_rate(params(engine), threads, cpus_.server, window)); },
      [&, spec = turn(login_load(db, kHashConnections))] { return run_load(spec, server.port()); }};
  if (registrations) {
    arms.push_back([&] {  // a fresh tag each run: an address taken by an earlier run would answer 409
      const std::string tag = store + std::to_string(::getpid()) + "-" + std::to_string(++registration_runs);
      return run_load(turn(load("register.lua", kHashConnections, {tag, kBenchPassword})), server.port());
    });
  }
  const auto runs = in_turns(options_.pairs, arms);
  const std::string raw = "raw " + range(runs[0], rate, 1) + "/s over the rounds";
  const LoadResult logins = merged(runs[1]);
  Row login = paired_ratio_row(
      load_row(registrations ? "2 login" : "2 login (" + engine_label(engine) + ")", store, logins),
      "login/s / raw hash/s", per_round(runs[1], runs[0], rate), ">= 0.9");
  login.note += "; " + fixed(logins.per_second() / static_cast<double>(threads), 1) + " logins/s per core; " + raw;
  add(login);
  if (!registrations) return;
  Row reg = paired_ratio_row(load_row("2 register", store, merged(runs[2])), "register/s / raw hash/s",
                             per_round(runs[2], runs[0], rate), ">= 0.9");
  reg.note += "; " + raw + "; each also writes an account";
  add(reg);
}

// me alone and me under a login flood, in turns. The flood starts with the measured run and
// outlasts it by a second; the logins still queued when it stops are hashed (at nice 19) while
// the next run starts.
void Bench::flood_rows(const std::string& store, const e2e::ServerProcess& server, const Database& db) {
  log(store + ": me alone and under a login flood, " + std::to_string(options_.pairs) + " rounds in turns");
  const LoadSpec me = turn(me_load(db));
  LoadSpec flood_spec = login_load(db, kFloodConnections);
  flood_spec.duration = options_.turn + std::chrono::seconds(1);  // covers the whole measured run
  std::vector<LoadResult> floods;
  const auto runs = in_turns(options_.pairs, {[&] { return run_load(me, server.port()); },
                                              [&] {
                                                LoadRun flood(flood_spec, server.port());
                                                const LoadResult r = run_load(me, server.port());
                                                floods.push_back(flood.wait());
                                                return r;
                                              }});
  const Spread p99 = spread([&] {
    std::vector<double> v;
    for (const LoadResult& r : runs[1]) v.push_back(r.p99_ms);
    return v;
  }());
  const LoadResult alone = merged(runs[0]);
  Row isolated = paired_ratio_row(load_row("3 me under login flood", store, merged(runs[1])), "req/s flooded / alone",
                                  per_round(runs[1], runs[0], rate), ">= 0.5");
  isolated.target += ", p99 <= 5 ms";
  isolated.met = *isolated.met && p99.median <= 5.0;
  isolated.note += "; p99 median " + fixed(p99.median, 2) + " ms (" + fixed(p99.min, 2) + "-" + fixed(p99.max, 2) +
                   "); alone: p50 " + fixed(alone.p50_ms, 2) + " ms, p99 " + fixed(alone.p99_ms, 2) + " ms (worst run)";
  add(isolated);
  Row flood_row = load_row("3 the login flood itself", store, merged(floods));
  flood_row.note = "logins served meanwhile, at nice 19 (errors would be 503s past --hash-queue)";
  add(flood_row);
}

// Each of these alternates its two kinds one request at a time already (timing.h): the finest
// turns there are; the verdict is the ratio of the two medians.
void Bench::timing_rows(const std::string& store, unsigned short port) {
  log(store + ": login timing");
  const LoginTiming timing = measure_login_timing(port, seeded_email(0), options_.timing_rounds);
  Row t = ratio_row(Row{.scenario = "6 login timing", .store = store}, "median unknown / wrong pw",
                    timing.unknown_ms / timing.wrong_ms, "0.9-1.1");
  t.note = "unknown email " + fixed(timing.unknown_ms, 2) + " ms, wrong password " + fixed(timing.wrong_ms, 2) +
           " ms, " + std::to_string(timing.rounds) + " rounds";
  add(t);

  log(store + ": password reset timing");
  // A reset request answers in 0.1-0.6 ms, so the rounds of the argon2id-bound timings are far
  // too few for it: 10 rounds of it gave medians from 0.80 to 1.16 of each other in one sequence
  // of 200 (whose median was 0.954). 200 rounds take about a tenth of a second.
  const int reset_rounds = std::max(options_.timing_rounds, 200);
  // Seeded accounts nothing else here logs in to (the loads use the first ones' tokens).
  std::vector<std::string> known;
  for (int i = 0; i <= reset_rounds; ++i) {
    known.push_back(seeded_email(options_.small_users / 2 + static_cast<std::size_t>(i)));
  }
  const PairTiming reset = measure_reset_timing(port, known, reset_rounds);
  Row r = ratio_row(Row{.scenario = "6 reset request timing", .store = store}, "median unknown / known",
                    reset.absent_ms / reset.present_ms, "0.9-1.1");
  r.note = "unknown address " + fixed(reset.absent_ms, 2) + " ms, known " + fixed(reset.present_ms, 2) + " ms, " +
           std::to_string(reset.rounds) + " rounds";
  add(r);
}

// The hot path's price for metrics: `me` on two servers alike but for --metrics-listen (each on
// its own copy of the same accounts), in turns. Nobody scrapes meanwhile (a scrape every 15 s
// costs nothing measurable): this is the recording's cost alone.
void Bench::metrics_cost(const std::string& store, const Database& db) {
  // Each server its own copy of the accounts: a SQLite file is held by one process at a time.
  const Database twin = seed(store, db.users, "metrics");
  auto off = start_server(db, "sodium");
  auto on = start_server(twin, "sodium", {}, true);
  log(store + ": me with metrics off and on, " + std::to_string(options_.pairs) + " pairs in turns");
  const LoadSpec spec_off = turn(me_load(db));
  const LoadSpec spec_on = turn(me_load(twin));
  run_load(spec_off, off->port());  // warm-ups, not reported
  run_load(spec_on, on->port());
  const auto runs = in_turns(options_.pairs, {[&] { return run_load(spec_off, off->port()); },
                                              [&] { return run_load(spec_on, on->port()); }});
  add(load_row("1 me, metrics off", store, merged(runs[0])));
  Row row = paired_ratio_row(load_row("1 me, metrics on", store, merged(runs[1])), "median req/s on / off",
                             per_round(runs[1], runs[0], rate), ">= 0.97");
  row.note += "; p50/p99: worst run";
  add(row);
}

// The store's lookups at 1 000 and at --big-users accounts, with the session cache off on both
// servers (with it on, `me` would not reach the store), in turns: me small, me big, login small,
// login big.
void Bench::scale(const std::string& store, const e2e::ServerProcess& small_server, const Database& small) {
  const Database big = seed(store, options_.big_users, "big");
  auto server = start_server(big, "sodium", {"--session-cache-entries", "0"});
  const std::string users = std::to_string(options_.big_users);
  log(store + ": me and login with " + users + " accounts, " + std::to_string(options_.pairs) + " rounds in turns");
  run_load(turn(me_load(big)), server->port());  // warm-up, not reported
  const auto on = [](LoadSpec spec, const e2e::ServerProcess& s) -> Measure {
    return [spec = std::move(spec), &s] { return run_load(spec, s.port()); };
  };
  const auto runs = in_turns(options_.pairs, {on(turn(me_load(small)), small_server), on(turn(me_load(big)), *server),
                                              on(turn(login_load(small, kHashConnections)), small_server),
                                              on(turn(login_load(big, kHashConnections)), *server)});
  const std::string of = "p50 big / " + std::to_string(options_.small_users);
  const std::string seeded = "seeded in " + fixed(big.seed_seconds, 1) + " s; cache off; p99 ratio median ";
  Row me_row = paired_ratio_row(load_row("4 me, " + users + " users", store, merged(runs[1])), of,
                                per_round(runs[1], runs[0], median_latency), "<= 1.5");
  me_row.note += "; " + seeded + fixed(per_round(runs[1], runs[0], tail_latency).median, 2);
  add(me_row);
  Row login_row = paired_ratio_row(load_row("4 login, " + users + " users", store, merged(runs[3])), of,
                                   per_round(runs[3], runs[2], median_latency), "<= 1.5");
  login_row.note += "; " + seeded + fixed(per_round(runs[3], runs[2], tail_latency).median, 2);
  add(login_row);
}

void Bench::idle_memory() {
  const Database db = seed("sqlite", 1, "idle");
  const std::size_t count = options_.idle_connections;
  // All connections come from one address: the per-client cap would refuse most of them.
  auto server = start_server(db, "sodium", {"--max-connections", std::to_string(count + 64), "--max-connections-per-client", "0",
                                            "--idle-timeout", "600"});
  log("idle connections: " + std::to_string(count));
  run_load(load("plain.lua", 4, {}, "/healthz"), server->port());  // every code path warmed up once
  const IdleMemory m = measure_idle_connections(server->pid(), server->port(), count, std::chrono::seconds(120));
  Row row = ratio_row(Row{.scenario = "5 idle keep-alive connections", .store = "-"}, "KiB RSS per connection",
                      m.per_connection_kib(), "<= 16");
  row.note = std::to_string(m.connections) + " connections: RSS " + fixed(m.baseline_kib / 1024.0, 1) + " -> " +
             fixed(m.loaded_kib / 1024.0, 1) + " MiB, peak " + fixed(m.peak_kib / 1024.0, 1) + " MiB";
  add(row);
}

}  // namespace vestibule::bench
