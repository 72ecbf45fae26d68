// `vestibule import` and `vestibule import-seed` against a real `vestibule serve` with its admin
// listener: hashes of every accepted format, made at test time by independent tools (Debian's
// passlib and hashlib, openssl, mkpasswd), imported from JSONL and then used to log in with the
// old passwords; a re-run that skips everything; rejected lines reported by number with a
// non-zero exit; the token checked before anything is read; the reference design's Redis data
// imported from a real redis-server filled as it writes it.
#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>

#include "api_helpers.h"
#include "reference_data.h"
#include "server_process.h"
#include "support/redis_server.h"
#include "passlib_hashes.h"
#include "support/command.h"

namespace vestibule::e2e {
namespace {

namespace json = boost::json;
using import::testing::python_hashes;
using vestibule::testing::command_output;
using vestibule::testing::run_command;
using ToolRun = vestibule::testing::CommandResult;

constexpr std::chrono::seconds kImportTimeout{180};

// A server with its admin listener on a free loopback port, and the admin token in a file
// (ServerConfig::admin).
class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!import::testing::passlib_available()) GTEST_SKIP() << "python3-passlib is not installed (scripts/setup.sh --test)";
    ServerConfig config;
    config.admin = true;  // the admin listener, its token in data_dir/admin.token
    server_ = ServerProcess::start(config);
    admin_port_ = server_->admin_port();
    admin_token_ = server_->admin_token();
    token_file_ = server_->data_dir() / "admin.token";
  }

  static void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good()) << path;
  }

  std::string admin_url() const { return "http://127.0.0.1:" + std::to_string(admin_port_); }

  ToolRun import_file(const std::filesystem::path& jsonl, const std::filesystem::path& token_file) {
    return run_command({VESTIBULE_BINARY, "import", "--admin-url", admin_url(), "--admin-token-file",
                     token_file.string(), jsonl.string()},
                    {}, kImportTimeout);
  }
  ToolRun import_file(const std::filesystem::path& jsonl) { return import_file(jsonl, token_file_); }

  std::filesystem::path jsonl(const std::vector<std::string>& lines) {
    const std::filesystem::path path = dir_.path() / ("users-" + std::to_string(++files_) + ".jsonl");
    std::string text;
    for (const std::string& l : lines) text += l + "\n";
    write(path, text);
    return path;
  }

  // Logs in with the password, twice: the first login verifies the imported hash and replaces
  // it with our argon2id, the second verifies that.
  void expect_login(std::string_view email, std::string_view password, std::string_view what) {
    HttpClient c(server_->port(), std::chrono::seconds(30));
    for (int round = 1; round <= 2; ++round) {
      Response res = c.post("/v1/sessions", {{"email", email}, {"password", password}});
      EXPECT_EQ(res.result_int(), 201u) << what << ", login " << round << ": " << describe(res);
    }
    Response wrong = c.post("/v1/sessions", {{"email", email}, {"password", "not the password"}});
    EXPECT_TRUE(is_problem(wrong, 401, "invalid_credentials")) << what;
  }

  Response admin_get(std::string_view target) {
    HttpClient c(admin_port_);
    return c.get(target, admin_token_);
  }

  TempDir dir_{"import"};
  std::filesystem::path token_file_;
  std::unique_ptr<ServerProcess> server_;
  unsigned short admin_port_ = 0;
  std::string admin_token_;
  int files_ = 0;
};

std::string user_line(std::string_view name, std::string_view email, std::string_view hash) {
  return json::serialize(json::object{{"name", name}, {"email", email}, {"password_hash", hash}});
}

struct Imported {
  std::string what;  // the format, for failure messages
  std::string email;
  std::string password;
};

TEST_F(ImportTest, EveryHashFormatImportsAndLogsInWithTheOldPassword) {
  const std::vector<std::string> schemes = {"argon2id",      "argon2i",   "argon2d",       "bcrypt-2a",
                                            "bcrypt-2b",     "bcrypt-2y", "scrypt",        "pbkdf2_sha256",
                                            "django_pbkdf2_sha256",       "sha512_crypt"};
  std::vector<std::string> lines;
  std::vector<Imported> users;
  std::vector<std::string> hashes;
  for (std::size_t i = 0; i < schemes.size(); ++i) {
    const std::string password = "old password " + schemes[i];
    const std::string hash = python_hashes({schemes[i]}, password).at(0);
    users.push_back({"passlib " + schemes[i], "fmt-" + std::to_string(i) + "@example.com", password});
    hashes.push_back(hash);
  }
  // Hashes from tools that share no code with passlib: OpenSSL's sha-crypt and mkpasswd's yescrypt.
  hashes.push_back(command_output({"/usr/bin/openssl", "passwd", "-6", "openssl sha512 pw"}));
  users.push_back({"openssl -6", "fmt-openssl6@example.com", "openssl sha512 pw"});
  hashes.push_back(command_output({"/usr/bin/openssl", "passwd", "-5", "openssl sha256 pw"}));
  users.push_back({"openssl -5", "fmt-openssl5@example.com", "openssl sha256 pw"});
  if (std::filesystem::exists("/usr/bin/mkpasswd")) {
    hashes.push_back(command_output({"/usr/bin/mkpasswd", "-m", "yescrypt", "mkpasswd pw"}));
    users.push_back({"mkpasswd yescrypt", "fmt-yescrypt@example.com", "mkpasswd pw"});
  }
  for (std::size_t i = 0; i < users.size(); ++i) lines.push_back(user_line("User " + users[i].what, users[i].email, hashes[i]));

  const ToolRun run = import_file(jsonl(lines));
  EXPECT_EQ(run.exit_status, 0) << run.out << run.err;
  EXPECT_EQ(run.out, "imported: " + std::to_string(users.size()) + "\nskipped (already there): 0\nrejected: 0\n");
  for (const std::string& hash : hashes) {
    EXPECT_EQ(run.out.find(hash), std::string::npos);
    EXPECT_EQ(run.err.find(hash), std::string::npos);
  }
  EXPECT_EQ(run.err.find(admin_token_), std::string::npos);
  EXPECT_EQ(server_->log().find(admin_token_), std::string::npos);
  for (const Imported& u : users) expect_login(u.email, u.password, u.what);
}

TEST_F(ImportTest, OptionalFieldsAreKept) {
  const std::string hash = python_hashes({"argon2id-light"}, "kept fields pw").at(0);
  const std::string id = "5f0c6a8e-2b1d-4c3e-9f7a-1d2e3f4a5b6c";
  const ToolRun run = import_file(jsonl({json::serialize(json::object{{"id", id},
                                                                      {"name", "Kept"},
                                                                      {"email", "kept@example.com"},
                                                                      {"password_hash", hash},
                                                                      {"email_verified", true},
                                                                      {"created_at", "2019-05-06T07:08:09Z"}})}));
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  Response res = admin_get("/admin/v1/users/" + id);
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  json::object user = body_object(res);
  EXPECT_EQ(text(user["id"]), id);
  EXPECT_EQ(user["name"], "Kept");
  EXPECT_EQ(user["email"], "kept@example.com");
  EXPECT_EQ(user["email_verified"], true);
  EXPECT_EQ(timestamp_ms(text(user["created_at"])), timestamp_ms("2019-05-06T07:08:09.000Z"));
  expect_login("kept@example.com", "kept fields pw", "argon2id with an id");
}

TEST_F(ImportTest, ARerunSkipsEveryoneAlreadyImported) {
  const std::vector<std::string> hashes = python_hashes({"argon2id-light", "argon2id-light", "argon2id-light"}, "rerun pw");
  const std::vector<std::string> lines = {
      user_line("No id", "rerun-1@example.com", hashes[0]),
      json::serialize(json::object{{"id", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}, {"name", "With id"},
                                   {"email", "rerun-2@example.com"}, {"password_hash", hashes[1]}}),
      user_line("Third", "rerun-3@example.com", hashes[2])};
  const std::filesystem::path file = jsonl(lines);
  const ToolRun first = import_file(file);
  EXPECT_EQ(first.exit_status, 0) << first.out << first.err;
  EXPECT_EQ(first.out, "imported: 3\nskipped (already there): 0\nrejected: 0\n");
  const ToolRun second = import_file(file);
  EXPECT_EQ(second.exit_status, 0) << second.out << second.err;
  EXPECT_EQ(second.out, "imported: 0\nskipped (already there): 3\nrejected: 0\n");
  expect_login("rerun-2@example.com", "rerun pw", "re-run");
}

TEST_F(ImportTest, RejectedLinesAreReportedByNumberAndTheExitIsOne) {
  const std::vector<std::string> hashes = python_hashes({"argon2id", "argon2id-light", "argon2id-light"}, "mixed pw");
  // An address an account registered before holds, under an id of its own: refused, since the
  // address belongs to another account.
  HttpClient c(server_->port());
  const Account holder = register_account(c, "mixed-holder");
  const std::string taken = json::serialize(json::object{{"id", "7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a"},
                                                         {"name", "Other"},
                                                         {"email", holder.email},
                                                         {"password_hash", hashes[2]}});
  const std::vector<std::string> lines = {
      user_line("Good", "mixed-1@example.com", hashes[0]),         // 1
      R"({"name":"Broken","email":"b@example.com","password_hash")",  // 2: malformed JSON
      "",                                                               // 3: blank, skipped
      user_line("Bad address", "not an address", hashes[1]),          // 4
      user_line("Bad hash", "mixed-5@example.com", "$md5$notsupported"),  // 5
      taken,                                                            // 6
      R"({"name":"Plain","email":"p@example.com","password":"hunter2 hunter2"})",  // 7
      user_line("Good too", "mixed-8@example.com", hashes[1])};       // 8
  const ToolRun run = import_file(jsonl(lines));
  EXPECT_EQ(run.exit_status, 1) << run.out << run.err;
  const std::string prefix = "imported: 2\nskipped (already there): 0\nrejected: 5\n";
  ASSERT_TRUE(run.out.starts_with(prefix)) << run.out;
  std::vector<std::string> report;
  std::istringstream rest(run.out.substr(prefix.size()));
  for (std::string l; std::getline(rest, l);) report.push_back(l);
  ASSERT_EQ(report.size(), 5u) << run.out;
  EXPECT_TRUE(report[0].starts_with("  line 2: malformed_json (")) << report[0];
  EXPECT_TRUE(report[1].starts_with("  line 4: 422 validation_failed (email: ")) << report[1];
  EXPECT_EQ(report[2], "  line 5: 422 validation_failed (password_hash: unsupported_hash)");
  EXPECT_EQ(report[3], "  line 6: 409 email_taken (the address belongs to another account)");
  EXPECT_EQ(report[4], "  line 7: unknown_field (password)");
  for (const std::string& hash : hashes) EXPECT_EQ(run.out.find(hash), std::string::npos);
  EXPECT_EQ(run.out.find("hunter2"), std::string::npos);
  expect_login("mixed-8@example.com", "mixed pw", "after rejected lines");
}

TEST_F(ImportTest, AWrongTokenStopsBeforeAnythingIsSent) {
  const std::filesystem::path wrong = dir_.path() / "wrong-token";
  write(wrong, "not-the-admin-token\n");
  const ToolRun run = import_file(jsonl({user_line("Never", "never@example.com", "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")}), wrong);
  EXPECT_EQ(run.exit_status, 2) << run.out << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("the admin API refused the token (401 invalid_token)"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("not-the-admin-token"), std::string::npos) << run.err;
  Response res = admin_get("/admin/v1/users?email=never%40example.com");
  ASSERT_EQ(res.result_int(), 200u) << describe(res);
  EXPECT_EQ(body_object(res)["users"], json::array());
}

TEST_F(ImportTest, AnUnreachableAdminApiExitsWithTwo) {
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(vestibule::testing::free_loopback_port());
  const ToolRun run = run_command({VESTIBULE_BINARY, "import", "--admin-url", nowhere, "--admin-token-file",
                                token_file_.string(), jsonl({"{}"}).string()},
                               {}, kImportTimeout);
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.err.find("cannot reach the admin API: Connection refused"), std::string::npos) << run.err;
}

TEST_F(ImportTest, UsageErrorsExitWithTwo) {
  const ToolRun missing =
      run_command({VESTIBULE_BINARY, "import", "--admin-url", admin_url(), "users.jsonl"}, {}, kImportTimeout);
  EXPECT_EQ(missing.exit_status, 2) << missing.err;
  const ToolRun no_file = import_file(dir_.path() / "absent.jsonl");
  EXPECT_EQ(no_file.exit_status, 2) << no_file.err;
  EXPECT_NE(no_file.err.find("cannot open"), std::string::npos) << no_file.err;
  // The token never crosses a network in clear unless asked to: refused before any connection
  // (192.0.2.1 is TEST-NET-1, nobody's address).
  const std::filesystem::path users = dir_.path() / "one.jsonl";
  std::ofstream(users) << "\n";
  const ToolRun insecure =
      run_command({VESTIBULE_BINARY, "import", "--admin-url", "http://192.0.2.1:9444", "--admin-token-file",
                   (dir_.path() / "absent.token").string(), users.string()},
                  {}, kImportTimeout);
  EXPECT_EQ(insecure.exit_status, 2) << insecure.err;
  EXPECT_NE(insecure.err.find("refusing to send the admin token over plain http:// to 192.0.2.1"), std::string::npos)
      << insecure.err;
}

// Over https:// the admin API's certificate is verified, host name included, before the token
// is sent: against --ca-file here (a self-signed certificate for IP 127.0.0.1 made by openssl).
TEST(ImportTlsTest, HttpsVerifiesTheCertificateAndItsHostName) {
  if (!import::testing::passlib_available()) GTEST_SKIP() << "python3-passlib is not installed (scripts/setup.sh --test)";
  TempDir certs("import-tls");
  const std::filesystem::path cert = certs.path() / "cert.pem", key = certs.path() / "key.pem";
  command_output({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
               "-days", "1", "-subj", "/CN=vestibule-admin", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
               key.string(), "-out", cert.string()});
  ServerConfig config;
  config.admin = true;
  config.through_contract_proxy = false;
  config.extra_args = {"--tls-cert", cert.string(), "--tls-key", key.string()};
  std::unique_ptr<ServerProcess> server = ServerProcess::start(config);
  ASSERT_NE(server->log().find("event=listening.admin address=127.0.0.1:" + std::to_string(server->admin_port()) +
                               " tls=true"),
            std::string::npos)
      << server->log();
  const std::filesystem::path file = certs.path() / "users.jsonl";
  {
    std::ofstream out(file);
    out << user_line("Tls", "tls@example.com", python_hashes({"argon2id-light"}, "tls pw").at(0)) << "\n";
  }
  const std::string token_file = (server->data_dir() / "admin.token").string();
  const std::string port = std::to_string(server->admin_port());
  const auto import_via = [&](const std::string& url, std::vector<std::string> extra) {
    std::vector<std::string> argv = {VESTIBULE_BINARY, "import", "--admin-url", url, "--admin-token-file", token_file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(file.string());
    return run_command(argv, {}, kImportTimeout);
  };
  // Not signed by a system root: refused before any request.
  const ToolRun untrusted = import_via("https://127.0.0.1:" + port, {});
  EXPECT_EQ(untrusted.exit_status, 2) << untrusted.err;
  EXPECT_NE(untrusted.err.find("cannot reach the admin API: certificate verify failed"), std::string::npos)
      << untrusted.err;
  // Trusted, but issued for 127.0.0.1, not for "localhost".
  const ToolRun wrong_host = import_via("https://localhost:" + port, {"--ca-file", cert.string()});
  EXPECT_EQ(wrong_host.exit_status, 2) << wrong_host.err;
  EXPECT_NE(wrong_host.err.find("cannot reach the admin API: certificate verify failed"), std::string::npos)
      << wrong_host.err;
  const ToolRun trusted = import_via("https://127.0.0.1:" + port, {"--ca-file", cert.string()});
  EXPECT_EQ(trusted.exit_status, 0) << trusted.out << trusted.err;
  EXPECT_EQ(trusted.out, "imported: 1\nskipped (already there): 0\nrejected: 0\n");
}

// The reference design's users, from a real redis-server filled as it writes them, with
// passlib's default argon2 hashes (argon2i and argon2id), log in with their old passwords.
TEST_F(ImportTest, ImportSeedBringsTheReferenceDesignsUsersWithTheirPasswords) {
  if (!vestibule::testing::RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
  vestibule::testing::RedisServer redis;
  redis.start();
  const std::vector<std::string> hashes = python_hashes({"argon2id", "argon2i", "argon2id", "argon2id"}, "seed pw");
  import::testing::ReferenceData data(redis.port(), 2);
  const std::string ann = "3f2a9c1b7e5d4a6f8b0c2d4e6f8a0b1c", ben = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
  const std::string bad = "00000000000000000000000000000bad", dup = "11111111111111111111111111111111";
  data.add_user(ann, "ann", "ann.seed@example.com", hashes[0]);
  data.add_user(ben, "ben", "Ben.Seed@Example.com", hashes[1]);
  data.add_user(bad, "carl", "carl at example", hashes[2]);       // invalid address
  data.add_user(dup, "dora", "ann.seed@example.com", hashes[3]);  // ann's address again
  data.set("settings:u", "not a user");

  const std::vector<std::string> args = {VESTIBULE_BINARY, "import-seed", "--from", redis.url(2), "--admin-url",
                                         admin_url(), "--admin-token-file", token_file_.string()};
  const ToolRun run = run_command(args, {}, kImportTimeout);
  EXPECT_EQ(run.exit_status, 1) << run.out << run.err;
  const std::string prefix = "imported: 2\nskipped (already there): 0\nrejected: 2\n";
  ASSERT_TRUE(run.out.starts_with(prefix)) << run.out;
  // Which of ann and dora came first depends on SCAN's order and the workers: the other one is
  // refused (both have the same password, so the address logs in with it either way).
  const bool ann_first = run.out.find("user " + dup + ": 409 email_taken") != std::string::npos;
  EXPECT_TRUE(ann_first || run.out.find("user " + ann + ": 409 email_taken") != std::string::npos) << run.out;
  EXPECT_NE(run.out.find(": 409 email_taken (the address belongs to another account)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("user " + bad + ": 422 validation_failed (email: "), std::string::npos) << run.out;
  for (const std::string& hash : hashes) EXPECT_EQ(run.out.find(hash), std::string::npos);

  Response got = admin_get("/admin/v1/users/a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90");
  ASSERT_EQ(got.result_int(), 200u) << describe(got);
  EXPECT_EQ(body_object(got)["name"], "ben");
  expect_login(text(body_object(got)["email"]), "seed pw", "seed argon2i");
  expect_login("ann.seed@example.com", "seed pw", "seed argon2id");

  // A second run finds everyone it imported already there, and the same two refusals.
  const ToolRun again = run_command(args, {}, kImportTimeout);
  EXPECT_EQ(again.exit_status, 1) << again.out << again.err;
  EXPECT_TRUE(again.out.starts_with("imported: 0\nskipped (already there): 2\nrejected: 2\n")) << again.out;
}

}  // namespace
}  // namespace vestibule::e2e
