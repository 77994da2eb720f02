// The PMD loop and its per-batch stages.
#include "datapath/pmd/pmd_thread.hpp"

#include <pthread.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <string>

#include "base/log.hpp"
#include "datapath/packet/packet_meta.hpp"

namespace vs {

VS_LOG_MODULE(pmd_log, "pmd");

uint64_t datapath_now_ms() {
    return monotonic_ms();
}

PmdThread::PmdThread(const PmdConfig& config, Rcu& rcu,
                     const std::atomic<const PortSnapshot*>& ports)
    : config_(config),
      rcu_(rcu),
      ports_(ports),
      flows_(rcu, config.max_flows),
      emc_(std::make_unique<ExactMatchCache>(static_cast<uint32_t>(config.emc_entries),
                                             config.emc_insert_inv_prob)),
      tx_(new TxBuffer[kMaxPorts]) {}

PmdThread::~PmdThread() {
    stop();
    if (upcall_ring_) {
        rte_mbuf* m = nullptr;
        while (rte_ring_sc_dequeue(upcall_ring_, reinterpret_cast<void**>(&m)) == 0) {
            rte_pktmbuf_free(m);
        }
        rte_ring_free(upcall_ring_);
    }
}

bool PmdThread::start() {
    const std::string name = "vs_upcall_" + std::to_string(config_.id);
    upcall_ring_ = rte_ring_create(name.c_str(), static_cast<unsigned>(config_.upcall_ring_size),
                                   SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!upcall_ring_) return false;
    thread_ = std::thread([this] { run(); });
    return true;
}

void PmdThread::stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
}

void PmdThread::run() {
    const std::string tname = "pmd-" + std::to_string(config_.id);
    pthread_setname_np(pthread_self(), tname.c_str());
    if (config_.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(config_.cpu, &set);
        if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
            VS_WARN(pmd_log, "{}: cannot pin to core {}", tname, config_.cpu);
        }
    }
    // An EAL lcore id gives this thread its own mempool cache.
    if (rte_thread_register() != 0) VS_WARN(pmd_log, "{}: no DPDK lcore id", tname);
    rcu_.register_thread(config_.id);
    VS_INFO(pmd_log, "{} polling on core {}", tname, config_.cpu);
    uint64_t last = rte_get_tsc_cycles();
    // clock_gettime on every iteration cost ~5 % of a busy PMD: the millisecond clock is read
    // again only once the TSC says a millisecond may have passed.
    const uint64_t tsc_per_ms = std::max<uint64_t>(rte_get_tsc_hz() / 1000, 1);
    uint64_t now_ms = datapath_now_ms();
    uint64_t now_ms_tsc = last;
    while (!stop_.load(std::memory_order_relaxed)) {
        const PortSnapshot* ports = ports_.load(std::memory_order_acquire);
        if (last - now_ms_tsc >= tsc_per_ms) {
            now_ms = datapath_now_ms();
            now_ms_tsc = last;
        }
        const uint64_t received = ports ? poll_once(*ports, now_ms) : 0;
        if (ports) flush_tx(*ports);
        rcu_.quiescent(config_.id);
        const uint64_t now = rte_get_tsc_cycles();
        PmdStats::add(received ? stats_.busy_cycles : stats_.idle_cycles, now - last);
        PmdStats::add(stats_.iterations, 1);
        last = now;
    }
    rcu_.unregister_thread(config_.id);
    rte_thread_unregister();
}

uint64_t PmdThread::poll_once(const PortSnapshot& ports, uint64_t now_ms) {
    if (config_.id >= ports.rxqs_by_pmd.size()) return 0;
    uint64_t received = 0;
    rte_mbuf* pkts[kBatchSize];
    for (const RxQueueRef& rxq : ports.rxqs_by_pmd[config_.id]) {
        const uint16_t n = rte_eth_rx_burst(rxq.port->eth_port(), rxq.queue, pkts, kBatchSize);
        if (n == 0) continue;
        received += n;
        process_batch(ports, *rxq.port, pkts, n, now_ms);
    }
    return received;
}

void PmdThread::buffer_tx(const PortSnapshot& ports, uint32_t port_no, rte_mbuf* m) {
    Port* out = ports.port(port_no);  // checked by the caller
    TxBuffer& buf = tx_[port_no];
    if (!buf.listed) {
        buf.listed = true;
        dirty_[n_dirty_++] = port_no;
    }
    buf.pkts[buf.n++] = m;
    if (buf.n == kBatchSize) {
        out->send(config_.id, buf.pkts, buf.n);
        buf.n = 0;  // stays listed until the end of the iteration
    }
}

void PmdThread::flush_tx(const PortSnapshot& ports) {
    for (uint32_t i = 0; i < n_dirty_; ++i) {
        const uint32_t no = dirty_[i];
        TxBuffer& buf = tx_[no];
        buf.listed = false;
        if (buf.n == 0) continue;
        if (Port* out = ports.port(no)) {
            out->send(config_.id, buf.pkts, buf.n);
        } else {
            rte_pktmbuf_free_bulk(buf.pkts, buf.n);
        }
        buf.n = 0;
    }
    n_dirty_ = 0;
}

void PmdThread::enqueue_upcall(Port& in, rte_mbuf* m) {
    if (rte_ring_sp_enqueue(upcall_ring_, m) != 0) {
        PmdStats::add(stats_.lost_upcalls, 1);
        in.counters(config_.id).drop(DropReason::kUpcallQueue);
        rte_pktmbuf_free(m);
        return;
    }
    PmdStats::add(stats_.upcalls, 1);
}

}  // namespace vs
