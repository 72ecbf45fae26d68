#include "store/sqlite/migrations.h"

#include <spdlog/spdlog.h>

#include <array>
#include <string>

#include "store/sqlite/connection.h"
#include "store/sqlite/schema_check.h"

namespace vestibule::store::sqlite {
namespace {

using MigrationResult = boost::system::result<void, OpenError>;
using Migration = MigrationResult (*)(Connection&, const MigrationContext&);

// Schema version 1, as the first release wrote it (tests/store/fixtures/schema_v1.sql is a copy
// the upgrade test builds old databases from). Never edit it: change the schema in a new
// migration. Times are milliseconds since the Unix epoch (UTC).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS accounts (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  email         TEXT NOT NULL,
  email_key     TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
  token_digest TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_account ON sessions(account_id);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions(expires_at);
CREATE TABLE IF NOT EXISTS attempts (
  key         TEXT PRIMARY KEY,
  count       INTEGER NOT NULL,
  window_ends INTEGER NOT NULL
) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

MigrationResult migration_1(Connection& c, const MigrationContext&) {
  c.exec(kSchemaV1);
  return {};
}

// Version 2: email keys become full Unicode case folds (security::email_key) instead of
// lower-cased addresses, so every account is re-keyed from its stored address. Two accounts
// whose new keys are equal (e.g. "STRASSE@x" and "straße@x") are never merged: the older one
// (created_at, then id) takes the key, and the newer one gets the placeholder key
// "conflict:<id>", which no address folds to (a fold always contains '@'; ids are UUIDs). It
// keeps its data and live sessions, and can take a new address with PATCH /v1/users/me, but a
// login by its address reaches the older account; the warning names both ids so an operator can
// settle it, and `email_key LIKE 'conflict:%'` finds them later.
MigrationResult migration_2(Connection& c, const MigrationContext& context) {
  c.exec("CREATE TEMP TABLE rekey (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, old_key TEXT NOT NULL, "
         "new_key TEXT NOT NULL, final_key TEXT) WITHOUT ROWID");
  c.exec("CREATE INDEX temp.rekey_by_new_key ON rekey(new_key, created_at, id)");
  {
    Statement rows = c.prepare("SELECT id, created_at, email_key, email FROM accounts");
    while (rows.step()) {
      if (!context.email_key) {
        return OpenError{"internal: migrating to schema version 2 re-keys accounts and needs OpenOptions::email_key"};
      }
      c.prepare("INSERT INTO rekey (id, created_at, old_key, new_key) VALUES (?, ?, ?, ?)")
          .bind(1, rows.text(0))
          .bind(2, rows.integer(1))
          .bind(3, rows.text(2))
          .bind(4, context.email_key(rows.text(3)))
          .execute();
    }
  }
  c.exec("UPDATE rekey SET final_key = CASE WHEN EXISTS (SELECT 1 FROM rekey AS w WHERE w.new_key = rekey.new_key AND "
         "(w.created_at < rekey.created_at OR (w.created_at = rekey.created_at AND w.id < rekey.id))) "
         "THEN 'conflict:' || id ELSE new_key END");
  {
    Statement losers = c.prepare(
        "SELECT r.id, (SELECT w.id FROM rekey AS w WHERE w.new_key = r.new_key AND w.final_key = w.new_key) "
        "FROM rekey AS r WHERE r.final_key <> r.new_key ORDER BY r.id");
    while (losers.step()) {
      // Ids only: addresses are personal data and stay out of logs.
      context.log.warn("event=store.email_key_conflict account_id={} holder_account_id={} email_key=conflict:{} "
                       "reason=\"its address case-folds to the key of an older account; login by address reaches "
                       "the older one\"",
                       losers.text(0), losers.text(1), losers.text(0));
    }
  }
  // Two steps, so that no intermediate state violates the UNIQUE index: an account may take the
  // key another one is about to give up. The interim keys have no '@', like the placeholders.
  c.exec("UPDATE accounts SET email_key = 'rekey:' || id WHERE id IN (SELECT id FROM rekey WHERE final_key <> old_key)");
  c.exec("UPDATE accounts SET email_key = (SELECT final_key FROM rekey WHERE rekey.id = accounts.id) "
         "WHERE id IN (SELECT id FROM rekey WHERE final_key <> old_key)");
  c.exec("DROP TABLE temp.rekey");
  return {};
}

// Version 3: verified addresses, pending address changes, the single-use tokens of mailed flows
// and the mail outbox (issue 10). Existing accounts start unverified: nobody has proved an
// address yet. A flow token goes with its account (ON DELETE CASCADE); queued mail does not, so
// a notice about a deletion still goes out. Outbox rows: `due_at` is when a message may next be
// claimed (a claim moves it to the end of the lease), `claim` names the claimer that holds it
// (NULL: none), `keep_until` is when a failed message is purged (NULL while queued). Times are
// milliseconds since the Unix epoch (UTC), as in version 1.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE accounts ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN pending_email TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN pending_email_key TEXT NOT NULL DEFAULT '';
CREATE TABLE flow_tokens (
  token_digest TEXT PRIMARY KEY,
  purpose      TEXT NOT NULL,
  account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  email        TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX flow_tokens_by_account ON flow_tokens(account_id);
CREATE TABLE outbox (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  recipient  TEXT NOT NULL,
  params     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  due_at     INTEGER NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  claim      TEXT,
  status     TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'failed')),
  keep_until INTEGER
) WITHOUT ROWID;
CREATE INDEX outbox_by_due ON outbox(status, due_at);
)sql";

MigrationResult migration_3(Connection& c, const MigrationContext&) {
  c.exec(kSchemaV3);
  return {};
}

// Version 4: operators and owners manage accounts and sessions (issue 11). An account can be
// disabled by an operator; existing ones stay enabled. A session gets a public id (random, never
// the token or its digest: it names the session in GET and DELETE /v1/sessions), what the client
// said it was and where it came from, and its last use. Sessions of the previous release get a
// random id of 128 bits (32 hex digits; new sessions get UUIDs: the id is opaque to clients) and no metadata, and were last
// used, as far as anyone knows, when they were created. The ids are unique across all sessions, so
// one id names one session whichever account asks.
constexpr const char* kSchemaV4 = R"sql(
ALTER TABLE accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN client_address TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET id = lower(hex(randomblob(16))), last_used_at = created_at;
CREATE UNIQUE INDEX sessions_by_id ON sessions(id);
)sql";

MigrationResult migration_4(Connection& c, const MigrationContext&) {
  c.exec(kSchemaV4);
  return {};
}

// Version 5: the second factor (issue 14). An account gets its sealed TOTP secret (empty: the
// second factor is off), a sealed secret waiting for confirmation (empty: none) and the last
// time step whose code was accepted (0: none); existing accounts have TOTP off. The digests of
// its unused recovery codes are rows of their own rather than one encoded column: using a code
// is then one conditional DELETE (the primary key finds it, and `changes()` says whether it
// was there), any digest is stored as given with no separator or escaping to get wrong, and
// the codes go with their account (ON DELETE CASCADE) like its sessions and tokens. Flow
// tokens need nothing: `purpose` is free text, so mfa_login tokens fit as they are.
constexpr const char* kSchemaV5 = R"sql(
ALTER TABLE accounts ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  digest     TEXT NOT NULL,
  PRIMARY KEY (account_id, digest)
) WITHOUT ROWID;
)sql";

MigrationResult migration_5(Connection& c, const MigrationContext&) {
  c.exec(kSchemaV5);
  return {};
}

// Migration N brings version N-1 to N.
constexpr std::array<Migration, kSchemaVersion> kMigrations{migration_1, migration_2, migration_3, migration_4,
                                                            migration_5};

std::int64_t user_version(Connection& c) {
  Statement s = c.prepare("PRAGMA user_version");
  return s.step() ? s.integer(0) : 0;
}

}  // namespace

boost::system::result<void, OpenError> migrate(Connection& c, const MigrationContext& context) {
  // A damaged file would otherwise open, answer /readyz and fail every call with 503.
  if (auto problem = integrity_problem(c)) return OpenError{"the database file is corrupt (" + *problem + ")"};
  const std::int64_t version = user_version(c);
  if (version > kSchemaVersion) {
    return OpenError{"incompatible schema: database version " + std::to_string(version) + " is newer than this binary's " +
                     std::to_string(kSchemaVersion) + "; upgrade vestibule"};
  }
  if (version < 0) return OpenError{"not a Vestibule database: user_version is " + std::to_string(version)};
  if (version == 0) {
    // Version 0 is a new file, or one whose version-1 schema was interrupted half-way (its
    // statements commit one by one). Anything else there belongs to another program.
    std::string foreign;
    for (const std::string& table : user_tables(c)) {
      if (!is_our_table(table)) foreign += (foreign.empty() ? "" : ", ") + table;
    }
    if (!foreign.empty()) return OpenError{"not a Vestibule database: it holds other tables (" + foreign + ")"};
  }
  for (std::int64_t v = version + 1; v <= kSchemaVersion; ++v) {
    Transaction tx(c);
    MigrationResult done = kMigrations[static_cast<std::size_t>(v - 1)](c, context);
    if (!done) return done;  // rolled back: the file stays at version v - 1
    const std::string set_version = "PRAGMA user_version = " + std::to_string(v);
    c.exec(set_version.c_str());
    tx.commit();
    context.log.info("event=store.migrated schema_version={}", v);
  }
  if (auto problem = schema_problem(c)) return OpenError{"not a Vestibule database: " + *problem};
  return {};
}

}  // namespace vestibule::store::sqlite
