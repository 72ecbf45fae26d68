// How the Redis store writes values and script arguments and reads replies: times as
// milliseconds, hashes (HGETALL's flat [field, value, ...] arrays) as accounts, sessions,
// tokens and messages, AccountChanges and Effects in the argument layout scripts::kChangesPrelude reads, and
// the scripts' common answers as results. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/redis/redis_client.h"
#include "store/store.h"

namespace vestibule::store::redis {

std::string millis(TimePoint t);
std::int64_t parse_int(const std::string& s);  // 0 if not a number
TimePoint parse_millis(const std::string& s);
const char* flag(bool set);  // "1" / "0"

// One field of a hash, or "".
std::string field(const Reply& hash, std::string_view name);

// Error::not_found if the hash is empty. Fields added by later data versions are read with
// their defaults when absent.
Result<Account> to_account(const Reply& hash);
// A session hash with its digest; nullopt if it names no account (damaged data).
std::optional<Session> to_session(std::string digest, const Reply& hash);
// A token hash with its digest; nullopt if its purpose is unknown (damaged data).
std::optional<FlowToken> to_token(std::string digest, const Reply& hash);
// A message hash; nullopt if its params are not what encode_params writes (damaged data).
std::optional<OutboxMessage> to_message(const Reply& hash);

// The argument layouts scripts::kChangesPrelude reads (read_effects, read_changes).
void append_effects(std::vector<std::string>& args, const Effects& effects);
void append_changes(std::vector<std::string>& args, const AccountChanges& changes);
// The count of recovery code digests, then the digests.
void append_digests(std::vector<std::string>& args, const std::vector<std::string>& digests);

// A script's common answers: nil -> not_found, "email_taken", "id_taken" (an account with the
// caller's id exists), "collision" (a digest or message id in use: a collision of random values,
// not the client's doing) -> unavailable, anything else -> success.
Result<void> to_void(const Result<Reply>& reply);
// The same, where success is the account hash as stored afterwards.
Result<Account> to_changed_account(const Result<Reply>& reply);
// 1 / 0 from the outbox scripts that act only for their claimer.
Result<bool> to_bool(const Result<Reply>& reply);

}  // namespace vestibule::store::redis
