// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) as authenticator apps make
// them: HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch; and the base32 text (RFC 4648)
// and otpauth:// URI those apps read a secret from. Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::security {

inline constexpr std::chrono::seconds kTotpPeriod{30};
inline constexpr int kTotpDigits = 6;
// Bytes of a new secret: 160 bits, the HMAC-SHA-1 block RFC 4226 section 4 recommends.
inline constexpr std::size_t kTotpSecretBytes = 20;
// Steps either side of the current one whose codes are accepted too (clock drift, a code typed
// as the step turned): RFC 6238 section 5.2 recommends at most one.
inline constexpr std::int64_t kTotpWindowSteps = 1;

using Bytes = std::vector<unsigned char>;

// A new random secret (libsodium's randombytes), kTotpSecretBytes long.
Bytes new_totp_secret();

// RFC 4648 base32, upper-case, without padding ("JBSWY3DPEHPK3PXP").
std::string base32_encode(std::span<const unsigned char> bytes);
// Decodes base32, ignoring case, spaces and trailing '='; std::nullopt for any other character
// or an impossible length.
std::optional<Bytes> base32_decode(std::string_view text);

// The time step of `at`: floor(seconds since the epoch / kTotpPeriod).
std::int64_t totp_step(std::chrono::system_clock::time_point at);

// The HOTP value of `secret` at counter `step`: kTotpDigits decimal digits, zero-padded.
std::string hotp(std::span<const unsigned char> secret, std::int64_t step);

// The step in [current - kTotpWindowSteps, current + kTotpWindowSteps] whose code is `code`
// and which is after `last_step` (a code accepted once is refused for the rest of its window),
// or std::nullopt. `code` must be exactly kTotpDigits ASCII digits (else std::nullopt at once).
// Each candidate is compared in constant time (sodium_memcmp) and all are computed, so the time
// taken tells nothing about which matched.
std::optional<std::int64_t> match_totp(std::span<const unsigned char> secret, std::string_view code,
                                       std::int64_t current_step, std::int64_t last_step);

// otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
// (Google Authenticator's Key Uri Format), the label and issuer percent-encoded.
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view base32_secret);

}  // namespace vestibule::security
