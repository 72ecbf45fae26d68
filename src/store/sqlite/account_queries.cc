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
                 .disabled = s.integer(first + 10) != 0};
}

// String literals (not constants) so that statements built from them stay literals: the
// connection caches prepared statements by the literal's address. `a` is the accounts table.
#define ACCOUNT_COLUMNS                                                                 \
  "a.id, a.name, a.email, a.email_key, a.password_hash, a.created_at, a.updated_at, " \
  "a.email_verified, a.pending_email, a.pending_email_key, a.disabled "
#define ACCOUNT_SELECT "SELECT " ACCOUNT_COLUMNS "FROM accounts a "
constexpr int kAccountColumns = 11;

Result<Account> select_account(Connection& c, const char* sql, std::string_view key) {
  Statement s = c.prepare(sql);
  s.bind(1, key);
  if (!s.step()) return Error::not_found;
  return read_account(s);
}

}  // namespace

Result<void> insert_account(Connection& c, const Account& a) {
  // Checked before the address, so that an import repeated with the same id reads id_taken
  // whatever its address. The caller's transaction holds the write lock from here to the insert.
  if (account_exists(c, a.id)) return Error::id_taken;
  try {
    c.prepare("INSERT INTO accounts (id, name, email, email_key, password_hash, created_at, updated_at, "
              "email_verified, pending_email, pending_email_key, disabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
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
        .execute();
  } catch (const SqliteError& e) {
    // Of concurrent inserts with one key exactly one wins.
    if (e.unique_violation()) return Error::email_taken;
    throw;
  }
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
  while (s.step()) page.push_back(read_account(s));
  return page;
}

Result<SessionAccount> session_account(Connection& c, std::string_view digest, TimePoint now) {
  Statement s = c.prepare("SELECT " ACCOUNT_COLUMNS ", " SESSION_COLUMNS
                          "FROM sessions s JOIN accounts a ON a.id = s.account_id "
                          "WHERE s.token_digest = ? AND s.expires_at > ?");
  s.bind(1, digest).bind(2, millis(now));
  if (!s.step()) return Error::not_found;
  return SessionAccount{read_session(s, kAccountColumns), read_account(s)};
}

Result<TokenHolder> token_holder(Connection& c, const std::string& digest, TokenPurpose purpose, TimePoint now) {
  Statement s = c.prepare("SELECT " ACCOUNT_COLUMNS ", t.email, t.created_at, t.expires_at "
                          "FROM flow_tokens t JOIN accounts a ON a.id = t.account_id "
                          "WHERE t.token_digest = ? AND t.purpose = ? AND t.expires_at > ?");
  s.bind(1, digest).bind(2, std::string_view(to_string(purpose))).bind(3, millis(now));
  if (!s.step()) return Error::not_found;
  Account account = read_account(s);
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
        "pending_email_key = coalesce(?10, pending_email_key), disabled = coalesce(?11, disabled) "
        "WHERE id = ?6 AND (?7 IS NULL OR password_hash = ?7)");
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
    try {
      s.execute();
    } catch (const SqliteError& e) {
      if (e.unique_violation()) return Error::email_taken;
      throw;
    }
  }
  if (c.changes() == 0) return Error::not_found;
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
