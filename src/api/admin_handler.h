// The admin API (/admin/v1/...), served only on the admin listener: every request must carry
// `Authorization: Bearer <the admin token>` (--admin-token-file), else 401 invalid_token before
// anything else is looked at. Paths with {id} take it from Exchange::path_params. Thread-safe:
// holds only references and an immutable secret.
#pragma once

#include "accounts/admin_service.h"
#include "accounts/backups.h"
#include "api/shared_secret.h"
#include "http/message.h"

namespace vestibule::api {

class AdminHandler {
 public:
  AdminHandler(accounts::AdminService& service, accounts::Backups& backups, SharedSecret token)
      : service_(service), backups_(backups), token_(std::move(token)) {}

  // GET /admin/v1/users?email=&limit=&cursor=
  boost::asio::awaitable<http::Response> list_users(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> create_user(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> get_user(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> update_user(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> delete_user(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> revoke_sessions(http::Request& req, const http::Exchange& ex);
  // POST /admin/v1/backups: 201 {file, bytes, created_at}; 409 backup_unsupported on Redis.
  boost::asio::awaitable<http::Response> create_backup(http::Request& req, const http::Exchange& ex);

 private:
  // The 401 for a request without the admin token, or std::nullopt when it has it.
  std::optional<http::Response> refusal(const http::Request& req, const http::Exchange& ex) const;

  accounts::AdminService& service_;
  accounts::Backups& backups_;
  const SharedSecret token_;
};

}  // namespace vestibule::api
