// Checks of a SQLite file at open, so that a corrupt file or another program's database is
// refused with a clear message instead of being served (every call then failing). Each returns
// a description of the problem, or nothing when all is well. Not thread-safe (one connection).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vestibule::store::sqlite {

class Connection;

// PRAGMA quick_check: the b-trees, pages and records are well formed (the first problems SQLite
// reports, or the error that stopped the check). O(database size), at open only.
std::optional<std::string> integrity_problem(Connection& c);

// The tables in the database that are not SQLite's own (sqlite_*), sorted by name.
std::vector<std::string> user_tables(Connection& c);

// The tables this store's schema has; at user_version 0 any other table means the file belongs
// to another program.
bool is_our_table(const std::string& name);

// What the current schema (kSchemaVersion) lacks: a table, a column, an index or one of the
// unique indexes on accounts.email_key and sessions.id.
std::optional<std::string> schema_problem(Connection& c);

}  // namespace vestibule::store::sqlite
