// The command line of `vestibule serve`: one flag per Settings field, each also read from a
// VESTIBULE_<NAME> environment variable (the flag upper-cased, dashes as underscores), with the
// field's own value shown as its default in --help.
#pragma once

#include <CLI/CLI.hpp>

#include "app/settings.h"

namespace vestibule::app {

// Adds every serve flag to `command`, bound to `settings` (which must outlive parsing).
void add_serve_flags(CLI::App& command, Settings& settings);

}  // namespace vestibule::app
