// Base fixture for tests that can share one server: the server starts once per test suite (in
// SetUpTestSuite) with the default test configuration, and each test gets its own client. Tests
// on a shared server must not interfere, so each registers its own accounts (unique_email).
// Tests that need special flags start their own ServerProcess instead.
// In the contract run (contract_proxy.h) client() goes through the validating proxy;
// direct_client() reaches the server itself, for the requests the proxy would answer on its own.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "http_client.h"
#include "server_process.h"

namespace vestibule::e2e {

class SharedServerTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    start_error_.clear();
    try {
      // With the admin API and introspection on: their suites share the server too.
      ServerConfig config;
      config.admin = true;
      config.introspection = true;
      server_ = ServerProcess::start(config);
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  // The server must exit 0 like one a test stops itself (a sanitizer report at shutdown fails).
  static void TearDownTestSuite() {
    if (server_) stop_expecting_clean_exit(*server_);
    server_.reset();
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr) << "vestibule did not start: " << start_error_;
    ASSERT_TRUE(server_->running()) << "vestibule is no longer running (" << server_->exit_description()
                                    << "); its log:\n" << server_->log();
    client_ = std::make_unique<HttpClient>(server_->port());
    direct_client_ = std::make_unique<HttpClient>(server_->server_port());
    admin_client_ = std::make_unique<HttpClient>(server_->admin_port());
    admin_direct_client_ = std::make_unique<HttpClient>(server_->admin_server_port());
  }

  // A crash shows up here, in the test that caused it, rather than as a closed connection only.
  // A failed test may have seen the connection drop a moment before the process is gone.
  void TearDown() override {
    const auto grace = HasFailure() ? std::chrono::milliseconds(500) : std::chrono::milliseconds(0);
    if (server_ && !server_->running(grace)) {
      ADD_FAILURE() << "vestibule died during this test (" << server_->exit_description() << "); its log:\n"
                    << server_->log();
    }
  }

  static ServerProcess& server() { return *server_; }
  static unsigned short port() { return server_->port(); }
  HttpClient& client() { return *client_; }
  // The server itself, also in the contract run: for requests the proxy answers on its own (no
  // bearer token, a body that is not JSON, HEAD, a path outside the document).
  HttpClient& direct_client() { return *direct_client_; }
  // The admin listener, through its own validating proxy in the contract run; and the listener
  // itself, for the requests the proxy would answer on its own (no admin token, paths outside
  // the document).
  HttpClient& admin_client() { return *admin_client_; }
  HttpClient& admin_direct_client() { return *admin_direct_client_; }

 private:
  inline static std::unique_ptr<ServerProcess> server_;
  inline static std::string start_error_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<HttpClient> direct_client_;
  std::unique_ptr<HttpClient> admin_client_;
  std::unique_ptr<HttpClient> admin_direct_client_;
};

}  // namespace vestibule::e2e
