#include "security/argon2_engine.h"

#include <argon2.h>
#include <sodium.h>

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <vector>

#include "security/phc_string.h"

namespace vestibule::security {
namespace {

constexpr std::size_t kSaltBytes = 16;  // as libsodium: crypto_pwhash_SALTBYTES
constexpr std::size_t kHashBytes = 32;  // as libsodium's crypto_pwhash_str
constexpr std::size_t kAlignment = 64;  // a cache line

// Past this a thread does not keep its buffer: memory cost is a flag, and a stored hash may ask
// for up to kMaxMemoryKib (256 MiB); one such verification must not pin that for the thread's life.
// 64 MiB covers OWASP's argon2id settings (the largest asks for 46 MiB).
constexpr std::size_t kMaxWarmBytes = std::size_t{64} << 20;

std::uint8_t* allocate_aligned(std::size_t bytes) {
  // libargon2 asks for whole 1 KiB blocks, so `bytes` is a multiple of the alignment.
  return static_cast<std::uint8_t*>(std::aligned_alloc(kAlignment, bytes));
}

// The memory libargon2 fills, kept between calls on one thread. (glibc's malloc, libargon2's
// default, often keeps such a block warm as well, having raised its mmap threshold after the
// first free, but only up to 32 MiB and by heuristic; this makes it certain. Fresh pages cost
// about 8 ms per 19 MiB here, mapping and faulting.)
//
// Not wiped by us: libargon2 (20171227, the Debian 12 version) wipes every block with
// secure_wipe_memory in free_memory() before it calls free_cbk, unless the process-wide
// FLAG_clear_internal_memory is cleared, which Debian's shared library does not even export.
// So between calls the buffer holds zeros, not password-derived blocks, and a second wipe would
// only be another pass over it (about 0.4 ms for 19 MiB here, in the README's measurements).
class WarmBuffer {
 public:
  WarmBuffer() = default;
  WarmBuffer(const WarmBuffer&) = delete;
  WarmBuffer& operator=(const WarmBuffer&) = delete;
  ~WarmBuffer() { std::free(data_); }

  // At least `bytes` of the thread's buffer, growing it if needed; nullptr if out of memory.
  std::uint8_t* reserve(std::size_t bytes) {
    if (bytes > size_) {
      std::free(data_);
      size_ = 0;
      data_ = allocate_aligned(bytes);
      if (data_ != nullptr) size_ = bytes;
    }
    return data_;
  }

  bool owns(const std::uint8_t* memory) const { return memory != nullptr && memory == data_; }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// libargon2's callbacks take no context, hence one buffer per thread rather than per hasher.
thread_local WarmBuffer warm_buffer;

int allocate(std::uint8_t** memory, std::size_t bytes) {
  *memory = bytes <= kMaxWarmBytes ? warm_buffer.reserve(bytes) : allocate_aligned(bytes);
  return *memory != nullptr ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
}

void release(std::uint8_t* memory, std::size_t /*bytes*/) {
  if (!warm_buffer.owns(memory)) std::free(memory);
}

// argon2id v1.3 of `password` into `out`, single-threaded (the pool supplies the parallelism).
bool compute(std::string_view password, std::uint32_t memory_kib, std::uint32_t iterations, std::uint32_t lanes,
             const std::vector<unsigned char>& salt, std::vector<unsigned char>& out) {
  if (password.size() > std::numeric_limits<std::uint32_t>::max()) return false;
  argon2_context ctx{};
  ctx.out = out.data();
  ctx.outlen = static_cast<std::uint32_t>(out.size());
  // libargon2 writes to the password only with ARGON2_FLAG_CLEAR_PASSWORD, which is not set.
  ctx.pwd = reinterpret_cast<std::uint8_t*>(const_cast<char*>(password.data()));
  ctx.pwdlen = static_cast<std::uint32_t>(password.size());
  ctx.salt = const_cast<std::uint8_t*>(salt.data());
  ctx.saltlen = static_cast<std::uint32_t>(salt.size());
  ctx.t_cost = iterations;
  ctx.m_cost = memory_kib;
  ctx.lanes = lanes;
  ctx.threads = 1;
  ctx.version = ARGON2_VERSION_13;
  ctx.allocate_cbk = allocate;
  ctx.free_cbk = release;
  ctx.flags = ARGON2_DEFAULT_FLAGS;
  return argon2_ctx(&ctx, Argon2_id) == ARGON2_OK;
}

}  // namespace

std::optional<std::string> argon2_hash(std::string_view password, const HashParams& params) {
  Argon2idPhc phc{.memory_kib = params.memory_kib, .iterations = params.iterations, .lanes = 1,
                  .salt = std::vector<unsigned char>(kSaltBytes), .hash = std::vector<unsigned char>(kHashBytes)};
  randombytes_buf(phc.salt.data(), phc.salt.size());
  if (!compute(password, phc.memory_kib, phc.iterations, phc.lanes, phc.salt, phc.hash)) return std::nullopt;
  return format_phc(phc);
}

bool argon2_verify(std::string_view password, std::string_view phc) {
  const std::optional<Argon2idPhc> stored = parse_phc(phc);
  if (!stored) return false;
  std::vector<unsigned char> computed(stored->hash.size());
  if (!compute(password, stored->memory_kib, stored->iterations, stored->lanes, stored->salt, computed)) return false;
  // Constant time, so response timing does not tell how many leading bytes of a guess's hash
  // match the stored one.
  return sodium_memcmp(computed.data(), stored->hash.data(), computed.size()) == 0;
}

}  // namespace vestibule::security
