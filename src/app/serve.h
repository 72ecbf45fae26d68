// `vestibule serve`: builds the App, listens, runs the network threads until SIGTERM or SIGINT,
// then stops within --shutdown-timeout (plus the hash or store call each worker thread is in
// the middle of). SIGHUP is ignored (logged): logs go to stdout, so there is nothing to reopen,
// and a terminal closing must not kill the service mid-request.
#pragma once

#include "app/settings.h"

namespace vestibule::app {

// The process's exit code: 0 after a clean stop, 2 when the configuration or the environment
// (port, store, files) does not allow starting, with the reason logged.
int serve(const Settings& settings);

}  // namespace vestibule::app
