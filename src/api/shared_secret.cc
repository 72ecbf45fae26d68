#include "api/shared_secret.h"

#include <sodium.h>

#include "api/bearer_auth.h"

namespace vestibule::api {
namespace {

std::array<unsigned char, 32> digest_of(std::string_view text) {
  std::array<unsigned char, 32> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr,
                     0);
  return out;
}

}  // namespace

SharedSecret::SharedSecret(std::string_view secret) : digest_(digest_of(secret)) {}

bool SharedSecret::matches(std::string_view presented) const {
  const auto digest = digest_of(presented);
  return sodium_memcmp(digest.data(), digest_.data(), digest.size()) == 0;
}

bool SharedSecret::authorizes(const http::Request& req) const {
  const std::optional<std::string_view> token = bearer_token(req);
  return token && matches(*token);
}

}  // namespace vestibule::api
