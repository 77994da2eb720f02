// Port lifecycle over DPDK's ethdev API and the per-thread tx path.
#include "datapath/port/port.hpp"

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>

#include <net/if.h>

#include <array>
#include <cstring>

#include "base/log.hpp"
#include "datapath/tunnel/tunnel_config.hpp"

namespace vs {

VS_LOG_MODULE(port_log, "port");

namespace {

constexpr uint16_t kRxDescriptors = 1024;
constexpr uint16_t kTxDescriptors = 1024;
constexpr int kTxRetries = 4;
// Tunnel rings hold what arrives while the other side's thread is busy or (the tunnel I/O
// thread) asleep for its 100 us idle pause.
constexpr unsigned kTunnelRingSize = 4096;
constexpr std::string_view kRingDevPrefix = "net_ring_";

std::string dpdk_error(int rc) {
    return std::strerror(rc < 0 ? -rc : rc);
}

}  // namespace

Port::Port(PortConfig config, uint32_t port_no, unsigned n_threads)
    : config_(std::move(config)),
      port_no_(port_no),
      counters_(new PortCounters[n_threads]),
      n_threads_(n_threads) {}

Result<std::unique_ptr<Port>> Port::open(const PortConfig& config, uint32_t port_no,
                                         unsigned unique, const std::string& rundir,
                                         rte_mempool* pool, unsigned n_threads) {
    auto devargs = port_devargs(config, unique, rundir);
    if (!devargs) return tl::unexpected(devargs.error());
    std::unique_ptr<Port> port(new Port(config, port_no, n_threads));
    if (auto ok = port->start(*devargs, pool); !ok) return tl::unexpected(ok.error());
    return port;
}

Result<void> Port::start(const std::string& devargs, rte_mempool* pool) {
    devargs_ = devargs;
    const std::string dev_name = devargs_name(devargs);
    // Errors name the port and its driver, not the device: the device's name changes with every
    // attempt (net_af_xdpvs12, ...vs13), and an error text that changes is a new Interface.error
    // for the DB, whose update made the next attempt at once, without end.
    std::string driver = dev_name;
    if (const size_t vs = dev_name.rfind("vs");
        vs != std::string::npos && vs + 2 < dev_name.size() &&
        dev_name.find_first_not_of("0123456789", vs + 2) == std::string::npos) {
        driver.resize(vs);
    }
    const std::string what = "port '" + config_.name + "' (" + driver + ")";
    if ((config_.type == "system" || config_.type.empty()) &&
        if_nametoindex(config_.name.c_str()) == 0) {
        return fail("system port '" + config_.name + "': no such network device");
    }
    if (is_tunnel_type(config_.type)) {
        if (auto ok = create_ring_device(dev_name); !ok) return ok;
    } else if (int rc = rte_dev_probe(devargs.c_str()); rc < 0) {
        // rte_dev_probe() mostly returns -1 without a useful errno; DPDK logged the cause.
        return fail("cannot create " + config_.type + " " + what + ": the DPDK driver refused it" +
                    (rc < -1 ? " (" + dpdk_error(rc) + ")" : std::string()));
    }
    probed_ = true;
    if (rte_eth_dev_get_port_by_name(dev_name.c_str(), &eth_port_) != 0) {
        return fail(what + " has no ethdev port");
    }
    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(eth_port_, &info); rc != 0) {
        return fail("device info of " + what + ": " + dpdk_error(rc));
    }
    n_rxq_ = std::min<uint16_t>(config_.n_rxq, std::max<uint16_t>(info.max_rx_queues, 1));
    n_txq_ = std::min<uint16_t>(static_cast<uint16_t>(n_threads_),
                                std::max<uint16_t>(info.max_tx_queues, 1));
    // net_tap insists on as many tx as rx queues; the threads then share the tx queues.
    if (info.driver_name && std::string_view(info.driver_name) == "net_tap") n_txq_ = n_rxq_;
    txq_shared_ = n_txq_ < n_threads_;
    tx_locks_.reset(new TxLock[n_txq_]);
    for (uint16_t q = 0; q < n_txq_; ++q)
        rte_spinlock_init(&tx_locks_[q].lock);

    rte_eth_conf conf{};
    if (int rc = rte_eth_dev_configure(eth_port_, n_rxq_, n_txq_, &conf); rc != 0) {
        return fail("configure " + what + ": " + dpdk_error(rc));
    }
    uint16_t n_rxd = kRxDescriptors, n_txd = kTxDescriptors;
    rte_eth_dev_adjust_nb_rx_tx_desc(eth_port_, &n_rxd, &n_txd);
    const int socket = rte_eth_dev_socket_id(eth_port_);
    for (uint16_t q = 0; q < n_rxq_; ++q) {
        if (int rc = rte_eth_rx_queue_setup(eth_port_, q, n_rxd, socket, nullptr, pool); rc) {
            return fail("rx queue of " + what + ": " + dpdk_error(rc));
        }
    }
    for (uint16_t q = 0; q < n_txq_; ++q) {
        if (int rc = rte_eth_tx_queue_setup(eth_port_, q, n_txd, socket, nullptr); rc) {
            return fail("tx queue of " + what + ": " + dpdk_error(rc));
        }
    }
    // Virtual devices may not support an MTU change; the frame-length check below still holds.
    if (rte_eth_dev_set_mtu(eth_port_, static_cast<uint16_t>(config_.mtu)) != 0) {
        VS_DBG(port_log, "{}: MTU {} not settable on the device", config_.name, config_.mtu);
    }
    max_frame_len_ = config_.mtu + 14 + 8;  // Ethernet header and up to two VLAN tags
    if (int rc = rte_eth_dev_start(eth_port_); rc != 0) {
        return fail("start " + what + ": " + dpdk_error(rc));
    }
    started_ = true;
    rte_eth_promiscuous_enable(eth_port_);
    if (dev_name.rfind("net_af_packet", 0) == 0) drain_rx();
    VS_INFO(port_log, "{}: {} port {} up as {} (rxq {}, txq {}{})", config_.name, config_.type,
            port_no_, devargs, n_rxq_, n_txq_, txq_shared_ ? ", shared" : "");
    return {};
}

// net_af_packet opens its packet socket for every interface and binds it to its own only after
// setting up the ring: frames of other interfaces that arrive in between wait there. Polled, they
// would look as if they came in here, and a learning switch would send the traffic between two
// other ports to this one. The port is not polled yet: whatever is in the ring now goes.
void Port::drain_rx() {
    std::array<rte_mbuf*, 32> pkts{};
    unsigned n_drained = 0;
    for (uint16_t q = 0; q < n_rxq_; ++q) {
        while (uint16_t n = rte_eth_rx_burst(eth_port_, q, pkts.data(), pkts.size())) {
            rte_pktmbuf_free_bulk(pkts.data(), n);
            n_drained += n;
        }
    }
    if (n_drained > 0) {
        VS_DBG(port_log, "{}: dropped {} frame(s) caught before the socket was bound", config_.name,
               n_drained);
    }
}

// The device's rx ring is single-producer (the tunnel I/O thread); its tx queues, one per
// thread, all share one multi-producer tx ring that the tunnel I/O thread alone consumes.
Result<void> Port::create_ring_device(const std::string& dev_name) {
    if (dev_name.rfind(kRingDevPrefix, 0) != 0) return fail("bad tunnel device " + dev_name);
    const std::string name = dev_name.substr(kRingDevPrefix.size());
    rx_ring_ =
        rte_ring_create(("vs_rx_" + name).c_str(), kTunnelRingSize, SOCKET_ID_ANY, RING_F_SP_ENQ);
    tx_ring_ =
        rte_ring_create(("vs_tx_" + name).c_str(), kTunnelRingSize, SOCKET_ID_ANY, RING_F_SC_DEQ);
    if (!rx_ring_ || !tx_ring_) {
        return fail("cannot create the rings of " + config_.type + " port '" + config_.name +
                    "': " + rte_strerror(rte_errno));
    }
    std::vector<rte_ring*> txqs(n_threads_, tx_ring_);
    if (rte_eth_from_rings(name.c_str(), &rx_ring_, 1, txqs.data(), n_threads_, 0) < 0) {
        return fail("cannot create " + config_.type + " port '" + config_.name +
                    "': " + rte_strerror(rte_errno));
    }
    return {};
}

Port::~Port() {
    if (started_) rte_eth_dev_stop(eth_port_);
    if (eth_port_ < RTE_MAX_ETHPORTS) rte_eth_dev_close(eth_port_);
    if (probed_) {
        const std::string dev_name = devargs_name(devargs_);
        // Virtual devices live on the vdev bus; anything else (PCI) is left probed.
        rte_eal_hotplug_remove("vdev", dev_name.c_str());
    }
    // net_ring leaves rings it did not create, and what is in them, to their owner.
    for (rte_ring* ring : {rx_ring_, tx_ring_}) {
        if (!ring) continue;
        void* obj = nullptr;
        while (rte_ring_dequeue(ring, &obj) == 0)
            rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
        rte_ring_free(ring);
    }
}

uint16_t Port::send(unsigned thread, rte_mbuf** pkts, uint16_t n) {
    // Bytes are summed first: a driver may free what it sent before tx_burst returns.
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < n; ++i)
        bytes += pkts[i]->pkt_len;
    const uint16_t q = static_cast<uint16_t>(thread % n_txq_);
    uint16_t sent = 0;
    if (txq_shared_) rte_spinlock_lock(&tx_locks_[q].lock);
    for (int attempt = 0; attempt < kTxRetries && sent < n; ++attempt) {
        sent += rte_eth_tx_burst(eth_port_, q, pkts + sent, n - sent);
    }
    if (txq_shared_) rte_spinlock_unlock(&tx_locks_[q].lock);
    PortCounters& c = counters_[thread];
    if (sent < n) {
        for (uint16_t i = sent; i < n; ++i)
            bytes -= pkts[i]->pkt_len;
        c.drop(DropReason::kTxFull, n - sent);
        rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    }
    PortCounters::add(c.tx_packets, sent);
    PortCounters::add(c.tx_bytes, bytes);
    return sent;
}

PortStats Port::stats() const {
    PortStats s;
    for (unsigned t = 0; t < n_threads_; ++t) {
        const PortCounters& c = counters_[t];
        s.rx_packets += c.rx_packets.load(std::memory_order_relaxed);
        s.rx_bytes += c.rx_bytes.load(std::memory_order_relaxed);
        s.tx_packets += c.tx_packets.load(std::memory_order_relaxed);
        s.tx_bytes += c.tx_bytes.load(std::memory_order_relaxed);
        for (int r = 0; r < kNumDropReasons; ++r) {
            s.drops[r] += c.drops[r].load(std::memory_order_relaxed);
        }
    }
    rte_eth_stats es{};
    if (rte_eth_stats_get(eth_port_, &es) == 0) s.rx_dropped_by_device = es.imissed + es.rx_nombuf;
    return s;
}

bool Port::link_up() const {
    rte_eth_link link{};
    return rte_eth_link_get_nowait(eth_port_, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

std::string Port::mac() const {
    rte_ether_addr addr{};
    if (rte_eth_macaddr_get(eth_port_, &addr) != 0) return "";
    char buf[RTE_ETHER_ADDR_FMT_SIZE];
    rte_ether_format_addr(buf, sizeof buf, &addr);
    return buf;
}

}  // namespace vs
