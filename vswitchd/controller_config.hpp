// The Controller rows of each bridge as the daemon wants them (target, probe interval, back-off
// limit), and the status it writes back: Controller.is_connected, role and status, Open vSwitch's
// keys (state, last_error, sec_since_connect, sec_since_disconnect).
// Thread: any; pure functions over a Database the caller owns.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ovsdb/database.hpp"

namespace vs {

struct WantedController {
    ovsdb::Uuid uuid;
    std::string target;                     // tcp:IP[:PORT], unix:PATH, ptcp:..., punix:...
    std::chrono::milliseconds probe{5000};  // inactivity_probe; 0 disables probes
    std::chrono::milliseconds max_backoff{8000};
    uint32_t rate_limit = 1000;  // controller_rate_limit: packet-ins per second
    uint32_t burst_limit = 100;  // controller_burst_limit
    bool operator==(const WantedController&) const = default;
};

struct ControllerStatus {
    bool is_connected = false;
    std::string role = "other";
    std::map<std::string, std::string> status;
    bool operator==(const ControllerStatus&) const = default;
};

// Bridge name -> its controllers, for the bridges listed in Open_vSwitch.bridges.
std::map<std::string, std::vector<WantedController>> read_controllers(const ovsdb::Database& db);

// Bridge name -> its fail_mode ("secure", "standalone" or "" when unset).
std::map<std::string, std::string> read_fail_modes(const ovsdb::Database& db);

// Operations writing each controller's status where the row differs from it; keys named in
// `volatile_keys` (the seconds counters) only count as a difference when `refresh` is set, so
// the row is not rewritten every second. Empty when nothing is to be written.
ovsdb::Json controller_status_ops(const ovsdb::Database& db,
                                  const std::map<ovsdb::Uuid, ControllerStatus>& status,
                                  bool refresh);

}  // namespace vs
