#include "import/seed_source.h"

#include <hiredis/hiredis.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <vector>

namespace vestibule::import {
namespace {

// Owns one reply; hiredis allocates them.
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

ReplyPtr command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

std::string context_error(redisContext* c, std::string_view what) {
  return "redis " + std::string(what) + ": " + (c != nullptr && c->err != 0 ? std::string(c->errstr) : "no reply");
}

// SeedUrl converts from a string too (its first member), so a refusal is named explicitly.
boost::system::result<SeedUrl, std::string> refused(std::string why) {
  return boost::system::result<SeedUrl, std::string>(boost::system::in_place_error, std::move(why));
}

bool parse_int(std::string_view s, int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

boost::system::result<SeedUrl, std::string> parse_seed_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed || parsed->scheme() != "redis") return refused("expected redis://HOST[:PORT][/DB]");
  const boost::urls::url_view& url = *parsed;
  SeedUrl out;
  out.host = url.host_type() == boost::urls::host_type::name ? std::string(url.host_name())
                                                             : std::string(url.host_address());
  if (out.host.empty()) return refused("the URL names no host");
  if (url.has_port() && (!parse_int(url.port(), out.port) || out.port <= 0 || out.port > 65535)) {
    return refused("the port must be 1..65535");
  }
  const std::string decoded_path = url.path();  // a decoded copy: url.path() returns a temporary
  std::string_view path = decoded_path;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (!path.empty() && (!parse_int(path, out.db) || out.db < 0)) return refused("the database must be a number");
  if (url.has_userinfo()) {
    out.user = std::string(url.user());
    out.password = std::string(url.password());
  }
  return out;
}

boost::system::result<std::unique_ptr<SeedSource>, std::string> SeedSource::open(const SeedUrl& url,
                                                                                  std::chrono::milliseconds timeout) {
  const timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  redisContext* c = redisConnectWithTimeout(url.host.c_str(), url.port, tv);
  if (c == nullptr || c->err != 0) {
    std::string why = context_error(c, "connect to " + url.host + ":" + std::to_string(url.port));
    if (c != nullptr) redisFree(c);
    return why;
  }
  std::unique_ptr<SeedSource> source(new SeedSource(c));
  // The connect timeout bounds only the connect: every command gets the same bound.
  redisSetTimeout(c, tv);
  if (!url.password.empty()) {
    ReplyPtr r = url.user.empty() ? command(c, {"AUTH", url.password}) : command(c, {"AUTH", url.user, url.password});
    if (!r) return context_error(c, "AUTH");
    if (r->type == REDIS_REPLY_ERROR) return std::string("redis AUTH refused");  // never echo the password
  }
  if (url.db != 0) {
    ReplyPtr r = command(c, {"SELECT", std::to_string(url.db)});
    if (!r) return context_error(c, "SELECT");
    if (r->type == REDIS_REPLY_ERROR) return "redis SELECT " + std::to_string(url.db) + ": " + std::string(r->str, r->len);
  }
  return source;
}

SeedSource::~SeedSource() { redisFree(context_); }

bool SeedSource::scan_more() {
  while (pending_.empty() && !scan_done_) {
    ReplyPtr r = command(context_, {"SCAN", cursor_, "MATCH", "*:u", "COUNT", std::to_string(kScanCount)});
    if (!r) {
      error_ = context_error(context_, "SCAN");
      return false;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
        r->element[1]->type != REDIS_REPLY_ARRAY) {
      error_ = "redis SCAN: unexpected reply";
      return false;
    }
    cursor_.assign(r->element[0]->str, r->element[0]->len);
    scan_done_ = cursor_ == "0";
    const redisReply* keys = r->element[1];
    for (std::size_t i = 0; i < keys->elements; ++i) {
      const redisReply* k = keys->element[i];
      if (k->type != REDIS_REPLY_STRING) continue;
      std::string_view key(k->str, k->len);
      key.remove_suffix(2);  // ":u", which MATCH guarantees
      if (!dashed_uuid(key)) continue;  // not a user of the reference design
      if (seen_.insert(std::string(key)).second) pending_.emplace_back(key);
    }
  }
  return !pending_.empty();
}

std::optional<ImportItem> SeedSource::next() {
  if (error_ || !scan_more()) return std::nullopt;
  std::string id = std::move(pending_.front());
  pending_.pop_front();
  return read_user(id);
}

ImportItem SeedSource::read_user(const std::string& hex_id) {
  ImportItem item;
  item.where = "user " + hex_id;
  item.has_id = true;
  ReplyPtr r = command(context_, {"MGET", hex_id + ":u", hex_id + ":e", hex_id + ":p"});
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
    error_ = context_error(context_, "MGET");
    item.rejection = "could not be read (" + *error_ + ")";
    return item;
  }
  auto value = [&](std::size_t i) -> std::optional<std::string> {
    const redisReply* e = r->element[i];
    if (e->type != REDIS_REPLY_STRING) return std::nullopt;
    return std::string(e->str, e->len);
  };
  const std::optional<std::string> name = value(0), email = value(1), hash = value(2);
  if (!name) {
    item.rejection = "missing_key (" + hex_id + ":u, deleted while the import ran?)";
    return item;
  }
  if (!email) {
    item.rejection = "missing_key (" + hex_id + ":e: no email address)";
    return item;
  }
  if (!hash) {
    item.rejection = "missing_key (" + hex_id + ":p: no password hash)";
    return item;
  }
  // The login index decides which of two users with one username the reference design knew:
  // the other one could not log in there, and is reported rather than imported.
  ReplyPtr owner = command(context_, {"GET", *name + ":uid"});
  if (!owner) {
    error_ = context_error(context_, "GET");
    item.rejection = "could not be read (" + *error_ + ")";
    return item;
  }
  if (owner->type != REDIS_REPLY_STRING) {
    item.rejection = "missing_key (" + *name + ":uid: the username has no login index)";
    return item;
  }
  const std::string owner_id(owner->str, owner->len);
  if (owner_id != hex_id) {
    item.rejection = "duplicate_username (" + *name + ":uid names user " + owner_id + ")";
    return item;
  }
  boost::json::object body;
  body["name"] = *name;
  body["email"] = *email;
  body["password_hash"] = *hash;
  body["id"] = *dashed_uuid(hex_id);
  item.body = boost::json::serialize(body);
  return item;
}

}  // namespace vestibule::import
