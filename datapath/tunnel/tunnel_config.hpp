// TunnelConfig: a vxlan or geneve interface's options in Open vSwitch's names (remote_ip,
// local_ip, key, dst_port), validated into addresses and numbers. Thread: any (pure).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "datapath/tunnel/tunnel_header.hpp"

namespace vs {

struct TunnelConfig {
    TunnelType type = TunnelType::kVxlan;
    uint32_t remote_ip = 0;  // IPv4, network byte order
    uint32_t local_ip = 0;   // IPv4, network byte order; 0: any local address
    uint32_t vni = 0;        // options:key
    uint16_t dst_port = 0;   // UDP port, host byte order

    bool operator==(const TunnelConfig&) const = default;
};

// True for the interface types that are tunnels ("vxlan", "geneve").
bool is_tunnel_type(std::string_view type);

// Validates the options of tunnel interface `name` of type `type`; the error says which option
// is wrong and why.
Result<TunnelConfig> parse_tunnel_config(const std::string& name, const std::string& type,
                                         const std::map<std::string, std::string>& options);

// "192.168.1.2" from a network-byte-order IPv4 address.
std::string ipv4_string(uint32_t ip);

}  // namespace vs
