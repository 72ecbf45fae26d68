// The admin API on its own listener: the token it needs, finding and paging accounts, creating
// them (with a password or an imported hash), changing, disabling and deleting them, revoking
// their sessions, and the audit line of each action.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <cctype>
#include <regex>
#include <set>

#include "api_helpers.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;

bool is_uuid(std::string_view s) {
  static const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_match(s.begin(), s.end(), kUuid);
}

testing::AssertionResult is_admin_user(const json::object& o) {
  std::set<std::string> keys = keys_of(o);
  keys.erase("pending_email");
  if (keys != std::set<std::string>{"id", "name", "email", "email_verified", "totp_enabled", "created_at", "updated_at",
                                    "disabled"}) {
    return testing::AssertionFailure() << "not an admin user: " << json::serialize(o);
  }
  if (!is_uuid(text(o.at("id"))) || !o.at("disabled").is_bool() || !o.at("email_verified").is_bool()) {
    return testing::AssertionFailure() << "wrong member types: " << json::serialize(o);
  }
  return testing::AssertionSuccess();
}

class AdminTest : public SharedServerTest {
 protected:
  std::string_view admin_token() { return server().admin_token(); }

  Response admin(http::verb method, std::string_view target, const std::optional<json::value>& body = {}) {
    return admin_client().request(method, target, body, admin_token());
  }

  // Creates an account through the admin API; its body.
  json::object create(json::object fields) {
    Response res = admin(http::verb::post, "/admin/v1/users", json::value(std::move(fields)));
    EXPECT_EQ(res.result_int(), 201u) << describe(res);
    return body_object(res);
  }

  json::object create_with_password(std::string_view tag, std::string_view password = kPassword) {
    return create({{"name", "Admin " + std::string(tag)}, {"email", unique_email(tag)}, {"password", password}});
  }

  // Every account, paging `limit` at a time; fails the test on a broken page.
  std::vector<json::object> all_users(std::size_t limit) {
    std::vector<json::object> users;
    std::string cursor;
    for (int pages = 0; pages < 10'000; ++pages) {
      std::string target = "/admin/v1/users?limit=" + std::to_string(limit);
      if (!cursor.empty()) target += "&cursor=" + cursor;
      Response res = admin(http::verb::get, target);
      EXPECT_EQ(res.result_int(), 200u) << describe(res);
      json::object page = body_object(res);
      EXPECT_EQ(keys_of(page), (std::set<std::string>{"users", "next_cursor"}));
      if (!page.contains("users") || !page.at("users").is_array()) break;
      const json::array& list = page.at("users").as_array();
      EXPECT_LE(list.size(), limit);
      for (const json::value& u : list) users.push_back(u.as_object());
      if (!page.contains("next_cursor") || page.at("next_cursor").is_null()) break;
      cursor = text(page.at("next_cursor"));
    }
    return users;
  }
};

TEST_F(AdminTest, EveryRouteNeedsTheAdminToken) {
  const std::vector<std::pair<http::verb, std::string>> routes = {
      {http::verb::get, "/admin/v1/users"},
      {http::verb::post, "/admin/v1/users"},
      {http::verb::get, "/admin/v1/users/00000000-0000-4000-8000-000000000000"},
      {http::verb::patch, "/admin/v1/users/00000000-0000-4000-8000-000000000000"},
      {http::verb::delete_, "/admin/v1/users/00000000-0000-4000-8000-000000000000"},
      {http::verb::delete_, "/admin/v1/users/00000000-0000-4000-8000-000000000000/sessions"}};
  for (const auto& [method, target] : routes) {
    // Direct: the contract proxy answers a request without the token itself.
    Response none = admin_direct_client().request(method, target);
    EXPECT_TRUE(is_problem(none, 401, "invalid_token")) << target;
    EXPECT_EQ(none[http::field::www_authenticate], R"(Bearer realm="vestibule-admin")") << target;
    Response wrong = admin_direct_client().request(method, target, json::object{}, std::string(admin_token()) + "x");
    EXPECT_TRUE(is_problem(wrong, 401, "invalid_token")) << target;
    EXPECT_EQ(wrong[http::field::www_authenticate], R"(Bearer realm="vestibule-admin", error="invalid_token")");
    Account a = register_account(client(), "token");
    Response user_token = admin_direct_client().request(method, target, json::object{}, login(client(), a));
    EXPECT_TRUE(is_problem(user_token, 401, "invalid_token")) << "a user's bearer token is not the admin's: " << target;
  }
}

TEST_F(AdminTest, TheAdminApiIsNotOnThePublicListener) {
  Response res = direct_client().request(http::verb::get, "/admin/v1/users", {}, admin_token());
  EXPECT_TRUE(is_problem(res, 404, "not_found"));
  EXPECT_EQ(admin_client().get("/healthz").result_int(), 200u) << "the probes are on both";
  EXPECT_TRUE(is_problem(admin_direct_client().get("/v1/users/me", "x"), 404, "not_found"))
      << "and the public API is not";
}

TEST_F(AdminTest, AnAccountCreatedWithAPasswordCanLogIn) {
  const std::string email = unique_email("created");
  Response res = admin(http::verb::post, "/admin/v1/users",
                       json::object{{"name", "Grace"}, {"email", email}, {"password", kPassword}});
  ASSERT_EQ(res.result_int(), 201u) << describe(res);
  json::object user = body_object(res);
  EXPECT_TRUE(is_admin_user(user));
  EXPECT_EQ(res[http::field::location], "/admin/v1/users/" + text(user.at("id")));
  EXPECT_EQ(user.at("disabled"), false);
  EXPECT_EQ(user.at("email_verified"), false);
  EXPECT_EQ(res.body().find("password"), std::string::npos) << "no password or hash in the answer";
  EXPECT_FALSE(login(client(), email, kPassword).empty());

  Response got = admin(http::verb::get, "/admin/v1/users/" + text(user.at("id")));
  ASSERT_EQ(got.result_int(), 200u) << describe(got);
  EXPECT_EQ(body_object(got), user);
  EXPECT_TRUE(server().wait_for_log("event=admin.user.read account_id=" + text(user.at("id")),
                                    std::chrono::seconds(5)));
  EXPECT_TRUE(server().wait_for_log("event=admin.user.created account_id=" + text(user.at("id")),
                                    std::chrono::seconds(5)));
}

TEST_F(AdminTest, AnAccountKeepsTheIdTimeAndVerificationItIsGiven) {
  const std::string id = "3f2c5a8e-0c4b-4e1f-9a7d-2b6c8d0e1f23";
  json::object user = create({{"name", "Imported"},
                              {"email", unique_email("given")},
                              {"password", kPassword},
                              {"id", "3F2C5A8E-0C4B-4E1F-9A7D-2B6C8D0E1F23"},
                              {"email_verified", true},
                              {"created_at", "2019-05-04T03:02:01.5+02:00"}});
  EXPECT_EQ(text(user.at("id")), id) << "a UUID in capitals is the same UUID";
  EXPECT_EQ(user.at("email_verified"), true);
  EXPECT_EQ(text(user.at("created_at")), "2019-05-04T01:02:01.500Z");

  Response again = admin(http::verb::post, "/admin/v1/users",
                         json::object{{"name", "X"}, {"email", unique_email("other")}, {"password", kPassword}, {"id", id}});
  EXPECT_TRUE(is_problem(again, 409, "id_taken"));
  Response same_email = admin(http::verb::post, "/admin/v1/users",
                              json::object{{"name", "X"}, {"email", user.at("email")}, {"password", kPassword}});
  EXPECT_TRUE(is_problem(same_email, 409, "email_taken"));
}

TEST_F(AdminTest, ACreateBreakingRulesListsThemAll) {
  Response res = admin(http::verb::post, "/admin/v1/users",
                       json::object{{"name", ""}, {"email", "not an address"}, {"id", "123"},
                                    {"password_hash", "$1$abc$notsupported"}});
  ASSERT_TRUE(is_problem(res, 422, "validation_failed"));
  const auto errors = field_errors(res);
  const std::set<std::pair<std::string, std::string>> fields(errors.begin(), errors.end());
  EXPECT_TRUE(fields.count({"password_hash", "unsupported_hash"})) << describe(res);
  EXPECT_TRUE(fields.count({"id", "invalid"})) << describe(res);
  EXPECT_EQ(fields.size(), 4u) << describe(res);

  Response both = admin(http::verb::post, "/admin/v1/users",
                        json::object{{"name", "A"}, {"email", unique_email("both")}, {"password", kPassword},
                                     {"password_hash", "$2b$10$abc"}});
  EXPECT_TRUE(is_problem(both, 422, "validation_failed"));
  Response neither = admin(http::verb::post, "/admin/v1/users", json::object{{"name", "A"}, {"email", unique_email("n")}});
  ASSERT_TRUE(is_problem(neither, 422, "validation_failed"));
  EXPECT_EQ(field_errors(neither), (std::vector<std::pair<std::string, std::string>>{{"password", "required"}}));
  Response weak = admin(http::verb::post, "/admin/v1/users",
                        json::object{{"name", "A"}, {"email", unique_email("weak")}, {"password", "short"}});
  EXPECT_TRUE(is_problem(weak, 422, "validation_failed")) << "an operator's password follows the policy too";
  Response typed = admin(http::verb::post, "/admin/v1/users",
                         json::object{{"name", "A"}, {"email", unique_email("t")}, {"password", kPassword},
                                      {"email_verified", "yes"}});
  EXPECT_TRUE(is_problem(typed, 400, "malformed_request"));
  Response when = admin(http::verb::post, "/admin/v1/users",
                        json::object{{"name", "A"}, {"email", unique_email("w")}, {"password", kPassword},
                                     {"created_at", "yesterday"}});
  EXPECT_TRUE(is_problem(when, 400, "malformed_request"));
}

TEST_F(AdminTest, AnUnknownOrMalformedIdIsNotFound) {
  for (std::string id : {"00000000-0000-4000-8000-000000000000", "nope", "00000000-0000-4000-8000-00000000000g"}) {
    EXPECT_TRUE(is_problem(admin(http::verb::get, "/admin/v1/users/" + id), 404, "not_found")) << id;
    EXPECT_TRUE(is_problem(admin(http::verb::patch, "/admin/v1/users/" + id, json::object{{"name", "B"}}), 404,
                           "not_found"))
        << id;
    EXPECT_TRUE(is_problem(admin(http::verb::delete_, "/admin/v1/users/" + id), 404, "not_found")) << id;
    EXPECT_TRUE(is_problem(admin(http::verb::delete_, "/admin/v1/users/" + id + "/sessions"), 404, "not_found")) << id;
  }
}

TEST_F(AdminTest, PagesListEveryAccountOnceInIdOrderAndStayStableUnderInserts) {
  std::set<std::string> mine;
  for (int i = 0; i < 5; ++i) mine.insert(text(create_with_password("page")["id"]));

  std::vector<json::object> first = all_users(2);
  std::set<std::string> seen;
  std::string previous;
  for (const json::object& u : first) {
    EXPECT_TRUE(is_admin_user(u));
    const std::string id = text(u.at("id"));
    EXPECT_TRUE(seen.insert(id).second) << "listed twice: " << id;
    EXPECT_LT(previous, id) << "ascending id order";
    previous = id;
  }
  for (const std::string& id : mine) EXPECT_TRUE(seen.count(id)) << id;

  // Inserts between pages: every account present throughout is still listed exactly once.
  Response page = admin(http::verb::get, "/admin/v1/users?limit=1");
  ASSERT_EQ(page.result_int(), 200u) << describe(page);
  std::string cursor = text(body_object(page).at("next_cursor"));
  std::set<std::string> paged = {text(body_object(page).at("users").as_array()[0].at("id"))};
  for (int pages = 0; pages < 10'000 && !cursor.empty(); ++pages) {
    create_with_password("insert");
    Response next = admin(http::verb::get, "/admin/v1/users?limit=3&cursor=" + cursor);
    ASSERT_EQ(next.result_int(), 200u) << describe(next);
    json::object body = body_object(next);
    for (const json::value& u : body.at("users").as_array()) {
      EXPECT_TRUE(paged.insert(text(u.at("id"))).second) << "listed twice";
    }
    cursor = body.at("next_cursor").is_null() ? "" : text(body.at("next_cursor"));
  }
  for (const std::string& id : seen) EXPECT_TRUE(paged.count(id)) << "skipped: " << id;
}

TEST_F(AdminTest, TheEmailFilterMatchesTheNormalisedAddressExactly) {
  json::object user = create_with_password("Filter");
  const std::string email = text(user.at("email"));
  std::string shouted = email;
  for (char& c : shouted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Response res = admin(http::verb::get, "/admin/v1/users?email=" + shouted);
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  json::object page = body_object(res);
  ASSERT_EQ(page.at("users").as_array().size(), 1u) << describe(res);
  EXPECT_EQ(page.at("users").as_array()[0].at("id"), user.at("id"));
  EXPECT_TRUE(page.at("next_cursor").is_null());

  for (std::string other : {"x" + email, std::string("nobody@example.com"), std::string("not-an-address")}) {
    Response none = admin(http::verb::get, "/admin/v1/users?email=" + other);
    ASSERT_EQ(none.result_int(), 200u) << describe(none);
    EXPECT_TRUE(body_object(none).at("users").as_array().empty()) << other;
  }
}

TEST_F(AdminTest, ABadLimitOrCursorIsAValidationError) {
  for (std::string query : {"limit=0", "limit=1001", "limit=abc", "limit=", "cursor=nonsense", "cursor=AAAA"}) {
    Response res = admin(http::verb::get, "/admin/v1/users?" + query);
    EXPECT_TRUE(is_problem(res, 422, "validation_failed")) << query;
  }
  EXPECT_EQ(admin(http::verb::get, "/admin/v1/users?limit=1000").result_int(), 200u);
}

TEST_F(AdminTest, PatchChangesNameAddressAndVerification) {
  json::object user = create_with_password("patch");
  const std::string target = "/admin/v1/users/" + text(user.at("id"));
  const std::string email = unique_email("patched");
  Response res = admin(http::verb::patch, target, json::object{{"name", "Renamed"}, {"email", email}});
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  json::object changed = body_object(res);
  EXPECT_TRUE(is_admin_user(changed));
  EXPECT_EQ(text(changed.at("name")), "Renamed");
  EXPECT_EQ(text(changed.at("email")), email);
  EXPECT_EQ(changed.at("email_verified"), false);
  EXPECT_FALSE(login(client(), email, kPassword).empty()) << "the new address logs in";

  Response verified = admin(http::verb::patch, target, json::object{{"email_verified", true}});
  ASSERT_EQ(verified.result_int(), 200u) << describe(verified);
  EXPECT_EQ(body_object(verified).at("email_verified"), true);

  json::object other = create_with_password("holder");
  EXPECT_TRUE(is_problem(admin(http::verb::patch, target, json::object{{"email", other.at("email")}}), 409, "email_taken"));
  EXPECT_TRUE(is_problem(admin(http::verb::patch, target, json::object{{"email", "nope"}}), 422, "validation_failed"));
  EXPECT_TRUE(is_problem(admin(http::verb::patch, target, json::object{{"disabled", "yes"}}), 400, "malformed_request"));
}

TEST_F(AdminTest, DisablingEndsEverySessionAndRefusesLoginOnlyAfterThePasswordMatched) {
  Account a = register_account(client(), "disable");
  const std::string token = login(client(), a);
  const std::string target = "/admin/v1/users/" + a.id;

  Response res = admin(http::verb::patch, target, json::object{{"disabled", true}});
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(body_object(res).at("disabled"), true);
  EXPECT_TRUE(is_problem(client().get("/v1/users/me", token), 401, "invalid_token"));

  Response right = client().post("/v1/sessions", {{"email", a.email}, {"password", a.password}});
  EXPECT_TRUE(is_problem(right, 403, "account_disabled"));
  Response wrong = client().post("/v1/sessions", {{"email", a.email}, {"password", "not the password at all"}});
  EXPECT_TRUE(is_problem(wrong, 401, "invalid_credentials")) << "a guesser learns nothing";

  Response enabled = admin(http::verb::patch, target, json::object{{"disabled", false}});
  ASSERT_EQ(enabled.result_int(), 200u) << describe(enabled);
  EXPECT_EQ(body_object(enabled).at("disabled"), false);
  const std::string fresh = login(client(), a);
  EXPECT_EQ(client().get("/v1/users/me", fresh).result_int(), 200u);
  EXPECT_TRUE(is_problem(client().get("/v1/users/me", token), 401, "invalid_token")) << "old sessions stay ended";
  EXPECT_TRUE(server().wait_for_log("event=admin.user.updated account_id=" + a.id, std::chrono::seconds(5)));
}

TEST_F(AdminTest, RevokingSessionsEndsThemAllAndLeavesTheAccount) {
  Account a = register_account(client(), "revoke-all");
  const std::string t1 = login(client(), a);
  const std::string t2 = login(client(), a);
  Response res = admin(http::verb::delete_, "/admin/v1/users/" + a.id + "/sessions");
  ASSERT_EQ(res.result_int(), 204u) << describe(res);
  EXPECT_TRUE(is_problem(client().get("/v1/users/me", t1), 401, "invalid_token"));
  EXPECT_TRUE(is_problem(client().get("/v1/users/me", t2), 401, "invalid_token"));
  EXPECT_FALSE(login(client(), a).empty());
  EXPECT_TRUE(server().wait_for_log("event=admin.sessions.revoked account_id=" + a.id, std::chrono::seconds(5)));
}

TEST_F(AdminTest, DeletingAnAccountEndsItForGood) {
  Account a = register_account(client(), "delete");
  const std::string token = login(client(), a);
  Response res = admin(http::verb::delete_, "/admin/v1/users/" + a.id);
  ASSERT_EQ(res.result_int(), 204u) << describe(res);
  EXPECT_TRUE(is_problem(admin(http::verb::get, "/admin/v1/users/" + a.id), 404, "not_found"));
  EXPECT_TRUE(is_problem(client().get("/v1/users/me", token), 401, "invalid_token"));
  Response login_res = client().post("/v1/sessions", {{"email", a.email}, {"password", a.password}});
  EXPECT_TRUE(is_problem(login_res, 401, "invalid_credentials"));
  EXPECT_TRUE(is_problem(admin(http::verb::delete_, "/admin/v1/users/" + a.id), 404, "not_found"));
  EXPECT_TRUE(server().wait_for_log("event=admin.user.deleted account_id=" + a.id, std::chrono::seconds(5)));
}

TEST_F(AdminTest, TheLogNeverHoldsTheAdminTokenOrAPassword) {
  const std::string password = "an admin-set password 9137";
  create_with_password("secret-log", password);
  admin_direct_client().request(http::verb::get, "/admin/v1/users", {}, "wrong-token-0123456789");
  EXPECT_TRUE(server().wait_for_log("event=admin.user.created", std::chrono::seconds(5)));
  const std::string log = server().log();
  EXPECT_EQ(log.find(std::string(admin_token())), std::string::npos);
  EXPECT_EQ(log.find("wrong-token-0123456789"), std::string::npos);
  EXPECT_EQ(log.find(password), std::string::npos);
  EXPECT_EQ(log.find("$argon2id$"), std::string::npos);
}

}  // namespace
}  // namespace vestibule::e2e
