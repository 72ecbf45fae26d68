// /healthz (the process answers) and /readyz (the store answers too): for load balancers and
// orchestrators. Neither needs authentication nor reveals anything but up/down.
#pragma once

#include "accounts/account_service.h"
#include "http/message.h"

namespace vestibule::api {

class HealthHandler {
 public:
  explicit HealthHandler(accounts::AccountService& service) : service_(service) {}

  boost::asio::awaitable<http::Response> live(http::Request& req, const http::Exchange& ex);
  boost::asio::awaitable<http::Response> ready(http::Request& req, const http::Exchange& ex);

 private:
  accounts::AccountService& service_;
};

}  // namespace vestibule::api
