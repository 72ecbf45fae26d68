// A secret that callers of a privileged endpoint present as a bearer token (the admin API, token
// introspection), compared in constant time. Only a digest is kept. Thread-safe (immutable).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace vestibule::api {

class SharedSecret {
 public:
  // The secret, already read and trimmed by its owner (the application reads the file).
  explicit SharedSecret(std::string_view secret);

  // Whether `presented` is the secret. Constant time in both: digests of equal length are
  // compared, so neither the content nor the length of the secret leaks through timing.
  bool matches(std::string_view presented) const;

  // Whether `req` carries `Authorization: Bearer <the secret>`.
  bool authorizes(const http::Request& req) const;

 private:
  std::array<unsigned char, 32> digest_{};
};

}  // namespace vestibule::api
