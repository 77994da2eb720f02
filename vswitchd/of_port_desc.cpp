// ofp_port / ofp_phy_port from the datapath's view of a port.
#include "vswitchd/of_port_desc.hpp"

#include <cstdio>

namespace vs {

namespace {

constexpr uint32_t kOf13PortStateLinkDown = 1;
constexpr uint32_t kOf10PortStateLinkDown = 1;

}  // namespace

openflow::MacAddr parse_mac(const std::string& text) {
    openflow::MacAddr mac{};
    unsigned b[6] = {};
    if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) ==
        6) {
        for (int i = 0; i < 6; ++i)
            mac[i] = static_cast<uint8_t>(b[i]);
    }
    return mac;
}

std::vector<of13::Port> ports13(const OfSwitchInfo& info,
                                const std::map<uint32_t, uint32_t>& config) {
    std::vector<of13::Port> out;
    for (const OfPortInfo& p : info.ports) {
        of13::Port port;
        port.port_no = p.local ? of13::port_no::kLocal : p.port_no;
        port.hw_addr = parse_mac(p.mac);
        port.name = p.name;
        port.state = p.link_up ? of13::port_state::kLive : kOf13PortStateLinkDown;
        if (auto c = config.find(port.port_no); c != config.end()) port.config = c->second;
        out.push_back(std::move(port));
    }
    return out;
}

std::vector<of10::PhyPort> ports10(const OfSwitchInfo& info,
                                   const std::map<uint32_t, uint32_t>& config) {
    std::vector<of10::PhyPort> out;
    for (const OfPortInfo& p : info.ports) {
        if (!p.local && p.port_no >= of10::port_no::kMax) continue;  // not numberable in 1.0
        of10::PhyPort port;
        port.port_no = p.local ? of10::port_no::kLocal : static_cast<uint16_t>(p.port_no);
        port.hw_addr = parse_mac(p.mac);
        port.name = p.name;
        port.state = p.link_up ? 0 : kOf10PortStateLinkDown;
        if (auto c = config.find(p.local ? of13::port_no::kLocal : p.port_no); c != config.end()) {
            port.config = c->second;  // PORT_DOWN, NO_RECV, NO_FWD, NO_PACKET_IN: same bits
        }
        out.push_back(std::move(port));
    }
    return out;
}

}  // namespace vs
