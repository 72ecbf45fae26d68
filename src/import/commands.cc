#include "import/commands.h"

#include <boost/asio/ip/address.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>

#include "import/importer.h"
#include "import/jsonl_source.h"
#include "import/seed_source.h"

namespace vestibule::import {
namespace {

void add_admin_flags(CLI::App& cmd, CommandSettings& s) {
  cmd.add_option("--admin-url", s.admin_url, "Base URL of the admin listener, e.g. http://127.0.0.1:9444")->required();
  cmd.add_option("--admin-token-file", s.admin_token_file, "File holding the admin token (a trailing newline is ignored)")
      ->required();
  cmd.add_option("--ca-file", s.ca_file, "PEM CA certificate(s) to verify an https admin URL with (default: system roots)");
  cmd.add_option("--concurrency", s.concurrency, "Connections, hence requests in flight")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd.add_flag("--allow-insecure-http", s.allow_insecure_http,
               "Send the admin token over plain http:// to a host off loopback (only inside a trusted network)");
}

// Whether `host` (a name or an address, as the URL gave it) is this machine.
bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

// The token, without the newline an editor or `echo` leaves at the end. nullopt (with a
// message on stderr) if it cannot be read or is empty; it is never printed.
std::optional<std::string> read_token(const std::filesystem::path& path, std::string_view command) {
  std::ifstream in(path, std::ios::binary);
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    std::cerr << "vestibule " << command << ": cannot read the admin token file " << path << "\n";
    return std::nullopt;
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) {
    std::cerr << "vestibule " << command << ": the admin token file " << path << " is empty or missing\n";
    return std::nullopt;
  }
  return token;
}

// What both commands share once their source is open: check the API, run, report.
int import_from(Source& source, const CommandSettings& s, std::string_view command) {
  boost::system::result<AdminEndpoint, std::string> endpoint = parse_admin_url(s.admin_url);
  if (!endpoint) {
    // The URL itself is not echoed: a mistaken one could hold a secret.
    std::cerr << "vestibule " << command << ": --admin-url: " << endpoint.error() << "\n";
    return ImportCommands::kUsageError;
  }
  if (!endpoint->tls && !is_loopback(endpoint->host) && !s.allow_insecure_http) {
    // The same rule as the server's listeners: a bearer secret crosses a network only in TLS.
    std::cerr << "vestibule " << command << ": refusing to send the admin token over plain http:// to "
              << endpoint->host << ": use https://, or --allow-insecure-http inside a trusted network\n";
    return ImportCommands::kUsageError;
  }
  std::optional<std::string> token = read_token(s.admin_token_file, command);
  if (!token) return ImportCommands::kUsageError;
  ImportOptions options;
  options.concurrency = s.concurrency;
  options.client.ca_file = s.ca_file;
  try {
    if (std::optional<std::string> problem = check_admin_api(*endpoint, *token, options.client)) {
      std::cerr << "vestibule " << command << ": " << *problem << "\n";
      return ImportCommands::kUsageError;
    }
  } catch (const std::runtime_error& e) {  // the CA file
    std::cerr << "vestibule " << command << ": " << e.what() << "\n";
    return ImportCommands::kUsageError;
  }
  const Summary summary = run_import(source, *endpoint, *token, options, std::cerr);
  print_summary(summary, std::cout);
  std::cerr << "vestibule " << command << ": " << summary.imported + summary.skipped + summary.rejected.size()
            << " users in " << summary.seconds << " s\n";
  return exit_status(summary);
}

}  // namespace

void ImportCommands::add_to(CLI::App& cli) {
  import_ = cli.add_subcommand("import", "Import users with their password hashes from a JSONL file, through the admin API.");
  add_admin_flags(*import_, settings_);
  import_->add_option("file", settings_.file, "JSONL file: one user a line (name, email, password_hash; optional id, "
                                              "email_verified, created_at)")
      ->required();
  seed_ = cli.add_subcommand("import-seed", "Import the users of the reference design's Redis data, through the admin API.");
  seed_->add_option("--from", settings_.from, "The reference design's Redis: redis://HOST:PORT/DB")->required();
  add_admin_flags(*seed_, settings_);
}

bool ImportCommands::selected() const { return (import_ && import_->parsed()) || (seed_ && seed_->parsed()); }

int ImportCommands::parse_failed(CLI::App& cli, const CLI::ParseError& e) const {
  const int code = cli.exit(e);
  return code != 0 && selected() ? kUsageError : code;
}

int ImportCommands::run() const { return import_->parsed() ? run_import() : run_seed(); }

int ImportCommands::run_import() const {
  std::optional<JsonlSource> source;
  try {
    source.emplace(settings_.file);
  } catch (const std::runtime_error& e) {
    std::cerr << "vestibule import: " << e.what() << "\n";
    return kUsageError;
  }
  return import_from(*source, settings_, "import");
}

int ImportCommands::run_seed() const {
  boost::system::result<SeedUrl, std::string> url = parse_seed_url(settings_.from);
  if (!url) {
    std::cerr << "vestibule import-seed: --from: " << url.error() << "\n";
    return kUsageError;
  }
  auto source = SeedSource::open(*url);
  if (!source) {
    std::cerr << "vestibule import-seed: " << source.error() << "\n";
    return kUsageError;
  }
  return import_from(**source, settings_, "import-seed");
}

}  // namespace vestibule::import
