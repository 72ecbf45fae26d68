// The users of a JSONL file, one per line (import_item.h says what a line holds); blank lines
// are skipped, a line over kMaxLineBytes is refused without being held in memory.
// Not thread-safe (the import run serialises next()).
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>

#include "import/importer.h"

namespace vestibule::import {

class JsonlSource : public Source {
 public:
  // Throws std::runtime_error if the file cannot be opened.
  explicit JsonlSource(const std::filesystem::path& path);
  // A stream the caller owns (tests); it must outlive the source.
  explicit JsonlSource(std::istream& in) : in_(&in) {}

  std::optional<ImportItem> next() override;
  std::optional<std::string> error() const override { return error_; }

 private:
  std::unique_ptr<std::ifstream> file_;
  std::istream* in_;
  std::size_t line_number_ = 0;
  std::optional<std::string> error_;
};

}  // namespace vestibule::import
