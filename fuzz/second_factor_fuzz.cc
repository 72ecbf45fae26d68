// libFuzzer harness: the second factor's parsers on arbitrary bytes. A code as a client sends
// it (normalise_recovery_code, match_totp), base32 text (base32_decode) and a sealed value as
// the store returns it (SecretBox::open) must never crash, and what they accept must hold up:
// a normalised recovery code normalises to itself, decoded base32 encodes back to text that
// decodes to the same bytes, only exactly six digits can match a TOTP step, and no altered or
// foreign text opens, while what seal() made always does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "security/recovery_codes.h"
#include "security/secret_box.h"
#include "security/totp.h"

namespace {

using namespace vestibule::security;

const SecretBox& box() {
  static const std::vector<unsigned char> key(kSecretKeyBytes, 0x42);
  static const SecretBox b = *SecretBox::from_key(key);
  return b;
}

bool six_digits(std::string_view s) {
  if (s.size() != 6) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto code = normalise_recovery_code(input)) {
    auto again = normalise_recovery_code(*code);
    if (!again || *again != *code || code->size() != 12) std::abort();
  }

  static const std::vector<unsigned char> secret(kTotpSecretBytes, 0x17);
  if (match_totp(secret, input, 1'000'000, 0) && !six_digits(input)) std::abort();

  if (auto bytes = base32_decode(input)) {
    const std::string text = base32_encode(*bytes);
    auto back = base32_decode(text);
    if (!back || *back != *bytes) std::abort();
  }

  // Arbitrary text as a sealed value: opening it never crashes; text seal() made always opens,
  // for its owner only.
  (void)box().open(input, "owner");
  const std::string sealed = box().seal(std::vector<unsigned char>(data, data + size), "owner");
  auto opened = box().open(sealed, "owner");
  if (!opened || *opened != std::vector<unsigned char>(data, data + size)) std::abort();
  if (box().open(sealed, "another")) std::abort();
  return 0;
}
