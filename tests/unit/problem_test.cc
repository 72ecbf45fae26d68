// The one error -> HTTP mapping (api/problem.cc): every accounts::Code's status, code string and
// headers (Retry-After, WWW-Authenticate), and the problem+json body around them.
#include "api/problem.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

namespace vestibule::api {
namespace {

using accounts::Code;
using accounts::Failure;
namespace beast_http = boost::beast::http;

const http::Exchange kExchange{.request_id = "req-42", .tls = false, .client = "192.0.2.1"};

struct Expected {
  Code code;
  unsigned status;
  std::string_view name;
  std::string_view retry_after;  // "" when the header must be absent
};

// Every Code: a new one fails here until it is given its status (the switch in problem.cc has no
// default, so -Wswitch catches a missing case there too).
constexpr Expected kMappings[] = {
    {Code::validation_failed, 422, "validation_failed", ""},
    {Code::email_taken, 409, "email_taken", ""},
    {Code::invalid_credentials, 401, "invalid_credentials", ""},
    {Code::invalid_password, 403, "invalid_password", ""},
    {Code::invalid_token, 401, "invalid_token", ""},
    {Code::invalid_link_token, 400, "invalid_token", ""},
    {Code::email_not_verified, 403, "email_not_verified", ""},
    {Code::already_verified, 409, "already_verified", ""},
    {Code::too_many_attempts, 429, "too_many_attempts", "37"},
    {Code::conflict, 409, "conflict", ""},
    {Code::not_found, 404, "not_found", ""},
    {Code::account_disabled, 403, "account_disabled", ""},
    {Code::id_taken, 409, "id_taken", ""},
    {Code::backup_unsupported, 409, "backup_unsupported", ""},
    {Code::backup_in_progress, 409, "backup_in_progress", ""},
    {Code::invalid_code, 401, "invalid_code", ""},
    {Code::invalid_mfa_token, 400, "invalid_token", ""},
    {Code::invalid_confirmation_code, 400, "invalid_code", ""},
    {Code::totp_enabled, 409, "totp_enabled", ""},
    {Code::totp_not_enabled, 409, "totp_not_enabled", ""},
    {Code::totp_not_pending, 409, "totp_not_pending", ""},
    {Code::totp_unavailable, 503, "totp_unavailable", ""},
    {Code::overloaded, 503, "overloaded", "1"},
    {Code::store_unavailable, 503, "store_unavailable", "1"},
};

TEST(FailureResponse, MapsEveryCodeToItsStatusCodeAndRetryAfter) {
  static_assert(std::size(kMappings) == static_cast<std::size_t>(Code::store_unavailable) + 1, "a Code is missing");
  for (const Expected& e : kMappings) {
    SCOPED_TRACE(std::string(e.name));
    Failure f{e.code, {}, std::chrono::seconds(37)};
    const http::Response res = failure_response(f, kExchange);
    EXPECT_EQ(res.result_int(), e.status);
    EXPECT_EQ(res[beast_http::field::content_type], "application/problem+json");
    const boost::json::object body = boost::json::parse(res.body()).as_object();
    EXPECT_EQ(body.at("code").as_string(), e.name);
    EXPECT_EQ(body.at("type").as_string(), "urn:vestibule:problem:" + std::string(e.name));
    EXPECT_EQ(body.at("status").as_int64(), static_cast<std::int64_t>(e.status));
    EXPECT_EQ(body.at("instance").as_string(), "urn:vestibule:request:req-42");
    EXPECT_EQ(body.at("title").as_string(), std::string(beast_http::obsolete_reason(res.result())));
    EXPECT_FALSE(body.at("detail").as_string().empty());
    EXPECT_FALSE(body.contains("errors"));
    EXPECT_EQ(res[beast_http::field::retry_after], e.retry_after);
    if (e.code != Code::invalid_token) {
      EXPECT_EQ(res.count(beast_http::field::www_authenticate), 0u);
    }
  }
}

TEST(FailureResponse, InvalidTokenCarriesTheBearerChallenge) {
  const Failure f{Code::invalid_token, {}};
  EXPECT_EQ(failure_response(f, kExchange, true)[beast_http::field::www_authenticate],
            R"(Bearer realm="vestibule", error="invalid_token")");
  // RFC 6750 3.1: no error attribute when the request carried no token.
  EXPECT_EQ(failure_response(f, kExchange, false)[beast_http::field::www_authenticate], R"(Bearer realm="vestibule")");
}

TEST(FailureResponse, TooManyAttemptsSaysWhenToRetry) {
  for (const auto seconds : {1, 900, 3600}) {
    const Failure f{Code::too_many_attempts, {}, std::chrono::seconds(seconds)};
    EXPECT_EQ(failure_response(f, kExchange)[beast_http::field::retry_after], std::to_string(seconds));
  }
}

TEST(FailureResponse, ValidationFailedListsEveryFieldError) {
  const Failure f{Code::validation_failed,
                  {{"name", "required", "The name must not be empty."}, {"email", "invalid_email", "No @."}}};
  const http::Response res = failure_response(f, kExchange);
  ASSERT_EQ(res.result_int(), 422u);
  const boost::json::array errors = boost::json::parse(res.body()).as_object().at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].as_object().at("field").as_string(), "name");
  EXPECT_EQ(errors[0].as_object().at("code").as_string(), "required");
  EXPECT_EQ(errors[1].as_object().at("field").as_string(), "email");
  EXPECT_EQ(errors[1].as_object().at("code").as_string(), "invalid_email");
  EXPECT_EQ(errors[1].as_object().at("message").as_string(), "No @.");
}

TEST(BodyError, IsUnsupportedMediaTypeOrMalformedRequest) {
  const http::Response media = body_error(BodyError{.unsupported_media_type = true, .detail = "not JSON"}, kExchange);
  EXPECT_EQ(media.result_int(), 415u);
  EXPECT_EQ(boost::json::parse(media.body()).as_object().at("code").as_string(), "unsupported_media_type");
  const http::Response malformed = body_error(BodyError{.unsupported_media_type = false, .detail = "bad JSON"}, kExchange);
  EXPECT_EQ(malformed.result_int(), 400u);
  EXPECT_EQ(boost::json::parse(malformed.body()).as_object().at("code").as_string(), "malformed_request");
}

}  // namespace
}  // namespace vestibule::api
