// The users of the reference design's Redis data, read with hiredis (synchronously: one
// reader serves all the import's workers, and a read is far cheaper than an import). Its
// layout, per user, where <id> is 32 hex digits:
//   <id>:u        the username          <username>:uid  the user's id (the login index)
//   <id>:e        the email address     <id>:p          the passlib argon2 hash
// Users are found by SCAN MATCH *:u (a bounded COUNT per round, so Redis is never blocked);
// keys whose prefix is not 32 hex digits are not users and are passed over. Each user becomes
// {name: username, email, password_hash, id: the dashed UUID}; a user with a key missing, or
// whose username's index names another user (a duplicate username), is refused with its id,
// never guessed. The email is sent as stored: the server validates it.
// Not thread-safe (the import run serialises next()).
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include <boost/system/result.hpp>

#include "import/importer.h"

struct redisContext;

namespace vestibule::import {

struct SeedUrl {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string user;      // empty: AUTH with the password alone
  std::string password;  // empty: no AUTH
};

// redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]; the error says what is wrong.
boost::system::result<SeedUrl, std::string> parse_seed_url(std::string_view url);

class SeedSource : public Source {
 public:
  static constexpr int kScanCount = 1000;

  // Connects (bounded by `timeout`, which bounds every later command too), authenticates and
  // selects the database; the error says why it could not.
  static boost::system::result<std::unique_ptr<SeedSource>, std::string> open(
      const SeedUrl& url, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~SeedSource() override;
  SeedSource(const SeedSource&) = delete;
  SeedSource& operator=(const SeedSource&) = delete;

  std::optional<ImportItem> next() override;
  std::optional<std::string> error() const override { return error_; }

 private:
  explicit SeedSource(redisContext* context) : context_(context) {}
  // Fills pending_ with the next SCAN round's user ids; false at the end or on an error.
  bool scan_more();
  ImportItem read_user(const std::string& hex_id);

  redisContext* context_;
  std::string cursor_ = "0";
  bool scan_done_ = false;
  std::deque<std::string> pending_;
  // SCAN may return a key more than once while the keyspace changes: each user goes once.
  std::unordered_set<std::string> seen_;
  std::optional<std::string> error_;
};

}  // namespace vestibule::import
