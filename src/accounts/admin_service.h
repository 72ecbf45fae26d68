// The operator's rules (admin API): find, list, create, change, disable and delete accounts,
// and revoke their sessions, over the same Store and PasswordHasher as AccountService. Callers
// are trusted (the admin listener authenticated them): no throttling, no re-authentication, no
// mail. Every action writes one audit line (event, the request's id, account id or what a list
// returned; never a secret), reads included: an operator's look at an account is on record too. Thread-safe:
// holds no mutable state of its own.
//
// Every operation may fail with Code::store_unavailable (nothing changed); every one that
// hashes a password with Code::overloaded.
#pragma once

#include <spdlog/logger.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accounts/failure.h"
#include "accounts/types.h"
#include "security/password_hasher.h"
#include "security/password_policy.h"
#include "store/store.h"

namespace vestibule::accounts {

// POST /admin/v1/users. Exactly one of password (hashed here, under the password policy) and
// password_hash (an existing hash, imported as it is: PasswordHasher::can_verify).
struct NewUser {
  std::optional<std::string> name{}, email{}, password{}, password_hash{};
  std::optional<std::string> id{};  // a UUID; a fresh one when absent
  bool email_verified = false;
  std::optional<TimePoint> created_at{};  // now when absent
};

// PATCH /admin/v1/users/{id}; absent fields stay as they are.
struct UserEdit {
  std::optional<std::string> name{}, email{};
  std::optional<bool> email_verified{}, disabled{};
  // false turns the second factor off (the way back in for someone who lost both the
  // authenticator and the recovery codes, once the operator knows who they are); true is
  // refused: only its owner can enrol.
  std::optional<bool> totp_enabled{};
};

struct UserPage {
  std::vector<User> users;
  std::optional<std::string> next_cursor;  // absent on the last page
};

// A page of accounts: those matching `email` (the normalised address, one account at most) or
// all of them, `limit` at a time, from `cursor` (a previous page's next_cursor; opaque).
struct UserQuery {
  std::optional<std::string> email;
  std::size_t limit = 100;
  std::optional<std::string> cursor;
};

inline constexpr std::size_t kMaxPageSize = 1000;

class AdminService {
 public:
  using ClockFn = std::function<TimePoint()>;

  // `policy` is the one registration applies (a password set by an operator follows it too).
  AdminService(store::Store& store, security::PasswordHasher& hasher, security::PasswordPolicy policy, ClockFn clock,
               std::shared_ptr<spdlog::logger> audit);

  // validation_failed for a limit outside 1..kMaxPageSize or a cursor this service did not write.
  Task<Result<UserPage>> list_users(UserQuery q, RequestContext request = {});
  // not_found for an unknown (or malformed) id.
  Task<Result<User>> get_user(std::string id, RequestContext request = {});
  // validation_failed for every broken rule at once (name, email, the password's policy or an
  // unsupported password_hash, both or neither of them, an id that is not a UUID, a created_at
  // before 1970 or more than a day ahead); id_taken;
  // email_taken.
  Task<Result<User>> create_user(NewUser u, RequestContext request = {});
  // not_found; validation_failed; email_taken. A new address is unverified unless email_verified
  // says otherwise, any pending change and outstanding links are dropped; disabled: true revokes
  // every session and drops every outstanding link in the same change. With no field present:
  // the user as is, nothing written.
  Task<Result<User>> update_user(std::string id, UserEdit e, RequestContext request = {});
  // Deletes the account with its sessions and links. not_found.
  Task<Result<void>> delete_user(std::string id, RequestContext request = {});
  // Revokes every session of the account. not_found.
  Task<Result<void>> revoke_sessions(std::string id, RequestContext request = {});

 private:
  store::Store& store_;
  security::PasswordHasher& hasher_;
  security::PasswordPolicy policy_;
  ClockFn clock_;
  std::shared_ptr<spdlog::logger> audit_;
};

}  // namespace vestibule::accounts
