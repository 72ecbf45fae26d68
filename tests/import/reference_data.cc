#include "reference_data.h"

#include <stdexcept>

namespace vestibule::import::testing {
namespace {

struct FreeReply {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};

}  // namespace

ReferenceData::ReferenceData(unsigned short port, int db) {
  const timeval tv{5, 0};  // bounds the connect and every command: a test never hangs on Redis
  context_.reset(redisConnectWithTimeout("127.0.0.1", port, tv));
  if (!context_ || context_->err != 0) throw std::runtime_error("cannot connect to the test redis-server");
  redisSetTimeout(context_.get(), tv);
  set("__probe", "1");
  std::unique_ptr<redisReply, FreeReply> r(
      static_cast<redisReply*>(redisCommand(context_.get(), "SELECT %d", db)));
  if (!r || r->type == REDIS_REPLY_ERROR) throw std::runtime_error("SELECT failed");
}

void ReferenceData::set(const std::string& key, const std::string& value) {
  std::unique_ptr<redisReply, FreeReply> r(static_cast<redisReply*>(
      redisCommand(context_.get(), "SET %b %b", key.data(), key.size(), value.data(), value.size())));
  if (!r || r->type != REDIS_REPLY_STATUS) throw std::runtime_error("SET " + key + " failed");
}

void ReferenceData::add_user(const std::string& hex_id, const std::string& username, const std::string& email,
                             const std::string& hash) {
  set(hex_id + ":u", username);
  set(username + ":uid", hex_id);
  set(hex_id + ":e", email);
  set(hex_id + ":p", hash);
}

}  // namespace vestibule::import::testing
