// The SQLite queries of flow tokens (table `flow_tokens`, migration 3): the single-use tokens of
// password resets, email verifications and the second step of a TOTP sign-in (mfa_login),
// stored by digest. Each is one statement that runs inside the caller's transaction; finding a
// token with its account is SqliteStore's (it reads the account's columns). Failures throw
// SqliteError. Not thread-safe (one connection).
#pragma once

#include <string>

#include "store/store.h"

namespace vestibule::store::sqlite {

class Connection;

// Stores `token` for `account_id` (the account the change is about, whatever token.account_id
// says). A digest already stored throws (a unique violation).
void insert_token(Connection& c, const std::string& account_id, const FlowToken& token);

// Removes the account's tokens of `purpose`.
void drop_tokens(Connection& c, const std::string& account_id, TokenPurpose purpose);

// Removes the token if it is live (its purpose, not expired at `now`); the account it belonged
// to, or an empty string when there was no such token.
std::string consume_token(Connection& c, const std::string& digest, TokenPurpose purpose, TimePoint now);

// Removes tokens that expired at or before `now`.
void purge_expired_tokens(Connection& c, TimePoint now);

}  // namespace vestibule::store::sqlite
