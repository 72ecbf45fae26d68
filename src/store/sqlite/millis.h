// How the SQLite schema stores times: INTEGER milliseconds since the Unix epoch (UTC). Pure
// functions; thread-safe.
#pragma once

#include <cstdint>

#include "store/store.h"

namespace vestibule::store::sqlite {

inline std::int64_t millis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_millis(std::int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace vestibule::store::sqlite
