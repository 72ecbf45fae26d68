// Tells the service manager how the server is doing (systemd's Type=notify): ready once it
// serves, stopping once a stop signal arrived. Through libsystemd's sd_notify, which reads
// NOTIFY_SOCKET itself; without it (not started by systemd, tests, containers) both are no-ops.
// Best effort: a manager that cannot be told is not a reason to stop serving, so nothing is
// returned. Thread-safe (each call sends one datagram).
#pragma once

namespace vestibule::app {

// After every listener accepts and the main listening line is logged: READY=1.
void notify_ready();
// When SIGTERM or SIGINT starts the graceful stop: STOPPING=1.
void notify_stopping();

}  // namespace vestibule::app
