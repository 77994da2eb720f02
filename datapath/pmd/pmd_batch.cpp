// One batch through the fast path: parse → exact-match cache → megaflow classifier → upcall of
// misses → group by flow → execute. No allocation, no locks, no exceptions.
#include <rte_prefetch.h>

#include "datapath/actions/execute.hpp"
#include "datapath/packet/flow_parse.hpp"
#include "datapath/packet/packet_meta.hpp"
#include "datapath/pmd/pmd_thread.hpp"

namespace vs {

namespace {

// Packets of one batch that hit the same megaflow, executed together.
struct FlowGroup {
    Megaflow* flow;
    uint16_t n;
    uint32_t bytes;
    uint16_t tcp_flags;
    rte_mbuf* pkts[kBatchSize];
};

}  // namespace

// Where executed actions send packets from a PMD thread: per-port tx buffers, the upcall ring,
// or the drop counters of the input port.
class PmdThread::Sink {
  public:
    Sink(PmdThread& pmd, const PortSnapshot& ports, Port& in) : pmd_(pmd), ports_(ports), in_(in) {}
    void output(uint32_t port_no, rte_mbuf* m) {
        if (!ports_.port(port_no)) return drop(m, DropReason::kNoPort);
        pmd_.buffer_tx(ports_, port_no, m);
    }
    std::span<const uint32_t> flood_ports() const { return ports_.flood; }
    void upcall(rte_mbuf* m, UpcallReason reason) {
        packet_meta(m)->upcall_reason = static_cast<uint8_t>(reason);
        pmd_.enqueue_upcall(in_, m);
    }
    void drop(rte_mbuf* m, DropReason reason) {
        in_.counters(pmd_.config_.id).drop(reason);
        rte_pktmbuf_free(m);
    }
    rte_mempool* clone_pool() const { return pmd_.config_.pool; }

  private:
    PmdThread& pmd_;
    const PortSnapshot& ports_;
    Port& in_;
};

void PmdThread::process_batch(const PortSnapshot& ports, Port& in, rte_mbuf** pkts, uint16_t n,
                              uint64_t now_ms) {
    const unsigned self = config_.id;
    PortCounters& counters = in.counters(self);

    // Stage 1: parse into flow keys (the key lives in the mbuf's private area).
    rte_mbuf* live[kBatchSize];
    uint16_t n_live = 0;
    uint64_t rx_bytes = 0;
    for (uint16_t i = 0; i < n; ++i) {
        if (i + 1 < n) {
            // The next packet's headers and the key lines the parser is about to write.
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void*));
            rte_prefetch0(packet_meta(pkts[i + 1]));
            rte_prefetch0(reinterpret_cast<char*>(packet_meta(pkts[i + 1])) + 64);
        }
        rte_mbuf* m = pkts[i];
        rx_bytes += m->pkt_len;
        if (m->pkt_len > in.max_frame_len()) {
            counters.drop(DropReason::kOversized);
            rte_pktmbuf_free(m);
            continue;
        }
        PacketMeta* meta = packet_meta(m);
        const ParseStatus status =
            parse_flow(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), in.port_no(),
                       meta->key, meta->ofs);
        if (status == ParseStatus::kRunt) {
            PmdStats::add(stats_.malformed, 1);
            counters.drop(DropReason::kMalformed);
            rte_pktmbuf_free(m);
            continue;
        }
        live[n_live++] = m;
    }
    // Hashed in a second pass: the parser's narrow stores to the key have retired by then, so
    // the hash's 64-bit loads do not stall on store forwarding.
    for (uint16_t i = 0; i < n_live; ++i) {
        PacketMeta* meta = packet_meta(live[i]);
        meta->hash = flow_key_hash(meta->key);
    }
    PortCounters::add(counters.rx_packets, n);
    PortCounters::add(counters.rx_bytes, rx_bytes);
    PmdStats::add(stats_.rx_packets, n);

    // Stage 2: exact-match cache.
    Megaflow* flows[kBatchSize];
    const FlowKey* miss_keys[kBatchSize];
    uint16_t miss_idx[kBatchSize];
    uint16_t n_miss = 0;
    for (uint16_t i = 0; i < n_live; ++i) {
        const PacketMeta* meta = packet_meta(live[i]);
        flows[i] = emc_->lookup(meta->key, meta->hash);
        if (!flows[i]) {
            miss_keys[n_miss] = &meta->key;
            miss_idx[n_miss++] = i;
        }
    }
    PmdStats::add(stats_.emc_hits, n_live - n_miss);

    // Stage 3: megaflow classifier for the exact-match misses; stage 4: upcall the rest.
    if (n_miss) {
        Megaflow* found[kBatchSize];
        flows_.lookup_batch(miss_keys, n_miss, found);
        uint16_t n_found = 0;
        for (uint16_t j = 0; j < n_miss; ++j) {
            const uint16_t i = miss_idx[j];
            flows[i] = found[j];
            const PacketMeta* meta = packet_meta(live[i]);
            if (found[j]) {
                ++n_found;
                emc_->insert(meta->key, meta->hash, found[j]);
            } else {
                packet_meta(live[i])->upcall_reason = static_cast<uint8_t>(UpcallReason::kMiss);
                enqueue_upcall(in, live[i]);
            }
        }
        PmdStats::add(stats_.megaflow_hits, n_found);
    }

    // Stage 5: group by megaflow, then execute each group's actions once.
    FlowGroup groups[kBatchSize];
    uint16_t n_groups = 0;
    for (uint16_t i = 0; i < n_live; ++i) {
        if (!flows[i]) continue;
        uint16_t g = 0;
        while (g < n_groups && groups[g].flow != flows[i])
            ++g;
        if (g == n_groups) groups[n_groups++] = FlowGroup{flows[i], 0, 0, 0, {}};
        FlowGroup& group = groups[g];
        group.pkts[group.n++] = live[i];
        group.bytes += live[i]->pkt_len;
        group.tcp_flags |= packet_meta(live[i])->key.tcp_flags.host();
    }
    Sink sink(*this, ports, in);
    for (uint16_t g = 0; g < n_groups; ++g) {
        FlowGroup& group = groups[g];
        group.flow->record_hits(group.n, group.bytes, now_ms, group.tcp_flags);
        const ActionList* actions = group.flow->actions.load(std::memory_order_acquire);
        execute_actions(*actions, group.pkts, group.n, sink);
    }
}

}  // namespace vs
