// vsgen: a DPDK traffic generator and sink for vsbench. `vsgen [EAL args] -- [options]` sends
// UDP/IPv4 flows (uniform or Zipf) on every port, receives on every port, and after --warmup and
// --duration prints one JSON line on stdout: packets and rates, ring-full drops, per-port
// counters, latency percentiles and the share of its core it spent moving packets.
//
// Latency is measured per stamped packet from the TSC read just before its burst was built to the
// TSC read just after the rx burst that returned it: the generator's tx into the port's ring, the
// switch (its polling delay, lookup, queues), the return ring, and up to one iteration of this
// loop before the port is polled again. It is the latency at the offered rate: at the maximum rate
// it includes the queueing of an overloaded switch; use --rate for a chosen load.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/vsgen/flow_set.hpp"
#include "bench/vsgen/options.hpp"
#include "bench/vsgen/traffic_loop.hpp"

namespace vs::vsgen {
namespace {

Controls g_controls;

void on_signal(int sig) {
    if (sig == SIGUSR1) {
        g_controls.begin.store(true);
    } else if (sig == SIGUSR2) {
        g_controls.end.store(true);
    } else {
        g_controls.stop.store(true);
    }
}

const char* dist_name(Distribution d) {
    return d == Distribution::kZipf ? "zipf" : "uniform";
}

nlohmann::json vary_names(unsigned vary) {
    nlohmann::json out = nlohmann::json::array();
    if ((vary & kVaryDstIp) != 0) out.push_back("dst-ip");
    if ((vary & kVarySrcIp) != 0) out.push_back("src-ip");
    if ((vary & kVarySrcPort) != 0) out.push_back("src-port");
    if ((vary & kVaryDstPort) != 0) out.push_back("dst-port");
    return out;
}

int dump_sequence(const Options& opts) {
    FlowSequence seq(opts);
    nlohmann::json doc = {{"flows", opts.n_flows}, {"dist", dist_name(opts.dist)}};
    if (opts.dist == Distribution::kZipf) {
        doc["zipf_s"] = opts.zipf_s;
        doc["p_flow0"] = seq.zipf_probability(0);
    }
    std::vector<uint32_t> indexes(opts.dump_sequence);
    for (auto& i : indexes)
        i = seq.next();
    doc["sequence"] = indexes;
    std::cout << doc.dump() << std::endl;
    return 0;
}

void setup_port(uint16_t port, rte_mempool* pool) {
    rte_eth_conf conf{};
    int rc = rte_eth_dev_configure(port, 1, 1, &conf);
    if (rc == 0)
        rc = rte_eth_rx_queue_setup(port, 0, 0, rte_eth_dev_socket_id(port), nullptr, pool);
    if (rc == 0) rc = rte_eth_tx_queue_setup(port, 0, 0, rte_eth_dev_socket_id(port), nullptr);
    if (rc == 0) rc = rte_eth_dev_start(port);
    if (rc != 0) {
        throw std::runtime_error("port " + std::to_string(port) + ": " + std::strerror(-rc));
    }
    (void)rte_eth_promiscuous_enable(port);  // not every virtual device has it
}

bool link_up(uint16_t port) {
    rte_eth_link link{};
    return rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

// Waits until every port's link is up (a memif client or virtio-user port is up once its peer
// accepted it). A memif client that connected before its server was ready stays down for good:
// restarting the port makes it connect again. Gives up after a while and sends anyway.
void wait_for_links(const std::vector<uint16_t>& ports) {
    constexpr int kTries = 300;  // 10 ms apart
    for (int i = 1; i <= kTries && !g_controls.stop.load(); i++) {
        bool all_up = true;
        for (uint16_t port : ports) {
            if (link_up(port)) continue;
            all_up = false;
            if (i % 100 == 0) {
                (void)rte_eth_dev_stop(port);
                (void)rte_eth_dev_start(port);
            }
        }
        if (all_up) return;
        usleep(10000);
    }
    std::fprintf(stderr, "vsgen: a port's link is still down, sending anyway\n");
}

std::atomic<bool> g_loop_done{false};

int run_loop(void* arg) {
    static_cast<TrafficLoop*>(arg)->run();
    g_loop_done.store(true);
    return 0;
}

nlohmann::json report(const Options& opts, const LoopResult& r, const std::vector<uint16_t>& tx) {
    const double hz = static_cast<double>(rte_get_tsc_hz());
    const double window_s = static_cast<double>(r.window_cycles) / hz;
    auto per_s = [&](uint64_t n) {
        return window_s > 0 ? static_cast<uint64_t>(static_cast<double>(n) / window_s) : 0;
    };
    uint64_t tx_pkts = 0, tx_dropped = 0, rx_pkts = 0, rx_foreign = 0;
    nlohmann::json ports = nlohmann::json::array();
    for (const auto& c : r.ports) {
        tx_pkts += c.tx;
        tx_dropped += c.tx_dropped;
        rx_pkts += c.rx;
        rx_foreign += c.rx_foreign;
        char name[RTE_ETH_NAME_MAX_LEN] = "";
        (void)rte_eth_dev_get_name_by_port(c.port_id, name);
        ports.push_back({{"port", c.port_id},
                         {"name", name},
                         {"tx_pkts", c.tx},
                         {"tx_dropped", c.tx_dropped},
                         {"rx_pkts", c.rx},
                         {"rx_foreign", c.rx_foreign}});
    }
    nlohmann::json latency = nullptr;
    if (r.latency.count() > 0) {
        auto ns = [&](uint64_t cycles) {
            return static_cast<uint64_t>(static_cast<double>(cycles) * 1e9 / hz);
        };
        latency = {{"samples", r.latency.count()},
                   {"p50_ns", ns(r.latency.quantile(0.50))},
                   {"p90_ns", ns(r.latency.quantile(0.90))},
                   {"p99_ns", ns(r.latency.quantile(0.99))},
                   {"p999_ns", ns(r.latency.quantile(0.999))},
                   {"max_ns", ns(r.latency.max())}};
    }
    return {{"generator", "vsgen"},
            {"size", opts.size},
            {"flows", opts.n_flows},
            {"dist", dist_name(opts.dist)},
            {"zipf_s", opts.dist == Distribution::kZipf ? nlohmann::json(opts.zipf_s) : nullptr},
            {"vary", vary_names(opts.vary)},
            {"rate_limit_pps", opts.rate_pps},
            {"tx_ports", tx},
            {"window_s", window_s},
            {"tx_pkts", tx_pkts},
            {"tx_dropped", tx_dropped},
            {"rx_pkts", rx_pkts},
            {"rx_foreign", rx_foreign},
            {"tx_pps", per_s(tx_pkts)},
            {"offered_pps", per_s(tx_pkts + tx_dropped)},
            {"rx_pps", per_s(rx_pkts)},
            {"tx_full", tx_pkts + tx_dropped > 0 ? static_cast<double>(tx_dropped) /
                                                       static_cast<double>(tx_pkts + tx_dropped)
                                                 : 0.0},
            {"latency_every", opts.latency_every},
            {"latency", latency},
            {"rx_top_flows", r.rx_top_flows},
            {"busy_share", r.window_cycles > 0 ? static_cast<double>(r.busy_cycles) /
                                                     static_cast<double>(r.window_cycles)
                                               : 0.0},
            {"alloc_failures", r.alloc_failures},
            {"interrupted", r.interrupted},
            {"ports", ports}};
}

int run(int argc, char** argv) {
    int dashdash = argc;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--") == 0) {
            dashdash = i;
            break;
        }
    }
    std::vector<std::string> app_args(argv + std::min(dashdash + 1, argc), argv + argc);
    for (const auto& a : app_args) {
        if (a == "-h" || a == "--help") {
            std::cout << usage();
            return 0;
        }
    }
    Options opts = parse_options(app_args);
    PacketWriter check(opts);  // rejects bad MACs before DPDK starts
    if (opts.dump_sequence > 0) return dump_sequence(opts);

    if (rte_eal_init(dashdash, argv) < 0) throw std::runtime_error("EAL initialisation failed");
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGUSR1, on_signal);
    std::signal(SIGUSR2, on_signal);
    std::vector<uint16_t> all;
    uint16_t p = 0;
    RTE_ETH_FOREACH_DEV(p) {
        all.push_back(p);
    }
    if (all.empty()) throw std::runtime_error("no ports (give --vdev ...)");
    std::vector<uint16_t> tx = opts.ports.empty() ? all : opts.ports;
    for (uint16_t t : tx) {
        if (!rte_eth_dev_is_valid_port(t)) throw std::runtime_error("no port " + std::to_string(t));
    }
    rte_mempool* pool = rte_pktmbuf_pool_create("vsgen", 8191 * static_cast<unsigned>(all.size()),
                                                256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
    if (pool == nullptr)
        throw std::runtime_error("mbuf pool: " + std::string(rte_strerror(rte_errno)));
    for (uint16_t port : all)
        setup_port(port, pool);
    wait_for_links(all);

    // One JSON line per window, written by the traffic lcore as the window ends.
    TrafficLoop loop(opts, tx, all, pool, g_controls, [&](const LoopResult& r) {
        std::cout << report(opts, r, tx).dump() << std::endl;
    });
    unsigned worker = rte_get_next_lcore(-1, 1, 0);
    if (worker < RTE_MAX_LCORE) {
        rte_eal_remote_launch(run_loop, &loop, worker);
        // Sleep rather than spin: the main lcore's core may be the switch's.
        while (!g_loop_done.load())
            usleep(10000);
        rte_eal_wait_lcore(worker);
    } else {
        run_loop(&loop);
    }
    for (uint16_t port : all) {
        (void)rte_eth_dev_stop(port);
        (void)rte_eth_dev_close(port);
    }
    rte_eal_cleanup();
    return 0;
}

}  // namespace
}  // namespace vs::vsgen

int main(int argc, char** argv) {
    try {
        return vs::vsgen::run(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "vsgen: " << e.what() << "\n" << vs::vsgen::usage();
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "vsgen: " << e.what() << "\n";
        return 1;
    }
}
