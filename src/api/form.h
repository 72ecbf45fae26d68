// application/x-www-form-urlencoded request bodies (RFC 7662 introspection requests): the
// decoded values of named fields. Pure functions.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "api/json_mapping.h"
#include "http/message.h"

namespace vestibule::api {

// The body's fields, percent- and '+'-decoded. 415 (BodyError::unsupported_media_type) unless
// Content-Type is application/x-www-form-urlencoded; malformed_request for a body that is not
// such a form, or that repeats a field (RFC 6749 3.2: parameters must not appear more than once).
Mapped<std::map<std::string, std::string, std::less<>>> parse_form(const http::Request& req);

}  // namespace vestibule::api
