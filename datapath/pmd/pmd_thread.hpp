// PmdThread: one poll-mode thread. It polls its rx queues in a loop and never blocks; each
// batch of up to 32 packets goes through named stages (parse → exact-match cache → megaflow
// classifier → upcall of misses → group by flow → execute actions → buffered tx, flushed at the
// end of the iteration). Between iterations it reports a quiescent state to RCU.
//
// Thread: the loop runs on its own thread; the control thread owns the object, installs and
// removes megaflows in flows() and drains upcalls(). Shared-nothing otherwise.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <memory>
#include <thread>

#include "datapath/classifier/exact_match_cache.hpp"
#include "datapath/classifier/megaflow_table.hpp"
#include "datapath/classifier/rcu.hpp"
#include "datapath/packet/packet_meta.hpp"
#include "datapath/pmd/pmd_stats.hpp"
#include "datapath/pmd/port_snapshot.hpp"

namespace vs {

class MeterStore;

inline constexpr uint16_t kBatchSize = 32;

struct PmdConfig {
    unsigned id = 0;  // PMD index; also this thread's tx queue / counter slot
    int cpu = -1;     // core to pin to; -1 = not pinned
    size_t max_flows = MegaflowTable::kDefaultMaxFlows;
    size_t upcall_ring_size = 4096;
    size_t emc_entries = 8192;
    uint32_t emc_insert_inv_prob = 100;  // as DatapathConfig's
    rte_mempool* pool = nullptr;         // for copies made by actions (flood, several outputs)
    MeterStore* meters = nullptr;        // what meter actions charge; null: they pass everything
};

class PmdThread {
  public:
    PmdThread(const PmdConfig& config, Rcu& rcu, const std::atomic<const PortSnapshot*>& ports);
    ~PmdThread();
    PmdThread(const PmdThread&) = delete;
    PmdThread& operator=(const PmdThread&) = delete;

    bool start();  // false if the upcall ring could not be created
    void stop();

    unsigned id() const { return config_.id; }
    int cpu() const { return config_.cpu; }
    MegaflowTable& flows() { return flows_; }
    rte_ring* upcalls() { return upcall_ring_; }
    const PmdStats& stats() const { return stats_; }

  private:
    struct TxBuffer {
        uint16_t n = 0;
        bool listed = false;  // in dirty_ for this iteration
        rte_mbuf* pkts[kBatchSize];
    };
    class Sink;  // the action executor's output side (execute.hpp's Sink concept)

    void run();
    uint64_t poll_once(const PortSnapshot& ports, uint64_t now_ms);
    void process_batch(const PortSnapshot& ports, Port& in, rte_mbuf** pkts, uint16_t n,
                       uint64_t now_ms);
    uint16_t parse_batch(Port& in, rte_mbuf** pkts, uint16_t n, rte_mbuf** live);
    void classify_batch(Port& in, rte_mbuf** live, uint16_t n_live, Megaflow** flows);
    void execute_batch(const PortSnapshot& ports, Port& in, rte_mbuf** live, uint16_t n_live,
                       Megaflow** flows, uint64_t now_ms);
    void buffer_tx(const PortSnapshot& ports, uint32_t port_no, rte_mbuf* m);
    void flush_tx(const PortSnapshot& ports);
    void enqueue_upcall(Port& in, rte_mbuf* m);

    PmdConfig config_;
    Rcu& rcu_;
    const std::atomic<const PortSnapshot*>& ports_;
    MegaflowTable flows_;
    std::unique_ptr<ExactMatchCache> emc_;
    rte_ring* upcall_ring_ = nullptr;
    std::unique_ptr<TxBuffer[]> tx_;  // indexed by port number
    uint32_t dirty_[kMaxPorts];       // port numbers with buffered packets
    uint32_t n_dirty_ = 0;
    PacketMeta batch_meta_[kBatchSize];  // keys of the batch being processed
    PmdStats stats_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// The datapath's clock for megaflow "used" times (the classifier's monotonic_ms()).
uint64_t datapath_now_ms();

}  // namespace vs
