#include "passlib_hashes.h"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "support/command.h"

namespace vestibule::import::testing {
namespace {

// Reads the password and the schemes from argv and prints one hash a line. Django's layout is
// built from hashlib directly: an independent implementation of PBKDF2-SHA256.
constexpr const char* kHashScript = R"PY(
import base64, hashlib, os, sys
from passlib import hash as h
def make(scheme, pw):
    if scheme == "argon2id-light":
        return h.argon2.using(type="id", memory_cost=1024, rounds=1, parallelism=1).hash(pw)
    if scheme in ("argon2id", "argon2i", "argon2d"):
        return h.argon2.using(type=scheme[len("argon2"):]).hash(pw)
    if scheme.startswith("bcrypt-"):
        return h.bcrypt.using(ident=scheme[-2:], rounds=4).hash(pw)
    if scheme == "scrypt":
        return h.scrypt.using(rounds=10).hash(pw)
    if scheme == "pbkdf2_sha256":
        return h.pbkdf2_sha256.using(rounds=1000).hash(pw)
    if scheme == "django_pbkdf2_sha256":
        salt = base64.b64encode(os.urandom(9)).decode().replace("+", "a").replace("/", "b")
        dk = hashlib.pbkdf2_hmac("sha256", pw.encode(), salt.encode(), 1000)
        return "pbkdf2_sha256$1000$%s$%s" % (salt, base64.b64encode(dk).decode())
    if scheme == "sha512_crypt":
        return h.sha512_crypt.using(rounds=5000).hash(pw)
    raise SystemExit("unknown scheme " + scheme)
pw = sys.argv[1]
for scheme in sys.argv[2:]:
    print(make(scheme, pw))
)PY";

}  // namespace

std::vector<std::string> python_hashes(const std::vector<std::string>& schemes, const std::string& password) {
  std::vector<std::string> argv = {kPython, "-c", kHashScript, password};
  argv.insert(argv.end(), schemes.begin(), schemes.end());
  std::istringstream lines(vestibule::testing::command_output(argv, {}, std::chrono::seconds(60)));
  std::vector<std::string> out;
  for (std::string line; std::getline(lines, line);) out.push_back(line);
  if (out.size() != schemes.size()) throw std::runtime_error("passlib printed " + std::to_string(out.size()) + " hashes");
  return out;
}

bool passlib_available() {
  return std::system("/usr/bin/python3 -c 'import passlib.hash, argon2' >/dev/null 2>&1") == 0;
}

}  // namespace vestibule::import::testing
