// ofproto/trace: what a bridge would do with a packet, step by step (input port, VLAN, MAC
// learning, output or flood), with the datapath actions and the megaflow it would install,
// without learning anything or touching the datapath.
// Thread: control thread (reads the daemon's bridges and MAC tables).
#pragma once

#include <string>
#include <utility>

#include "base/result.hpp"
#include "datapath/packet/flow_key.hpp"
#include "vswitchd/switch_daemon.hpp"

namespace vs {

// Parses a flow as ovs-appctl ofproto/trace takes it: Open vSwitch's OpenFlow field syntax
// (`in_port=1,dl_src=..,dl_dst=..,dl_vlan=10`, also `ip`/`arp`/`tcp`/`udp`/`icmp`, dl_type,
// nw_src, nw_dst, nw_proto, tp_src, tp_dst) or the datapath syntax (`in_port(1),eth(...)`).
// in_port may name a port of `bridge`. Returns the key and the fields that were given.
[[nodiscard]] Result<std::pair<FlowKey, FlowMask>> parse_trace_flow(const Bridge& bridge,
                                                                    std::string_view text);

// The readable trace of `flow` through bridge `bridge_name`.
[[nodiscard]] Result<std::string> ofproto_trace(SwitchDaemon& daemon,
                                                const std::string& bridge_name,
                                                const std::string& flow);

}  // namespace vs
