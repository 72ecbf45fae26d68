// vestibule: reads configuration once (flags, or VESTIBULE_* environment variables) into
// app::Settings and runs the subcommand. The object graph is built by app::App. The import
// commands are clients of a running server's admin API (src/import).
#include <CLI/CLI.hpp>

#include "app/flags.h"
#include "app/serve.h"
#include "import/commands.h"
#include "version.h"

int main(int argc, char** argv) {
  vestibule::app::Settings settings;
  CLI::App cli{"Vestibule: user accounts and bearer-token authentication over a JSON HTTP API."};
  // `vestibule --version` needs no subcommand: CLI11 answers it (exit 0) before the requirement.
  cli.set_version_flag("--version", "vestibule " + std::string(vestibule::kVersion));
  cli.require_subcommand(1);
  CLI::App* serve = cli.add_subcommand("serve", "Run the HTTP API server until SIGTERM or SIGINT.");
  vestibule::app::add_serve_flags(*serve, settings);
  vestibule::import::ImportCommands import_commands;  // `import` and `import-seed`
  import_commands.add_to(cli);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return import_commands.parse_failed(cli, e);
  }
  if (import_commands.selected()) return import_commands.run();
  return vestibule::app::serve(settings);
}
