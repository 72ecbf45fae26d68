// Encryption at rest of the secrets Vestibule must read back (TOTP secrets): libsodium's
// XChaCha20-Poly1305 (IETF AEAD) under one 32-byte key (--secrets-key-file), with a random
// 192-bit nonce per message (safe to pick at random, unlike 96-bit nonces) and the owner's id as
// associated data, so a sealed value copied to another account's record does not open there.
// Sealed text: "v1." followed by base64url (no padding) of nonce || ciphertext || tag; the
// version leaves room for a key rotation. Immutable after construction, thread-safe; the key is
// kept in memory that libsodium locks and wipes (sodium_malloc).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vestibule::security {

inline constexpr std::size_t kSecretKeyBytes = 32;

class SecretBox {
 public:
  // std::nullopt unless `key` is kSecretKeyBytes long.
  static std::optional<SecretBox> from_key(std::span<const unsigned char> key);

  // `plaintext` sealed for `owner` (an account id).
  std::string seal(std::span<const unsigned char> plaintext, std::string_view owner) const;
  // The plaintext, or std::nullopt when `sealed` is malformed, of another version, altered,
  // sealed under another key or for another owner.
  std::optional<std::vector<unsigned char>> open(std::string_view sealed, std::string_view owner) const;

  // A keyed digest (BLAKE2b-256 under a subkey derived from the key: crypto_kdf, context
  // "vestdgst"), hex: for values kept only to be compared, such as recovery codes, so that a copy
  // of the store alone does not allow guessing them offline.
  std::string digest(std::string_view value) const;

 private:
  struct Key;
  explicit SecretBox(std::shared_ptr<const Key> key) : key_(std::move(key)) {}
  std::shared_ptr<const Key> key_;
};

}  // namespace vestibule::security
