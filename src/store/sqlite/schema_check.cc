#include "store/sqlite/schema_check.h"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>

#include "store/sqlite/connection.h"

namespace vestibule::store::sqlite {
namespace {

struct ExpectedTable {
  const char* name;
  std::vector<const char*> columns;
};

// The current schema (migrations.cc builds it): what the queries of sqlite_store.cc rely on.
const std::array<ExpectedTable, 6>& expected_tables() {
  static const std::array<ExpectedTable, 6> tables{{
      {"accounts",
       {"id", "name", "email", "email_key", "password_hash", "created_at", "updated_at", "email_verified",
        "pending_email", "pending_email_key", "disabled", "totp_secret", "totp_pending", "totp_last_step"}},
      {"sessions",
       {"token_digest", "account_id", "created_at", "expires_at", "id", "user_agent", "client_address",
        "last_used_at"}},
      {"attempts", {"key", "count", "window_ends"}},
      {"flow_tokens", {"token_digest", "purpose", "account_id", "email", "created_at", "expires_at"}},
      {"outbox",
       {"id", "kind", "recipient", "params", "created_at", "due_at", "attempts", "claim", "status", "keep_until"}},
      {"recovery_codes", {"account_id", "digest"}},
  }};
  return tables;
}

struct ExpectedIndex {
  const char* name;
  const char* table;
};
constexpr std::array<ExpectedIndex, 5> kExpectedIndexes{{
    {"sessions_by_account", "sessions"},
    {"sessions_by_id", "sessions"},
    {"sessions_by_expiry", "sessions"},
    {"flow_tokens_by_account", "flow_tokens"},
    {"outbox_by_due", "outbox"},
}};

// Whether a unique index on exactly `table`.`column` exists.
bool has_unique_index(Connection& c, const char* table, const char* column) {
  Statement s = c.prepare(
      "SELECT 1 FROM pragma_index_list(?1) AS l, pragma_index_info(l.name) AS i "
      "WHERE l.\"unique\" = 1 AND i.name = ?2 AND (SELECT count(*) FROM pragma_index_info(l.name)) = 1");
  s.bind(1, std::string_view(table)).bind(2, std::string_view(column));
  return s.step();
}

}  // namespace

std::optional<std::string> integrity_problem(Connection& c) {
  try {
    // At most 3 problems: enough to say what is wrong without flooding the message.
    Statement s = c.prepare("PRAGMA quick_check(3)");
    std::string problems;
    while (s.step()) {
      const std::string line = s.text(0);
      if (line == "ok") return std::nullopt;
      if (!problems.empty()) problems += "; ";
      problems += line;
    }
    if (problems.empty()) return std::string("PRAGMA quick_check returned nothing");
    return problems;
  } catch (const SqliteError& e) {
    return std::string(e.what());
  }
}

std::vector<std::string> user_tables(Connection& c) {
  std::vector<std::string> names;
  Statement s = c.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                          "ORDER BY name");
  while (s.step()) names.push_back(s.text(0));
  return names;
}

bool is_our_table(const std::string& name) {
  const auto& tables = expected_tables();
  return std::any_of(tables.begin(), tables.end(), [&](const ExpectedTable& t) { return name == t.name; });
}

std::optional<std::string> schema_problem(Connection& c) {
  for (const ExpectedTable& table : expected_tables()) {
    std::set<std::string> present;
    Statement s = c.prepare("SELECT name FROM pragma_table_info(?)");
    s.bind(1, std::string_view(table.name));
    while (s.step()) present.insert(s.text(0));
    if (present.empty()) return "table " + std::string(table.name) + " is missing";
    for (const char* column : table.columns) {
      if (!present.contains(column)) return "table " + std::string(table.name) + " has no column " + column;
    }
  }
  for (const ExpectedIndex& index : kExpectedIndexes) {
    Statement s = c.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ? AND tbl_name = ?");
    s.bind(1, std::string_view(index.name)).bind(2, std::string_view(index.table));
    if (!s.step()) return "index " + std::string(index.name) + " on " + index.table + " is missing";
  }
  // Registration races are decided by this index (sqlite_store.cc): without it, two accounts
  // could share an address.
  if (!has_unique_index(c, "accounts", "email_key")) return std::string("accounts.email_key has no unique index");
  // Without it, one public session id could name sessions of two accounts.
  if (!has_unique_index(c, "sessions", "id")) return std::string("sessions.id has no unique index");
  return std::nullopt;
}

}  // namespace vestibule::store::sqlite
