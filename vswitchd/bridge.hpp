// Bridge: one bridge of the daemon — its ports (interfaces from the DB and what became of them
// in the datapath), its own MAC table and learning switch, so traffic learned or flooded on one
// bridge never reaches another bridge's ports although they share the datapath; and its
// switching settings (ports' VLANs, mirrors, MAC table limits) handed to the learning switch.
// Thread: control thread only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datapath/datapath.hpp"
#include "ovsdb/uuid.hpp"
#include "vswitchd/db_config.hpp"
#include "vswitchd/learning_switch.hpp"
#include "vswitchd/mac_table.hpp"

namespace vs {

struct BridgePort {
    ovsdb::Uuid iface_uuid;           // the Interface row it came from
    PortConfig config;                // as the DB asked for it
    std::optional<uint32_t> port_no;  // set once the datapath has it
    std::string error;                // why the datapath refused it
    PortVlan vlan;                    // its Port row's VLAN settings
};

class Bridge {
  public:
    Bridge(std::string name, Datapath& dp, size_t mac_table_size, uint64_t mac_aging_ms)
        : name_(std::move(name)), macs_(mac_table_size, mac_aging_ms), learning_(dp, macs_) {}
    Bridge(const Bridge&) = delete;
    Bridge& operator=(const Bridge&) = delete;

    const std::string& name() const { return name_; }
    MacTable& mac_table() { return macs_; }
    LearningSwitch& learning() { return learning_; }
    std::map<std::string, BridgePort, std::less<>>& ports() { return ports_; }
    const std::map<std::string, BridgePort, std::less<>>& ports() const { return ports_; }

    // The datapath port numbers of the ports that exist.
    std::vector<uint32_t> port_numbers() const {
        std::vector<uint32_t> out;
        for (const auto& [name, port] : ports_) {
            if (port.port_no) out.push_back(*port.port_no);
        }
        return out;
    }

    // Hands the ports' VLAN settings, the mirrors of `want` and its MAC table limits (else the
    // defaults) to the learning switch. Returns true when VLANs or mirrors changed: the caller
    // must then remove the datapath's megaflows (they were decided with the old settings).
    bool apply_settings(const WantedBridge& want, size_t default_mac_table_size,
                        uint64_t default_mac_aging_ms);

  private:
    std::string name_;
    MacTable macs_;
    LearningSwitch learning_;
    std::map<std::string, BridgePort, std::less<>> ports_;  // by interface name
};

}  // namespace vs
