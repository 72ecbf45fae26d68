#include "store/open.h"

#include <boost/url/parse.hpp>

#include "store/sqlite/sqlite_store.h"

namespace vestibule::store {

boost::system::result<std::unique_ptr<Store>, OpenError> open_store(std::string_view url, const OpenOptions& options) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return OpenError{"--store must be a URL such as sqlite:data/vestibule.db"};
  if (parsed->scheme() == "sqlite") {
    std::string path = parsed->path();  // percent-decoded
    if (path.empty() || parsed->has_authority()) {
      return OpenError{"--store sqlite:PATH needs a file path, e.g. sqlite:data/vestibule.db"};
    }
    auto opened = sqlite::SqliteStore::open(sqlite::SqliteOptions{.path = path, .threads = options.threads});
    if (!opened) return std::move(opened).error();
    return std::unique_ptr<Store>(std::move(*opened));
  }
  return OpenError{"unsupported --store scheme '" + std::string(parsed->scheme()) + "' (supported: sqlite)"};
}

}  // namespace vestibule::store
