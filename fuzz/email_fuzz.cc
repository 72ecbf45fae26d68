// libFuzzer harness: validate_email on arbitrary bytes must never crash, and what it accepts
// must be stable: validating the normalised address again gives the same address and key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "security/email.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto first = vestibule::security::validate_email(input);
  if (!first) return 0;
  if (first->address.size() > 254) std::abort();
  auto again = vestibule::security::validate_email(first->address);
  if (!again || again->address != first->address || again->key != first->key) std::abort();
  return 0;
}
