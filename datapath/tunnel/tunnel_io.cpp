// TunnelIo's control side: UDP sockets, adding and removing tunnels, publishing the table the
// I/O thread reads, and the thread itself.
#include "datapath/tunnel/tunnel_io.hpp"

#include <arpa/inet.h>
#include <pthread.h>
#include <rte_lcore.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/log.hpp"
#include "datapath/tunnel/tunnel_io_impl.hpp"

namespace vs {

VS_LOG_MODULE(tunnel_log, "tunnel");

namespace {

constexpr long kIdleSleepNs = 100'000;       // between rounds that found nothing to do
constexpr int kSocketBufferBytes = 4 << 20;  // absorbs bursts while the thread sleeps

// Larger buffers than net.core.{r,w}mem_max allow need CAP_NET_ADMIN (the *FORCE options).
void set_buffer(int fd, int force_opt, int opt) {
    const int size = kSocketBufferBytes;
    if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof size) != 0) {
        setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size);
    }
}

Result<int> open_socket(uint16_t udp_port) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(std::string("cannot create a UDP socket: ") + std::strerror(errno));
    const int on = 1;
    // The kernel fragments outer packets above the underlay MTU instead of refusing them.
    const int pmtudisc = IP_PMTUDISC_DONT;
    if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtudisc, sizeof pmtudisc) != 0 ||
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) != 0) {
        const int err = errno;
        close(fd);
        return fail(std::string("cannot set UDP socket options: ") + std::strerror(err));
    }
    set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
    set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(udp_port);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int err = errno;
        close(fd);
        return fail("cannot listen on UDP port " + std::to_string(udp_port) + ": " +
                    std::strerror(err));
    }
    return fd;
}

void fill_tunnel(TunnelIo::Tunnel& t) {
    t.dest.sin_family = AF_INET;
    t.dest.sin_port = htons(t.config.dst_port);
    t.dest.sin_addr.s_addr = t.config.remote_ip;
    encode_tunnel_header(t.config.type, t.config.vni, t.header);
    if (t.config.local_ip != 0) {
        auto* cmsg = reinterpret_cast<cmsghdr*>(t.pktinfo);
        cmsg->cmsg_level = IPPROTO_IP;
        cmsg->cmsg_type = IP_PKTINFO;
        cmsg->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        in_pktinfo info{};
        info.ipi_spec_dst.s_addr = t.config.local_ip;
        std::memcpy(CMSG_DATA(cmsg), &info, sizeof info);
        t.pktinfo_size = CMSG_SPACE(sizeof(in_pktinfo));
    }
}

std::string describe(const TunnelConfig& c) {
    return std::string(to_string(c.type)) + " to " + ipv4_string(c.remote_ip) + ":" +
           std::to_string(c.dst_port) + " key " + std::to_string(c.vni) +
           (c.local_ip ? " from " + ipv4_string(c.local_ip) : std::string());
}

}  // namespace

TunnelIo::Socket::~Socket() {
    if (fd >= 0) close(fd);
}

TunnelIo::TunnelIo(rte_mempool* pool) : pool_(pool), counters_(new TunnelIoCounters) {
    table_.store(new Table, std::memory_order_release);
    thread_ = std::thread([this] { run(); });
}

TunnelIo::~TunnelIo() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
    delete table_.exchange(nullptr);
}

Result<void> TunnelIo::add(uint32_t port_no, const TunnelConfig& config, rte_ring* rx,
                           rte_ring* tx) {
    if (tunnels_.count(port_no)) return fail("port " + std::to_string(port_no) + " is a tunnel");
    for (const auto& [no, t] : tunnels_) {
        const TunnelConfig& o = t->config;
        if (o.dst_port == config.dst_port && o.remote_ip == config.remote_ip &&
            o.vni == config.vni && o.local_ip == config.local_ip) {
            return fail("port " + std::to_string(no) + " already is a " + describe(o));
        }
    }
    Socket* socket = nullptr;
    if (auto it = sockets_.find(config.dst_port); it != sockets_.end()) {
        if (it->second->type != config.type) {
            return fail("UDP port " + std::to_string(config.dst_port) + " is used by " +
                        std::string(to_string(it->second->type)) + " ports");
        }
        socket = it->second.get();
    } else {
        auto fd = open_socket(config.dst_port);
        if (!fd) return tl::unexpected(fd.error());
        auto s = std::make_unique<Socket>();
        s->fd = *fd;
        s->type = config.type;
        s->udp_port = config.dst_port;
        socket = s.get();
        sockets_.emplace(config.dst_port, std::move(s));
    }
    auto t = std::make_unique<Tunnel>();
    t->port_no = port_no;
    t->config = config;
    t->rx = rx;
    t->tx = tx;
    t->socket = socket;
    fill_tunnel(*t);
    ++socket->n_users;
    tunnels_.emplace(port_no, std::move(t));
    publish();
    VS_INFO(tunnel_log, "port {}: {}", port_no, describe(config));
    return {};
}

void TunnelIo::remove(uint32_t port_no) {
    auto it = tunnels_.find(port_no);
    if (it == tunnels_.end()) return;
    std::unique_ptr<Tunnel> gone = std::move(it->second);
    tunnels_.erase(it);
    std::unique_ptr<Socket> closed;
    if (--gone->socket->n_users == 0) {
        auto s = sockets_.find(gone->socket->udp_port);
        closed = std::move(s->second);
        sockets_.erase(s);
    }
    publish();  // returns once the I/O thread no longer sees `gone` or `closed`
}

void TunnelIo::publish() {
    auto next = std::make_unique<Table>();
    for (const auto& [udp_port, s] : sockets_) {
        next->sockets.push_back(s.get());
        next->pollfds.push_back({s->fd, POLLIN, 0});
    }
    for (const auto& [no, t] : tunnels_) {
        next->tunnels.push_back(t.get());
        const TunnelConfig& c = t->config;
        next->by_rx_key.emplace(TunnelRxKey{c.remote_ip, c.local_ip, c.vni, c.dst_port}, t.get());
        next->any_local_ip |= c.local_ip != 0;
    }
    const Table* old = table_.exchange(next.release(), std::memory_order_acq_rel);
    const uint64_t version = version_.fetch_add(1, std::memory_order_release) + 1;
    // The I/O thread takes the newest table at the start of each round; a round lasts one burst
    // per tunnel and socket, or one idle sleep.
    while (seen_.load(std::memory_order_acquire) < version) {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    delete old;
}

void TunnelIo::run() {
    pthread_setname_np(pthread_self(), "vs-tunnel");
    // Timer slack of 1 us instead of 50: the idle sleep is short on purpose.
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    // An EAL lcore id gives this thread a mempool cache of its own.
    const bool registered = rte_thread_register() == 0;
    {
        TunnelIoLoop loop(pool_, *counters_);
        while (!stop_.load(std::memory_order_relaxed)) {
            const uint64_t version = version_.load(std::memory_order_acquire);
            const Table* table = table_.load(std::memory_order_acquire);
            seen_.store(version, std::memory_order_release);
            if (loop.run_once(*table) == 0) TunnelIoLoop::wait(*table, kIdleSleepNs);
        }
    }
    if (registered) rte_thread_unregister();
}

TunnelPortStats TunnelIo::port_stats(uint32_t port_no) const {
    TunnelPortStats s;
    auto it = tunnels_.find(port_no);
    if (it == tunnels_.end()) return s;
    const Tunnel& t = *it->second;
    s.rx_packets = t.rx_packets.load(std::memory_order_relaxed);
    s.rx_dropped = t.rx_dropped.load(std::memory_order_relaxed);
    s.tx_packets = t.tx_packets.load(std::memory_order_relaxed);
    s.tx_errors = t.tx_errors.load(std::memory_order_relaxed);
    return s;
}

TunnelIoStats TunnelIo::stats() const {
    const TunnelIoCounters& c = *counters_;
    TunnelIoStats s;
    s.rx_datagrams = c.rx_datagrams.load(std::memory_order_relaxed);
    s.no_tunnel = c.no_tunnel.load(std::memory_order_relaxed);
    s.truncated = c.truncated.load(std::memory_order_relaxed);
    s.no_mbuf = c.no_mbuf.load(std::memory_order_relaxed);
    for (int i = 0; i < kNumTunnelDecodeStatus; ++i) {
        s.bad_header[i] = c.bad_header[i].load(std::memory_order_relaxed);
    }
    return s;
}

}  // namespace vs
