// Mirror: one Open vSwitch Mirror row (port mirroring, SPAN) resolved to datapath port numbers:
// which packets it selects and the port that gets a copy of them.
// Thread: any (plain values).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace vs {

struct Mirror {
    std::string name;
    bool select_all = false;
    std::vector<uint32_t> src_ports;  // packets received on these ports
    std::vector<uint32_t> dst_ports;  // packets sent to these ports
    std::vector<uint16_t> vlans;      // only packets of these VLANs; empty: every VLAN
    uint32_t out_port = 0;            // 0: no output port (the mirror does nothing)

    // Whether a packet of `vlan` received on `in_port` and sent to `outputs` is selected.
    bool selects(uint32_t in_port, const std::vector<uint32_t>& outputs, uint16_t vlan) const {
        if (!vlans.empty() && std::find(vlans.begin(), vlans.end(), vlan) == vlans.end()) {
            return false;
        }
        if (select_all) return true;
        if (std::find(src_ports.begin(), src_ports.end(), in_port) != src_ports.end()) return true;
        return std::any_of(outputs.begin(), outputs.end(), [&](uint32_t p) {
            return std::find(dst_ports.begin(), dst_ports.end(), p) != dst_ports.end();
        });
    }

    friend bool operator==(const Mirror&, const Mirror&) = default;
};

}  // namespace vs
