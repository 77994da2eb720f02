// Port specifications on vswitchd's command line, in ovs-vsctl's words, until the config DB
// drives the daemon: "NAME [type=TYPE] [options:KEY=VALUE]... [ofport_request=N] [mtu_request=N]
// [n_rxq=N]".
#pragma once

#include <string>

#include "base/result.hpp"
#include "datapath/port/port_config.hpp"

namespace vs {

Result<PortConfig> parse_port_spec(const std::string& spec);

}  // namespace vs
