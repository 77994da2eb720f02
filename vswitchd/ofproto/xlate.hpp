// xlate: runs a missed packet through a bridge's OpenFlow tables and turns what the rules do into
// datapath actions and a megaflow mask. The mask holds in_port, every field of every rule
// examined on the way (higher-priority rules that did not match included) and whatever the
// NORMAL action's learning switch looked at, so the megaflow is never broader than the decision.
// Supported: apply/write/clear-actions, write-metadata, goto-table; output to a port, IN_PORT,
// LOCAL, FLOOD, ALL, NORMAL, CONTROLLER; set-field of every field the parser reads but eth_type
// and ip_proto (tunnel_id is pipeline metadata only); push/pop VLAN; set/dec TTL; set_queue
// (recorded in the packet's metadata, no QoS queues); groups: all (every bucket sees the packet as
// it came to the group), select (a bucket by weighted hash of the Ethernet addresses and the IP
// 5-tuple, which join the megaflow mask), indirect, fast-failover (the first bucket whose watched
// port is up). A packet sent to the controller is not cached (every such packet comes to the
// control thread), and a table miss drops, as OpenFlow 1.3 says. Thread: the control thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "datapath/upcall.hpp"
#include "vswitchd/ofproto/flow_tables.hpp"
#include "vswitchd/ofproto/group_table.hpp"
#include "vswitchd/ofproto/meter_table.hpp"

namespace vs {

struct XlateEnv {
    const FlowTables& tables;
    const OfPortMap& ports;
    const std::vector<uint32_t>& bridge_ports;  // datapath numbers, for FLOOD and ALL
    std::optional<uint32_t> local_port;         // the bridge's internal port, datapath number
    // The NORMAL action: the bridge's learning switch.
    std::function<bool(const Upcall&, UpcallDecision&)> normal;
    const GroupTable* groups = nullptr;
    // Whether a datapath port's link is up (fast-failover groups watch ports).
    std::function<bool(uint32_t dp_port)> port_live;
    // Meter instructions become the datapath's meter(N) action, first in the rule's actions.
    const MeterTable* meters = nullptr;
};

struct XlateResult {
    std::vector<RulePtr> rules;  // the rules that matched, in pipeline order
    // Groups that ran, with the bucket chosen (for their counters).
    std::vector<std::pair<GroupPtr, size_t>> groups;
    bool to_controller = false;
    uint16_t controller_max_len = 0;
    uint8_t controller_table = 0;
    uint64_t controller_cookie = 0;
    // The frame for the PACKET_IN when it differs from the upcalled one (after pop_mpls); empty
    // otherwise. Other edits before the output to the controller are not applied to it.
    std::vector<uint8_t> controller_packet;
};

// Fills `decision` (actions, mask, install) for `upcall`. Returns false when the NORMAL action's
// handler could not decide.
bool xlate(const XlateEnv& env, const Upcall& upcall, UpcallDecision& decision,
           XlateResult& result);
// PACKET_OUT: `actions` applied to one frame; an output to OFPP_TABLE runs the frame through
// the tables from table 0 at that point.
bool xlate_packet_out(const XlateEnv& env, const Upcall& upcall,
                      const std::vector<of13::Action>& actions, UpcallDecision& decision,
                      XlateResult& result);

}  // namespace vs
