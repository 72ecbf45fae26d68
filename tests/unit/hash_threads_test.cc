// Verification of an imported hash starts no thread, whatever the hash asks for: argon2 lanes are
// a parameter of the hash, not a licence to spawn threads (verification runs on our bounded
// hashing pool). Its own executable (hash_thread_tests), because it replaces pthread_create for
// the whole process: every thread this binary starts, from any library, is counted on the thread
// that starts it, then started by the real pthread_create.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <pthread.h>

#include <cstring>
#include <string>

#include "security/hash_formats.h"
#include "security/password_hasher.h"

namespace {

thread_local int threads_started_here = 0;

using PthreadCreate = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

PthreadCreate real_pthread_create() {
  static const PthreadCreate real = [] {
    void* symbol = dlsym(RTLD_NEXT, "pthread_create");
    PthreadCreate f = nullptr;
    std::memcpy(&f, &symbol, sizeof f);  // object to function pointer, without a cast ISO C++ lacks
    return f;
  }();
  return real;
}

}  // namespace

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*),
                              void* arg) noexcept {
  ++threads_started_here;
  return real_pthread_create()(thread, attr, start, arg);
}

namespace vestibule::security {
namespace {

// Salt 0x00..0x0f, and some 16-byte hash: the cost is the same whether or not it matches.
constexpr const char* kTail = "$AAECAwQFBgcICQoLDA0ODw$AAECAwQFBgcICQoLDA0ODw";

TEST(ImportedArgon2, CountsThreadsThroughTheReplacedPthreadCreate) {
  // The counting itself works: a thread started here is seen.
  const int before = threads_started_here;
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, nullptr, [](void*) -> void* { return nullptr; }, nullptr), 0);
  pthread_join(t, nullptr);
  EXPECT_EQ(threads_started_here, before + 1);
}

TEST(ImportedArgon2, VerifiesEveryLaneOnTheCallingThread) {
  for (const std::string head : {"$argon2i$v=19$m=4096,t=1,p=8", "$argon2d$v=16$m=4096,t=1,p=64",
                                 "$argon2id$v=19$m=4096,t=1,p=40", "$argon2id$v=19$m=4096,t=1,p=8"}) {
    const std::string stored = head + kTail;
    ASSERT_TRUE(PasswordHasher::can_verify(stored)) << stored;
    const int before = threads_started_here;
    EXPECT_FALSE(verify_imported("correct horse", stored));
    EXPECT_FALSE(PasswordHasher::verify_now("correct horse", stored, HashEngine::sodium));
    EXPECT_FALSE(PasswordHasher::verify_now("correct horse", stored, HashEngine::argon2));
    EXPECT_EQ(threads_started_here, before) << stored;
  }
}

}  // namespace
}  // namespace vestibule::security
