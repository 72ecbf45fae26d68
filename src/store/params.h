// How backends keep OutboxMessage::params: one JSON text, an array of [name, value] pairs, so
// order and repeated names survive and any byte sequence a template parameter holds is stored
// as given (JSON escapes it). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vestibule::store {

using Params = std::vector<std::pair<std::string, std::string>>;  // also OutboxMessage::params

std::string encode_params(const Params& params);

// std::nullopt if `text` is not what encode_params writes (damaged data).
std::optional<Params> decode_params(std::string_view text);

}  // namespace vestibule::store
