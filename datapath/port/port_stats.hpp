// PortStats: a port's counters summed over threads, as the control side reports them.
#pragma once

#include <array>
#include <cstdint>

#include "datapath/drop_reason.hpp"

namespace vs {

struct PortStats {
    uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
    std::array<uint64_t, kNumDropReasons> drops{};
    uint64_t rx_dropped_by_device = 0;  // imissed + rx_nombuf from the ethdev
    uint64_t total_drops() const {
        uint64_t n = rx_dropped_by_device;
        for (uint64_t d : drops)
            n += d;
        return n;
    }
};

}  // namespace vs
