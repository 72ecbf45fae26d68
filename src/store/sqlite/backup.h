// Online backup of a SQLite store: VACUUM INTO a new file. It reads the database as one read
// transaction (in WAL mode writers go on meanwhile) and writes a compact, consistent copy that
// another process (a second server, the sqlite3 shell) can open: the server's own file cannot
// be opened by others while it runs (unix-excl locking, connection.cc), so a copy taken through
// the server is the online backup.
#pragma once

#include <cstdint>
#include <string>

#include "store/sqlite/connection.h"
#include "store/store.h"

namespace vestibule::store::sqlite {

// Writes the copy to `path`, which must not exist (created 0600, then filled, then synced).
// Error::unavailable with nothing left at `path` when it cannot; SqliteError from the VACUUM
// propagates after the partial file is removed. Returns the copy's size in bytes.
Result<std::uint64_t> backup_into(Connection& c, const std::string& path);

}  // namespace vestibule::store::sqlite
