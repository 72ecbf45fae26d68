// Imported argon2 hashes of every type and version (hash_formats.h), computed by libargon2.
#include <argon2.h>
#include <sodium.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "security/hash_families.h"
#include "security/hash_params.h"
#include "security/hash_text.h"

namespace vestibule::security::families {
namespace {

// Lanes split the memory into independent rows; computed on one thread they cost no more than
// one lane of the same size (only argon2's 8 blocks a lane). 64 admits what other systems
// configure (passlib's default is 8, argon2-cffi's 4) with room.
constexpr std::uint64_t kMaxImportLanes = 64;
constexpr std::size_t kMinSalt = 8, kMaxSalt = 64, kMinHash = 16, kMaxHash = 64;

struct Argon2String {
  argon2_type type = Argon2_id;
  argon2_version version = ARGON2_VERSION_13;
  std::uint32_t memory_kib = 0, iterations = 0, lanes = 0;
  std::vector<unsigned char> salt, hash;
};

std::optional<Argon2String> parse(std::string_view text) {
  Argon2String out;
  using namespace hash_text;
  if (take_literal(text, "$argon2id$")) {
    out.type = Argon2_id;
  } else if (take_literal(text, "$argon2i$")) {
    out.type = Argon2_i;
  } else if (take_literal(text, "$argon2d$")) {
    out.type = Argon2_d;
  } else {
    return std::nullopt;
  }
  // Version 1.0 strings carry either v=16 (libargon2 writes it) or no v= field (passlib).
  if (take_literal(text, "v=19$")) {
    out.version = ARGON2_VERSION_13;
  } else if (take_literal(text, "v=16$") || text.starts_with("m=")) {
    out.version = ARGON2_VERSION_10;
  } else {
    return std::nullopt;
  }
  if (!take_literal(text, "m=")) return std::nullopt;
  const auto m = take_decimal(text, kMaxMemoryKib);
  const auto t = m && take_literal(text, ",t=") ? take_decimal(text, kMaxIterations) : std::nullopt;
  const auto p = t && take_literal(text, ",p=") ? take_decimal(text, kMaxImportLanes) : std::nullopt;
  if (!p || !take_literal(text, "$")) return std::nullopt;  // also refuses ,data= and ,keyid=
  if (*p < 1 || *t < 1 || *m < kMinMemoryKib || *m < 8 * *p) return std::nullopt;
  const auto salt = take_field(text);
  if (!salt || text.find('$') != std::string_view::npos) return std::nullopt;
  auto salt_bytes = decode_base64(*salt, Base64::standard_unpadded, kMinSalt, kMaxSalt);
  auto hash_bytes = salt_bytes ? decode_base64(text, Base64::standard_unpadded, kMinHash, kMaxHash) : std::nullopt;
  if (!hash_bytes) return std::nullopt;
  out.memory_kib = static_cast<std::uint32_t>(*m);
  out.iterations = static_cast<std::uint32_t>(*t);
  out.lanes = static_cast<std::uint32_t>(*p);
  out.salt = std::move(*salt_bytes);
  out.hash = std::move(*hash_bytes);
  return out;
}

}  // namespace

bool argon2_recognises(std::string_view stored) { return parse(stored).has_value(); }

bool argon2_verify(std::string_view password, std::string_view stored) {
  const std::optional<Argon2String> s = parse(stored);
  if (!s || password.size() > std::numeric_limits<std::uint32_t>::max()) return false;
  std::vector<unsigned char> computed(s->hash.size());
  argon2_context ctx{};
  ctx.out = computed.data();
  ctx.outlen = static_cast<std::uint32_t>(computed.size());
  // libargon2 writes to the password only with ARGON2_FLAG_CLEAR_PASSWORD, which is not set.
  ctx.pwd = reinterpret_cast<std::uint8_t*>(const_cast<char*>(password.data()));
  ctx.pwdlen = static_cast<std::uint32_t>(password.size());
  ctx.salt = const_cast<std::uint8_t*>(s->salt.data());
  ctx.saltlen = static_cast<std::uint32_t>(s->salt.size());
  ctx.t_cost = s->iterations;
  ctx.m_cost = s->memory_kib;
  ctx.lanes = s->lanes;
  // One thread whatever the lanes: verification runs on our bounded hashing pool, and a stored
  // string must not make us start threads. The result does not depend on it.
  ctx.threads = 1;
  ctx.version = s->version;
  ctx.flags = ARGON2_DEFAULT_FLAGS;
  if (argon2_ctx(&ctx, s->type) != ARGON2_OK) return false;
  // Constant time, so timing does not tell how much of a guess's hash matches the stored one.
  const bool match = sodium_memcmp(computed.data(), s->hash.data(), computed.size()) == 0;
  sodium_memzero(computed.data(), computed.size());
  return match;
}

}  // namespace vestibule::security::families
