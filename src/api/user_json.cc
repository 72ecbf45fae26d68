#include "api/user_json.h"

#include <boost/json/serializer.hpp>
#include <string_view>

#include "util/timestamps.h"

namespace vestibule::api {
namespace {

// Appends JSON text to one string; strings go through one Boost.JSON serializer, reused.
class JsonText {
 public:
  explicit JsonText(std::size_t reserve) { out_.reserve(reserve); }
  JsonText& raw(std::string_view s) {
    out_.append(s);
    return *this;
  }
  JsonText& string(std::string_view s) {
    serializer_.reset(boost::json::string_view(s.data(), s.size()));
    char buf[512];
    while (!serializer_.done()) out_.append(serializer_.read(buf, sizeof buf));
    return *this;
  }
  JsonText& boolean(bool b) { return raw(b ? "true" : "false"); }
  JsonText& time(accounts::TimePoint t) {
    char text[util::kMaxRfc3339Chars];
    out_ += '"';
    out_.append(text, util::write_rfc3339_millis(text, t));
    out_ += '"';
    return *this;
  }
  std::string take() && { return std::move(out_); }

 private:
  std::string out_;
  boost::json::serializer serializer_;
};

}  // namespace

std::string user_json(const accounts::User& u) {
  JsonText j(160 + u.id.size() + u.name.size() + u.email.size() + u.pending_email.size());
  j.raw(R"({"id":)").string(u.id);
  j.raw(R"(,"name":)").string(u.name);
  j.raw(R"(,"email":)").string(u.email);
  j.raw(R"(,"email_verified":)").boolean(u.email_verified);
  j.raw(R"(,"totp_enabled":)").boolean(u.totp_enabled);
  j.raw(R"(,"created_at":)").time(u.created_at);
  j.raw(R"(,"updated_at":)").time(u.updated_at);
  if (!u.pending_email.empty()) j.raw(R"(,"pending_email":)").string(u.pending_email);
  j.raw("}");
  return std::move(j).take();
}

}  // namespace vestibule::api
