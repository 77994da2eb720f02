// Why the datapath dropped a packet: every drop is counted under one of these.
#pragma once

#include <cstdint>
#include <string_view>

namespace vs {

enum class DropReason : uint8_t {
    kAction,        // the flow's actions said drop (empty action list)
    kMalformed,     // the frame is too short or its headers are inconsistent
    kOversized,     // longer than the port's MTU allows
    kUpcallQueue,   // the upcall ring to the control thread was full
    kUpcallFailed,  // the upcall handler could not decide what to do
    kTxFull,        // the port's tx queue did not take the packet
    kNoMbuf,        // no buffer for a copy (flood, multiple outputs)
    kNoPort,        // output to a port that no longer exists
    kActionFailed,  // an action could not be applied (e.g. pop of a missing VLAN tag)
    kMeter,         // a meter's drop band (datapath/meter/meter_store.hpp)
    kCount,
};

inline constexpr std::string_view to_string(DropReason r) {
    switch (r) {
        case DropReason::kAction:
            return "action";
        case DropReason::kMalformed:
            return "malformed";
        case DropReason::kOversized:
            return "oversized";
        case DropReason::kUpcallQueue:
            return "upcall_queue_full";
        case DropReason::kUpcallFailed:
            return "upcall_failed";
        case DropReason::kTxFull:
            return "tx_full";
        case DropReason::kNoMbuf:
            return "no_mbuf";
        case DropReason::kNoPort:
            return "no_port";
        case DropReason::kActionFailed:
            return "action_failed";
        case DropReason::kMeter:
            return "meter";
        case DropReason::kCount:
            break;
    }
    return "?";
}

inline constexpr int kNumDropReasons = static_cast<int>(DropReason::kCount);

}  // namespace vs
