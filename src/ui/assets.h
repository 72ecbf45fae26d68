// The account page's files (src/ui/: index.html, app.css, app.js, icon.svg), compiled into the
// binary by src/ui/embed.cmake. Read-only data, safe to read from any thread.
#pragma once

#include <span>
#include <string_view>

namespace vestibule::ui {

struct Asset {
  std::string_view name;  // the file's name in src/ui/, e.g. "app.js"
  std::string_view body;  // its bytes
};

// Every file, in the order src/CMakeLists.txt lists them.
std::span<const Asset> assets();

}  // namespace vestibule::ui
