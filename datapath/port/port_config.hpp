// PortConfig: what the control side asks for when it adds a port, in Open vSwitch's terms
// (interface name, type and options), and the mapping from those to DPDK devargs.
#pragma once

#include <map>
#include <string>

#include "base/result.hpp"

namespace vs {

struct PortConfig {
    std::string name;
    std::string type =
        "system";  // internal, tap, system, dpdkvhostuser(client), dpdk, vxlan, geneve
    std::map<std::string, std::string> options;
    uint32_t port_no_request = 0;  // 0: pick the lowest free number
    uint32_t mtu = 1500;
    uint16_t n_rxq = 1;
};

// Builds the DPDK devargs string for `config`; `unique` keeps vdev names apart.
// `rundir` is where dpdkvhostuser sockets are created.
Result<std::string> port_devargs(const PortConfig& config, unsigned unique,
                                 const std::string& rundir);

// The DPDK device name inside devargs (the part before the first comma).
std::string devargs_name(const std::string& devargs);

}  // namespace vs
