// libFuzzer harness: a request body of arbitrary bytes through the JSON mapping of every
// endpoint (the admin API's too, with its RFC 3339 created_at) and through the form parser of
// introspection must never crash; each either maps or yields a BodyError. The same bytes as a
// date-time: whatever parse_rfc3339 accepts, our own rendering of it reads back to the same
// instant (a round trip of what the admin API stores and answers).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/form.h"
#include "api/json_mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vestibule;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  if (auto when = api::parse_rfc3339(bytes)) {
    // Years 0000-9999 render as RFC 3339; outside them the admin API refuses the value first.
    const auto ms = when->time_since_epoch().count();
    if (ms >= -62'167'219'200'000 && ms < 253'402'300'800'000 && api::parse_rfc3339(api::rfc3339(*when)) != when) {
      std::abort();
    }
  }

  http::Request form{http::beast_http::verb::post, "/v1/introspect", 11};
  form.set(http::beast_http::field::content_type, "application/x-www-form-urlencoded");
  form.body().assign(bytes);
  (void)api::parse_form(form);

  http::Request req{http::beast_http::verb::post, "/v1/users", 11};
  req.set(http::beast_http::field::content_type, "application/json");
  req.body().assign(bytes);
  auto object = api::parse_object(req);
  if (!object) return 0;
  (void)api::to_registration(*object);
  (void)api::to_credentials(*object);
  (void)api::to_profile_changes(*object);
  (void)api::to_password_confirmation(*object);
  (void)api::to_new_user(*object);
  (void)api::to_user_edit(*object);
  return 0;
}
