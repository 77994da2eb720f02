// The generator + sink loop of vsgen (see traffic_loop.hpp).
#include "bench/vsgen/traffic_loop.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstdio>
#include <cstring>

namespace vs::vsgen {

namespace {
constexpr uint32_t kMaxBurst = 64;
}

TrafficLoop::TrafficLoop(const Options& opts, std::vector<uint16_t> tx_ports,
                         std::vector<uint16_t> rx_ports, rte_mempool* pool, Controls& controls,
                         Report report)
    : opts_(opts),
      tx_ports_(std::move(tx_ports)),
      rx_ports_(std::move(rx_ports)),
      pool_(pool),
      controls_(controls),
      writer_(opts),
      report_(std::move(report)) {
    FlowSequence base(opts);
    for (size_t k = 0; k < tx_ports_.size(); k++) {
        sequences_.push_back(base.offset(static_cast<uint32_t>(k * 7919 * 131)));
    }
}

uint32_t TrafficLoop::send(size_t k, uint32_t budget, uint64_t now, bool stamp, PortCounters& c) {
    std::array<rte_mbuf*, kMaxBurst> pkts;
    uint32_t n = std::min(budget, opts_.burst);
    if (n == 0) return 0;
    // Raw allocation: a freed mbuf already has one segment, no next and refcnt 1 (DPDK's
    // invariant for pool objects); only what the send path reads is reset below.
    if (rte_mempool_get_bulk(pool_, reinterpret_cast<void**>(pkts.data()), n) != 0) {
        result_.alloc_failures++;
        return 0;
    }
    FlowSequence& seq = sequences_[k];
    for (uint32_t i = 0; i < n; i++) {
        rte_mbuf* m = pkts[i];
        uint64_t tsc = 0;
        if (stamp && --stamp_countdown_ == 0) {
            tsc = now;
            stamp_countdown_ = opts_.latency_every;
        }
        m->data_off = RTE_PKTMBUF_HEADROOM;
        m->ol_flags = 0;
        m->packet_type = 0;
        writer_.write(rte_pktmbuf_mtod(m, uint8_t*), seq.next(), tsc);
        m->data_len = static_cast<uint16_t>(writer_.size());
        m->pkt_len = writer_.size();
    }
    uint16_t sent = rte_eth_tx_burst(tx_ports_[k], 0, pkts.data(), static_cast<uint16_t>(n));
    if (sent < n) rte_pktmbuf_free_bulk(pkts.data() + sent, n - sent);
    c.tx += sent;
    c.tx_dropped += n - sent;
    return n;
}

uint32_t TrafficLoop::receive(uint16_t port, PortCounters& c) {
    std::array<rte_mbuf*, kMaxBurst> pkts;
    uint16_t n = rte_eth_rx_burst(port, 0, pkts.data(), static_cast<uint16_t>(opts_.burst));
    if (n == 0) return 0;
    uint64_t now = rte_rdtsc();
    for (uint16_t i = 0; i < n; i++) {
        const rte_mbuf* m = pkts[i];
        if (m->data_len < kHeadersSize + kStampSize) {
            c.rx_foreign++;
            continue;
        }
        const uint8_t* stamp = rte_pktmbuf_mtod(m, const uint8_t*) + kHeadersSize;
        uint32_t magic = (uint32_t{stamp[0]} << 24) | (uint32_t{stamp[1]} << 16) |
                         (uint32_t{stamp[2]} << 8) | stamp[3];
        if (magic != kStampMagic) {
            c.rx_foreign++;
            continue;
        }
        uint32_t flow = 0;
        uint64_t tsc = 0;
        std::memcpy(&flow, stamp + 4, 4);
        std::memcpy(&tsc, stamp + 8, 8);
        if (flow < result_.rx_top_flows.size()) result_.rx_top_flows[flow]++;
        if (tsc != 0 && tsc <= now) result_.latency.add(now - tsc);
    }
    rte_pktmbuf_free_bulk(pkts.data(), n);
    c.rx += n;
    return n;
}

void TrafficLoop::start_window(uint64_t now) {
    for (size_t p = 0; p < counters_.size(); p++) {
        counters_[p] = PortCounters{static_cast<uint16_t>(p)};
    }
    result_ = LoopResult{};
    busy_cycles_ = 0;
    window_start_ = rate_start_ = now;
    offered_ = 0;
    std::fprintf(stderr, "vsgen: window start\n");
    std::fflush(stderr);
}

void TrafficLoop::end_window(uint64_t now, bool interrupted) {
    result_.interrupted = interrupted;
    result_.window_cycles = now - window_start_;
    result_.busy_cycles = busy_cycles_;
    for (uint16_t p : rx_ports_)
        result_.ports.push_back(counters_[p]);
    for (uint16_t p : tx_ports_) {
        bool seen = false;
        for (const auto& c : result_.ports)
            seen = seen || c.port_id == p;
        if (!seen) result_.ports.push_back(counters_[p]);
    }
    report_(result_);
}

uint32_t TrafficLoop::send_all(uint64_t now, bool stamp, double pkts_per_cycle) {
    uint32_t moved = 0;
    for (size_t k = 0; k < tx_ports_.size(); k++) {
        uint32_t budget = opts_.burst;
        if (opts_.rate_pps != 0) {
            auto allowed =
                static_cast<uint64_t>(static_cast<double>(now - rate_start_) * pkts_per_cycle);
            budget =
                allowed > offered_
                    ? static_cast<uint32_t>(std::min<uint64_t>(allowed - offered_, opts_.burst))
                    : 0;
        }
        uint32_t built = send(k, budget, now, stamp, counters_[tx_ports_[k]]);
        offered_ += built;
        moved += built;
    }
    return moved;
}

void TrafficLoop::run() {
    const uint64_t hz = rte_get_tsc_hz();
    const bool stamp = opts_.latency_every > 0;
    const double pkts_per_cycle = static_cast<double>(opts_.rate_pps) / static_cast<double>(hz);
    const auto window_cycles = static_cast<uint64_t>(opts_.duration_s * static_cast<double>(hz));
    const uint64_t start = rte_rdtsc();
    const uint64_t warm_end =
        start + static_cast<uint64_t>(opts_.warmup_s * static_cast<double>(hz));
    counters_.assign(RTE_MAX_ETHPORTS, PortCounters{});
    rate_start_ = start;
    bool measuring = false;
    bool reported = false;
    bool receiving = false;
    uint64_t end = UINT64_MAX;
    uint64_t now = start;
    while (!controls_.stop.load(std::memory_order_relaxed)) {
        now = rte_rdtsc();
        if (!measuring &&
            (opts_.start_on_signal ? controls_.begin.exchange(false) : now >= warm_end)) {
            start_window(now);
            measuring = true;
            end = now + window_cycles;
        }
        if (measuring && (now >= end || (controls_.end.load(std::memory_order_relaxed) &&
                                         controls_.end.exchange(false)))) {
            end_window(now, false);
            measuring = false;
            reported = true;
            if (!opts_.start_on_signal) return;
        }
        uint32_t moved = opts_.rx_only ? 0 : send_all(now, stamp, pkts_per_cycle);
        uint32_t received = 0;
        for (uint16_t p : rx_ports_)
            received += receive(p, counters_[p]);
        if (received != 0 && !receiving) {
            receiving = true;
            std::fprintf(stderr, "vsgen: receiving\n");
            std::fflush(stderr);
        }
        if (moved + received != 0) busy_cycles_ += rte_rdtsc() - now;
    }
    if (measuring || !reported) {
        if (!measuring) start_window(now);
        end_window(now, true);
    }
}

}  // namespace vs::vsgen
