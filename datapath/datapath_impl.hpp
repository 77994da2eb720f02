// Datapath's private state, shared by datapath.cpp (ports, lifecycle) and datapath_flows.cpp
// (upcalls, megaflows, statistics). Includes DPDK; not for use outside datapath/.
#pragma once

#include <rte_mempool.h>

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include "datapath/actions/shared_action_lists.hpp"
#include "datapath/classifier/rcu.hpp"
#include "datapath/datapath.hpp"
#include "datapath/meter/meter_store.hpp"
#include "datapath/pmd/pmd_thread.hpp"
#include "datapath/pmd/port_snapshot.hpp"
#include "datapath/port/port.hpp"
#include "datapath/tunnel/tunnel_io.hpp"

namespace vs {

struct Datapath::Impl {
    explicit Impl(const DatapathConfig& c) : config(c), rcu(c.n_pmds) {}

    // The control thread's counter and tx-queue slot comes after the PMD threads'.
    unsigned control_slot() const { return config.n_pmds; }
    void publish_ports();
    Port* port(uint32_t no) const {
        auto it = ports.find(no);
        return it == ports.end() ? nullptr : it->second.get();
    }

    DatapathConfig config;
    Rcu rcu;
    rte_mempool* pool = nullptr;
    std::unique_ptr<MeterStore> meters;  // charged by PMD threads and the control sink
    std::map<uint32_t, std::unique_ptr<Port>> ports;
    std::atomic<const PortSnapshot*> snapshot{nullptr};
    SharedActionLists shared_actions;  // declared before pmds: outlives their megaflows
    std::vector<std::unique_ptr<PmdThread>> pmds;
    std::unique_ptr<TunnelIo> tunnels;  // while there are tunnel ports
    std::vector<PmdStatsSnapshot> pmd_baselines;
    UpcallHandler* handler = nullptr;
    unsigned next_unique = 0;
    DatapathCounters counters;
};

}  // namespace vs
