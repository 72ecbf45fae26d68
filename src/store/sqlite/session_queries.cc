#include "store/sqlite/session_queries.h"

#include "store/sqlite/connection.h"
#include "store/sqlite/millis.h"

namespace vestibule::store::sqlite {

Session read_session(const Statement& s, int first) {
  return Session{.token_digest = s.text(first),
                 .account_id = s.text(first + 1),
                 .created_at = from_millis(s.integer(first + 2)),
                 .expires_at = from_millis(s.integer(first + 3)),
                 .id = s.text(first + 4),
                 .user_agent = s.text(first + 5),
                 .client_address = s.text(first + 6),
                 .last_used_at = from_millis(s.integer(first + 7))};
}

bool insert_session(Connection& c, const Session& session) {
  // One statement: the account check and the insert cannot be separated by a password change
  // or by disabling the account.
  Statement insert = c.prepare(
      "INSERT INTO sessions (token_digest, account_id, created_at, expires_at, id, user_agent, client_address, "
      "last_used_at) SELECT ?1, ?2, ?3, ?4, ?6, ?7, ?8, ?3 WHERE EXISTS "
      "(SELECT 1 FROM accounts WHERE id = ?2 AND disabled = 0 AND (?5 IS NULL OR password_hash = ?5) "
      "AND (?9 = 0 OR totp_secret = ''))");
  insert.bind(1, session.token_digest)
      .bind(2, session.account_id)
      .bind(3, millis(session.created_at))
      .bind(4, millis(session.expires_at));
  if (session.expected_password_hash) insert.bind(5, *session.expected_password_hash); else insert.bind_null(5);
  insert.bind(6, session.id).bind(7, session.user_agent).bind(8, session.client_address);
  insert.bind(9, static_cast<std::int64_t>(session.without_second_factor ? 1 : 0));
  insert.execute();
  return c.changes() != 0;
}

int trim_sessions(Connection& c, const std::string& account_id, const std::string& kept_digest, std::size_t keep,
                  TimePoint now) {
  // The account's index (sessions_by_account) bounds the scan to its own sessions, which this
  // keeps at `keep` or so: the work per login stays bounded.
  c.prepare("DELETE FROM sessions WHERE token_digest IN (SELECT token_digest FROM sessions WHERE account_id = ?1 "
            "AND token_digest <> ?2 AND expires_at > ?3 ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?4)")
      .bind(1, account_id)
      .bind(2, kept_digest)
      .bind(3, millis(now))
      .bind(4, static_cast<std::int64_t>(keep - 1))
      .execute();
  return c.changes();
}

void touch_session(Connection& c, const std::string& digest, TimePoint at) {
  // The condition keeps last use from going backwards when touches arrive out of order, and
  // spares the write when nothing changes.
  c.prepare("UPDATE sessions SET last_used_at = ?2 WHERE token_digest = ?1 AND last_used_at < ?2")
      .bind(1, digest)
      .bind(2, millis(at))
      .execute();
}

std::vector<Session> live_sessions(Connection& c, const std::string& account_id, TimePoint now) {
  Statement s = c.prepare("SELECT " SESSION_COLUMNS "FROM sessions s WHERE s.account_id = ? AND s.expires_at > ? "
                          "ORDER BY s.created_at DESC, s.id DESC");
  s.bind(1, account_id).bind(2, millis(now));
  std::vector<Session> sessions;
  while (s.step()) sessions.push_back(read_session(s));
  return sessions;
}

bool delete_live_session(Connection& c, const std::string& account_id, const std::string& session_id, TimePoint now) {
  c.prepare("DELETE FROM sessions WHERE id = ? AND account_id = ? AND expires_at > ?")
      .bind(1, session_id)
      .bind(2, account_id)
      .bind(3, millis(now))
      .execute();
  return c.changes() != 0;
}

}  // namespace vestibule::store::sqlite
