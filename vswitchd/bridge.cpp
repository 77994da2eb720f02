// Bridge: the DB's switching settings (VLANs, mirrors, MAC table limits) resolved to datapath
// port numbers for the learning switch.
#include "vswitchd/bridge.hpp"

#include "base/log.hpp"

namespace vs {

VS_LOG_MODULE(mirror_log, "mirror");

namespace {

std::vector<uint32_t> port_numbers_of(const std::vector<std::string>& ifaces,
                                      const std::map<std::string, BridgePort, std::less<>>& ports) {
    std::vector<uint32_t> out;
    for (const std::string& name : ifaces) {
        auto it = ports.find(name);
        if (it != ports.end() && it->second.port_no) out.push_back(*it->second.port_no);
    }
    return out;
}

}  // namespace

bool Bridge::apply_settings(const WantedBridge& want, size_t default_mac_table_size,
                            uint64_t default_mac_aging_ms) {
    learning_.set_mac_limits(want.mac_table_size.value_or(default_mac_table_size),
                             want.mac_aging_ms.value_or(default_mac_aging_ms));
    std::map<uint32_t, PortVlan> vlans;
    for (const auto& [name, port] : ports_) {
        if (port.port_no) vlans.emplace(*port.port_no, port.vlan);
    }
    std::vector<Mirror> mirrors;
    for (const WantedMirror& wm : want.mirrors) {
        Mirror m{wm.name,
                 wm.select_all,
                 port_numbers_of(wm.src_ifaces, ports_),
                 port_numbers_of(wm.dst_ifaces, ports_),
                 wm.vlans,
                 0};
        const auto out = port_numbers_of({wm.out_iface}, ports_);
        if (!out.empty()) m.out_port = out.front();
        mirrors.push_back(std::move(m));
    }
    bool changed = false;
    if (vlans != learning_.port_vlans()) {
        // What was learned behind a port whose VLANs changed may be on the wrong VLAN now.
        for (const auto& [no, old] : learning_.port_vlans()) {
            auto it = vlans.find(no);
            if (it != vlans.end() && !(it->second == old)) learning_.port_removed(no);
        }
        learning_.set_port_vlans(std::move(vlans));
        changed = true;
    }
    if (mirrors != learning_.mirrors()) {
        for (const Mirror& m : mirrors) {
            VS_INFO(mirror_log, "bridge {}: mirror {} to port {}", name_, m.name, m.out_port);
        }
        learning_.set_mirrors(std::move(mirrors));
        changed = true;
    }
    return changed;
}

}  // namespace vs
