#include "store/sqlite/outbox.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "store/params.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/millis.h"

namespace vestibule::store::sqlite {

void queue_mail(Connection& c, const OutboxMessage& m) {
  c.prepare("INSERT INTO outbox (id, kind, recipient, params, created_at, due_at, attempts, claim, status, keep_until) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?5, 0, NULL, 'queued', NULL)")
      .bind(1, m.id)
      .bind(2, m.kind)
      .bind(3, m.recipient)
      .bind(4, encode_params(m.params))
      .bind(5, millis(m.created_at))
      .execute();
}

std::vector<OutboxMessage> claim_mail(Connection& c, TimePoint now, std::chrono::milliseconds lease, std::size_t limit,
                                      const std::string& claim, spdlog::logger& log) {
  std::vector<OutboxMessage> claimed;
  std::vector<std::string> damaged;
  {
    // outbox_by_due (status, due_at) serves the filter and the order; created_at and id only
    // break ties between messages due at the same millisecond.
    Statement due = c.prepare(
        "SELECT id, kind, recipient, params, created_at, attempts FROM outbox "
        "WHERE status = 'queued' AND due_at <= ? ORDER BY due_at, created_at, id LIMIT ?");
    const auto most = static_cast<std::int64_t>(
        std::min<std::size_t>(limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
    due.bind(1, millis(now)).bind(2, most);
    while (due.step()) {
      std::optional<Params> params = decode_params(due.text(3));
      if (!params) {
        damaged.push_back(due.text(0));
        continue;
      }
      claimed.push_back(OutboxMessage{.id = due.text(0),
                                      .kind = due.text(1),
                                      .recipient = due.text(2),
                                      .params = std::move(*params),
                                      .created_at = from_millis(due.integer(4)),
                                      .attempts = static_cast<std::uint32_t>(due.integer(5))});
    }
  }
  const std::int64_t lease_ends = millis(now) + static_cast<std::int64_t>(lease.count());
  for (const OutboxMessage& m : claimed) {
    c.prepare("UPDATE outbox SET due_at = ?, claim = ? WHERE id = ?")
        .bind(1, lease_ends)
        .bind(2, claim)
        .bind(3, m.id)
        .execute();
  }
  for (const std::string& id : damaged) {
    // Handing it out would fail every delivery, and leaving it queued would hand it out again
    // after every lease; there is nothing in it worth keeping.
    c.prepare("UPDATE outbox SET status = 'failed', params = '[]', claim = NULL, keep_until = ? WHERE id = ?")
        .bind(1, millis(now))
        .bind(2, id)
        .execute();
    log.error("event=store.outbox_damaged message_id={} reason=\"its params do not decode; failed\"", id);
  }
  return claimed;
}

bool complete_mail(Connection& c, const std::string& id, const std::string& claim) {
  c.prepare("DELETE FROM outbox WHERE id = ? AND claim = ? AND status = 'queued'").bind(1, id).bind(2, claim).execute();
  return c.changes() > 0;
}

bool retry_mail(Connection& c, const std::string& id, const std::string& claim, TimePoint due) {
  // The claim is given up with the message: it is anyone's again at `due`.
  c.prepare("UPDATE outbox SET attempts = attempts + 1, due_at = ?, claim = NULL "
            "WHERE id = ? AND claim = ? AND status = 'queued'")
      .bind(1, millis(due))
      .bind(2, id)
      .bind(3, claim)
      .execute();
  return c.changes() > 0;
}

bool fail_mail(Connection& c, const std::string& id, const std::string& claim, TimePoint keep_until) {
  // The params go at once: they may hold a live flow token, and nothing will send them now.
  c.prepare("UPDATE outbox SET attempts = attempts + 1, params = '[]', status = 'failed', claim = NULL, keep_until = ? "
            "WHERE id = ? AND claim = ? AND status = 'queued'")
      .bind(1, millis(keep_until))
      .bind(2, id)
      .bind(3, claim)
      .execute();
  return c.changes() > 0;
}

OutboxStats outbox_stats(Connection& c) {
  Statement s = c.prepare(
      "SELECT (SELECT count(*) FROM outbox WHERE status = 'queued'), "
      "(SELECT count(*) FROM outbox WHERE status = 'failed'), "
      "(SELECT coalesce(min(created_at), 0) FROM outbox WHERE status = 'queued')");
  OutboxStats stats;
  if (!s.step()) return stats;
  stats.queued = static_cast<std::size_t>(s.integer(0));
  stats.failed = static_cast<std::size_t>(s.integer(1));
  if (stats.queued > 0) stats.oldest_queued = from_millis(s.integer(2));
  return stats;
}

void purge_failed_mail(Connection& c, TimePoint now) {
  c.prepare("DELETE FROM outbox WHERE status = 'failed' AND keep_until <= ?").bind(1, millis(now)).execute();
}

}  // namespace vestibule::store::sqlite
