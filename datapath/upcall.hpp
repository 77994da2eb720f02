// The upcall interface: how a packet that missed every cache reaches the control side, and what
// the control side answers. The learning switch (vswitchd/) implements UpcallHandler now; the
// OpenFlow pipeline plugs into the same interface later.
#pragma once

#include <cstdint>
#include <span>

#include "datapath/actions/action_list.hpp"
#include "datapath/packet/flow_key.hpp"

namespace vs {

struct Upcall {
    const FlowKey& key;
    UpcallReason reason;
    unsigned pmd;
    std::span<const uint8_t> packet;  // the frame's first segment
};

// What to do with the packet and, when `install` is set, the megaflow to install. `mask` must
// cover every key bit the decision looked at (megaflow correctness).
struct UpcallDecision {
    ActionList actions;
    FlowMask mask = FlowMask::none();
    int priority = 0;
    bool install = true;
};

// Thread: called on the control thread only.
class UpcallHandler {
  public:
    virtual ~UpcallHandler() = default;
    // Returns false when it cannot decide; the packet is then dropped (kUpcallFailed).
    virtual bool handle(const Upcall& upcall, UpcallDecision& decision) = 0;
};

}  // namespace vs
