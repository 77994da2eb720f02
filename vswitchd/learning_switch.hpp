// LearningSwitch: the first upcall handler, a MAC-learning L2 switch per VLAN (Open vSwitch's
// NORMAL action without OpenFlow). It learns the source of every upcalled packet, floods
// broadcast, multicast and unknown unicast, and installs megaflows whose mask covers exactly what
// it looked at: in_port, the Ethernet addresses and the outer VLAN ID.
//
// Because megaflows carry the decision, a learning change must remove the flows it invalidates:
// a newly learned or moved MAC removes the flows addressed to it (they flood, or go to the old
// port); an aged MAC removes the flows that send to it.
// Thread: control thread only.
#pragma once

#include <optional>
#include <vector>

#include "datapath/datapath.hpp"
#include "datapath/upcall.hpp"
#include "vswitchd/mac_table.hpp"

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

    uint64_t floods() const { return floods_; }

    // The VLAN a key belongs to for learning: the outer VID, or 0 when untagged.
    static uint16_t vlan_of(const FlowKey& key);
    // The mask a learning decision depends on.
    static FlowMask decision_mask();

  private:
    void invalidate_flows_to(uint16_t vlan, const EthAddr& mac);
    ActionList flood_actions(uint32_t in_port) const;

    Datapath& dp_;
    MacTable& table_;
    uint64_t floods_ = 0;
    std::optional<std::vector<uint32_t>> flood_ports_;
};

}  // namespace vs
