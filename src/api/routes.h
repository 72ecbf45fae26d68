// The API's route tables: which handler answers which method and path, on the public listener
// (add_routes) and on the admin listener (add_admin_routes). The application builds the
// handlers and the routers and calls these once before the servers start.
#pragma once

#include <optional>

#include "accounts/admin_service.h"
#include "api/admin_handler.h"
#include "api/health_handler.h"
#include "api/introspection_handler.h"
#include "api/mail_flows_handler.h"
#include "api/second_factor_handler.h"
#include "api/sessions_handler.h"
#include "api/shared_secret.h"
#include "api/users_handler.h"
#include "http/router.h"

namespace vestibule::api {

struct Handlers {
  // `introspection_secret`: POST /v1/introspect exists only with one (else it is a 404).
  explicit Handlers(accounts::AccountService& service, std::optional<SharedSecret> introspection_secret = std::nullopt)
      : users(service), sessions(service), second_factor(service), mail_flows(service), health(service) {
    if (introspection_secret) introspection.emplace(service, std::move(*introspection_secret));
  }
  UsersHandler users;
  SessionsHandler sessions;
  SecondFactorHandler second_factor;
  MailFlowsHandler mail_flows;
  HealthHandler health;
  std::optional<IntrospectionHandler> introspection;
};

// `handlers` must outlive the router.
void add_routes(http::Router& router, Handlers& handlers);

// The admin listener's routes: /admin/v1/... and the health probes. `admin` and `health` must
// outlive the router.
void add_admin_routes(http::Router& router, AdminHandler& admin, HealthHandler& health);

}  // namespace vestibule::api
