// /v1/users (registration) and /v1/users/me (read, partial update, delete own account).
#pragma once

#include "accounts/account_service.h"
#include "http/message.h"

namespace vestibule::api {

class UsersHandler {
 public:
  explicit UsersHandler(accounts::AccountService& service) : service_(service) {}

  boost::asio::awaitable<http::Response> register_user(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> get_me(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> update_me(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> delete_me(http::Request& req, const http::Exchange& ex);

 private:
  accounts::AccountService& service_;
};

}  // namespace vestibule::api
