// Port: one DPDK ethdev attached to the datapath (every port type is an ethdev, so one rx/tx
// path serves them all). Opening probes the virtual device, configures its queues and starts it;
// destruction stops and removes it. A tunnel port (vxlan, geneve) is a net_ring device made from
// two rings of its own, which the tunnel I/O thread (tunnel/tunnel_io.hpp) serves.
//
// Counters are kept per thread (each PMD thread and the control thread has its own slot, written
// only by that thread) and summed when read, so the fast path never does an atomic RMW.
#pragma once

#include <rte_ethdev.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "datapath/drop_reason.hpp"
#include "datapath/port/port_config.hpp"
#include "datapath/port/port_stats.hpp"

namespace vs {

// Thread: one writer (the owning thread); any reader (relaxed).
struct alignas(64) PortCounters {
    std::atomic<uint64_t> rx_packets{0}, rx_bytes{0}, tx_packets{0}, tx_bytes{0};
    std::array<std::atomic<uint64_t>, kNumDropReasons> drops{};

    static void add(std::atomic<uint64_t>& c, uint64_t n) {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    void drop(DropReason r, uint64_t n = 1) { add(drops[static_cast<int>(r)], n); }
};

// Thread: created and destroyed by the control thread; send() and counters(t) from thread t.
class Port {
  public:
    static Result<std::unique_ptr<Port>> open(const PortConfig& config, uint32_t port_no,
                                              unsigned unique, const std::string& rundir,
                                              rte_mempool* pool, unsigned n_threads);
    ~Port();
    Port(const Port&) = delete;
    Port& operator=(const Port&) = delete;

    uint32_t port_no() const { return port_no_; }
    uint16_t eth_port() const { return eth_port_; }
    const PortConfig& config() const { return config_; }
    const std::string& name() const { return config_.name; }
    const std::string& devargs() const { return devargs_; }
    uint16_t n_rxq() const { return n_rxq_; }
    uint16_t n_txq() const { return n_txq_; }
    uint32_t max_frame_len() const { return max_frame_len_; }
    // A tunnel port's rings: what it receives (rx) and what it was sent (tx); null otherwise.
    rte_ring* tunnel_rx_ring() const { return rx_ring_; }
    rte_ring* tunnel_tx_ring() const { return tx_ring_; }

    // Transmits up to n packets on thread `thread`'s queue; frees and counts what the device
    // did not take. Returns the number sent.
    uint16_t send(unsigned thread, rte_mbuf** pkts, uint16_t n);

    PortCounters& counters(unsigned thread) { return counters_[thread]; }
    PortStats stats() const;
    bool link_up() const;
    std::string mac() const;

  private:
    Port(PortConfig config, uint32_t port_no, unsigned n_threads);
    Result<void> start(const std::string& devargs, rte_mempool* pool);
    void drain_rx();
    Result<void> create_ring_device(const std::string& dev_name);

    struct alignas(64) TxLock {
        rte_spinlock_t lock;
    };

    PortConfig config_;
    uint32_t port_no_;
    std::string devargs_;
    uint16_t eth_port_ = RTE_MAX_ETHPORTS;
    bool probed_ = false;
    bool started_ = false;
    uint16_t n_rxq_ = 1;
    uint16_t n_txq_ = 1;
    bool txq_shared_ = false;  // fewer tx queues than threads: take the queue's lock
    uint32_t max_frame_len_ = 1518;
    rte_ring* rx_ring_ = nullptr;  // tunnel ports only
    rte_ring* tx_ring_ = nullptr;
    std::unique_ptr<TxLock[]> tx_locks_;
    std::unique_ptr<PortCounters[]> counters_;
    unsigned n_threads_;
};

}  // namespace vs
