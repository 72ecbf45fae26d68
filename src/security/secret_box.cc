#include "security/secret_box.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <new>
#include <stdexcept>

namespace vestibule::security {
namespace {

constexpr std::string_view kVersion = "v1.";
constexpr auto kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr auto kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr int kBase64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
// crypto_kdf's context is exactly 8 characters; the subkey id tells this use from later ones.
constexpr char kDigestContext[crypto_kdf_CONTEXTBYTES + 1] = "vestdgst";
constexpr std::uint64_t kDigestSubkeyId = 1;
constexpr std::size_t kDigestBytes = 32;

static_assert(kSecretKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kSecretKeyBytes == crypto_kdf_KEYBYTES);
static_assert(kDigestBytes >= crypto_generichash_KEYBYTES_MIN && kDigestBytes <= crypto_generichash_KEYBYTES_MAX);

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

// Lives in sodium_malloc'd memory (guard pages, locked against swapping, wiped when freed) and is
// made read-only once filled in.
struct SecretBox::Key {
  unsigned char aead[kSecretKeyBytes];
  unsigned char digest[kDigestBytes];  // crypto_kdf subkey of aead for digest()
};

std::optional<SecretBox> SecretBox::from_key(std::span<const unsigned char> key) {
  if (key.size() != kSecretKeyBytes) return std::nullopt;
  // sodium_malloc needs the page size sodium_init finds; idempotent and thread-safe.
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  void* memory = sodium_malloc(sizeof(Key));
  if (memory == nullptr) throw std::bad_alloc();
  // sodium_malloc locks the pages already when it can; asking again costs nothing and says so here.
  sodium_mlock(memory, sizeof(Key));
  Key* k = new (memory) Key{};
  std::copy(key.begin(), key.end(), k->aead);
  crypto_kdf_derive_from_key(k->digest, sizeof k->digest, kDigestSubkeyId, kDigestContext, k->aead);
  sodium_mprotect_readonly(memory);
  // sodium_free makes the memory writable again, wipes it and unlocks it.
  std::shared_ptr<const Key> owned(k, [](const Key* p) { sodium_free(const_cast<Key*>(p)); });
  return SecretBox(std::move(owned));
}

std::string SecretBox::seal(std::span<const unsigned char> plaintext, std::string_view owner) const {
  std::vector<unsigned char> raw(kNonceBytes + plaintext.size() + kTagBytes);
  randombytes_buf(raw.data(), kNonceBytes);
  unsigned long long cipher_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(raw.data() + kNonceBytes, &cipher_len, plaintext.data(), plaintext.size(),
                                             bytes_of(owner), owner.size(), nullptr, raw.data(), key_->aead);
  raw.resize(kNonceBytes + static_cast<std::size_t>(cipher_len));
  std::string text(sodium_base64_ENCODED_LEN(raw.size(), kBase64), '\0');
  sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(), kBase64);
  text.pop_back();  // the terminator sodium writes
  return std::string(kVersion) + text;
}

std::optional<std::vector<unsigned char>> SecretBox::open(std::string_view sealed, std::string_view owner) const {
  if (sealed.substr(0, kVersion.size()) != kVersion) return std::nullopt;
  const std::string_view text = sealed.substr(kVersion.size());
  // libsodium 1.0.18 decodes every byte above 0x7f as '_': without this check a sealed text
  // would have many spellings that open.
  for (char c : text) {
    if (!is_base64url(c)) return std::nullopt;
  }
  // Base64 holds at most 3 bytes per 4 characters; anything shorter than nonce and tag is no box.
  std::vector<unsigned char> raw(text.size() / 4 * 3 + 3);
  std::size_t raw_len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(raw.data(), raw.size(), text.data(), text.size(), nullptr, &raw_len, &end, kBase64) != 0 ||
      end != text.data() + text.size() || raw_len < kNonceBytes + kTagBytes) {
    return std::nullopt;
  }
  std::vector<unsigned char> plaintext(raw_len - kNonceBytes - kTagBytes);
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext.data(), &plain_len, nullptr, raw.data() + kNonceBytes,
                                                 raw_len - kNonceBytes, bytes_of(owner), owner.size(), raw.data(),
                                                 key_->aead) != 0) {
    return std::nullopt;
  }
  plaintext.resize(static_cast<std::size_t>(plain_len));
  return plaintext;
}

std::string SecretBox::digest(std::string_view value) const {
  std::array<unsigned char, kDigestBytes> d{};
  crypto_generichash(d.data(), d.size(), bytes_of(value), value.size(), key_->digest, sizeof key_->digest);
  std::string hex(d.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), d.data(), d.size());
  hex.pop_back();
  return hex;
}

}  // namespace vestibule::security
