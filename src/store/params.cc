#include "store/params.h"

#include <boost/json.hpp>

namespace vestibule::store {

std::string encode_params(const Params& params) {
  boost::json::array out;
  out.reserve(params.size());
  for (const auto& [name, value] : params) out.push_back(boost::json::array{name, value});
  return boost::json::serialize(out);
}

std::optional<Params> decode_params(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_array()) return std::nullopt;
  Params params;
  for (const boost::json::value& item : parsed.get_array()) {
    const boost::json::array* pair = item.if_array();
    if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string()) return std::nullopt;
    params.emplace_back(std::string((*pair)[0].get_string()), std::string((*pair)[1].get_string()));
  }
  return params;
}

}  // namespace vestibule::store
