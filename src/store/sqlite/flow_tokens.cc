#include "store/sqlite/flow_tokens.h"

#include "store/sqlite/connection.h"
#include "store/sqlite/millis.h"

namespace vestibule::store::sqlite {

void insert_token(Connection& c, const std::string& account_id, const FlowToken& t) {
  c.prepare("INSERT INTO flow_tokens (token_digest, purpose, account_id, email, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)")
      .bind(1, t.token_digest)
      .bind(2, std::string_view(to_string(t.purpose)))
      .bind(3, account_id)
      .bind(4, t.email)
      .bind(5, millis(t.created_at))
      .bind(6, millis(t.expires_at))
      .execute();
}

void drop_tokens(Connection& c, const std::string& account_id, TokenPurpose purpose) {
  c.prepare("DELETE FROM flow_tokens WHERE account_id = ? AND purpose = ?")
      .bind(1, account_id)
      .bind(2, std::string_view(to_string(purpose)))
      .execute();
}

std::string consume_token(Connection& c, const std::string& digest, TokenPurpose purpose, TimePoint now) {
  Statement s = c.prepare("DELETE FROM flow_tokens WHERE token_digest = ? AND purpose = ? AND expires_at > ? "
                          "RETURNING account_id");
  s.bind(1, digest).bind(2, std::string_view(to_string(purpose))).bind(3, millis(now));
  if (!s.step()) return {};
  std::string account_id = s.text(0);
  s.execute();  // finish the statement so the delete is complete
  return account_id;
}

void purge_expired_tokens(Connection& c, TimePoint now) {
  c.prepare("DELETE FROM flow_tokens WHERE expires_at <= ?").bind(1, millis(now)).execute();
}

}  // namespace vestibule::store::sqlite
