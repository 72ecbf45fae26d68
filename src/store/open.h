// Builds the Store a `--store` URL names. The only place that knows every backend.
#pragma once

#include <boost/system/result.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "store/store.h"

namespace vestibule::store {

struct OpenOptions {
  std::size_t threads = 2;  // blocking backends (SQLite): worker threads and connections
};

// `sqlite:PATH` (relative or absolute; the directory is created).
boost::system::result<std::unique_ptr<Store>, OpenError> open_store(std::string_view url, const OpenOptions& options);

}  // namespace vestibule::store
