// The caller's sessions: GET /v1/sessions (newest first, the current one marked, what each client
// said it was and where it came from) and DELETE /v1/sessions/{id} (revoke one by its public id,
// only one's own).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "api_helpers.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;

class SessionListTest : public SharedServerTest {
 protected:
  // Logs in with `user_agent` as the User-Agent header (none when empty), through `via` (the
  // contract proxy sends a User-Agent of its own where the request has none); the token.
  std::string login_as(const Account& a, std::string_view user_agent, HttpClient* via = nullptr) {
    Request req{http::verb::post, "/v1/sessions", 11};
    req.set(http::field::content_type, "application/json");
    if (!user_agent.empty()) req.set(http::field::user_agent, user_agent);
    req.body() = json::serialize(json::object{{"email", a.email}, {"password", a.password}});
    Response res = (via ? *via : client()).send(std::move(req));
    EXPECT_EQ(res.result_int(), 201u) << describe(res);
    json::object body = body_object(res);
    const json::value* token = body.if_contains("token");
    return token && token->is_string() ? std::string(token->get_string()) : std::string();
  }

  json::array sessions(std::string_view token) {
    Response res = client().get("/v1/sessions", token);
    EXPECT_EQ(res.result_int(), 200u) << describe(res);
    json::object body = body_object(res);
    EXPECT_EQ(keys_of(body), std::set<std::string>{"sessions"}) << describe(res);
    const json::value* list = body.if_contains("sessions");
    return list && list->is_array() ? list->get_array() : json::array();
  }
};

// The one session in `list` whose client said it was `user_agent` (logins within one
// millisecond have no order of their own, so tests find sessions by what they sent).
json::object by_agent(const json::array& list, std::string_view user_agent) {
  std::vector<json::object> found;
  for (const json::value& s : list) {
    if (s.is_object() && s.as_object().contains("user_agent") && text(s.at("user_agent")) == user_agent) {
      found.push_back(s.as_object());
    }
  }
  EXPECT_EQ(found.size(), 1u) << "sessions with user agent " << user_agent << " in " << json::serialize(list);
  return found.empty() ? json::object() : found.front();
}

// Whether `list` is newest first: created_at never increases along it.
testing::AssertionResult newest_first(const json::array& list) {
  std::optional<std::int64_t> previous;
  for (const json::value& s : list) {
    const auto created = timestamp_ms(text(s.at("created_at")));
    if (!created) return testing::AssertionFailure() << "no created_at in " << json::serialize(s);
    if (previous && *created > *previous) return testing::AssertionFailure() << "not newest first: " << json::serialize(list);
    previous = created;
  }
  return testing::AssertionSuccess();
}

TEST_F(SessionListTest, ListsEverySessionNewestFirstWithTheCurrentOneMarked) {
  Account a = register_account(client(), "list");
  const std::string first = login_as(a, "First/1.0");
  const std::string second = login_as(a, "Second/2.0 (like nothing else)");

  json::array list = sessions(second);
  ASSERT_EQ(list.size(), 2u);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json::object& s = list[i].as_object();
    EXPECT_EQ(keys_of(s), (std::set<std::string>{"id", "created_at", "expires_at", "last_used_at", "current",
                                                 "user_agent", "client_address"}))
        << json::serialize(s);
    const std::string id = text(s.at("id"));
    EXPECT_TRUE(is_uuid_v4(id)) << id;
    EXPECT_NE(id, first);
    EXPECT_NE(id, second);
    ids.insert(id);
    EXPECT_EQ(text(s.at("client_address")), "127.0.0.1");
    const auto created = timestamp_ms(text(s.at("created_at")));
    const auto expires = timestamp_ms(text(s.at("expires_at")));
    const auto used = timestamp_ms(text(s.at("last_used_at")));
    ASSERT_TRUE(created && expires && used) << json::serialize(s);
    EXPECT_EQ(*expires - *created, 86'400'000) << "the default --token-ttl";
    EXPECT_GE(*used, *created);
  }
  EXPECT_EQ(ids.size(), 2u) << "ids are unique";
  EXPECT_TRUE(newest_first(list));
  const json::object newer = by_agent(list, "Second/2.0 (like nothing else)");
  const json::object older = by_agent(list, "First/1.0");
  EXPECT_EQ(newer.at("current"), true);
  EXPECT_EQ(older.at("current"), false);
  EXPECT_GE(*timestamp_ms(text(newer.at("created_at"))), *timestamp_ms(text(older.at("created_at"))));

  // The same sessions seen from the other token: only `current` moves.
  json::array other = sessions(first);
  ASSERT_EQ(other.size(), 2u);
  EXPECT_TRUE(newest_first(other));
  EXPECT_EQ(by_agent(other, "Second/2.0 (like nothing else)").at("current"), false);
  EXPECT_EQ(by_agent(other, "First/1.0").at("id"), older.at("id"));
  EXPECT_EQ(by_agent(other, "First/1.0").at("current"), true);
}

TEST_F(SessionListTest, ListsOnlyTheCallersLiveSessions) {
  Account a = register_account(client(), "own");
  Account b = register_account(client(), "others");
  const std::string kept = login_as(a, "", &direct_client());
  const std::string gone = login_as(a, "");
  login_as(b, "");
  ASSERT_EQ(client().del("/v1/sessions/current", gone).result_int(), 204u);

  json::array list = sessions(kept);
  ASSERT_EQ(list.size(), 1u) << "a revoked session is not listed, another account's never";
  EXPECT_EQ(list[0].at("current"), true);
  EXPECT_EQ(text(list[0].at("user_agent")), "") << "no User-Agent sent";
}

TEST_F(SessionListTest, AUserAgentIsCutTo256VisibleAsciiBytes) {
  Account a = register_account(client(), "agent");
  const std::string token = login_as(a, std::string(300, 'x'));
  login_as(a, "caf\xc3\xa9 bot");
  json::array list = sessions(token);
  ASSERT_EQ(list.size(), 2u);
  by_agent(list, "caf?? bot");  // bytes beyond visible ASCII are kept as '?'
  by_agent(list, std::string(256, 'x'));
}

TEST_F(SessionListTest, RevokingASessionByIdEndsOnlyThatSession) {
  Account a = register_account(client(), "revoke");
  const std::string phone = login_as(a, "Phone");
  const std::string laptop = login_as(a, "Laptop");
  json::array list = sessions(laptop);
  ASSERT_EQ(list.size(), 2u);
  const std::string phone_id = text(by_agent(list, "Phone").at("id"));
  ASSERT_FALSE(phone_id.empty());

  Response res = client().del("/v1/sessions/" + phone_id, laptop);
  ASSERT_EQ(res.result_int(), 204u) << describe(res);
  EXPECT_TRUE(res.body().empty());
  EXPECT_TRUE(is_problem(client().get("/v1/users/me", phone), 401, "invalid_token"));
  EXPECT_EQ(client().get("/v1/users/me", laptop).result_int(), 200u);
  EXPECT_TRUE(is_problem(client().del("/v1/sessions/" + phone_id, laptop), 404, "not_found"))
      << "a revoked session is not found again";

  // One's own session by its id: that is a logout.
  const std::string laptop_id = text(sessions(laptop)[0].at("id"));
  ASSERT_EQ(client().del("/v1/sessions/" + laptop_id, laptop).result_int(), 204u);
  EXPECT_TRUE(is_problem(client().get("/v1/users/me", laptop), 401, "invalid_token"));
}

TEST_F(SessionListTest, AnotherAccountsSessionIsNotFoundAndStaysLive) {
  Account a = register_account(client(), "victim");
  Account b = register_account(client(), "intruder");
  const std::string a_token = login_as(a, "");
  const std::string b_token = login_as(b, "");
  const std::string a_id = text(sessions(a_token)[0].at("id"));

  EXPECT_TRUE(is_problem(client().del("/v1/sessions/" + a_id, b_token), 404, "not_found"));
  EXPECT_EQ(client().get("/v1/users/me", a_token).result_int(), 200u);
  for (std::string_view id : {"00000000-0000-4000-8000-000000000000", "not-a-uuid", "%2e%2e"}) {
    // Direct: the contract proxy resolves dot segments itself.
    EXPECT_TRUE(is_problem(direct_client().del("/v1/sessions/" + std::string(id), b_token), 404, "not_found")) << id;
  }
}

TEST_F(SessionListTest, BothNeedABearerToken) {
  // Direct: the contract proxy answers a missing token itself.
  Response list = direct_client().get("/v1/sessions");
  EXPECT_TRUE(is_problem(list, 401, "invalid_token"));
  EXPECT_EQ(list[http::field::www_authenticate], kBearerChallenge);
  Response revoke = direct_client().del("/v1/sessions/00000000-0000-4000-8000-000000000000");
  EXPECT_TRUE(is_problem(revoke, 401, "invalid_token"));
  EXPECT_TRUE(is_problem(client().get("/v1/sessions", std::string(43, 'A')), 401, "invalid_token"));
}

TEST_F(SessionListTest, AnotherShapeOfPathIsNotFoundAndAnotherMethodNotAllowed) {
  Response res = direct_client().del("/v1/sessions/a/b");
  EXPECT_TRUE(is_problem(res, 404, "not_found"));
  Response put = direct_client().request(http::verb::put, "/v1/sessions/abc");
  EXPECT_TRUE(is_problem(put, 405, "method_not_allowed"));
  EXPECT_EQ(put[http::field::allow], "DELETE");
}

}  // namespace
}  // namespace vestibule::e2e
