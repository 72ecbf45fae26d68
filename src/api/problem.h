// Errors as RFC 9457 problem details (application/problem+json): the one place where a failure
// value becomes an HTTP status, a machine-readable `code` and a body. Pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "accounts/account_service.h"
#include "api/json_mapping.h"
#include "http/message.h"

namespace vestibule::api {

// A problem response: {type, title, status, detail, code} plus `errors` for validation failures.
http::Response problem(http::Status status, std::string_view code, std::string_view detail, const http::Exchange& ex,
                       const std::vector<accounts::FieldError>& errors = {});

// Renders errors found by the server and router (limits, framing, 404, 405).
http::Response render_error(const http::ErrorInfo& info, const http::Exchange& ex);

// The response for a failed account operation. invalid_token failures get the RFC 6750
// challenge; `token_sent` says whether the request carried one.
http::Response failure_response(const accounts::Failure& f, const http::Exchange& ex, bool token_sent = true);

// 415 for a non-JSON body, else 400 malformed_request.
http::Response body_error(const BodyError& e, const http::Exchange& ex);

}  // namespace vestibule::api
