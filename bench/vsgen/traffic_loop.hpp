// vsgen's one polling loop: per iteration a burst sent on every sending port, then a burst
// received from every port (latency read from the stamps), until the window ends or a signal
// arrives. Runs on one lcore. Thread: that lcore only; the result is read after it returns.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "bench/vsgen/flow_set.hpp"
#include "bench/vsgen/latency_histogram.hpp"
#include "bench/vsgen/options.hpp"

struct rte_mempool;

namespace vs::vsgen {

struct PortCounters {
    uint16_t port_id = 0;
    uint64_t tx = 0;          // accepted by the port
    uint64_t tx_dropped = 0;  // built but refused: the peer's ring was full
    uint64_t rx = 0;
    uint64_t rx_foreign = 0;  // received without vsgen's stamp
};

struct LoopResult {
    std::vector<PortCounters> ports;
    LatencyHistogram latency;
    std::array<uint64_t, 8> rx_top_flows{};  // stamped packets received of flows 0..7
    uint64_t window_cycles = 0;
    uint64_t busy_cycles = 0;  // iterations that sent or received something
    uint64_t alloc_failures = 0;
    bool interrupted = false;
};

// Set from signal handlers, read by the loop.
struct Controls {
    std::atomic<bool> stop{false};   // SIGINT, SIGTERM: end now, reported as interrupted
    std::atomic<bool> begin{false};  // SIGUSR1: start the window (--start-on-signal)
    std::atomic<bool> end{false};    // SIGUSR2: end the window
};

class TrafficLoop {
  public:
    using Report = std::function<void(const LoopResult&)>;

    TrafficLoop(const Options& opts, std::vector<uint16_t> tx_ports, std::vector<uint16_t> rx_ports,
                rte_mempool* pool, Controls& controls, Report report);

    // Sends and receives until stopped. Windows: after --warmup for --duration, then returns; or
    // with --start-on-signal from each SIGUSR1 to the next SIGUSR2 (or --duration), traffic going
    // on between them. Each window ends with report(); an interrupted one (or none) too.
    void run();

  private:
    uint32_t send(size_t k, uint32_t budget, uint64_t now, bool stamp, PortCounters& c);
    uint32_t receive(uint16_t port, PortCounters& c);
    uint32_t send_all(uint64_t now, bool stamp, double pkts_per_cycle);
    void start_window(uint64_t now);
    void end_window(uint64_t now, bool interrupted);

    const Options& opts_;
    std::vector<uint16_t> tx_ports_;
    std::vector<uint16_t> rx_ports_;
    rte_mempool* pool_;
    Controls& controls_;
    PacketWriter writer_;
    std::vector<FlowSequence> sequences_;  // one per sending port
    Report report_;
    std::vector<PortCounters> counters_;  // by port id
    LoopResult result_;
    uint64_t window_start_ = 0;
    uint64_t busy_cycles_ = 0;
    uint64_t rate_start_ = 0;
    uint64_t offered_ = 0;  // packets built since rate_start_ (sent or refused)
    uint32_t stamp_countdown_ = 1;
};

}  // namespace vs::vsgen
