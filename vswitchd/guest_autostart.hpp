// Guests marked autostart (Guest.autostart, defined with `vmctl define --autostart`) start with
// the service: once vswitchd is up it runs `vmctl start --autostart` (which starts them in their
// autostart order) in the background, next to its own binary.
#pragma once

#include <string>

#include "ovsdb/database.hpp"

namespace vs {

// Starts vmctl detached when some Guest row has autostart=true; returns whether it did.
bool start_autostart_guests(const ovsdb::Database& db, const std::string& rundir);

}  // namespace vs
