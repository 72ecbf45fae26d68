// Fills a Redis database the way the reference design writes a user (seed_source.h has the
// layout): SET <id>:u username, SET <username>:uid id, SET <id>:e email, SET <id>:p hash.
// Shared by the seed reader's test and the end-to-end import-seed test. Not thread-safe.
#pragma once

#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

namespace vestibule::import::testing {

class ReferenceData {
 public:
  // Connects to 127.0.0.1:port and selects `db`; throws std::runtime_error.
  ReferenceData(unsigned short port, int db);
  // One SET; throws std::runtime_error unless Redis answers OK.
  void set(const std::string& key, const std::string& value);
  // All four keys of one user, as the reference design's registration writes them.
  void add_user(const std::string& hex_id, const std::string& username, const std::string& email,
                const std::string& hash);

 private:
  struct Free {
    void operator()(redisContext* c) const { redisFree(c); }
  };
  std::unique_ptr<redisContext, Free> context_;
};

}  // namespace vestibule::import::testing
