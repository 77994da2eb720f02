// Datapath lifecycle and ports: EAL, the mbuf pool, PMD threads, and port snapshots published
// to the PMD threads through RCU.
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <functional>

#include "base/log.hpp"
#include "datapath/datapath_impl.hpp"
#include "datapath/eal.hpp"
#include "datapath/packet/packet_meta.hpp"
#include "datapath/tunnel/tunnel_config.hpp"

namespace vs {

VS_LOG_MODULE(dp_log, "datapath");

Datapath::Datapath(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Datapath>> Datapath::create(const DatapathConfig& config) {
    if (config.n_pmds == 0) return fail("at least one PMD thread is needed");
    EalOptions eal;
    const std::string stem =
        "vs-" + std::to_string(std::hash<std::string>{}(config.rundir) % 1000000) + "-";
    remove_stale_runtime_dirs(stem);  // an earlier instance on this run directory, killed
    eal.file_prefix = stem + std::to_string(getpid());
    eal.mem_mb = config.mem_mb;
    eal.hugepages = config.hugepages;
    eal.extra = config.eal_extra;
    if (auto ok = start_eal(eal); !ok) return tl::unexpected(ok.error());

    auto impl = std::make_unique<Impl>(config);
    impl->pool = rte_pktmbuf_pool_create("vs_mbufs", config.n_mbufs, 256, kPacketMetaSize,
                                         RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (!impl->pool) {
        return fail("cannot create the packet buffer pool (" + std::to_string(config.n_mbufs) +
                    " mbufs): " + rte_strerror(rte_errno));
    }
    impl->meters = std::make_unique<MeterStore>(rte_get_tsc_hz());
    const unsigned n_cpus = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < config.n_pmds; ++i) {
        PmdConfig pc;
        pc.id = i;
        // Unpinned by default only on one core; otherwise from the last core downwards.
        pc.cpu = i < config.pmd_cpus.size() ? config.pmd_cpus[i]
                 : n_cpus > 1               ? static_cast<int>((n_cpus - 1 - i % n_cpus))
                                            : -1;
        pc.max_flows = config.max_flows;
        pc.emc_entries = config.emc_entries;
        pc.emc_insert_inv_prob = config.emc_insert_inv_prob;
        pc.pool = impl->pool;
        pc.meters = impl->meters.get();
        impl->pmds.push_back(std::make_unique<PmdThread>(pc, impl->rcu, impl->snapshot));
    }
    impl->pmd_baselines.resize(config.n_pmds);
    impl->publish_ports();
    for (auto& pmd : impl->pmds) {
        if (!pmd->start()) return fail("cannot start PMD thread " + std::to_string(pmd->id()));
    }
    VS_INFO(dp_log, "{}: {} PMD thread(s), {} mbufs, {} MB{}", config.name, config.n_pmds,
            config.n_mbufs, config.mem_mb, config.hugepages ? " (hugepages)" : " (no hugepages)");
    return std::unique_ptr<Datapath>(new Datapath(std::move(impl)));
}

Datapath::~Datapath() {
    for (auto& pmd : impl_->pmds)
        pmd->stop();
    // No reader is left, so every deferred free is ripe; run them while the tables still exist.
    impl_->rcu.reclaim();
    delete impl_->snapshot.exchange(nullptr);
    impl_->pmds.clear();
    impl_->tunnels.reset();  // before the rings it serves go with their ports
    impl_->ports.clear();
    rte_mempool_free(impl_->pool);
}

void Datapath::Impl::publish_ports() {
    auto next = std::make_unique<PortSnapshot>();
    next->rxqs_by_pmd.resize(config.n_pmds);
    unsigned rr = 0;
    for (auto& [no, port] : ports) {
        if (next->by_no.size() <= no) next->by_no.resize(no + 1, nullptr);
        next->by_no[no] = port.get();
        next->flood.push_back(no);
        for (uint16_t q = 0; q < port->n_rxq(); ++q) {
            next->rxqs_by_pmd[rr++ % config.n_pmds].push_back({port.get(), q});
        }
    }
    const PortSnapshot* old = snapshot.exchange(next.release(), std::memory_order_acq_rel);
    if (old) rcu.defer([old] { delete old; });
}

Result<uint32_t> Datapath::add_port(const PortConfig& config) {
    Impl& d = *impl_;
    for (auto& [no, port] : d.ports) {
        if (port->name() == config.name) return fail("port '" + config.name + "' already exists");
    }
    uint32_t no = config.port_no_request;
    if (no != 0) {
        if (no >= kMaxPorts) return fail("port number " + std::to_string(no) + " is too large");
        if (d.ports.count(no)) return fail("port number " + std::to_string(no) + " is in use");
    } else {
        no = 1;
        while (d.ports.count(no))
            ++no;
        if (no >= kMaxPorts) return fail("too many ports");
    }
    // Every port is an ethdev, and DPDK's table of them is fixed at build time (32 in Debian's
    // build): say so, rather than let the driver fail with a log line only.
    if (rte_eth_dev_count_total() >= RTE_MAX_ETHPORTS) {
        return fail("port '" + config.name + "': no room for another DPDK device (this DPDK " +
                    "build allows " + std::to_string(RTE_MAX_ETHPORTS) + " ports)");
    }
    auto port =
        Port::open(config, no, d.next_unique++, d.config.rundir, d.pool, d.config.n_pmds + 1);
    if (!port) return tl::unexpected(port.error());
    if (is_tunnel_type(config.type)) {
        if (auto ok = add_tunnel(**port); !ok) return tl::unexpected(ok.error());
    }
    d.ports.emplace(no, std::move(*port));
    d.publish_ports();
    return no;
}

Result<void> Datapath::remove_port(uint32_t port_no) {
    Impl& d = *impl_;
    auto it = d.ports.find(port_no);
    if (it == d.ports.end()) return fail("no port " + std::to_string(port_no));
    std::unique_ptr<Port> port = std::move(it->second);
    d.ports.erase(it);
    d.publish_ports();
    // Flows that mention the port would misdirect traffic once its number is reused.
    delete_flows([port_no](const FlowView& f) {
        if (f.mask.in_port != 0 && f.key.in_port == port_no) return true;
        for (const Action& a : f.actions) {
            if (a.type == ActionType::kOutput && a.u32 == port_no) return true;
        }
        return false;
    });
    // Every PMD thread must be past the old snapshot before the device goes away.
    d.rcu.synchronize();
    d.rcu.reclaim();
    if (d.tunnels) {
        d.tunnels->remove(port_no);
        if (d.tunnels->empty()) d.tunnels.reset();
    }
    port.reset();
    return {};
}

// A tunnel port's rings are served by the tunnel I/O thread, started with the first tunnel.
Result<void> Datapath::add_tunnel(Port& port) {
    Impl& d = *impl_;
    auto config = parse_tunnel_config(port.name(), port.config().type, port.config().options);
    if (!config) return tl::unexpected(config.error());
    if (!d.tunnels) d.tunnels = std::make_unique<TunnelIo>(d.pool);
    auto ok = d.tunnels->add(port.port_no(), *config, port.tunnel_rx_ring(), port.tunnel_tx_ring());
    if (!ok) {
        if (d.tunnels->empty()) d.tunnels.reset();
        return fail(port.config().type + " port '" + port.name() + "': " + ok.error().message);
    }
    return {};
}

std::vector<PortInfo> Datapath::ports() const {
    std::vector<PortInfo> out;
    for (auto& [no, port] : impl_->ports) {
        PortInfo info;
        info.port_no = no;
        info.config = port->config();
        info.devargs = port->devargs();
        info.mac = port->mac();
        info.link_up = port->link_up();
        info.n_rxq = port->n_rxq();
        info.n_txq = port->n_txq();
        info.stats = port->stats();
        if (impl_->tunnels && port->tunnel_tx_ring()) {
            // Kernel-side losses: a full rx ring, datagrams the kernel refused to send.
            const TunnelPortStats t = impl_->tunnels->port_stats(no);
            info.stats.rx_dropped_by_device += t.rx_dropped;
            info.stats.drops[static_cast<int>(DropReason::kTxFull)] += t.tx_errors;
        }
        out.push_back(std::move(info));
    }
    return out;
}

Result<uint32_t> Datapath::port_no(const std::string& name) const {
    for (auto& [no, port] : impl_->ports) {
        if (port->name() == name) return no;
    }
    return fail("no port named '" + name + "'");
}

TunnelCounters Datapath::tunnel_counters() const {
    TunnelCounters c;
    if (!impl_->tunnels) return c;
    const TunnelIoStats s = impl_->tunnels->stats();
    c.rx_datagrams = s.rx_datagrams;
    c.no_tunnel = s.no_tunnel;
    c.truncated = s.truncated;
    for (uint64_t n : s.bad_header)
        c.bad_header += n;
    return c;
}

const DatapathConfig& Datapath::config() const {
    return impl_->config;
}
uint64_t Datapath::now_ms() const {
    return datapath_now_ms();
}
uint64_t Datapath::tsc_hz() const {
    return rte_get_tsc_hz();
}

}  // namespace vs
