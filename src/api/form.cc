#include "api/form.h"

#include <boost/beast/core/string.hpp>
#include <boost/url/parse_query.hpp>

namespace vestibule::api {
namespace {

namespace beast_http = boost::beast::http;

bool is_form_media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  // A charset parameter, if any, changes nothing: the decoded values are bytes we compare.
  return boost::beast::iequals(type, "application/x-www-form-urlencoded");
}

}  // namespace

Mapped<std::map<std::string, std::string, std::less<>>> parse_form(const http::Request& req) {
  if (!is_form_media_type(req[beast_http::field::content_type])) {
    return BodyError{true, "The body must be a form (Content-Type: application/x-www-form-urlencoded)."};
  }
  std::map<std::string, std::string, std::less<>> fields;
  if (req.body().empty()) return fields;
  auto query = boost::urls::parse_query(req.body());
  if (!query) return BodyError{false, "The body is not a valid form."};
  const boost::urls::encoding_opts form_decoding(true);  // '+' is a space in forms
  for (const auto& param : *query) {
    std::string key = param.key.decode(form_decoding);
    std::string value = param.has_value ? param.value.decode(form_decoding) : std::string();
    if (!fields.emplace(std::move(key), std::move(value)).second) {
      return BodyError{false, "A form field is given more than once."};
    }
  }
  return fields;
}

}  // namespace vestibule::api
