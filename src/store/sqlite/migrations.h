// The SQLite schema's history: an ordered list of numbered migrations, migration N bringing a
// database at `PRAGMA user_version` N-1 to N, each in its own transaction (a crash leaves the
// database at the last completed version, and the next open goes on from there). Run at open,
// on one connection, before the store serves anything. Not thread-safe (one connection).
#pragma once

#include <boost/system/result.hpp>

#include "store/store.h"

namespace vestibule::store::sqlite {

class Connection;

// The schema version this binary reads and writes.
inline constexpr int kSchemaVersion = 5;

struct MigrationContext {
  const EmailKeyFunction& email_key;  // may be empty: re-keying existing accounts then fails
  spdlog::logger& log;
};

// Checks the file (integrity, ownership), applies the missing migrations and verifies the
// resulting schema. OpenError names the problem: a newer version ("incompatible schema: ..."),
// a corrupt file, tables of another program, a schema lacking a table, index or column.
boost::system::result<void, OpenError> migrate(Connection& c, const MigrationContext& context);

}  // namespace vestibule::store::sqlite
