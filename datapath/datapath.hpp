// Datapath: the one facade the control side uses. It starts DPDK, owns the ports, the PMD
// threads and their megaflow tables, and hands misses to an UpcallHandler.
//
// Design: every port is a DPDK ethdev; PMD threads poll rx queues and run the fast path
// (pmd/pmd_thread.hpp); the control thread changes ports and flows by publishing new versions
// that PMD threads pick up without locks (RCU, classifier/rcu.hpp). Each PMD thread owns its own
// exact-match cache and megaflow table, so a miss is installed into the table of the PMD thread
// that saw it, as in Open vSwitch's dpif-netdev.
//
// Thread: every member function is for the control thread. This header includes no DPDK header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "datapath/actions/action_list.hpp"
#include "datapath/classifier/megaflow_table.hpp"
#include "datapath/meter/meter_store.hpp"
#include "datapath/packet/flow_key.hpp"
#include "datapath/pmd/pmd_stats.hpp"
#include "datapath/port/port_config.hpp"
#include "datapath/port/port_stats.hpp"
#include "datapath/upcall.hpp"

namespace vs {

class Port;

struct DatapathConfig {
    std::string name = "netdev@vs";
    std::string rundir = "/var/run/vswitch";  // vhost-user sockets; unique EAL file prefix
    unsigned n_pmds = 1;
    std::vector<int> pmd_cpus;  // core per PMD thread; empty = pin PMD i to the last cores
    unsigned mem_mb = 1024;     // EAL memory (no hugepages unless `hugepages`)
    bool hugepages = false;
    std::vector<std::string> eal_extra;  // appended to the EAL arguments
    unsigned n_mbufs = 32768;
    size_t max_flows = MegaflowTable::kDefaultMaxFlows;  // per PMD thread
    uint64_t flow_idle_ms = 10000;                       // megaflows idle longer than this expire
    size_t emc_entries = 8192;
    // Insert one exact-match miss in N (0: never). 100, as Open vSwitch: with more flows than
    // entries, inserting every miss evicts entries that would have hit and costs a write of the
    // key per packet (vsbench l3 at 100 000 flows: 368 cycles per packet with 1, 310 with 100).
    uint32_t emc_insert_inv_prob = 100;
};

struct PortInfo {
    uint32_t port_no = 0;
    PortConfig config;
    std::string devargs;
    std::string mac;
    bool link_up = false;
    uint16_t n_rxq = 0, n_txq = 0;
    PortStats stats;
};

struct RxqInfo {
    std::string port;
    uint16_t queue;
};

struct PmdInfo {
    unsigned id = 0;
    int cpu = -1;
    PmdStatsSnapshot stats;  // since the last clear_pmd_stats()
    size_t n_flows = 0;
    std::vector<RxqInfo> rxqs;
};

struct FlowInfo {
    unsigned pmd = 0;
    FlowKey key;  // already masked
    FlowMask mask;
    int priority = 0;
    ActionList actions;
    uint64_t packets = 0, bytes = 0;
    uint64_t used_ms = 0;  // datapath clock; 0 = never used
    uint16_t tcp_flags = 0;
};

// A megaflow as visit_flows() and delete_flows() show it: no copies.
struct FlowView {
    unsigned pmd;
    const FlowKey& key;  // already masked
    const FlowMask& mask;
    const ActionList& actions;
    uint64_t used_ms;  // datapath clock; 0 = never used
    uint64_t packets;
    uint64_t bytes;
};

struct DatapathCounters {
    uint64_t upcalls_handled = 0;
    uint64_t upcalls_failed = 0;
    uint64_t flows_installed = 0;
    uint64_t flows_expired = 0;
    uint64_t flows_deleted = 0;  // by delete_flows()/flush_flows(), not expiry
    uint64_t flow_install_failures = 0;
};

// Tunnel datagrams received, and those that reached no tunnel port, by reason.
struct TunnelCounters {
    uint64_t rx_datagrams = 0;
    uint64_t no_tunnel = 0;   // valid header, but no port has that source, VNI and UDP port
    uint64_t bad_header = 0;  // short, bad flags or version, not Ethernet, OAM, critical options
    uint64_t truncated = 0;   // larger than a packet buffer
};

class Datapath {
  public:
    static Result<std::unique_ptr<Datapath>> create(const DatapathConfig& config);
    ~Datapath();

    Result<uint32_t> add_port(const PortConfig& config);
    Result<void> remove_port(uint32_t port_no);
    std::vector<PortInfo> ports() const;
    Result<uint32_t> port_no(const std::string& name) const;

    void set_upcall_handler(UpcallHandler* handler);
    // Drains up to `max` upcalls per PMD thread; returns how many it handled.
    size_t handle_upcalls(size_t max = 256);
    // Periodic work: expire idle megaflows, rank subtables, reclaim RCU-deferred memory.
    void maintain();

    // Installs a megaflow into every PMD thread's table (Open vSwitch's dpctl/add-flow). It
    // expires when idle like every megaflow. Fails if any table is full.
    Result<void> install_flow(const FlowKey& key, const FlowMask& mask, const ActionList& actions);
    std::vector<FlowInfo> dump_flows() const;
    // Runs `actions` on one frame as if it had arrived on `in_port` (0: from nowhere), from the
    // control thread (OpenFlow's PACKET_OUT). Upcall actions in it drop the frame.
    Result<void> execute(std::span<const uint8_t> frame, uint32_t in_port,
                         const ActionList& actions);
    // Removes the megaflows for which `pred` is true; returns how many.
    size_t delete_flows(const std::function<bool(const FlowView&)>& pred);
    void visit_flows(const std::function<void(const FlowView&)>& fn) const;
    size_t flush_flows();

    // Meters (datapath/meter/meter_store.hpp) that `meter(N)` actions charge; ids are the
    // datapath's, shared by every bridge. A changed or removed meter takes effect at once for
    // the megaflows that name it (datapath_meters.cpp).
    Result<uint32_t> add_meter(const MeterConfig& config);
    Result<void> modify_meter(uint32_t id, const MeterConfig& config);
    void remove_meter(uint32_t id);
    Result<MeterCounters> meter_counters(uint32_t id) const;

    std::vector<PmdInfo> pmds() const;
    void clear_pmd_stats();
    DatapathCounters counters() const;
    // Zeros while no tunnel port exists; counts restart when the first one is added.
    TunnelCounters tunnel_counters() const;
    const DatapathConfig& config() const;
    uint64_t now_ms() const;
    uint64_t tsc_hz() const;

    struct Impl;  // private state; public only so datapath/ helpers can name it

  private:
    explicit Datapath(std::unique_ptr<Impl> impl);
    Result<void> add_tunnel(Port& port);
    std::unique_ptr<Impl> impl_;
};

}  // namespace vs
