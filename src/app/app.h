// Builds a service's object graph from Settings, once, in dependency order: store -> hasher ->
// account service -> handlers -> router. Every subcommand that needs a part of it (serve today;
// admin, import and migrations next) builds it here instead of copying serve's wiring.
// Destroyed in reverse order. Thread-safe once built (each part is).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/result.hpp>
#include <memory>
#include <string>

#include "accounts/account_service.h"
#include "api/routes.h"
#include "app/logging.h"
#include "app/settings.h"
#include "http/router.h"
#include "security/password_hasher.h"
#include "store/store.h"

namespace vestibule::app {

// Why a part could not be built, said so an operator can act on it.
struct BuildError {
  std::string message;
};

// The store `settings` names, its network I/O (Redis) on `executor`.
boost::system::result<std::unique_ptr<store::Store>, BuildError> open_store(const Settings& settings,
                                                                             boost::asio::any_io_executor executor,
                                                                             const Loggers& loggers);

class App {
 public:
  // `executor` runs the store's network I/O and must outlive the App.
  static boost::system::result<std::unique_ptr<App>, BuildError> build(const Settings& settings,
                                                                        boost::asio::any_io_executor executor,
                                                                        const Loggers& loggers);

  store::Store& store() { return *store_; }
  security::PasswordHasher& hasher() { return *hasher_; }
  accounts::AccountService& accounts() { return *accounts_; }
  const http::Router& router() const { return *router_; }

 private:
  App() = default;

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<security::PasswordHasher> hasher_;
  std::unique_ptr<accounts::AccountService> accounts_;
  std::unique_ptr<api::Handlers> handlers_;
  std::unique_ptr<http::Router> router_;
};

}  // namespace vestibule::app
