// "Delivers" each message as DIR/<id>.eml (file:DIR, for development: any mail program opens
// .eml files). Written to a temporary file and renamed, so a reader never sees half a message
// and a redelivery replaces the same file instead of adding a second. Files are 0600 and a
// directory it creates 0700: the messages hold live tokens. Thread-safe.
#pragma once

#include <filesystem>

#include "mail/transport.h"

namespace vestibule::mail {

class FileTransport final : public Transport {
 public:
  // Does not touch the disk; the directory is created on the first send.
  explicit FileTransport(std::filesystem::path directory) : directory_(std::move(directory)) {}
  // Transient on any I/O error (a full disk may get space again).
  SendResult send(const Envelope& envelope, std::string_view message) override;

 private:
  const std::filesystem::path directory_;
};

}  // namespace vestibule::mail
