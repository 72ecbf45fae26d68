// Re-authentication: the proof of the current password that a signed-in caller gives before a
// sensitive change (email, password, deletion, the second factor). A bearer token may be stolen;
// the password check behind it goes through the Throttle under the account's login key, so a
// stolen token allows no more guesses than the login form.
#pragma once

#include <spdlog/logger.h>

#include <string>
#include <string_view>

#include "accounts/failure.h"
#include "accounts/throttle.h"
#include "accounts/types.h"
#include "store/store.h"

namespace vestibule::accounts {

// Checks `password` against the password hash of `p`'s account, read with its session at `now`
// (a Principal never carries a hash: it may come from the session cache, which holds none), and
// returns that hash, for the change to be conditional on (AccountChanges::expected_password_hash).
// invalid_token if the session ended meanwhile (a password change elsewhere revokes it: the
// caller learns that, not that its correct password is wrong); invalid_password if it does not
// match (or is not valid UTF-8), too_many_attempts past a limit, overloaded, store_unavailable.
// Each failure writes an audit line `event=reauthentication.failed` with `for=<purpose>` (the
// operation it guards).
Task<Result<std::string>> reauthenticate(store::Store& store, Throttle& throttle, spdlog::logger& audit,
                                         const Principal& p, TimePoint now, const std::string& password,
                                         std::string_view purpose);

}  // namespace vestibule::accounts
