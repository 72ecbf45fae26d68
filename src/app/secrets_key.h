// The key of security::SecretBox (--secrets-key-file), which seals the TOTP secrets at rest.
// The file holds the 32-byte key as 64 hexadecimal digits (a final newline allowed), e.g. made
// with `openssl rand -hex 32`. Like the other secret files (secret_file.h) it is refused when
// others than its owner and group may read or write it. Never logs or returns the key.
#pragma once

#include <boost/system/result.hpp>
#include <string>

#include "app/app.h"
#include "security/secret_box.h"

namespace vestibule::app {

// Reads the key at `path`; `flag` names the option in the error messages.
boost::system::result<security::SecretBox, BuildError> load_secrets_key(const std::string& path,
                                                                        const std::string& flag);

// The key at `path`, made first when the file does not exist: a new random key written to a new
// file of mode 0600 (O_EXCL: of two processes starting at once one makes it, the other reads it)
// and fsynced with its directory, so the key is on disk before anything is sealed with it. For
// the SQLite store, whose key lives beside the database when --secrets-key-file is not given.
boost::system::result<security::SecretBox, BuildError> load_or_create_secrets_key(const std::string& path);

}  // namespace vestibule::app
