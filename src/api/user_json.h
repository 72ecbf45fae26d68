// The user as JSON text, written straight into the body: GET /v1/users/me answers it on every
// call, and building a boost::json::object to serialize it cost more than the rest of that
// handler. Strings are escaped by Boost.JSON's serializer. This is the one definition of the
// user's JSON: api::to_json(User) parses this text when the user is part of a larger body.
// Pure functions.
#pragma once

#include <string>

#include "accounts/types.h"

namespace vestibule::api {

// {"id","name","email","email_verified","totp_enabled","created_at","updated_at"} in this order,
// and "pending_email" last when an address change waits for its link.
std::string user_json(const accounts::User& u);

}  // namespace vestibule::api
