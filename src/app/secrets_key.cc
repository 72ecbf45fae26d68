#include "app/secrets_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "app/secret_file.h"

namespace vestibule::app {
namespace {

using Result = boost::system::result<security::SecretBox, BuildError>;

constexpr std::size_t kHexDigits = security::kSecretKeyBytes * 2;
// The name of the option in the errors of the key made beside the database: it is the one that
// would name another file.
const std::string kFlag = "--secrets-key-file";

// Wipes a buffer that held the key when it goes out of scope, whichever way.
struct Wipe {
  void* data;
  std::size_t size;
  ~Wipe() { sodium_memzero(data, size); }
};

BuildError system_error(const std::string& what, const std::string& path, int error) {
  return BuildError{kFlag + " " + path + ": " + what + ": " + std::strerror(error)};
}

// All of `text` to `fd`, or the errno of the failure.
int write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

int fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

}  // namespace

Result load_secrets_key(const std::string& path, const std::string& flag) {
  auto text = read_private_file(path, flag);
  if (!text) return text.error();
  Wipe wipe_text{text->data(), text->size()};
  // The message says what is expected, never what was found: that may be most of a key.
  const BuildError malformed{flag + " " + path + " must hold a " + std::to_string(security::kSecretKeyBytes) +
                             "-byte key as " + std::to_string(kHexDigits) +
                             " hexadecimal digits (e.g. openssl rand -hex 32)"};
  if (text->size() != kHexDigits) return malformed;
  std::array<unsigned char, security::kSecretKeyBytes> key{};
  Wipe wipe_key{key.data(), key.size()};
  std::size_t key_len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(key.data(), key.size(), text->data(), text->size(), nullptr, &key_len, &end) != 0 ||
      key_len != key.size() || end != text->data() + text->size()) {
    return malformed;
  }
  return *security::SecretBox::from_key(key);
}

Result load_or_create_secrets_key(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 || errno != ENOENT) return load_secrets_key(path, kFlag);

  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  // The store makes the database's directory before the key beside it is asked for; a missing
  // one here is a mistake to report, not to paper over.
  if (::stat(dir.c_str(), &st) != 0) return system_error("the directory " + dir + " cannot be used", path, errno);
  if (!S_ISDIR(st.st_mode)) return BuildError{kFlag + " " + path + ": " + dir + " is not a directory"};

  std::array<unsigned char, security::kSecretKeyBytes> key{};
  Wipe wipe_key{key.data(), key.size()};
  randombytes_buf(key.data(), key.size());
  std::array<char, kHexDigits + 2> hex{};  // the digits, "\n", and the terminator sodium writes
  Wipe wipe_hex{hex.data(), hex.size()};
  sodium_bin2hex(hex.data(), hex.size(), key.data(), key.size());
  hex[kHexDigits] = '\n';

  // Written in full to a file of its own first and linked into place only then (link fails when
  // the name exists): a process starting at the same moment sees either no key file or a complete
  // one, never the empty file an O_EXCL create of the final name would show it for a while.
  std::array<unsigned char, 8> tag{};
  randombytes_buf(tag.data(), tag.size());
  std::array<char, sizeof tag * 2 + 1> tag_hex{};
  sodium_bin2hex(tag_hex.data(), tag_hex.size(), tag.data(), tag.size());
  const std::string temp = path + ".new-" + tag_hex.data();
  const int fd = ::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return system_error("cannot create " + temp, path, errno);
  int error = write_all(fd, std::string_view(hex.data(), kHexDigits + 1));
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    return system_error("cannot write " + temp, path, error);
  }
  const bool linked = ::link(temp.c_str(), path.c_str()) == 0;
  const int link_error = errno;
  ::unlink(temp.c_str());
  // Another process made the key first: use that one, as it may be sealing with it already.
  if (!linked && link_error == EEXIST) return load_secrets_key(path, kFlag);
  if (!linked) return system_error("cannot link " + temp + " to it", path, link_error);
  // The new name (and the temporary one's removal) on disk before anything is sealed with the key.
  error = fsync_directory(dir);
  if (error != 0) return system_error("cannot fsync " + dir, path, error);
  return *security::SecretBox::from_key(key);
}

}  // namespace vestibule::app
