// Text form of a FlowKey (and optional FlowMask) in Open vSwitch's datapath flow syntax, as
// printed by `ovs-appctl dpctl/dump-flows`. For logs, traces and tests; never on the fast path.
#pragma once

#include <string>

#include "datapath/packet/flow_key.hpp"

namespace vs {

// Without a mask: every field of the layers the key says were parsed. With a mask: only fields
// whose mask is non-zero, partially masked ones as value/mask (`src=10.0.0.0/255.255.255.0`).
std::string flow_key_to_string(const FlowKey& key, const FlowMask* mask = nullptr);

}  // namespace vs
