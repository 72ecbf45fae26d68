#include "import/jsonl_source.h"

#include <stdexcept>

namespace vestibule::import {

JsonlSource::JsonlSource(const std::filesystem::path& path)
    : file_(std::make_unique<std::ifstream>(path, std::ios::binary)), in_(file_.get()) {
  if (!*file_) throw std::runtime_error("cannot open " + path.string());
}

std::optional<ImportItem> JsonlSource::next() {
  std::streambuf* buf = in_->rdbuf();
  for (;;) {
    std::string line;
    bool too_long = false;
    int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) return std::nullopt;
    ++line_number_;
    // Reads up to the newline, keeping at most one byte past the limit so that an endless
    // line costs no memory.
    for (; c != std::char_traits<char>::eof() && c != '\n'; c = buf->sbumpc()) {
      if (line.size() <= kMaxLineBytes) {
        line.push_back(static_cast<char>(c));
      } else {
        too_long = true;
      }
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();  // files written on Windows
    if (!too_long && line.find_first_not_of(" \t") == std::string::npos) continue;
    return parse_line(line, line_number_);
  }
}

}  // namespace vestibule::import
