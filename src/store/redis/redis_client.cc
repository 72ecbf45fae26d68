#include "store/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>

namespace vestibule::store::redis {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

namespace {

struct ReaderDeleter {
  void operator()(redisReader* r) const { redisReaderFree(r); }
};

}  // namespace

Reply reply_of(const redisReply& reply) {
  const redisReply* r = &reply;
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = Reply::Type::string; break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::status; break;
    case REDIS_REPLY_ERROR: out.type = Reply::Type::error; break;
    case REDIS_REPLY_INTEGER: out.type = Reply::Type::integer; break;
    case REDIS_REPLY_ARRAY: out.type = Reply::Type::array; break;
    default: out.type = Reply::Type::nil; break;
  }
  if (r->str) out.str.assign(r->str, r->len);
  out.integer = r->integer;
  out.elements.reserve(r->elements);
  for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(reply_of(*r->element[i]));
  return out;
}

std::string format_command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* wire = nullptr;
  const int n = redisFormatCommandArgv(&wire, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (n < 0 || !wire) throw std::bad_alloc();
  std::string out(wire, static_cast<std::size_t>(n));
  redisFreeCommand(wire);
  return out;
}

RedisClient::RedisClient(net::any_io_executor executor, ClientOptions options)
    : strand_(net::make_strand(executor)),
      options_(std::move(options)),
      socket_(strand_),
      write_signal_(strand_) {
  options_.logger = logger_or_null(std::move(options_.logger));
}

RedisClient::~RedisClient() = default;

Task<Result<Reply>> RedisClient::command(std::vector<std::string> args) {
  std::string wire = format_command(args);
  return net::async_initiate<const net::use_awaitable_t<>&, void(Result<Reply>)>(
      [self = shared_from_this()](auto handler, std::string wire) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        Completion done = [shared](Result<Reply> r) {
          auto ex = net::get_associated_executor(*shared);
          net::post(ex, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
        };
        net::dispatch(self->strand_, [self, wire = std::move(wire), done = std::move(done)]() mutable {
          self->enqueue(std::move(wire), std::move(done));
        });
      },
      net::use_awaitable, std::move(wire));
}

void RedisClient::close() {
  net::dispatch(strand_, [self = shared_from_this()] { self->fail_all("closed"); });
}

void RedisClient::enqueue(std::string wire, Completion done) {
  const auto now = SteadyClock::now();
  if (state_ == State::disconnected) {
    // Fail fast while Redis is known to be down, instead of a connect attempt per request.
    if (now - last_failure_ < options_.reconnect_backoff) {
      done(Error::unavailable);
      return;
    }
    start_connect();
  }
  outbox_ += wire;
  pending_.push_back(Pending{std::move(done), now + options_.command_timeout, false});
  if (state_ == State::connected) write_signal_.cancel();
}

void RedisClient::start_connect() {
  state_ = State::connecting;
  const std::uint64_t generation = ++generation_;
  auto self = shared_from_this();
  net::co_spawn(strand_, [self, generation]() { return self->connect(generation); }, net::detached);
  net::co_spawn(strand_, [self, generation]() { return self->watchdog(generation); }, net::detached);
}

net::awaitable<void> RedisClient::connect(std::uint64_t generation) {
  tcp::resolver resolver(strand_);
  auto [rec, endpoints] = co_await resolver.async_resolve(options_.host, options_.port, kNoThrow);
  if (generation != generation_) co_return;
  if (rec) {
    options_.logger->warn("redis: cannot resolve {}: {}", options_.host, rec.message());
    fail_all("resolve");
    co_return;
  }
  auto [cec, endpoint] = co_await net::async_connect(socket_, endpoints, kNoThrow);
  if (generation != generation_) co_return;
  if (cec) {
    options_.logger->warn("redis: cannot connect to {}:{}: {}", options_.host, options_.port, cec.message());
    fail_all("connect");
    co_return;
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);

  // Handshake commands go first; their replies are checked by the read loop like any other.
  std::string handshake;
  std::deque<Pending> checks;
  const auto deadline = SteadyClock::now() + options_.command_timeout;
  if (!options_.password.empty()) {
    handshake += options_.user.empty() ? format_command({"AUTH", options_.password})
                                       : format_command({"AUTH", options_.user, options_.password});
    checks.push_back(Pending{nullptr, deadline, true});
  }
  if (options_.db != 0) {
    handshake += format_command({"SELECT", std::to_string(options_.db)});
    checks.push_back(Pending{nullptr, deadline, true});
  }
  outbox_.insert(0, handshake);
  pending_.insert(pending_.begin(), std::make_move_iterator(checks.begin()), std::make_move_iterator(checks.end()));
  state_ = State::connected;
  connected_.store(true, std::memory_order_relaxed);
  options_.logger->info("redis: connected to {}:{}", options_.host, options_.port);
  auto self = shared_from_this();
  net::co_spawn(strand_, [self, generation]() { return self->read_loop(generation); }, net::detached);
  net::co_spawn(strand_, [self, generation]() { return self->write_loop(generation); }, net::detached);
}

net::awaitable<void> RedisClient::write_loop(std::uint64_t generation) {
  std::string inflight;
  while (generation == generation_) {
    if (outbox_.empty()) {
      write_signal_.expires_at(SteadyClock::time_point::max());
      co_await write_signal_.async_wait(kNoThrow);  // cancelled by enqueue() or fail_all()
      continue;
    }
    inflight.clear();
    inflight.swap(outbox_);  // everything queued so far goes out in one write (pipelining)
    auto [ec, n] = co_await net::async_write(socket_, net::buffer(inflight), kNoThrow);
    if (generation != generation_) co_return;
    if (ec) {
      options_.logger->warn("redis: write failed: {}", ec.message());
      fail_all("write");
      co_return;
    }
  }
}

net::awaitable<void> RedisClient::read_loop(std::uint64_t generation) {
  std::unique_ptr<redisReader, ReaderDeleter> reader(redisReaderCreate());
  std::array<char, 16 * 1024> buffer;
  while (generation == generation_) {
    auto [ec, n] = co_await socket_.async_read_some(net::buffer(buffer), kNoThrow);
    if (generation != generation_) co_return;
    if (ec) {
      options_.logger->warn("redis: connection lost: {}", ec.message());
      fail_all("read");
      co_return;
    }
    if (redisReaderFeed(reader.get(), buffer.data(), n) != REDIS_OK) {
      fail_all("protocol");
      co_return;
    }
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK) {
        options_.logger->error("redis: protocol error: {}", reader->errstr);
        fail_all("protocol");
        co_return;
      }
      if (!raw) break;
      Reply reply = reply_of(*static_cast<redisReply*>(raw));
      freeReplyObject(raw);
      if (pending_.empty()) {
        fail_all("unexpected reply");
        co_return;
      }
      Pending p = std::move(pending_.front());
      pending_.pop_front();
      if (p.internal) {
        if (reply.is_error()) {
          options_.logger->error("redis: handshake refused: {}", reply.str);
          fail_all("handshake");
          co_return;
        }
        continue;
      }
      p.done(std::move(reply));
    }
  }
}

net::awaitable<void> RedisClient::watchdog(std::uint64_t generation) {
  const auto started = SteadyClock::now();
  net::steady_timer tick(strand_);
  const auto period = std::max(std::chrono::milliseconds(10), options_.command_timeout / 20);
  while (generation == generation_) {
    tick.expires_after(period);
    co_await tick.async_wait(kNoThrow);
    if (generation != generation_) co_return;
    const auto now = SteadyClock::now();
    if (state_ == State::connecting && now - started > options_.connect_timeout) {
      options_.logger->warn("redis: connect to {}:{} timed out", options_.host, options_.port);
      fail_all("connect timeout");
      co_return;
    }
    if (!pending_.empty() && pending_.front().deadline < now) {
      options_.logger->warn("redis: no reply within {} ms; reconnecting", options_.command_timeout.count());
      fail_all("timeout");
      co_return;
    }
  }
}

void RedisClient::fail_all(const char* why) {
  if (!pending_.empty()) options_.logger->debug("redis: failing {} queued commands ({})", pending_.size(), why);
  ++generation_;
  state_ = State::disconnected;
  connected_.store(false, std::memory_order_relaxed);
  last_failure_ = SteadyClock::now();
  boost::system::error_code ignored;
  socket_.close(ignored);
  write_signal_.cancel();
  outbox_.clear();
  std::deque<Pending> failed;
  failed.swap(pending_);
  for (auto& p : failed) {
    if (!p.internal) p.done(Error::unavailable);
  }
}

}  // namespace vestibule::store::redis
