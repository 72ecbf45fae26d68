// The API's route table: which handler answers which method and path. main builds the handlers
// and the router and calls add_routes once before the server starts.
#pragma once

#include "api/health_handler.h"
#include "api/mail_flows_handler.h"
#include "api/sessions_handler.h"
#include "api/users_handler.h"
#include "http/router.h"

namespace vestibule::api {

struct Handlers {
  explicit Handlers(accounts::AccountService& service)
      : users(service), sessions(service), mail_flows(service), health(service) {}
  UsersHandler users;
  SessionsHandler sessions;
  MailFlowsHandler mail_flows;
  HealthHandler health;
};

// `handlers` must outlive the router.
void add_routes(http::Router& router, Handlers& handlers);

}  // namespace vestibule::api
