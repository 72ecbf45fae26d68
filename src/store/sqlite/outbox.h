// The SQLite queries of the mail outbox (table `outbox`, migration 3): queueing a message as
// an effect of a change, and the courier's claim / complete / retry / fail. Each runs inside
// the caller's transaction or as one statement; none opens a transaction of its own. Failures
// throw SqliteError, as Connection does. Not thread-safe (one connection, like Connection).
//
// A claim is stored on the message itself: `claim` holds the claimer's string and `due_at` is
// moved to the end of the lease, so the message is not due for anyone before the lease ends and
// is claimed again (overwriting `claim`) after it. complete/retry/fail act only while `claim`
// still holds the caller's string.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "store/store.h"

namespace spdlog {
class logger;
}

namespace vestibule::store::sqlite {

class Connection;

// Inserts the message, due at once (at its created_at); its attempts start at 0.
void queue_mail(Connection& c, const OutboxMessage& message);

// The claim_mail query (store.h); the caller holds a write transaction. A message whose params
// cannot be decoded (damaged data) is failed on the spot instead of being handed out, so it
// cannot stall the queue; `log` names its id.
std::vector<OutboxMessage> claim_mail(Connection& c, TimePoint now, std::chrono::milliseconds lease, std::size_t limit,
                                      const std::string& claim, spdlog::logger& log);

// One statement each; true when the message was still the claimer's and changed.
bool complete_mail(Connection& c, const std::string& id, const std::string& claim);
bool retry_mail(Connection& c, const std::string& id, const std::string& claim, TimePoint due);
bool fail_mail(Connection& c, const std::string& id, const std::string& claim, TimePoint keep_until);

OutboxStats outbox_stats(Connection& c);

// Removes failed messages whose keep_until is at or before `now`.
void purge_failed_mail(Connection& c, TimePoint now);

}  // namespace vestibule::store::sqlite
