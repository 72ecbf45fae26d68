#include "api/routes.h"

namespace vestibule::api {

void add_routes(http::Router& router, Handlers& h) {
  using boost::beast::http::verb;
  auto bind = [](auto* object, auto method) {
    return [object, method](http::Request& req, const http::Exchange& ex) { return (object->*method)(req, ex); };
  };
  router.add(verb::post, "/v1/users", bind(&h.users, &UsersHandler::register_user));
  router.add(verb::get, "/v1/users/me", bind(&h.users, &UsersHandler::get_me));
  router.add(verb::patch, "/v1/users/me", bind(&h.users, &UsersHandler::update_me));
  router.add(verb::delete_, "/v1/users/me", bind(&h.users, &UsersHandler::delete_me));
  router.add(verb::post, "/v1/sessions", bind(&h.sessions, &SessionsHandler::login));
  router.add(verb::delete_, "/v1/sessions", bind(&h.sessions, &SessionsHandler::logout_everywhere));
  router.add(verb::delete_, "/v1/sessions/current", bind(&h.sessions, &SessionsHandler::logout));
  router.add(verb::post, "/v1/users/me/email-verification", bind(&h.mail_flows, &MailFlowsHandler::resend_verification));
  router.add(verb::post, "/v1/email-verifications", bind(&h.mail_flows, &MailFlowsHandler::verify_email));
  router.add(verb::post, "/v1/password-resets", bind(&h.mail_flows, &MailFlowsHandler::request_password_reset));
  router.add(verb::post, "/v1/password-resets/confirm", bind(&h.mail_flows, &MailFlowsHandler::confirm_password_reset));
  router.add(verb::get, "/healthz", bind(&h.health, &HealthHandler::live));
  router.add(verb::get, "/readyz", bind(&h.health, &HealthHandler::ready));
}

}  // namespace vestibule::api
