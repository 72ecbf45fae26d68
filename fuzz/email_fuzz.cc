// libFuzzer harness: validate_email on arbitrary bytes must never crash, and what it accepts
// must be stable: validating the normalised address again gives the same address and key, or
// (as in email-validator 1.3, whose output it matches) "too_long" when NFC made the local part
// longer, e.g. U+FB1D becomes two code points.
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
  if (!again) {
    if (again.error().code != "too_long") std::abort();
    return 0;
  }
  if (again->address != first->address || again->key != first->key) std::abort();
  return 0;
}
