// One batch through the fast path: parse → exact-match cache → megaflow classifier → upcall of
// misses → group by flow → execute. No allocation, no locks, no exceptions.
#include <rte_cycles.h>
#include <rte_prefetch.h>

#include "datapath/actions/execute.hpp"
#include "datapath/meter/meter_store.hpp"
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
    uint8_t meta_idx[kBatchSize];  // where each packet's key is in the PMD's batch array
};

constexpr uint16_t kPrefetchAhead = 4;

}  // namespace

// Where executed actions send packets from a PMD thread: per-port tx buffers, the upcall ring,
// or the drop counters of the input port.
class PmdThread::Sink {
  public:
    Sink(PmdThread& pmd, const PortSnapshot& ports, Port& in)
        : pmd_(pmd), ports_(ports), in_(in), now_tsc_(rte_rdtsc()) {}
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
    // One TSC reading per batch: the batch's packets arrived together.
    MeterVerdict meter(uint32_t id, uint32_t bytes) {
        MeterStore* meters = pmd_.config_.meters;
        return meters != nullptr ? meters->charge(id, bytes, now_tsc_) : MeterVerdict{};
    }

  private:
    PmdThread& pmd_;
    const PortSnapshot& ports_;
    Port& in_;
    uint64_t now_tsc_;
};

void PmdThread::process_batch(const PortSnapshot& ports, Port& in, rte_mbuf** pkts, uint16_t n,
                              uint64_t now_ms) {
    rte_mbuf* live[kBatchSize];
    const uint16_t n_live = parse_batch(in, pkts, n, live);
    Megaflow* flows[kBatchSize];
    classify_batch(in, live, n_live, flows);
    execute_batch(ports, in, live, n_live, flows, now_ms);
}

// Stage 1: parse into flow keys. Keys live in the PMD's own batch array (hot in L1), not in the
// mbufs; they are copied into the mbuf's private area only for packets that need them later
// (upcalls, actions that read or edit headers).
uint16_t PmdThread::parse_batch(Port& in, rte_mbuf** pkts, uint16_t n, rte_mbuf** live) {
    PortCounters& counters = in.counters(config_.id);
    for (uint16_t i = 0; i < std::min<uint16_t>(n, kPrefetchAhead); ++i)
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
    uint16_t n_live = 0;
    uint64_t rx_bytes = 0;
    for (uint16_t i = 0; i < n; ++i) {
        if (i + kPrefetchAhead < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + kPrefetchAhead], void*));
        rte_mbuf* m = pkts[i];
        rx_bytes += m->pkt_len;
        if (m->pkt_len > in.max_frame_len()) {
            counters.drop(DropReason::kOversized);
            rte_pktmbuf_free(m);
            continue;
        }
        PacketMeta& meta = batch_meta_[n_live];
        const ParseStatus status =
            parse_flow(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), in.port_no(),
                       meta.key, meta.ofs);
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
    for (uint16_t i = 0; i < n_live; ++i)
        batch_meta_[i].hash = flow_key_hash(batch_meta_[i].key);
    PortCounters::add(counters.rx_packets, n);
    PortCounters::add(counters.rx_bytes, rx_bytes);
    PmdStats::add(stats_.rx_packets, n);
    return n_live;
}

// Stages 2-4: exact-match cache, megaflow classifier for its misses, upcall of the rest
// (flows[i] == nullptr then).
void PmdThread::classify_batch(Port& in, rte_mbuf** live, uint16_t n_live, Megaflow** flows) {
    const FlowKey* miss_keys[kBatchSize];
    uint16_t miss_idx[kBatchSize];
    uint16_t n_miss = 0;
    for (uint16_t i = 0; i < n_live; ++i)
        emc_->prefetch(batch_meta_[i].hash);
    for (uint16_t i = 0; i < n_live; ++i) {
        flows[i] = emc_->lookup(batch_meta_[i].key, batch_meta_[i].hash);
        if (!flows[i]) {
            miss_keys[n_miss] = &batch_meta_[i].key;
            miss_idx[n_miss++] = i;
        }
    }
    PmdStats::add(stats_.emc_hits, n_live - n_miss);
    if (n_miss == 0) return;
    Megaflow* found[kBatchSize];
    flows_.lookup_batch(miss_keys, n_miss, found);
    uint16_t n_found = 0;
    for (uint16_t j = 0; j < n_miss; ++j) {
        const uint16_t i = miss_idx[j];
        flows[i] = found[j];
        if (found[j]) {
            ++n_found;
            emc_->insert(batch_meta_[i].key, batch_meta_[i].hash, found[j]);
        } else {
            PacketMeta* meta = packet_meta(live[i]);
            *meta = batch_meta_[i];
            meta->upcall_reason = static_cast<uint8_t>(UpcallReason::kMiss);
            enqueue_upcall(in, live[i]);
        }
    }
    PmdStats::add(stats_.megaflow_hits, n_found);
}

namespace {

// Output-only lists never look at the packet's key or offsets.
bool reads_packet_meta(const ActionList& actions) {
    for (const Action* a = actions.begin(); a != actions.run_end(); ++a) {
        if (a->type != ActionType::kOutput) return true;
    }
    return false;
}

}  // namespace

// Stage 5: group by megaflow, then execute each group's actions once.
void PmdThread::execute_batch(const PortSnapshot& ports, Port& in, rte_mbuf** live, uint16_t n_live,
                              Megaflow** flows, uint64_t now_ms) {
    FlowGroup groups[kBatchSize];
    uint16_t n_groups = 0;
    for (uint16_t i = 0; i < n_live; ++i) {
        if (!flows[i]) continue;
        uint16_t g = 0;
        while (g < n_groups && groups[g].flow != flows[i])
            ++g;
        if (g == n_groups) {
            FlowGroup& fresh = groups[n_groups++];
            fresh.flow = flows[i];
            fresh.n = 0;
            fresh.bytes = 0;
            fresh.tcp_flags = 0;
        }
        FlowGroup& group = groups[g];
        group.meta_idx[group.n] = i;
        group.pkts[group.n++] = live[i];
        group.bytes += live[i]->pkt_len;
        group.tcp_flags |= batch_meta_[i].key.tcp_flags.host();
    }
    // With many megaflows, each group's action list and its array may be cache misses (unless
    // shared): start them all (two dependent rounds over the groups) before the first is needed.
    const ActionList* lists[kBatchSize];
    for (uint16_t g = 0; g < n_groups; ++g) {
        lists[g] = groups[g].flow->actions.load(std::memory_order_acquire);
        __builtin_prefetch(lists[g]);
    }
    if (n_groups > 1) {
        for (uint16_t g = 0; g < n_groups; ++g)
            __builtin_prefetch(lists[g]->begin());
    }
    Sink sink(*this, ports, in);
    for (uint16_t g = 0; g < n_groups; ++g) {
        FlowGroup& group = groups[g];
        group.flow->record_hits(group.n, group.bytes, now_ms, group.tcp_flags);
        const ActionList* actions = lists[g];
        if (reads_packet_meta(*actions)) {
            for (uint16_t k = 0; k < group.n; ++k) {
                *packet_meta(group.pkts[k]) = batch_meta_[group.meta_idx[k]];
            }
        }
        execute_actions(*actions, group.pkts, group.n, sink);
    }
}

}  // namespace vs
