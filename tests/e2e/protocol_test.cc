// The HTTP layer as clients meet it: routing (404, 405 + Allow, probes, HEAD), Host, the headers
// on every response, keep-alive, and the request limits (413, 414, 431) and framing errors (400).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <regex>

#include "api_helpers.h"
#include "shared_server_test.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;

class RouterTest : public SharedServerTest {};

TEST_F(RouterTest, UnknownPathsAreNotFound) {
  for (std::string_view target : {"/v1", "/ui", "/index.html", "/v1/users/", "/v1/users/me/extra", "/v2/users", "/V1/USERS"}) {
    EXPECT_TRUE(is_problem(client().get(target), 404, "not_found")) << target;
  }
  EXPECT_TRUE(is_problem(client().post("/v1/nothing", json::object{}), 404, "not_found"));
}

TEST_F(RouterTest, AWrongMethodIsNotAllowedAndAllowListsTheMethods) {
  struct Case {
    http::verb method;
    std::string_view target;
    std::string_view allow;  // exactly, in the order the routes were added
  };
  for (const Case& c : {Case{http::verb::put, "/v1/users/me", "GET, HEAD, PATCH, DELETE"},
                        Case{http::verb::post, "/v1/users/me", "GET, HEAD, PATCH, DELETE"},
                        Case{http::verb::get, "/v1/users", "POST"},
                        Case{http::verb::put, "/v1/sessions", "POST, GET, HEAD, DELETE"},
                        Case{http::verb::post, "/v1/sessions/some-id", "DELETE"},
                        Case{http::verb::post, "/v1/sessions/current", "DELETE"},
                        Case{http::verb::delete_, "/healthz", "GET, HEAD"},
                        Case{http::verb::post, "/readyz", "GET, HEAD"}}) {
    Response res = client().request(c.method, c.target);
    EXPECT_TRUE(is_problem(res, 405, "method_not_allowed")) << c.target;
    EXPECT_EQ(res[http::field::allow], c.allow) << c.target;
  }
}

class HeadTest : public SharedServerTest {
 protected:
  // HEAD answers with GET's status and headers, Content-Length included, and no body; the
  // keep-alive connection then serves the next request (a body would be read as its answer).
  void expect_head_like_get(std::string_view target, std::string_view token, unsigned status) {
    Response get = client().get(target, token);
    ASSERT_EQ(get.result_int(), status) << describe(get);
    Request req{http::verb::head, target, 11};
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
    Response head = client().send(req);
    EXPECT_EQ(head.result_int(), status) << target;
    EXPECT_EQ(head[http::field::content_length], std::to_string(get.body().size())) << target;
    EXPECT_EQ(head[http::field::content_type], get[http::field::content_type]) << target;
    EXPECT_EQ(head[http::field::www_authenticate], get[http::field::www_authenticate]) << target;
    EXPECT_TRUE(head.body().empty()) << target;
    EXPECT_TRUE(head.keep_alive()) << target;
    EXPECT_TRUE(has_standard_headers(head)) << target;
    Response next = client().get("/healthz");
    EXPECT_EQ(next.result_int(), 200u) << "the request after HEAD " << target << " on the same connection";
    EXPECT_EQ(body_object(next), (json::object{{"status", "ok"}}));
    EXPECT_EQ(client().connections_opened(), 1);
  }
};

TEST_F(HeadTest, HeadHealthzIsGetWithoutTheBody) { expect_head_like_get("/healthz", {}, 200); }

TEST_F(HeadTest, HeadReadyzIsGetWithoutTheBody) { expect_head_like_get("/readyz", {}, 200); }

TEST_F(HeadTest, HeadUsersMeIsGetWithoutTheBody) {
  Account a = register_account(client(), "head");
  const std::string token = login(client(), a);
  expect_head_like_get("/v1/users/me", token, 200);
}

TEST_F(HeadTest, HeadUsersMeWithoutATokenIs401WithoutTheBody) { expect_head_like_get("/v1/users/me", {}, 401); }

TEST_F(HeadTest, ErrorAnswersToHeadHaveNoBodyEither) {
  for (std::string_view target : {"/v1/users", "/nowhere"}) {
    // One request id for both, so that the problem documents have the same length.
    Request get_req{http::verb::get, target, 11};
    get_req.set("X-Request-Id", "head-error-test");
    Response get = client().send(get_req);
    Request req{http::verb::head, target, 11};
    req.set("X-Request-Id", "head-error-test");
    Response head = client().send(req);
    EXPECT_EQ(head.result_int(), target == "/nowhere" ? 404u : 405u) << target;
    EXPECT_EQ(head.result_int(), get.result_int()) << target;
    EXPECT_TRUE(head.body().empty()) << target;
    EXPECT_FALSE(get.body().empty()) << target;
    EXPECT_EQ(head[http::field::content_length], std::to_string(get.body().size()))
        << "the length of the body a GET would get: " << target;
    EXPECT_EQ(client().get("/healthz").result_int(), 200u) << "after HEAD " << target;
  }
  EXPECT_EQ(client().connections_opened(), 1);
}

class HostFieldTest : public SharedServerTest {};

TEST_F(HostFieldTest, AnHttp11RequestWithoutHostIsRefused) {
  HttpClient c(port(), std::chrono::seconds(5));
  Response res = c.send_raw("GET /healthz HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(is_problem(res, 400, "malformed_request")) << describe(res);
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(HostFieldTest, TwoHostFieldsAreRefused) {
  for (std::string_view version : {"HTTP/1.1", "HTTP/1.0"}) {
    HttpClient c(port(), std::chrono::seconds(5));
    Response res = c.send_raw("GET /healthz " + std::string(version) + "\r\nHost: 127.0.0.1\r\nHost: example.com\r\n\r\n");
    EXPECT_TRUE(is_problem(res, 400, "malformed_request")) << version << describe(res);
    EXPECT_FALSE(res.keep_alive());
  }
}

TEST_F(HostFieldTest, AnHttp10RequestWithoutHostIsServed) {
  HttpClient c(port(), std::chrono::seconds(5));
  EXPECT_EQ(c.send_raw("GET /healthz HTTP/1.0\r\n\r\n").result_int(), 200u);
}

TEST_F(RouterTest, HealthzAnswersOk) {
  Response res = client().get("/healthz");
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(body_object(res), (json::object{{"status", "ok"}}));
}

TEST_F(RouterTest, ReadyzAnswersReadyWhileTheStoreAnswers) {
  Response res = client().get("/readyz");
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(body_object(res), (json::object{{"status", "ready"}}));
}

TEST_F(RouterTest, TheQueryStringIsIgnoredWhenRouting) {
  EXPECT_EQ(client().get("/healthz?probe=1&x=y").result_int(), 200u);
  EXPECT_TRUE(is_problem(client().get("/nowhere?x=1"), 404, "not_found"));
}

class ResponseHeadersTest : public SharedServerTest {};

TEST_F(ResponseHeadersTest, EveryResponseCarriesTheStandardHeaders) {
  HttpClient& c = client();
  Account a = register_account(c, "headers");
  const std::string token = login(c, a);
  std::vector<Response> responses;
  responses.push_back(c.post("/v1/users", {{"name", "H"}, {"email", unique_email("headers")}, {"password", kPassword}}));
  responses.push_back(c.post("/v1/sessions", {{"email", a.email}, {"password", a.password}}));
  responses.push_back(c.get("/v1/users/me", token));
  responses.push_back(c.patch("/v1/users/me", {{"name", "Renamed"}}, token));
  responses.push_back(c.get("/healthz"));
  responses.push_back(c.get("/v1/users/me"));
  responses.push_back(c.post("/v1/users", json::object{}));
  responses.push_back(c.get("/missing"));
  responses.push_back(c.request(http::verb::put, "/v1/users/me"));
  responses.push_back(c.del("/v1/sessions/current", token));
  // Answers the server gives before routing, from its own refusal path.
  responses.push_back(c.send_raw("this is not HTTP\r\n\r\n"));
  responses.push_back(c.send_raw("POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n"));
  for (const Response& res : responses) EXPECT_TRUE(has_standard_headers(res));
}

TEST_F(ResponseHeadersTest, ASaneClientRequestIdIsEchoed) {
  Request req{http::verb::get, "/no/such/path", 11};
  req.set("X-Request-Id", "trace-42_A.b");
  Response res = client().send(req);
  EXPECT_EQ(res["X-Request-Id"], "trace-42_A.b");
  EXPECT_TRUE(is_problem(res, 404, "not_found"));  // instance names the same id
  EXPECT_EQ(body_object(res)["instance"], "urn:vestibule:request:trace-42_A.b");
}

TEST_F(ResponseHeadersTest, AnUnusableClientRequestIdIsReplaced) {
  for (const std::string& id : {std::string("has spaces in it"), std::string(65, 'a'), std::string("a=b;c"),
                                std::string("line\tbreak")}) {
    Request req{http::verb::get, "/healthz", 11};
    req.set("X-Request-Id", id);
    Response res = client().send(req);
    EXPECT_EQ(res.result_int(), 200u) << "an unusable id is not an error";
    EXPECT_TRUE(std::regex_match(std::string(res["X-Request-Id"]), std::regex("[0-9a-f]{6}-[0-9]+")))
        << res["X-Request-Id"];
    EXPECT_TRUE(has_standard_headers(res));
  }
}

TEST_F(ResponseHeadersTest, RequestIdsDifferBetweenRequests) {
  std::set<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.emplace(client().get("/healthz")["X-Request-Id"]);
  EXPECT_EQ(ids.size(), 10u);
}

TEST_F(ResponseHeadersTest, AKeepAliveConnectionServesManyRequests) {
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client().get("/healthz").result_int(), 200u);
  EXPECT_EQ(client().connections_opened(), 1);
}

// Refusals are read with a short timeout: a server that waited for bytes that never come would
// fail the test quickly instead of at its own 30 s body timeout.
class LimitsTest : public SharedServerTest {};

TEST_F(LimitsTest, AnOversizedBodyIsRefusedBeforeItIsSent) {
  HttpClient c(port(), std::chrono::seconds(5));
  // Only the header goes out; the 413 must come back without a byte of the 70000.
  Response res = c.send_raw(
      "POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 70000\r\n\r\n");
  EXPECT_TRUE(is_problem(res, 413, "payload_too_large"));
  EXPECT_FALSE(res.keep_alive()) << "the unread body makes the connection unusable";
}

TEST_F(LimitsTest, ABodyOfExactlyTheLimitIsAccepted) {
  json::object body{{"name", "Big"}, {"email", unique_email("big")}, {"password", kPassword}, {"padding", ""}};
  const std::size_t base = json::serialize(body).size();
  body["padding"] = std::string(64 * 1024 - base, 'x');
  ASSERT_EQ(json::serialize(body).size(), 64u * 1024);
  Response res = client().post("/v1/users", body);
  EXPECT_EQ(res.result_int(), 201u) << describe(res);
}

TEST_F(LimitsTest, AnOversizedHeaderIsRefused) {
  HttpClient c(port(), std::chrono::seconds(5));
  Response res = c.send_raw("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + std::string(9 * 1024, 'a') +
                            "\r\n\r\n");
  EXPECT_TRUE(is_problem(res, 431, "request_header_fields_too_large"));
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(LimitsTest, AHeaderUnderTheLimitIsAccepted) {
  Request req{http::verb::get, "/healthz", 11};
  req.set("X-Filler", std::string(7 * 1024, 'a'));
  EXPECT_EQ(client().send(req).result_int(), 200u);
}

TEST_F(LimitsTest, AnOversizedTargetIsRefused) {
  HttpClient c(port(), std::chrono::seconds(5));
  Response res = c.send_raw("GET /healthz?q=" + std::string(9 * 1024, 'a') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_TRUE(is_problem(res, 414, "uri_too_long"));
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(LimitsTest, GarbageIsRefusedAsMalformed) {
  for (std::string_view garbage : {std::string_view("\x01\x02\x03 garbage \xff\r\n\r\n"),
                                   std::string_view("POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")}) {
    HttpClient c(port(), std::chrono::seconds(5));
    Response res = c.send_raw(garbage);
    EXPECT_TRUE(is_problem(res, 400, "malformed_request")) << garbage;
    EXPECT_FALSE(res.keep_alive());
  }
}

TEST_F(LimitsTest, TheServerKeepsServingAfterRefusals) {
  HttpClient c(port(), std::chrono::seconds(5));
  ASSERT_EQ(c.send_raw("nonsense\r\n\r\n").result_int(), 400u);
  EXPECT_EQ(client().get("/healthz").result_int(), 200u);
}

}  // namespace
}  // namespace vestibule::e2e
