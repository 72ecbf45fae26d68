#include "security/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <limits>

namespace vestibule::security {
namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// The value of a base32 letter (either case), or -1.
int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// The code of one step into `out` (kTotpDigits characters, no terminator).
void hotp_into(std::span<const unsigned char> secret, std::int64_t step, char* out) {
  // RFC 4226 section 5.1: the counter is 8 bytes, big-endian.
  auto counter = static_cast<std::uint64_t>(step);
  std::array<unsigned char, 8> message{};
  for (std::size_t i = message.size(); i-- > 0;) {
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  // An empty secret is still a key (HMAC pads it); a null pointer for it is not, to OpenSSL.
  static constexpr unsigned char kNoKey = 0;
  const unsigned char* key = secret.empty() ? &kNoKey : secret.data();
  HMAC(EVP_sha1(), key, static_cast<int>(secret.size()), message.data(), message.size(), mac.data(), &mac_len);
  // RFC 4226 section 5.3, dynamic truncation: 31 bits from the offset the last nibble names.
  const unsigned offset = mac[19] & 0x0f;
  std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                         (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                         (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | static_cast<std::uint32_t>(mac[offset + 3]);
  for (int i = kTotpDigits; i-- > 0;) {
    out[i] = static_cast<char>('0' + binary % 10);
    binary /= 10;
  }
  sodium_memzero(mac.data(), mac.size());
}

}  // namespace

Bytes new_totp_secret() {
  Bytes secret(kTotpSecretBytes);
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

std::string base32_encode(std::span<const unsigned char> bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Alphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::optional<Bytes> base32_decode(std::string_view text) {
  Bytes out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t letters = 0;
  bool padding = false;  // a '=' was seen: only more of them (and spaces) may follow
  for (char c : text) {
    if (c == ' ') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int value = base32_value(c);
    if (value < 0 || padding) return std::nullopt;
    ++letters;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((buffer >> bits) & 0xff));
    }
  }
  // A last group of 1, 3 or 6 letters encodes no whole number of bytes; and the bits left over
  // after the last byte must be zero, or two texts would decode to the same secret.
  const std::size_t tail = letters % 8;
  if (tail == 1 || tail == 3 || tail == 6) return std::nullopt;
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::int64_t totp_step(std::chrono::system_clock::time_point at) {
  const std::int64_t seconds = std::chrono::floor<std::chrono::seconds>(at.time_since_epoch()).count();
  const std::int64_t period = kTotpPeriod.count();
  // Floor, not truncation, for times before the epoch.
  return seconds >= 0 ? seconds / period : -((-seconds + period - 1) / period);
}

std::string hotp(std::span<const unsigned char> secret, std::int64_t step) {
  std::string code(kTotpDigits, '0');
  hotp_into(secret, step, code.data());
  return code;
}

std::optional<std::int64_t> match_totp(std::span<const unsigned char> secret, std::string_view code,
                                       std::int64_t current_step, std::int64_t last_step) {
  if (code.size() != static_cast<std::size_t>(kTotpDigits)) return std::nullopt;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  // Every candidate is computed and compared whatever the others gave, so the time taken does not
  // depend on which step (if any) matched. Which steps are candidates depends only on the clock
  // and last_step, neither of them secret.
  std::optional<std::int64_t> match;
  for (std::int64_t d = -kTotpWindowSteps; d <= kTotpWindowSteps; ++d) {
    if (d < 0 && current_step < std::numeric_limits<std::int64_t>::min() - d) continue;
    if (d > 0 && current_step > std::numeric_limits<std::int64_t>::max() - d) continue;
    const std::int64_t step = current_step + d;
    std::array<char, kTotpDigits> expected{};
    hotp_into(secret, step, expected.data());
    const bool equal = sodium_memcmp(expected.data(), code.data(), expected.size()) == 0;
    sodium_memzero(expected.data(), expected.size());
    // Ascending steps: the first match after last_step is the lowest one.
    if (equal && step > last_step && !match) match = step;
  }
  return match;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view base32_secret) {
  // The label's colon separates issuer and account, so it stays literal; any colon inside
  // either is encoded (':' is not unreserved).
  const auto encode = [](std::string_view s) { return boost::urls::encode(s, boost::urls::unreserved_chars); };
  const std::string issuer_text = encode(issuer);
  std::string uri = "otpauth://totp/";
  uri += issuer_text;
  uri += ':';
  uri += encode(account);
  uri += "?secret=";
  uri += base32_secret;
  uri += "&issuer=";
  uri += issuer_text;
  uri += "&algorithm=SHA1&digits=";
  uri += std::to_string(kTotpDigits);
  uri += "&period=";
  uri += std::to_string(kTotpPeriod.count());
  return uri;
}

}  // namespace vestibule::security
