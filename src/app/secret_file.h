// Reads a shared secret from a file (--admin-token-file, --introspection-token-file): the whole
// file, without trailing whitespace (a final newline), at least kMinSecretBytes long. Refuses a
// file that others than its owner and group may read or write: a secret readable by every user
// of the machine is not one. Never logs or returns the secret in an error.
#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <string>

#include "app/app.h"

namespace vestibule::app {

inline constexpr std::size_t kMinSecretBytes = 16;
inline constexpr std::size_t kMaxSecretBytes = 4096;

// `flag` names the option in the error messages.
boost::system::result<std::string, BuildError> read_secret_file(const std::string& path, const std::string& flag);

// What read_secret_file and the secrets key (secrets_key.h) share: the whole file at `path`
// without trailing whitespace, refused when others than its owner and group may read or write
// it, or when it is longer than kMaxSecretBytes. The errors name `flag` and `path`, never the
// content.
boost::system::result<std::string, BuildError> read_private_file(const std::string& path, const std::string& flag);

}  // namespace vestibule::app
