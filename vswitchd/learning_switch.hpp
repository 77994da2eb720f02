// LearningSwitch: the first upcall handler, a MAC-learning L2 switch per VLAN (Open vSwitch's
// NORMAL action without OpenFlow). It learns the source of every upcalled packet, floods
// broadcast, multicast and unknown unicast, and installs megaflows whose mask covers exactly what
// it looked at: in_port, the Ethernet addresses and the outer VLAN tag's presence and ID.
//
// Ports have Open vSwitch's VLAN modes (vlan.hpp): the input port and the frame's tag give the
// VLAN (or a drop); floods go only to ports carrying that VLAN; each output gets the frame
// tagged or untagged as that port wants. Mirrors (mirror.hpp) add a copy of selected packets
// for their output port, which takes part in nothing else (no learning, no floods, input dropped).
//
// Because megaflows carry the decision, a learning change must remove the flows it invalidates:
// a newly learned or moved MAC removes the flows addressed to it (they flood, or go to the old
// port); an aged MAC removes the flows that send to it.
// Thread: control thread only.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "datapath/datapath.hpp"
#include "datapath/upcall.hpp"
#include "vswitchd/mac_table.hpp"
#include "vswitchd/mirror.hpp"
#include "vswitchd/vlan.hpp"

namespace vs {

class LearningSwitch : public UpcallHandler {
  public:
    LearningSwitch(Datapath& dp, MacTable& table) : dp_(dp), table_(table) {}

    bool handle(const Upcall& upcall, UpcallDecision& decision) override;

    // Periodic: refreshes MACs from megaflows that carried traffic (those packets never reach
    // the control side), then ages out the rest and removes their flows.
    void run_aging();
    // A port left the bridge: forget what was learned behind it.
    void port_removed(uint32_t port_no);
    // Where a flood goes: every datapath port (nullopt, the datapath's own flood action), or
    // only these ports (one bridge of several on the datapath). The caller removes the
    // megaflows that flooded with the old set.
    void set_flood_ports(std::optional<std::vector<uint32_t>> ports) {
        flood_ports_ = std::move(ports);
    }

    // The ports' VLAN settings (a port not listed is a trunk of every VLAN) and the mirrors.
    // The caller removes the megaflows made with the old settings.
    void set_port_vlans(std::map<uint32_t, PortVlan> vlans) {
        port_vlans_ = std::move(vlans);
        update_simple();
    }
    void set_mirrors(std::vector<Mirror> mirrors) {
        mirrors_ = std::move(mirrors);
        update_simple();
    }
    // The bridge's mac-table-size and mac-aging-time; when a smaller size evicts entries, the
    // datapath's flows are removed.
    void set_mac_limits(size_t max_entries, uint64_t aging_ms);
    const std::map<uint32_t, PortVlan>& port_vlans() const { return port_vlans_; }
    const std::vector<Mirror>& mirrors() const { return mirrors_; }

    uint64_t floods() const { return floods_; }
    uint64_t vlan_drops() const { return vlan_drops_; }

    // The outer VID of a key, or 0 when untagged.
    static uint16_t vlan_of(const FlowKey& key);
    // The VLAN a key belongs to on its input port, or nullopt when that port drops it.
    std::optional<uint16_t> input_vlan(const FlowKey& key) const;
    // The mask a learning decision depends on.
    static FlowMask decision_mask();

  private:
    void invalidate_flows_to(uint16_t vlan, const EthAddr& mac);
    void invalidate_flows_of(uint16_t vlan, const EthAddr& mac);  // to or from
    const PortVlan& port_vlan(uint32_t port) const;
    bool is_mirror_output(uint32_t port) const;
    std::vector<uint32_t> flood_outputs(uint32_t in_port, uint16_t vlan) const;
    void add_mirror_outputs(uint32_t in_port, uint16_t vlan, std::vector<uint32_t>& outputs) const;
    void update_simple();

    Datapath& dp_;
    MacTable& table_;
    uint64_t floods_ = 0;
    uint64_t vlan_drops_ = 0;
    std::optional<std::vector<uint32_t>> flood_ports_;
    std::map<uint32_t, PortVlan> port_vlans_;
    std::vector<Mirror> mirrors_;
    // No VLAN settings and no mirrors: floods may use the datapath's flood action.
    bool simple_ = true;
};

}  // namespace vs
