// The contract run's own proof: through the proxy, a response the document does not describe
// fails, and one it does passes unchanged. Run in the contract run (contract.proxy); skipped
// where Prism is not installed, as the rest of that run is.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "api_helpers.h"
#include "contract_proxy.h"
#include "http_client.h"
#include "server_process.h"

namespace vestibule::e2e {
namespace {

// A document of /healthz alone, whose 200 promises `status: <status>`; the server sends "ok".
std::filesystem::path write_health_document(const TempDir& dir, std::string_view status) {
  const std::filesystem::path path = dir.path() / "health.yaml";
  std::ofstream out(path);
  out << "openapi: 3.1.0\n"
         "info: {title: health only, version: '1'}\n"
         "paths:\n"
         "  /healthz:\n"
         "    get:\n"
         "      responses:\n"
         "        '200':\n"
         "          description: alive\n"
         "          content:\n"
         "            application/json:\n"
         "              schema:\n"
         "                type: object\n"
         "                required: [status]\n"
         "                additionalProperties: false\n"
         "                properties:\n"
         "                  status: {const: "
      << status << "}\n";
  return path;
}

class ContractProxyTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!contract_proxy_executable()) GTEST_SKIP() << "VESTIBULE_E2E_PRISM is not set: not the contract run";
  }
  TempDir dir_{"contract"};
};

TEST_F(ContractProxyTest, AResponseTheDocumentDoesNotDescribeFails) {
  ServerConfig config;
  config.contract_document = write_health_document(dir_, "fine");
  auto server = ServerProcess::start(config);
  ASSERT_TRUE(server->behind_contract_proxy());
  HttpClient client(server->port());

  Response res;
  // The client records the failure itself, at the request, whatever the test asserts after.
  EXPECT_NONFATAL_FAILURE(res = client.get("/healthz"), "Prism found violations");
  EXPECT_EQ(res.result_int(), 500u) << describe(res);
  EXPECT_EQ(text(body_object(res)["type"]), "https://stoplight.io/prism/errors#VIOLATIONS") << describe(res);
  EXPECT_NE(res["sl-violations"].find("Response body property status must be equal to constant"), std::string::npos)
      << describe(res);
}

TEST_F(ContractProxyTest, AResponseTheDocumentDescribesPassesUnchanged) {
  ServerConfig config;
  config.contract_document = write_health_document(dir_, "ok");
  auto server = ServerProcess::start(config);
  HttpClient client(server->port());

  Response res = client.get("/healthz");
  EXPECT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(res.body(), R"({"status":"ok"})");
  EXPECT_TRUE(has_standard_headers(res)) << describe(res);
  EXPECT_EQ(res["sl-violations"], "");
}

TEST_F(ContractProxyTest, ServerPortBypassesTheProxy) {
  ServerConfig config;
  config.contract_document = write_health_document(dir_, "fine");
  auto server = ServerProcess::start(config);
  ASSERT_NE(server->port(), server->server_port());
  HttpClient direct(server->server_port());

  EXPECT_EQ(direct.get("/healthz").result_int(), 200u);
}

}  // namespace
}  // namespace vestibule::e2e
