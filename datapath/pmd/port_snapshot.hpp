// PortSnapshot: the immutable view of the bridge's ports that PMD threads read. The control
// thread publishes a new snapshot on every port change and frees the old one after an RCU grace
// period, so PMD threads never take a lock to find a port.
#pragma once

#include <cstdint>
#include <vector>

#include "datapath/port/port.hpp"

namespace vs {

inline constexpr uint32_t kMaxPorts = 1024;

struct RxQueueRef {
    Port* port;
    uint16_t queue;
};

struct PortSnapshot {
    std::vector<Port*> by_no;                          // indexed by port number; nullptr if free
    std::vector<uint32_t> flood;                       // every port number, ascending
    std::vector<std::vector<RxQueueRef>> rxqs_by_pmd;  // which rx queues each PMD polls

    Port* port(uint32_t no) const { return no < by_no.size() ? by_no[no] : nullptr; }
};

}  // namespace vs
