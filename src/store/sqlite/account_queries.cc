#include "store/sqlite/account_queries.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "store/sqlite/connection.h"
#include "store/sqlite/flow_tokens.h"
#include "store/sqlite/millis.h"
#include "store/sqlite/outbox.h"
#include "store/sqlite/session_queries.h"

namespace vestibule::store::sqlite {
namespace {

// The columns of ACCOUNT_COLUMNS from `first` on.
Account read_account(const Statement& s, int first = 0) {
  return Account{.id = s.text(first),
                 .name = s.text(first + 1),
                 .email = s.text(first + 2),
                 .email_key = s.text(first + 3),
                 .password_hash = s.text(first + 4),
                 .created_at = from_millis(s.integer(first + 5)),
                 .updated_at = from_millis(s.integer(first + 6)),
                 .email_verified = s.integer(first + 7) != 0,
                 .pending_email = s.text(first + 8),
                 .pending_email_key = s.text(first + 9),
                 .disabled = s.integer(first + 10) != 0,
                 .totp_secret = s.text(first + 11),
                 .totp_pending = s.text(first + 12),
                 .totp_last_step = s.integer(first + 13)};
}

// The account's recovery code digests (table recovery_codes), in digest order. Called while the
// statement that read the account is still open: in autocommit mode the two share one read
// transaction, so the codes are those of the same snapshot as the row.
void read_recovery_codes(Connection& c, Account& account) {
  Statement s = c.prepare("SELECT digest FROM recovery_codes WHERE account_id = ? ORDER BY digest");
  s.bind(1, account.id);
  while (s.step()) account.recovery_codes.push_back(s.text(0));
}

// The account at `first`, with its recovery codes.
Account read_full_account(Connection& c, const Statement& s, int first = 0) {
  Account account = read_account(s, first);
  read_recovery_codes(c, account);
  return account;
}

// String literals (not constants) so that statements built from them stay literals: the
// connection caches prepared statements by the literal's address. `a` is the accounts table.
#define ACCOUNT_COLUMNS                                                                 \
  "a.id, a.name, a.email, a.email_key, a.password_hash, a.created_at, a.updated_at, " \
  "a.email_verified, a.pending_email, a.pending_email_key, a.disabled, a.totp_secret, a.totp_pending, " \
  "a.totp_last_step "
#define ACCOUNT_SELECT "SELECT " ACCOUNT_COLUMNS "FROM accounts a "
constexpr int kAccountColumns = 14;

Result<Account> select_account(Connection& c, const char* sql, std::string_view key) {
  Statement s = c.prepare(sql);
  s.bind(1, key);
  if (!s.step()) {
    // The work of a found account too (the read of its recovery codes, which finds none here),
    // so that no answer's time tells whether an address has an account (a reset request
    // answers after this lookup alone).
    Account none;
    read_recovery_codes(c, none);
    return Error::not_found;
  }
  return read_full_account(c, s);
}

// Adds the digests to the account's set (a digest given twice is kept once: a set).
void insert_recovery_codes(Connection& c, const std::string& account_id, const std::vector<std::string>& digests) {
  for (const std::string& digest : digests) {
    c.prepare("INSERT OR IGNORE INTO recovery_codes (account_id, digest) VALUES (?, ?)")
        .bind(1, account_id)
        .bind(2, digest)
        .execute();
  }
}

}  // namespace

Result<void> insert_account(Connection& c, const Account& a) {
  // Checked before the address, so that an import repeated with the same id reads id_taken
  // whatever its address. The caller's transaction holds the write lock from here to the insert.
  if (account_exists(c, a.id)) return Error::id_taken;
  try {
    c.prepare("INSERT INTO accounts (id, name, email, email_key, password_hash, created_at, updated_at, "
              "email_verified, pending_email, pending_email_key, disabled, totp_secret, totp_pending, totp_last_step) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, a.id)
        .bind(2, a.name)
        .bind(3, a.email)
        .bind(4, a.email_key)
        .bind(5, a.password_hash)
        .bind(6, millis(a.created_at))
        .bind(7, millis(a.updated_at))
        .bind(8, std::int64_t{a.email_verified ? 1 : 0})
        .bind(9, a.pending_email)
        .bind(10, a.pending_email_key)
        .bind(11, std::int64_t{a.disabled ? 1 : 0})
        .bind(12, a.totp_secret)
        .bind(13, a.totp_pending)
        .bind(14, a.totp_last_step)
        .execute();
  } catch (const SqliteError& e) {
    // Of concurrent inserts with one key exactly one wins.
    if (e.unique_violation()) return Error::email_taken;
    throw;
  }
  insert_recovery_codes(c, a.id, a.recovery_codes);
  return {};
}

bool account_exists(Connection& c, const std::string& id) {
  Statement s = c.prepare("SELECT 1 FROM accounts WHERE id = ?");
  s.bind(1, id);
  return s.step();
}

Result<Account> account_by_email(Connection& c, std::string_view email_key) {
  return select_account(c, ACCOUNT_SELECT "WHERE a.email_key = ?", email_key);
}

Result<Account> account_by_id(Connection& c, std::string_view id) {
  return select_account(c, ACCOUNT_SELECT "WHERE a.id = ?", id);
}

std::vector<Account> accounts_after(Connection& c, std::string_view after_id, std::size_t limit) {
  // Keyset paging on the primary key (BINARY collation: bytewise), so a page costs its own rows
  // and inserts or deletions elsewhere never shift the next one.
  Statement s = c.prepare(ACCOUNT_SELECT "WHERE a.id > ? ORDER BY a.id LIMIT ?");
  const auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  s.bind(1, after_id).bind(2, static_cast<std::int64_t>(std::min(limit, max)));
  std::vector<Account> page;
  while (s.step()) page.push_back(read_full_account(c, s));
  return page;
}

Result<SessionAccount> session_account(Connection& c, std::string_view digest, TimePoint now) {
  Statement s = c.prepare("SELECT " ACCOUNT_COLUMNS ", " SESSION_COLUMNS
                          "FROM sessions s JOIN accounts a ON a.id = s.account_id "
                          "WHERE s.token_digest = ? AND s.expires_at > ?");
  s.bind(1, digest).bind(2, millis(now));
  if (!s.step()) return Error::not_found;
  return SessionAccount{read_session(s, kAccountColumns), read_full_account(c, s)};
}

Result<TokenHolder> token_holder(Connection& c, const std::string& digest, TokenPurpose purpose, TimePoint now) {
  Statement s = c.prepare("SELECT " ACCOUNT_COLUMNS ", t.email, t.created_at, t.expires_at "
                          "FROM flow_tokens t JOIN accounts a ON a.id = t.account_id "
                          "WHERE t.token_digest = ? AND t.purpose = ? AND t.expires_at > ?");
  s.bind(1, digest).bind(2, std::string_view(to_string(purpose))).bind(3, millis(now));
  if (!s.step()) return Error::not_found;
  Account account = read_full_account(c, s);
  FlowToken token{.token_digest = digest,
                  .purpose = purpose,
                  .account_id = account.id,
                  .email = s.text(kAccountColumns),
                  .created_at = from_millis(s.integer(kAccountColumns + 1)),
                  .expires_at = from_millis(s.integer(kAccountColumns + 2))};
  return TokenHolder{std::move(token), std::move(account)};
}

void insert_effects(Connection& c, const std::string& account_id, const Effects& effects) {
  if (effects.token) insert_token(c, account_id, *effects.token);
  for (const OutboxMessage& m : effects.mail) queue_mail(c, m);
}

Result<Account> apply_changes(Connection& c, const std::string& id, const AccountChanges& ch) {
  {
    Statement s = c.prepare(
        "UPDATE accounts SET name = coalesce(?1, name), email = coalesce(?2, email), "
        "email_key = coalesce(?3, email_key), password_hash = coalesce(?4, password_hash), updated_at = ?5, "
        "email_verified = coalesce(?8, email_verified), pending_email = coalesce(?9, pending_email), "
        "pending_email_key = coalesce(?10, pending_email_key), disabled = coalesce(?11, disabled), "
        "totp_secret = coalesce(?12, totp_secret), totp_pending = coalesce(?13, totp_pending), "
        "totp_last_step = coalesce(?15, totp_last_step) "
        "WHERE id = ?6 AND (?7 IS NULL OR password_hash = ?7) AND (?14 IS NULL OR totp_pending = ?14) "
        "AND (?15 IS NULL OR totp_last_step < ?15) "
        "AND (?16 IS NULL OR EXISTS (SELECT 1 FROM recovery_codes WHERE account_id = ?6 AND digest = ?16))");
    auto bind_opt = [&s](int i, const std::optional<std::string>& v) {
      if (v) s.bind(i, *v); else s.bind_null(i);
    };
    bind_opt(1, ch.name);
    bind_opt(2, ch.email);
    bind_opt(3, ch.email_key);
    bind_opt(4, ch.password_hash);
    s.bind(5, millis(ch.updated_at)).bind(6, id);
    bind_opt(7, ch.expected_password_hash);
    if (ch.email_verified) s.bind(8, std::int64_t{*ch.email_verified ? 1 : 0}); else s.bind_null(8);
    bind_opt(9, ch.pending_email);
    bind_opt(10, ch.pending_email_key);
    if (ch.disabled) s.bind(11, std::int64_t{*ch.disabled ? 1 : 0}); else s.bind_null(11);
    bind_opt(12, ch.totp_secret);
    bind_opt(13, ch.totp_pending);
    bind_opt(14, ch.expected_totp_pending);
    if (ch.accept_totp_step) s.bind(15, *ch.accept_totp_step); else s.bind_null(15);
    bind_opt(16, ch.use_recovery_code);
    try {
      s.execute();
    } catch (const SqliteError& e) {
      if (e.unique_violation()) return Error::email_taken;
      throw;
    }
  }
  // Gone, or a condition (password hash, pending secret, time step, recovery code) no longer holds.
  if (c.changes() == 0) return Error::not_found;
  // The code used leaves the set it was found in; a new set given in the same change replaces
  // what is left.
  if (ch.use_recovery_code) {
    c.prepare("DELETE FROM recovery_codes WHERE account_id = ? AND digest = ?")
        .bind(1, id)
        .bind(2, *ch.use_recovery_code)
        .execute();
  }
  if (ch.recovery_codes) {
    c.prepare("DELETE FROM recovery_codes WHERE account_id = ?").bind(1, id).execute();
    insert_recovery_codes(c, id, *ch.recovery_codes);
  }
  if (ch.revoke_all_sessions) {
    c.prepare("DELETE FROM sessions WHERE account_id = ?").bind(1, id).execute();
  } else if (ch.keep_only_session) {
    c.prepare("DELETE FROM sessions WHERE account_id = ? AND token_digest <> ?")
        .bind(1, id)
        .bind(2, *ch.keep_only_session)
        .execute();
  }
  for (TokenPurpose purpose : ch.drop_tokens) drop_tokens(c, id, purpose);
  insert_effects(c, id, ch.effects);
  return account_by_id(c, id);
}

}  // namespace vestibule::store::sqlite
