#include "app/readiness.h"

#include <systemd/sd-daemon.h>

namespace vestibule::app {

// unset_environment = 0: NOTIFY_SOCKET stays set, so STOPPING=1 can follow READY=1.
void notify_ready() { ::sd_notify(0, "READY=1"); }

void notify_stopping() { ::sd_notify(0, "STOPPING=1"); }

}  // namespace vestibule::app
