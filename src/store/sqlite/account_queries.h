// The SQLite queries of accounts (table `accounts`) and of what reads or changes one with its
// sessions, flow tokens and effects: the statements SqliteStore runs inside its transactions.
// None opens a transaction of its own. The outcomes the Store contract names (not_found,
// email_taken) are returned as values; any other failure throws SqliteError. Not thread-safe
// (one connection, like Connection).
#pragma once

#include <string>
#include <string_view>

#include "store/store.h"

namespace vestibule::store::sqlite {

class Connection;

// Error::email_taken if another account has its email_key (the UNIQUE index decides races).
Result<void> insert_account(Connection& c, const Account& account);

bool account_exists(Connection& c, const std::string& id);
Result<Account> account_by_email(Connection& c, std::string_view email_key);
// The account of the session live at `now`.
Result<Account> account_by_session(Connection& c, std::string_view digest, TimePoint now);
// The token live at `now` for `purpose`, with its account.
Result<TokenHolder> token_holder(Connection& c, const std::string& digest, TokenPurpose purpose, TimePoint now);

// Stores the effects of a change on `account_id`: its token (for that account) and its mail.
void insert_effects(Connection& c, const std::string& account_id, const Effects& effects);

// update_account's work: the change (Error::not_found if the account is gone or its password
// hash is not changes.expected_password_hash; Error::email_taken), its session revocations, its
// token drops and its effects, then the account as stored. The caller rolls back on an error.
Result<Account> apply_changes(Connection& c, const std::string& id, const AccountChanges& changes);

}  // namespace vestibule::store::sqlite
