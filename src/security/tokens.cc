#include "security/tokens.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <boost/algorithm/hex.hpp>
#include <array>
#include <iterator>
#include <memory>

namespace vestibule::security {
namespace {

std::string hex(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve(2 * n);
  boost::algorithm::hex_lower(data, data + n, std::back_inserter(out));
  return out;
}

// SHA-256 by OpenSSL, which uses the CPU's SHA instructions where it has them: a token is
// digested on every authenticated request, and libsodium's portable SHA-256 took four times the
// instructions there. libsodium's if OpenSSL cannot (a provider configured without SHA-256).
std::string digest_of(const unsigned char* bytes, std::size_t n) {
  // Fetched once for the process and kept (EVP_MD_fetch's cost is a lookup under a lock), and
  // one context per thread, reused (EVP_Digest would allocate and free one every time).
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::array<unsigned char, crypto_hash_sha256_BYTES> d{};
  unsigned int len = 0;
  if (sha256 == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), sha256, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes, n) != 1 || EVP_DigestFinal_ex(ctx.get(), d.data(), &len) != 1 ||
      len != d.size()) {
    crypto_hash_sha256(d.data(), bytes, n);
  }
  return hex(d.data(), d.size());
}

}  // namespace

IssuedToken issue_token() {
  std::array<unsigned char, kTokenBytes> raw{};
  randombytes_buf(raw.data(), raw.size());
  std::string text(sodium_base64_ENCODED_LEN(kTokenBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(kTokenChars);
  IssuedToken out{std::move(text), digest_of(raw.data(), raw.size())};
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::optional<std::string> token_digest(std::string_view token) {
  if (token.size() != kTokenChars) return std::nullopt;
  std::array<unsigned char, kTokenBytes> raw{};
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(raw.data(), raw.size(), token.data(), token.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      len != kTokenBytes || end != token.data() + token.size()) {
    return std::nullopt;
  }
  return digest_of(raw.data(), raw.size());
}

std::string new_uuid() {
  std::array<unsigned char, 16> b{};
  randombytes_buf(b.data(), b.size());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string h = hex(b.data(), b.size());
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::optional<std::string> canonical_uuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::string out(text);
  for (std::size_t i = 0; i < out.size(); ++i) {
    char& c = out[i];
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const bool hex_digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (dash ? c != '-' : !hex_digit) return std::nullopt;
  }
  return out;
}

}  // namespace vestibule::security
