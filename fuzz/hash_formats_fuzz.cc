// libFuzzer harness: the imported hash parsers (security/hash_formats.h) on arbitrary bytes must
// never crash or read out of bounds (ASan), and must agree with PasswordHasher::can_verify. What
// they accept is not verified here: a recognised string may cost up to its bound (seconds), and
// the libraries behind the bounds are not ours to fuzz; a string refused must also be refused by
// verify_imported, which computes nothing for it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "security/hash_formats.h"
#include "security/password_hasher.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vestibule::security;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto format = imported_format(input);
  if (format && input.size() > 512) std::abort();
  if (format && !PasswordHasher::can_verify(input)) std::abort();
  if (!format && verify_imported("password", input)) std::abort();
  return 0;
}
