#include "store/redis/tracking.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <limits>

namespace vestibule::store::redis {

namespace net = boost::asio;
using tcp = net::ip::tcp;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

namespace {

constexpr const char* kChannel = "__redis__:invalidate";
constexpr std::chrono::milliseconds kMaxBackoff{5000};

// Whether the reader holds the start of a reply it has not finished (hiredis 0.14's reader):
// bytes not consumed yet, or a reply whose type byte was read. (After a call that found no
// reply, ridx is 0 with an untyped first task: that is nothing pending.)
static_assert(HIREDIS_MAJOR == 0 && HIREDIS_MINOR == 14, "half_read() reads hiredis 0.14's reader state");
bool half_read(const redisReader* r) { return r->pos < r->len || (r->ridx >= 0 && r->rstack[0].type != -1); }

// At most this much is read by one check before it answers: a burst of invalidations is then
// read by the next checks and the background reader, and this check asks Redis.
constexpr std::size_t kMaxDrainPerCheck = 64 * 1024;

}  // namespace

void Tracking::ReaderDeleter::operator()(redisReader* r) const { redisReaderFree(r); }

std::shared_ptr<Tracking> Tracking::start(net::any_io_executor executor, TrackingOptions options, SessionCache& cache) {
  auto self = std::make_shared<Tracking>(std::move(executor), std::move(options), cache);
  // Nothing tells the cache of others' changes until the subscription stands.
  cache.reset(false);
  net::co_spawn(self->strand_, [self]() { return self->run(); }, net::detached);
  return self;
}

Tracking::Tracking(net::any_io_executor executor, TrackingOptions options, SessionCache& cache)
    : strand_(net::make_strand(executor)),
      options_(std::move(options)),
      log_(logger_or_null(options_.client.logger)),
      socket_(strand_),
      lost_signal_(strand_),
      cache_(&cache) {}

Tracking::~Tracking() = default;

bool Tracking::catch_up() {
  // Another thread reading the connection right now may hold an invalidation it has not
  // applied yet: this check asks Redis instead of waiting for it.
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || !cache_ || !live_) return false;
  if (!drain_locked(kMaxDrainPerCheck)) return false;
  // A message half read may be the invalidation of the very session about to be answered.
  if (half_read(reader_.get())) return false;
  return Steady::now() - proven_at_ <= options_.max_lag;
}

Task<void> Tracking::settle() {
  // On the strand, where the connection's timers live; the caller resumes on its own executor.
  // Named first: g++ 12 mishandles temporaries in a co_await's operands (STYLE.md 10).
  auto self = shared_from_this();
  auto on_strand = [self]() { return self->settle_on_strand(); };
  auto settled = net::co_spawn(strand_, std::move(on_strand), net::use_awaitable);
  co_await std::move(settled);
}

net::awaitable<void> Tracking::settle_on_strand() {
  // Sent after the change's reply was read, so Redis reads it in a later pass, and it answers
  // it after it wrote that pass's invalidations to every tracking connection (docs/redis.md).
  auto wake = std::make_shared<net::steady_timer>(strand_);
  {
    std::lock_guard lock(mu_);
    if (!live_) co_return;
    const std::uint64_t seq = next_ping_++;
    if (!send_locked(format_command({"PING", std::to_string(seq)}))) {
      lose_locked("cannot send PING");
      co_return;
    }
    pings_.push_back(Ping{seq, Steady::now()});
    settling_.push_back(Settling{seq, wake});
  }
  // The PONG is read by whoever drains next; wake_locked() cancels this wait on the strand,
  // which this coroutine holds until it waits. The heartbeat drops a connection whose PING
  // stays unanswered for the command timeout, which wakes every waiter too.
  wake->expires_after(options_.client.command_timeout);
  co_await wake->async_wait(kNoThrow);
}

void Tracking::wake_locked(std::uint64_t answered) {
  while (!settling_.empty() && settling_.front().seq <= answered) {
    net::post(strand_, [wake = std::move(settling_.front().wake)] { wake->cancel(); });
    settling_.pop_front();
  }
}

void Tracking::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    cache_ = nullptr;
    live_ = false;
    fd_ = -1;
    wake_locked(std::numeric_limits<std::uint64_t>::max());
  }
  net::post(strand_, [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->socket_.close(ignored);
    self->lost_signal_.cancel();
  });
}

net::awaitable<void> Tracking::run() {
  auto backoff = options_.client.reconnect_backoff;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) co_return;
    }
    const bool subscribed = co_await subscribe();
    if (subscribed) {
      std::uint64_t generation = 0;
      {
        std::lock_guard lock(mu_);
        generation = generation_;
      }
      auto self = shared_from_this();
      net::co_spawn(strand_, [self, generation]() { return self->wait_readable(generation); }, net::detached);
      net::co_spawn(strand_, [self, generation]() { return self->heartbeat(generation); }, net::detached);
      // Until lose_locked() or stop(): both set live_ false before they signal, on this strand.
      for (;;) {
        {
          std::lock_guard lock(mu_);
          if (!live_ || generation_ != generation) break;
        }
        lost_signal_.expires_at(Steady::time_point::max());
        co_await lost_signal_.async_wait(kNoThrow);
      }
    }
    boost::system::error_code ignored;
    socket_.close(ignored);
    {
      std::lock_guard lock(mu_);
      if (stopped_) co_return;
      // Back to the short wait only after a connection that worked (a PONG came back); one
      // that Redis refuses each time (LOADING, NOPERM) is retried ever more slowly.
      if (ponged_) backoff = options_.client.reconnect_backoff;
      ponged_ = false;
    }
    net::steady_timer wait(strand_);
    wait.expires_after(backoff);
    co_await wait.async_wait(kNoThrow);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
  }
}

net::awaitable<bool> Tracking::subscribe() {
  const ClientOptions& c = options_.client;
  // One deadline for the whole handshake: past it the socket is closed, which fails whichever
  // operation is waiting.
  auto finished = std::make_shared<bool>(false);
  auto resolver = std::make_shared<tcp::resolver>(strand_);
  auto guard = std::make_shared<net::steady_timer>(strand_);
  guard->expires_after(c.connect_timeout + c.command_timeout);
  guard->async_wait([this, self = shared_from_this(), finished, resolver](boost::system::error_code ec) {
    if (ec || *finished) return;
    resolver->cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  });
  struct Done {
    std::shared_ptr<bool> finished;
    std::shared_ptr<net::steady_timer> guard;
    ~Done() {
      *finished = true;
      guard->cancel();
    }
  } done{finished, guard};

  auto [rec, endpoints] = co_await resolver->async_resolve(c.host, c.port, kNoThrow);
  if (rec) {
    log_->warn("redis: session cache: cannot resolve {}: {}", c.host, rec.message());
    co_return false;
  }
  auto [cec, endpoint] = co_await net::async_connect(socket_, endpoints, kNoThrow);
  if (cec) {
    log_->warn("redis: session cache: cannot connect to {}:{}: {}", c.host, c.port, cec.message());
    co_return false;
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);

  std::unique_ptr<redisReader, ReaderDeleter> reader(redisReaderCreate());
  auto refused = [&](const std::optional<Reply>& r, const char* what) {
    if (r && !r->is_error()) return false;
    log_->error("redis: session cache: {} failed: {}", what, r ? r->str : std::string("no answer"));
    return true;
  };

  std::string hello;
  std::size_t checks = 0;
  if (!c.password.empty()) {
    hello += c.user.empty() ? format_command({"AUTH", c.password}) : format_command({"AUTH", c.user, c.password});
    ++checks;
  }
  hello += format_command({"CLIENT", "SETNAME", "vestibule-session-cache"});
  ++checks;
  // The heartbeat's command, answered now: a Redis that refuses it (still LOADING its data, or
  // a user without +ping) is retried later rather than subscribed and dropped at once.
  hello += format_command({"PING"});
  ++checks;
  hello += format_command({"CLIENT", "ID"});
  auto [wec, wn] = co_await net::async_write(socket_, net::buffer(hello), kNoThrow);
  if (wec) co_return false;
  for (std::size_t i = 0; i < checks; ++i) {
    // Named first: no co_await inside a condition (STYLE.md 10).
    std::optional<Reply> check = co_await next_reply(*reader);
    const char* what = i + 1 == checks ? "PING" : i + 2 == checks ? "CLIENT SETNAME" : "AUTH";
    if (refused(check, what)) co_return false;
  }
  std::optional<Reply> id = co_await next_reply(*reader);
  if (refused(id, "CLIENT ID") || id->type != Reply::Type::integer) co_return false;

  // Redirected to itself, in broadcast mode: every change under the prefixes, by anyone. The
  // account hash's prefix also covers its index keys (user:{ID}:sessions, ...), which
  // forget_key_locked() ignores.
  std::string track = format_command({"CLIENT", "TRACKING", "ON", "REDIRECT", std::to_string(id->integer), "BCAST",
                                      "PREFIX", options_.key_prefix + "session:", "PREFIX",
                                      options_.key_prefix + "user:{"});
  track += format_command({"SUBSCRIBE", kChannel});
  auto [tec, tn] = co_await net::async_write(socket_, net::buffer(track), kNoThrow);
  if (tec) co_return false;
  std::optional<Reply> tracking = co_await next_reply(*reader);
  if (refused(tracking, "CLIENT TRACKING")) co_return false;
  std::optional<Reply> subscribed = co_await next_reply(*reader);
  if (refused(subscribed, "SUBSCRIBE") || subscribed->type != Reply::Type::array ||
      subscribed->elements.size() != 3 || subscribed->elements[0].str != "subscribe") {
    co_return false;
  }

  std::lock_guard lock(mu_);
  if (stopped_) co_return false;
  live_ = true;
  fd_ = socket_.native_handle();
  reader_ = std::move(reader);  // with whatever arrived after the confirmation
  ++generation_;
  pings_.clear();
  // From here on every change is heard of: start over, and take fills again.
  proven_at_ = Steady::now();
  cache_->reset(true);
  log_->info("redis: session cache: tracking invalidations on {}:{}", c.host, c.port);
  // Whatever came with the confirmation first, then what is waiting on the socket.
  if (!parse_locked()) co_return false;
  co_return drain_locked(std::numeric_limits<std::size_t>::max());
}

net::awaitable<std::optional<Reply>> Tracking::next_reply(redisReader& reader) {
  std::array<char, 4096> buffer;
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(&reader, &raw) != REDIS_OK) co_return std::nullopt;
    if (raw) {
      Reply reply = reply_of(*static_cast<redisReply*>(raw));
      freeReplyObject(raw);
      co_return reply;
    }
    auto [ec, n] = co_await socket_.async_read_some(net::buffer(buffer), kNoThrow);
    if (ec || redisReaderFeed(&reader, buffer.data(), n) != REDIS_OK) co_return std::nullopt;
  }
}

net::awaitable<void> Tracking::wait_readable(std::uint64_t generation) {
  for (;;) {
    auto [ec] = co_await socket_.async_wait(tcp::socket::wait_read, kNoThrow);
    std::lock_guard lock(mu_);
    if (!live_ || generation_ != generation) co_return;
    if (ec) {
      lose_locked("wait failed");
      co_return;
    }
    if (!drain_locked(std::numeric_limits<std::size_t>::max())) co_return;
  }
}

net::awaitable<void> Tracking::heartbeat(std::uint64_t generation) {
  net::steady_timer tick(strand_);
  for (;;) {
    tick.expires_after(options_.heartbeat);
    co_await tick.async_wait(kNoThrow);
    std::lock_guard lock(mu_);
    if (!live_ || generation_ != generation) co_return;
    // Also reads what a missed readiness left behind, when no request does.
    if (!drain_locked(std::numeric_limits<std::size_t>::max())) co_return;
    const auto now = Steady::now();
    if (!pings_.empty() && now - pings_.front().sent > options_.client.command_timeout) {
      lose_locked("no PONG in time");
      co_return;
    }
    const std::uint64_t seq = next_ping_++;
    if (!send_locked(format_command({"PING", std::to_string(seq)}))) {
      lose_locked("cannot send PING");
      co_return;
    }
    pings_.push_back(Ping{seq, now});
  }
}

bool Tracking::drain_locked(std::size_t limit) {
  if (!live_) return false;
  std::array<char, 16 * 1024> buffer;
  std::size_t read = 0;
  for (;;) {
    if (read >= limit) return false;  // more may be waiting: not caught up yet
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n == 0) {
      lose_locked("closed by Redis");
      return false;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      lose_locked(std::strerror(errno));
      return false;
    }
    read += static_cast<std::size_t>(n);
    if (redisReaderFeed(reader_.get(), buffer.data(), static_cast<std::size_t>(n)) != REDIS_OK) {
      lose_locked("protocol error");
      return false;
    }
    if (!parse_locked()) return false;
    if (static_cast<std::size_t>(n) < buffer.size()) break;  // read all there was
  }
  return true;
}

bool Tracking::parse_locked() {
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
      lose_locked("protocol error");
      return false;
    }
    if (!raw) return true;
    Reply reply = reply_of(*static_cast<redisReply*>(raw));
    freeReplyObject(raw);
    if (!apply_locked(reply)) {
      const std::string why = reply.is_error() ? "error reply: " + reply.str : "unexpected message";
      lose_locked(why.c_str());
      return false;
    }
  }
}

bool Tracking::apply_locked(const Reply& reply) {
  if (reply.type != Reply::Type::array || reply.elements.empty()) return false;
  const std::string& kind = reply.elements[0].str;
  if (kind == "message" && reply.elements.size() == 3 && reply.elements[1].str == kChannel) {
    const Reply& keys = reply.elements[2];
    if (keys.is_nil()) {
      // FLUSHALL / FLUSHDB: every key is gone. The channel stands, so fills go on.
      cache_->reset(true);
      return true;
    }
    if (keys.type == Reply::Type::string) {
      forget_key_locked(keys.str);
      return true;
    }
    if (keys.type != Reply::Type::array) return false;
    for (const Reply& key : keys.elements) forget_key_locked(key.str);
    return true;
  }
  if (kind == "pong" && reply.elements.size() == 2) {
    // Everything Redis queued for this connection before it answered the PING has been read,
    // so every change acknowledged before the PING was sent.
    while (!pings_.empty()) {
      const Ping ping = pings_.front();
      pings_.pop_front();
      if (std::to_string(ping.seq) == reply.elements[1].str) {
        proven_at_ = std::max(proven_at_, ping.sent);
        ponged_ = true;
        wake_locked(ping.seq);
        return true;
      }
    }
    return false;
  }
  return false;
}

void Tracking::forget_key_locked(const std::string& key) {
  const std::string& p = options_.key_prefix;
  if (key.size() <= p.size() || key.compare(0, p.size(), p) != 0) return;
  std::string_view rest(key);
  rest.remove_prefix(p.size());
  constexpr std::string_view kSession = "session:";
  constexpr std::string_view kUser = "user:{";
  if (rest.starts_with(kSession)) {
    cache_->forget_session(std::string(rest.substr(kSession.size())));
  } else if (rest.starts_with(kUser) && rest.size() > kUser.size() + 1 && rest.back() == '}' &&
             rest.find('}') == rest.size() - 1) {
    // The account hash itself (`P user:{ID}`), not one of its index keys.
    cache_->forget_account(std::string(rest.substr(kUser.size(), rest.size() - kUser.size() - 1)));
  }
}

void Tracking::lose_locked(const char* why) {
  if (!live_) return;
  live_ = false;
  fd_ = -1;
  pings_.clear();
  wake_locked(std::numeric_limits<std::uint64_t>::max());
  reader_.reset();
  if (cache_) cache_->reset(false);
  log_->warn("redis: session cache: invalidation connection lost ({}); answering from Redis until it is back", why);
  // The strand closes the socket and reconnects.
  net::post(strand_, [self = shared_from_this()] { self->lost_signal_.cancel(); });
}

bool Tracking::send_locked(const std::string& wire) {
  std::size_t sent = 0;
  while (sent < wire.size()) {
    const ssize_t n = ::send(fd_, wire.data() + sent, wire.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    // A full send buffer for a few bytes means the connection is not moving: as good as lost.
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace vestibule::store::redis
