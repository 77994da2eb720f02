// Datapath control-side flow work: draining upcalls into the handler, installing megaflows into
// the PMD thread that missed, executing the first packet, expiry, dumps and statistics.
#include <rte_cycles.h>
#include <rte_ring.h>

#include <cstring>
#include <memory>

#include "base/log.hpp"
#include "datapath/actions/execute.hpp"
#include "datapath/datapath_impl.hpp"
#include "datapath/packet/flow_parse.hpp"
#include "datapath/packet/packet_meta.hpp"

namespace vs {

VS_LOG_MODULE(upcall_log, "upcall");

namespace {

// Executes upcalled packets from the control thread, on the control thread's tx slot. Outputs
// are buffered per port and sent by flush() (or when a buffer fills): one tx burst per port and
// upcall batch, not one per packet (a vhost-user enqueue of one packet costs about as much as
// one of 32).
class ControlSink {
  public:
    ControlSink(Datapath::Impl& dp, const PortSnapshot& ports, Port* in)
        : dp_(dp), ports_(ports), in_(in) {}
    ControlSink(const ControlSink&) = delete;
    ControlSink& operator=(const ControlSink&) = delete;
    ~ControlSink() { flush(); }
    void set_in(Port* in) { in_ = in; }
    void output(uint32_t port_no, rte_mbuf* m) {
        Port* out = ports_.port(port_no);
        if (!out) return drop(m, DropReason::kNoPort);
        TxBuffer* buf = nullptr;
        for (uint16_t i = 0; i < n_bufs_ && buf == nullptr; ++i) {
            if (bufs_[i].port == out) buf = &bufs_[i];
        }
        if (buf == nullptr) {
            if (n_bufs_ == kBatchSize) flush();
            buf = &bufs_[n_bufs_++];
            buf->port = out;
            buf->n = 0;
        }
        buf->pkts[buf->n++] = m;
        if (buf->n == kBatchSize) {
            out->send(dp_.control_slot(), buf->pkts, buf->n);
            buf->n = 0;
        }
    }
    void flush() {
        for (uint16_t i = 0; i < n_bufs_; ++i) {
            if (bufs_[i].n > 0) bufs_[i].port->send(dp_.control_slot(), bufs_[i].pkts, bufs_[i].n);
        }
        n_bufs_ = 0;
    }
    std::span<const uint32_t> flood_ports() const { return ports_.flood; }
    void upcall(rte_mbuf* m, UpcallReason) {
        // An upcall action met while executing an upcall's own decision would loop.
        drop(m, DropReason::kUpcallFailed);
    }
    void drop(rte_mbuf* m, DropReason reason) {
        if (in_) in_->counters(dp_.control_slot()).drop(reason);
        rte_pktmbuf_free(m);
    }
    rte_mempool* clone_pool() const { return dp_.pool; }
    MeterVerdict meter(uint32_t id, uint32_t bytes) {
        return dp_.meters->charge(id, bytes, rte_rdtsc());
    }

  private:
    struct TxBuffer {
        Port* port;
        uint16_t n;
        rte_mbuf* pkts[kBatchSize];
    };
    Datapath::Impl& dp_;
    const PortSnapshot& ports_;
    Port* in_;
    uint16_t n_bufs_ = 0;
    TxBuffer bufs_[kBatchSize];
};

FlowInfo flow_info(unsigned pmd, const Megaflow& f) {
    FlowInfo info;
    info.pmd = pmd;
    info.key = f.key;
    info.mask = *f.mask;
    info.priority = f.priority;
    info.actions = *f.get_actions();
    const MegaflowStats stats = f.stats();
    info.packets = stats.n_packets;
    info.bytes = stats.n_bytes;
    info.used_ms = stats.used_ms;
    info.tcp_flags = stats.tcp_flags;
    return info;
}

FlowView flow_view(unsigned pmd, const Megaflow& f) {
    const MegaflowStats stats = f.stats();
    return FlowView{pmd,           f.key,           *f.mask,      *f.get_actions(),
                    stats.used_ms, stats.n_packets, stats.n_bytes};
}

}  // namespace

void Datapath::set_upcall_handler(UpcallHandler* handler) {
    impl_->handler = handler;
}

size_t Datapath::handle_upcalls(size_t max) {
    Impl& d = *impl_;
    const PortSnapshot& ports = *d.snapshot.load(std::memory_order_relaxed);
    size_t handled = 0;
    for (auto& pmd : d.pmds) {
        rte_mbuf* pkts[kBatchSize];
        size_t budget = max;
        while (budget > 0) {
            const unsigned n = rte_ring_sc_dequeue_burst(
                pmd->upcalls(), reinterpret_cast<void**>(pkts),
                static_cast<unsigned>(std::min<size_t>(budget, kBatchSize)), nullptr);
            if (n == 0) break;
            budget -= n;
            ControlSink sink(d, ports, nullptr);  // flushed at the end of this burst
            for (unsigned i = 0; i < n; ++i) {
                rte_mbuf* m = pkts[i];
                PacketMeta* meta = packet_meta(m);
                Port* in = ports.port(meta->key.in_port);
                sink.set_in(in);
                const auto reason = static_cast<UpcallReason>(meta->upcall_reason);
                Upcall up{meta->key,
                          reason,
                          pmd->id(),
                          {rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m)}};
                UpcallDecision decision;
                ++handled;
                if (!d.handler || !d.handler->handle(up, decision)) {
                    ++d.counters.upcalls_failed;
                    sink.drop(m, DropReason::kUpcallFailed);
                    continue;
                }
                ++d.counters.upcalls_handled;
                if (!decision.install || reason != UpcallReason::kMiss) {
                    execute_actions(decision.actions, &m, 1, sink);
                    continue;
                }
                // The megaflow gets the shared copy of its list and the packet runs that (only
                // this thread removes megaflows, so it stays until the packet is done).
                const ActionList* actions = d.shared_actions.share(std::move(decision.actions));
                if (pmd->flows().insert(meta->key, decision.mask, decision.priority, actions)) {
                    ++d.counters.flows_installed;
                    execute_actions(*actions, &m, 1, sink);
                } else {  // the table is full; our owner share is still ours
                    ++d.counters.flow_install_failures;
                    execute_actions(*actions, &m, 1, sink);
                    ActionList::release(actions);
                }
            }
        }
    }
    return handled;
}

Result<void> Datapath::execute(std::span<const uint8_t> frame, uint32_t in_port,
                               const ActionList& actions) {
    Impl& d = *impl_;
    if (frame.size() < 14)
        return fail("frame of " + std::to_string(frame.size()) + " bytes is too short");
    rte_mbuf* m = rte_pktmbuf_alloc(d.pool);
    if (!m) return fail("no packet buffer free");
    if (frame.size() > rte_pktmbuf_tailroom(m)) {
        rte_pktmbuf_free(m);
        return fail("frame of " + std::to_string(frame.size()) + " bytes does not fit a buffer");
    }
    auto* data =
        reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())));
    std::memcpy(data, frame.data(), frame.size());
    PacketMeta* meta = packet_meta(m);
    (void)parse_flow(data, static_cast<uint32_t>(frame.size()), in_port, meta->key, meta->ofs);
    const PortSnapshot& ports = *d.snapshot.load(std::memory_order_acquire);
    ControlSink sink(d, ports, ports.port(in_port));
    execute_actions(actions, &m, 1, sink);
    return {};
}

void Datapath::maintain() {
    Impl& d = *impl_;
    const uint64_t now = monotonic_ms();
    for (auto& pmd : d.pmds) {
        d.counters.flows_expired += pmd->flows().expire(now, d.config.flow_idle_ms);
        pmd->flows().rank_subtables();
    }
    d.rcu.reclaim();
    d.shared_actions.purge();
}

Result<void> Datapath::install_flow(const FlowKey& key, const FlowMask& mask,
                                    const ActionList& actions) {
    for (auto& pmd : impl_->pmds) {
        auto* copy = new ActionList(actions);
        if (!pmd->flows().insert(key, mask, 0, copy)) {
            delete copy;
            return fail("the flow table of PMD thread " + std::to_string(pmd->id()) + " is full");
        }
    }
    return {};
}

std::vector<FlowInfo> Datapath::dump_flows() const {
    std::vector<FlowInfo> out;
    for (auto& pmd : impl_->pmds) {
        pmd->flows().for_each([&](const Megaflow* f) { out.push_back(flow_info(pmd->id(), *f)); });
    }
    return out;
}

void Datapath::visit_flows(const std::function<void(const FlowView&)>& fn) const {
    for (auto& pmd : impl_->pmds) {
        pmd->flows().for_each([&](const Megaflow* f) { fn(flow_view(pmd->id(), *f)); });
    }
}

size_t Datapath::delete_flows(const std::function<bool(const FlowView&)>& pred) {
    size_t removed = 0;
    for (auto& pmd : impl_->pmds) {
        std::vector<Megaflow*> doomed;
        pmd->flows().for_each([&](Megaflow* f) {
            if (pred(flow_view(pmd->id(), *f))) doomed.push_back(f);
        });
        for (Megaflow* f : doomed)
            pmd->flows().remove(f);
        removed += doomed.size();
    }
    impl_->counters.flows_deleted += removed;
    return removed;
}

size_t Datapath::flush_flows() {
    return delete_flows([](const FlowView&) { return true; });
}

std::vector<PmdInfo> Datapath::pmds() const {
    std::vector<PmdInfo> out;
    const PortSnapshot* ports = impl_->snapshot.load(std::memory_order_relaxed);
    for (auto& pmd : impl_->pmds) {
        PmdInfo info;
        info.id = pmd->id();
        info.cpu = pmd->cpu();
        const PmdStatsSnapshot now = pmd->stats().snapshot();
        const PmdStatsSnapshot& base = impl_->pmd_baselines[pmd->id()];
        info.stats = {now.iterations - base.iterations,  now.rx_packets - base.rx_packets,
                      now.emc_hits - base.emc_hits,      now.megaflow_hits - base.megaflow_hits,
                      now.upcalls - base.upcalls,        now.lost_upcalls - base.lost_upcalls,
                      now.malformed - base.malformed,    now.busy_cycles - base.busy_cycles,
                      now.idle_cycles - base.idle_cycles};
        info.n_flows = pmd->flows().size();
        if (ports && pmd->id() < ports->rxqs_by_pmd.size()) {
            for (const RxQueueRef& q : ports->rxqs_by_pmd[pmd->id()]) {
                info.rxqs.push_back({q.port->name(), q.queue});
            }
        }
        out.push_back(std::move(info));
    }
    return out;
}

void Datapath::clear_pmd_stats() {
    for (auto& pmd : impl_->pmds)
        impl_->pmd_baselines[pmd->id()] = pmd->stats().snapshot();
}

DatapathCounters Datapath::counters() const {
    return impl_->counters;
}

}  // namespace vs
