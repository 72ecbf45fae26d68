#include "scenarios.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "hash_rate.h"
#include "idle_connections.h"
#include "seed.h"
#include "timing.h"

namespace vestibule::bench {
namespace {

constexpr int kFastConnections = 32;   // GET scenarios: enough to keep one core busy
constexpr int kHashConnections = 8;    // logins/registrations: more than the hash threads
constexpr int kFloodConnections = 16;  // the flood keeps the hash pool and its queue full
constexpr int kMetricsPairs = 5;       // me with metrics off then on, this many times each

// The server's hashing parameters: the production defaults.
security::HashParams params(const std::string& engine) {
  security::HashParams p;
  p.engine = engine == "argon2" ? security::HashEngine::argon2 : security::HashEngine::sodium;
  return p;
}

std::string engine_label(const std::string& engine) { return engine == "argon2" ? "libargon2" : "libsodium"; }

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

Row ratio_row(Row row, std::string of, double ratio, std::string target) {
  row.ratio_of = std::move(of);
  row.ratio = ratio;
  row.met = target.empty() ? std::optional<bool>() : meets(ratio, target);
  row.target = std::move(target);
  return row;
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
                                                        std::vector<std::string> extra) {
  const std::string threads = std::to_string(cpus_.server.size());
  e2e::ServerConfig config;
  config.data_dir = temp_->path();
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

Row Bench::load_row(std::string scenario, const std::string& store, const LoadResult& r) const {
  return Row{.scenario = std::move(scenario),
             .store = store,
             .per_second = r.per_second(),
             .p50_ms = r.p50_ms,
             .p99_ms = r.p99_ms,
             .max_ms = r.max_ms,
             .errors = r.errors};
}

double Bench::adjacent_hash_rate(const std::string& engine) const {
  // Right before and after the runs compared with it (their mean is the reference), so that
  // drift in the machine's speed over the harness's minutes stays out of the ratio.
  return measure_hash_rate(params(engine), cpus_.server.size(), cpus_.server, options_.hash_sample).per_second;
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
  const Database small = seed(store, options_.small_users, "small");
  LoadResult me_alone, login_alone;
  {
    auto server = start_server(small, "sodium");
    const unsigned short port = server->port();
    log(store + ": healthz and me");
    run_load(load("plain.lua", kFastConnections, {}, "/healthz"), port);  // warm-up, not reported
    const LoadResult healthz = run_load(load("plain.lua", kFastConnections, {}, "/healthz"), port);
    me_alone = run_load(load("me.lua", kFastConnections, {small.token_file.string()}, "/v1/users/me"), port);
    add(load_row("1 healthz (baseline)", store, healthz));
    add(ratio_row(load_row("1 me", store, me_alone), "req/s me / healthz", me_alone.per_second() / healthz.per_second(),
                  store == "redis" ? ">= 0.4" : ">= 0.6"));
    // A resource server's check of the same token: the same one store read as me.
    const LoadResult introspect = run_load(
        load("introspect.lua", kFastConnections,
             {small.token_file.string(), (server->data_dir() / "introspection.token").string()}, "/v1/introspect"),
        port);
    add(ratio_row(load_row("1 introspect", store, introspect), "req/s introspect / healthz",
                  introspect.per_second() / healthz.per_second(), store == "redis" ? ">= 0.4" : ">= 0.6"));

    log(store + ": logins and registrations");
    const double before = adjacent_hash_rate("sodium");
    login_alone = run_load(login_load(small, kHashConnections), port);
    const LoadResult registered =
        run_load(load("register.lua", kHashConnections, {store + std::to_string(::getpid()), kBenchPassword}), port);
    const double after = adjacent_hash_rate("sodium");
    const double raw = (before + after) / 2;
    const std::string measured = "raw " + fixed(before, 1) + "/s before, " + fixed(after, 1) + "/s after";
    Row login = ratio_row(load_row("2 login", store, login_alone), "login/s / raw hash/s", login_alone.per_second() / raw,
                          ">= 0.9");
    login.note = fixed(login_alone.per_second() / static_cast<double>(cpus_.server.size()), 1) + " logins/s per core; " +
                 measured;
    add(login);
    Row reg = ratio_row(load_row("2 register", store, registered), "register/s / raw hash/s",
                        registered.per_second() / raw, ">= 0.9");
    reg.note = measured + "; each also writes an account";
    add(reg);

    log(store + ": me under a login flood");
    LoadSpec flood_spec = login_load(small, kFloodConnections);
    flood_spec.duration += std::chrono::seconds(2);  // covers the whole measured run
    LoadRun flood(flood_spec, port);
    const LoadResult me_flooded =
        run_load(load("me.lua", kFastConnections, {small.token_file.string()}, "/v1/users/me"), port);
    const LoadResult flooding = flood.wait();
    Row isolated = ratio_row(load_row("3 me under login flood", store, me_flooded), "req/s flooded / alone",
                             me_flooded.per_second() / me_alone.per_second(), ">= 0.5");
    isolated.target += ", p99 <= 5 ms";
    isolated.met = *isolated.met && me_flooded.p99_ms <= 5.0;
    isolated.note = "alone: p50 " + fixed(me_alone.p50_ms, 2) + " ms, p99 " + fixed(me_alone.p99_ms, 2) + " ms";
    add(isolated);
    Row flood_row = load_row("3 the login flood itself", store, flooding);
    flood_row.note = "logins served meanwhile, at nice 19 (errors would be 503s past --hash-queue)";
    add(flood_row);

    log(store + ": login timing");
    const LoginTiming timing = measure_login_timing(port, seeded_email(0), options_.timing_rounds);
    Row t = ratio_row(Row{.scenario = "6 login timing", .store = store}, "median unknown / wrong pw",
                      timing.unknown_ms / timing.wrong_ms, "0.9-1.1");
    t.note = "unknown email " + fixed(timing.unknown_ms, 2) + " ms, wrong password " + fixed(timing.wrong_ms, 2) +
             " ms, " + std::to_string(timing.rounds) + " rounds";
    add(t);

    log(store + ": password reset timing");
    // Seeded accounts nothing else here logs in to (the loads use the first ones' tokens).
    std::vector<std::string> known;
    for (int i = 0; i <= options_.timing_rounds; ++i) known.push_back(seeded_email(options_.small_users / 2 + static_cast<std::size_t>(i)));
    const PairTiming reset = measure_reset_timing(port, known, options_.timing_rounds);
    Row r = ratio_row(Row{.scenario = "6 reset request timing", .store = store}, "median unknown / known",
                      reset.absent_ms / reset.present_ms, "0.9-1.1");
    r.note = "unknown address " + fixed(reset.absent_ms, 2) + " ms, known " + fixed(reset.present_ms, 2) + " ms, " +
             std::to_string(reset.rounds) + " rounds";
    add(r);
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
    log(store + ": logins with libargon2");
    const double before = adjacent_hash_rate("argon2");
    const LoadResult r = run_load(login_load(small, kHashConnections), server->port());
    const double after = adjacent_hash_rate("argon2");
    Row login = ratio_row(load_row("2 login (libargon2)", store, r), "login/s / raw hash/s",
                          2 * r.per_second() / (before + after), ">= 0.9");
    login.note = "raw " + fixed(before, 1) + "/s before, " + fixed(after, 1) + "/s after";
    add(login);
  }
  scale(store, me_alone, login_alone);
}

// The hot path's price for metrics: `me` on two servers alike but for --metrics-listen (each on
// its own copy of the same accounts), run in turns (off, on, off, on, ...) so that drift in the
// machine's speed (other load, frequency) falls on both alike; the verdict is the median of the
// per-pair ratios (one slow stretch moves one pair, not the verdict), shown with their min-max.
// Nobody scrapes meanwhile (a scrape every 15 s costs nothing measurable): this is the
// recording's cost alone.
void Bench::metrics_cost(const std::string& store, const Database& db) {
  // Each server its own copy of the accounts: a SQLite file is held by one process at a time.
  const Database twin = seed(store, db.users, "metrics");
  auto off = start_server(db, "sodium");
  auto on = start_server(twin, "sodium", {"--metrics-listen", "127.0.0.1:0"});
  log(store + ": me with metrics off and on, " + std::to_string(kMetricsPairs) + " pairs in turns");
  const LoadSpec spec_off = load("me.lua", kFastConnections, {db.token_file.string()}, "/v1/users/me");
  const LoadSpec spec_on = load("me.lua", kFastConnections, {twin.token_file.string()}, "/v1/users/me");
  run_load(spec_off, off->port());  // warm-ups, not reported
  run_load(spec_on, on->port());
  std::vector<LoadResult> offs, ons;
  std::vector<double> ratios;
  std::string turns;
  for (int i = 0; i < kMetricsPairs; ++i) {
    offs.push_back(run_load(spec_off, off->port()));
    ons.push_back(run_load(spec_on, on->port()));
    ratios.push_back(ons.back().per_second() / offs.back().per_second());
    turns += (i ? ", " : "") + fixed(ratios.back(), 3);
  }
  std::vector<double> sorted = ratios;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted.size() % 2 ? sorted[sorted.size() / 2]
                                           : (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2;
  // One row each: the requests and seconds of all its runs, the worst of their latencies.
  const auto merged = [](const std::vector<LoadResult>& runs) {
    LoadResult all;
    for (const LoadResult& r : runs) {
      all.requests += r.requests;
      all.refused += r.refused;
      all.errors += r.errors;
      all.seconds += r.seconds;
      all.p50_ms = std::max(all.p50_ms, r.p50_ms);
      all.p99_ms = std::max(all.p99_ms, r.p99_ms);
      all.max_ms = std::max(all.max_ms, r.max_ms);
    }
    return all;
  };
  const LoadResult without = merged(offs), with = merged(ons);
  add(load_row("1 me, metrics off", store, without));
  Row row = ratio_row(load_row("1 me, metrics on", store, with), "median req/s on / off", median, ">= 0.97");
  row.note = std::to_string(kMetricsPairs) + " pairs in turns, min-max " + fixed(sorted.front(), 3) + "-" +
             fixed(sorted.back(), 3) + " (" + turns + "); p50/p99: worst run";
  add(row);
}

void Bench::scale(const std::string& store, const LoadResult& me_small, const LoadResult& login_small) {
  const Database big = seed(store, options_.big_users, "big");
  auto server = start_server(big, "sodium");
  const std::string users = std::to_string(options_.big_users);
  log(store + ": me and login with " + users + " accounts");
  const LoadResult me = run_load(load("me.lua", kFastConnections, {big.token_file.string()}, "/v1/users/me"), server->port());
  const LoadResult login = run_load(login_load(big, kHashConnections), server->port());
  const std::string seeded = "seeded in " + fixed(big.seed_seconds, 1) + " s; p99 ratio ";
  Row me_row = ratio_row(load_row("4 me, " + users + " users", store, me), "p50 big / " + std::to_string(options_.small_users),
                         me.p50_ms / me_small.p50_ms, "<= 1.5");
  me_row.note = seeded + fixed(me.p99_ms / me_small.p99_ms, 2);
  add(me_row);
  Row login_row = ratio_row(load_row("4 login, " + users + " users", store, login),
                            "p50 big / " + std::to_string(options_.small_users), login.p50_ms / login_small.p50_ms, "<= 1.5");
  login_row.note = seeded + fixed(login.p99_ms / login_small.p99_ms, 2);
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
