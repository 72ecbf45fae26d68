// vestibule: reads configuration once (flags, or VESTIBULE_* environment variables) into
// app::Settings and runs the subcommand. The object graph is built by app::App.
#include <CLI/CLI.hpp>

#include "app/flags.h"
#include "app/serve.h"

int main(int argc, char** argv) {
  vestibule::app::Settings settings;
  CLI::App cli{"Vestibule: user accounts and bearer-token authentication over a JSON HTTP API."};
  cli.require_subcommand(1);
  CLI::App* serve = cli.add_subcommand("serve", "Run the HTTP API server until SIGTERM or SIGINT.");
  vestibule::app::add_serve_flags(*serve, settings);
  CLI11_PARSE(cli, argc, argv);
  return vestibule::app::serve(settings);
}
