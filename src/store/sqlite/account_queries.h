// The SQLite queries of accounts (table `accounts`) and of what reads or changes one with its
// sessions, flow tokens and effects: the statements SqliteStore runs inside its transactions.
// None opens a transaction of its own. The outcomes the Store contract names (not_found,
// email_taken, id_taken) are returned as values; any other failure throws SqliteError. Not
// thread-safe (one connection, like Connection).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace vestibule::store::sqlite {

class Connection;

// Error::id_taken if an account with its id exists; else Error::email_taken if another account
// has its email_key (the UNIQUE index decides races). Stores its recovery codes too. Inside a write transaction (the id check
// and the insert must not be separated).
Result<void> insert_account(Connection& c, const Account& account);

bool account_exists(Connection& c, const std::string& id);
Result<Account> account_by_email(Connection& c, std::string_view email_key);
Result<Account> account_by_id(Connection& c, std::string_view id);
// Up to `limit` accounts with ids after `after_id`, in ascending (bytewise) id order.
std::vector<Account> accounts_after(Connection& c, std::string_view after_id, std::size_t limit);
// The session live at `now` with this digest, and its account.
Result<SessionAccount> session_account(Connection& c, std::string_view digest, TimePoint now);
// The token live at `now` for `purpose`, with its account.
Result<TokenHolder> token_holder(Connection& c, const std::string& digest, TokenPurpose purpose, TimePoint now);

// Stores the effects of a change on `account_id`: its token (for that account) and its mail.
void insert_effects(Connection& c, const std::string& account_id, const Effects& effects);

// update_account's work: the change (Error::not_found if the account is gone or a condition of
// the change no longer holds: expected_password_hash, expected_totp_pending, accept_totp_step,
// use_recovery_code; Error::email_taken), its recovery codes, its session revocations, its token
// drops and its effects, then the account as stored. The caller rolls back on an error.
Result<Account> apply_changes(Connection& c, const std::string& id, const AccountChanges& changes);

}  // namespace vestibule::store::sqlite
