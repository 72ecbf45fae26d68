// Small text builders for tests. Header-only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vestibule::testing {

// `unit` written `times` times, e.g. repeat("é", 64) for a 64-character, 128-octet string.
inline std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  out.reserve(unit.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += unit;
  return out;
}

}  // namespace vestibule::testing
