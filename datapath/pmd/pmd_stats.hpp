// PMD thread statistics, the figures Open vSwitch prints in dpif-netdev/pmd-stats-show.
#pragma once

#include <atomic>
#include <cstdint>

namespace vs {

// A plain snapshot for reporting.
struct PmdStatsSnapshot {
    uint64_t iterations = 0;
    uint64_t rx_packets = 0;  // packets received from ports
    uint64_t emc_hits = 0;
    uint64_t megaflow_hits = 0;
    uint64_t upcalls = 0;       // misses sent to the control thread
    uint64_t lost_upcalls = 0;  // misses dropped because the upcall ring was full
    uint64_t malformed = 0;     // runts dropped at parse
    uint64_t busy_cycles = 0;   // TSC cycles spent in iterations that received packets
    uint64_t idle_cycles = 0;   // TSC cycles spent in iterations that received nothing
};

// Thread: written by its PMD thread only (relaxed load + store), read by the control thread.
struct alignas(64) PmdStats {
    std::atomic<uint64_t> iterations{0}, rx_packets{0}, emc_hits{0}, megaflow_hits{0}, upcalls{0},
        lost_upcalls{0}, malformed{0}, busy_cycles{0}, idle_cycles{0};

    static void add(std::atomic<uint64_t>& c, uint64_t n) {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    PmdStatsSnapshot snapshot() const {
        auto ld = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
        return {ld(iterations),   ld(rx_packets), ld(emc_hits),    ld(megaflow_hits), ld(upcalls),
                ld(lost_upcalls), ld(malformed),  ld(busy_cycles), ld(idle_cycles)};
    }
};

}  // namespace vs
