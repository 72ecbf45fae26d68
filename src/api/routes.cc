#include "api/routes.h"

namespace vestibule::api {

namespace {

// A handler calling `method` of `object`.
template <typename Object, typename Method>
http::Handler bind(Object* object, Method method) {
  return [object, method](http::Request& req, const http::Exchange& ex) { return (object->*method)(req, ex); };
}

}  // namespace

void add_routes(http::Router& router, Handlers& h) {
  using boost::beast::http::verb;
  router.add(verb::post, "/v1/users", bind(&h.users, &UsersHandler::register_user));
  router.add(verb::get, "/v1/users/me", bind(&h.users, &UsersHandler::get_me));
  router.add(verb::patch, "/v1/users/me", bind(&h.users, &UsersHandler::update_me));
  router.add(verb::delete_, "/v1/users/me", bind(&h.users, &UsersHandler::delete_me));
  router.add(verb::post, "/v1/sessions", bind(&h.sessions, &SessionsHandler::login));
  router.add(verb::post, "/v1/sessions/mfa", bind(&h.sessions, &SessionsHandler::complete_mfa));
  router.add(verb::get, "/v1/sessions", bind(&h.sessions, &SessionsHandler::list));
  router.add(verb::delete_, "/v1/sessions", bind(&h.sessions, &SessionsHandler::logout_everywhere));
  router.add(verb::delete_, "/v1/sessions/current", bind(&h.sessions, &SessionsHandler::logout));
  router.add(verb::delete_, "/v1/sessions/{id}", bind(&h.sessions, &SessionsHandler::revoke));
  router.add(verb::post, "/v1/users/me/totp", bind(&h.second_factor, &SecondFactorHandler::enrol));
  router.add(verb::delete_, "/v1/users/me/totp", bind(&h.second_factor, &SecondFactorHandler::disable));
  router.add(verb::post, "/v1/users/me/totp/confirm", bind(&h.second_factor, &SecondFactorHandler::confirm));
  router.add(verb::post, "/v1/users/me/recovery-codes", bind(&h.second_factor, &SecondFactorHandler::regenerate_codes));
  router.add(verb::post, "/v1/users/me/email-verification", bind(&h.mail_flows, &MailFlowsHandler::resend_verification));
  router.add(verb::post, "/v1/email-verifications", bind(&h.mail_flows, &MailFlowsHandler::verify_email));
  router.add(verb::post, "/v1/password-resets", bind(&h.mail_flows, &MailFlowsHandler::request_password_reset));
  router.add(verb::post, "/v1/password-resets/confirm", bind(&h.mail_flows, &MailFlowsHandler::confirm_password_reset));
  if (h.introspection) {
    router.add(verb::post, "/v1/introspect", bind(&*h.introspection, &IntrospectionHandler::introspect));
  }
  router.add(verb::get, "/healthz", bind(&h.health, &HealthHandler::live));
  router.add(verb::get, "/readyz", bind(&h.health, &HealthHandler::ready));
}

void add_admin_routes(http::Router& router, AdminHandler& admin, HealthHandler& health) {
  using boost::beast::http::verb;
  router.add(verb::get, "/admin/v1/users", bind(&admin, &AdminHandler::list_users));
  router.add(verb::post, "/admin/v1/users", bind(&admin, &AdminHandler::create_user));
  router.add(verb::get, "/admin/v1/users/{id}", bind(&admin, &AdminHandler::get_user));
  router.add(verb::patch, "/admin/v1/users/{id}", bind(&admin, &AdminHandler::update_user));
  router.add(verb::delete_, "/admin/v1/users/{id}", bind(&admin, &AdminHandler::delete_user));
  router.add(verb::delete_, "/admin/v1/users/{id}/sessions", bind(&admin, &AdminHandler::revoke_sessions));
  router.add(verb::post, "/admin/v1/backups", bind(&admin, &AdminHandler::create_backup));
  router.add(verb::get, "/healthz", bind(&health, &HealthHandler::live));
  router.add(verb::get, "/readyz", bind(&health, &HealthHandler::ready));
}

}  // namespace vestibule::api
