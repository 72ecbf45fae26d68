// One SQLite connection with its cached prepared statements, used by one thread at a time
// (SqliteStore hands connections out). Failures throw SqliteError; SqliteStore turns them into
// Error values at its boundary, so the query code reads linearly.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace vestibule::store::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }                      // extended result code
  bool unique_violation() const;                          // UNIQUE or PRIMARY KEY
  bool busy() const;                                      // a lock is held elsewhere
  bool foreign_key_violation() const;

 private:
  int code_;
};

// A cached statement borrowed for one use: bind, step, read; reset when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);

  bool step();     // true: a row is ready; false: done
  void execute();  // step to completion

  std::string text(int column) const;
  std::int64_t integer(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if needed) the database file and applies the per-connection settings.
  Connection(const std::string& path, int busy_timeout_ms, bool durable = true);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // `sql` must be a string literal: statements are cached by its address.
  Statement prepare(const char* sql);
  void exec(const char* sql);  // for statements without parameters or rows
  int changes() const;

 private:
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if commit() was not reached. IMMEDIATE takes the write
// lock up front, so a read-then-write transaction cannot fail half-way with SQLITE_BUSY.
class Transaction {
 public:
  explicit Transaction(Connection& c);
  ~Transaction();
  void commit();

 private:
  Connection& c_;
  bool done_ = false;
};

}  // namespace vestibule::store::sqlite
