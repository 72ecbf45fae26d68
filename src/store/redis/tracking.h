// What keeps a session cache exact across instances sharing one Redis: a connection of its own
// on which Redis pushes every change to a session or an account, by any client, as it happens
// (server-assisted client-side caching, Redis >= 6). The connection issues
//   CLIENT TRACKING ON REDIRECT <its own id> BCAST PREFIX "P session:" PREFIX "P user:{"
//   SUBSCRIBE __redis__:invalidate
// so Redis sends it the name of each key under those prefixes that any command or script
// changes, deletes or expires, and a null for FLUSHALL/FLUSHDB. In BCAST mode Redis queues
// and writes these messages in the event-loop pass of the change itself, and settle() (a PING
// sent after the change's reply, answered in a later pass) waits until that pass is over, so
// the invalidation of a change has left Redis before the change is acknowledged.
//
// What the cache may rely on (docs/redis.md, "The session cache"):
//   - catch_up() reads, without waiting, everything that has arrived and applies it before any
//     answer from memory; a message half read means no answer from memory.
//   - Every heartbeat (250 ms) sends PING; a PONG proves that every invalidation of a change
//     acknowledged before that PING was sent has been read. catch_up() says no once the newest
//     such proof is older than max_lag (1 s), so even a silent network fault (no reset, no FIN)
//     cannot make this instance answer from memory for longer than that.
//   - A lost connection (read error, EOF, CLIENT KILL, no PONG within the command timeout, a
//     protocol surprise) forgets the whole cache and takes no fill until a new connection is
//     subscribed, which forgets it again.
//
// Thread-safe: catch_up() and settle() from any thread; the connection runs on its own strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "store/redis/redis_client.h"
#include "store/session_cache.h"

struct redisReader;

namespace vestibule::store::redis {

struct TrackingOptions {
  ClientOptions client;  // where, and how to AUTH; its db is ignored (tracking spans every db)
  std::string key_prefix = "vestibule:";
  std::chrono::milliseconds heartbeat{250};
  std::chrono::milliseconds max_lag{1000};
};

class Tracking final : public SessionWatch, public std::enable_shared_from_this<Tracking> {
 public:
  // Disables the cache's fills at once and starts connecting.
  static std::shared_ptr<Tracking> start(boost::asio::any_io_executor executor, TrackingOptions options,
                                         SessionCache& cache);
  ~Tracking() override;

  bool catch_up() override;
  Task<void> settle() override;
  void stop() override;

  Tracking(boost::asio::any_io_executor executor, TrackingOptions options, SessionCache& cache);

 private:
  using Steady = std::chrono::steady_clock;
  struct Ping {
    std::uint64_t seq;
    Steady::time_point sent;
  };
  struct Settling {
    std::uint64_t seq;                             // the PING it waits for
    std::shared_ptr<boost::asio::steady_timer> wake;  // strand_ only; cancelled when answered
  };
  struct ReaderDeleter {
    void operator()(redisReader* r) const;
  };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<bool> subscribe();        // connects and subscribes; true: live
  // The next reply during the handshake; nullopt when the connection failed or closed.
  boost::asio::awaitable<std::optional<Reply>> next_reply(redisReader& reader);
  boost::asio::awaitable<void> wait_readable(std::uint64_t generation);
  boost::asio::awaitable<void> heartbeat(std::uint64_t generation);
  boost::asio::awaitable<void> settle_on_strand();

  // With mu_ held.
  // Reads (at most `limit` bytes) and applies; false: lost, or `limit` reached (not caught up).
  bool drain_locked(std::size_t limit);
  bool parse_locked();                            // applies what the reader holds; false: lost
  bool apply_locked(const Reply& reply);          // false: not a message we expect
  void forget_key_locked(const std::string& key);
  void lose_locked(const char* why);              // forgets the cache; the strand reconnects
  void wake_locked(std::uint64_t answered);       // wakes the settle() calls up to that PING
  bool send_locked(const std::string& wire);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  TrackingOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::ip::tcp::socket socket_;  // strand_ only
  boost::asio::steady_timer lost_signal_;  // strand_ only: cancelled when the connection is lost

  mutable std::mutex mu_;  // everything below
  SessionCache* cache_;    // null once stopped
  bool stopped_ = false;
  bool live_ = false;
  int fd_ = -1;            // socket_'s descriptor while live_
  std::uint64_t generation_ = 0;
  std::unique_ptr<redisReader, ReaderDeleter> reader_;
  std::uint64_t next_ping_ = 1;
  std::deque<Ping> pings_;        // sent, not answered yet, oldest first
  std::deque<Settling> settling_;  // settle() calls waiting, oldest first
  Steady::time_point proven_at_;  // everything acknowledged before this has been read
  bool ponged_ = false;           // a PONG came back on this connection
};

}  // namespace vestibule::store::redis
