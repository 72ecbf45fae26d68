// The SQLite queries of sessions (table `sessions`; ids, metadata and last use since migration 4):
// the statements SqliteStore runs for create, touch, list and revoke-by-id. Each is one statement,
// inside the caller's transaction if there is one; finding a session with its account is in
// account_queries.h (it reads the account's columns too). Failures throw SqliteError. Not
// thread-safe (one connection).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "store/store.h"

// The columns read_session reads, of the sessions table as `s`. A string literal, not a
// constant: statements built from it stay literals (Connection caches them by address).
#define SESSION_COLUMNS \
  "s.token_digest, s.account_id, s.created_at, s.expires_at, s.id, s.user_agent, s.client_address, s.last_used_at "

namespace vestibule::store::sqlite {

class Connection;
class Statement;

// The SESSION_COLUMNS of the current row from column `first` on.
Session read_session(const Statement& s, int first = 0);

// Stores the session (last used at its created_at) if its account exists, is not disabled and
// still has session.expected_password_hash (when set); false when it does not.
bool insert_session(Connection& c, const Session& session);

// Revokes the account's sessions live at `now`, other than the one with `kept_digest`, beyond the
// newest `keep - 1` of them (created_at, then id, descending); keep >= 1. Returns how many.
int trim_sessions(Connection& c, const std::string& account_id, const std::string& kept_digest, std::size_t keep,
                  TimePoint now);

// Moves the session's last use to `at` unless it is already there or later, or the session is gone.
void touch_session(Connection& c, const std::string& digest, TimePoint at);

// The account's sessions live at `now`, newest first (created_at, then id, descending).
std::vector<Session> live_sessions(Connection& c, const std::string& account_id, TimePoint now);

// Removes the account's session with this public id if it is live at `now`; false if there is none.
bool delete_live_session(Connection& c, const std::string& account_id, const std::string& session_id, TimePoint now);

}  // namespace vestibule::store::sqlite
