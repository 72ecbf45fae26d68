// libFuzzer harness: a request body of arbitrary bytes through the JSON mapping of every
// endpoint must never crash; it either maps or yields a BodyError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/json_mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vestibule;
  http::Request req{http::beast_http::verb::post, "/v1/users", 11};
  req.set(http::beast_http::field::content_type, "application/json");
  req.body().assign(reinterpret_cast<const char*>(data), size);
  auto object = api::parse_object(req);
  if (!object) return 0;
  (void)api::to_registration(*object);
  (void)api::to_credentials(*object);
  (void)api::to_profile_changes(*object);
  (void)api::to_password_confirmation(*object);
  return 0;
}
