// TunnelIo's private state, shared by tunnel_io.cpp (control side: sockets, add/remove,
// publishing) and tunnel_io_loop.cpp (the I/O thread). Not for use outside datapath/tunnel/.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <unordered_map>
#include <vector>

#include "datapath/tunnel/tunnel_io.hpp"

namespace vs {

// Written by one thread (the I/O thread), read by any (relaxed), as PortCounters.
inline void counter_add(std::atomic<uint64_t>& c, uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

struct TunnelIoCounters {
    std::atomic<uint64_t> rx_datagrams{0}, no_tunnel{0}, truncated{0}, no_mbuf{0};
    std::array<std::atomic<uint64_t>, kNumTunnelDecodeStatus> bad_header{};
};

// One UDP socket, bound to 0.0.0.0:udp_port, shared by the tunnels of that port and type.
struct TunnelIo::Socket {
    int fd = -1;
    TunnelType type = TunnelType::kVxlan;
    uint16_t udp_port = 0;
    unsigned n_users = 0;  // tunnels using it; closed at 0 (control thread only)

    Socket() = default;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket();
};

struct TunnelIo::Tunnel {
    uint32_t port_no = 0;
    TunnelConfig config;
    rte_ring* rx = nullptr;
    rte_ring* tx = nullptr;
    Socket* socket = nullptr;
    sockaddr_in dest{};
    uint8_t header[kTunnelHeaderSize] = {};  // the same for every datagram of this tunnel
    // IP_PKTINFO choosing the source address when local_ip is set; pktinfo_size 0 otherwise.
    alignas(cmsghdr) uint8_t pktinfo[CMSG_SPACE(sizeof(in_pktinfo))] = {};
    size_t pktinfo_size = 0;
    std::atomic<uint64_t> rx_packets{0}, rx_dropped{0}, tx_packets{0}, tx_errors{0};
};

// What identifies a tunnel on receipt.
struct TunnelRxKey {
    uint32_t remote_ip;  // the datagram's source address
    uint32_t local_ip;   // its destination address, or 0 for tunnels without local_ip
    uint32_t vni;
    uint16_t udp_port;
    bool operator==(const TunnelRxKey&) const = default;
};

struct TunnelRxKeyHash {
    size_t operator()(const TunnelRxKey& k) const {
        uint64_t h = (uint64_t{k.remote_ip} << 32 | k.vni) * 0x9e3779b97f4a7c15ULL;
        h ^= (uint64_t{k.local_ip} << 16 | k.udp_port) * 0xc2b2ae3d27d4eb4fULL;
        return static_cast<size_t>(h ^ (h >> 29));
    }
};

// Immutable once published; the I/O thread's whole view of the configuration.
struct TunnelIo::Table {
    std::vector<Socket*> sockets;
    std::vector<pollfd> pollfds;  // one per socket, same order
    std::vector<Tunnel*> tunnels;
    std::unordered_map<TunnelRxKey, Tunnel*, TunnelRxKeyHash> by_rx_key;
    bool any_local_ip = false;

    Tunnel* find(uint16_t udp_port, uint32_t remote_ip, uint32_t vni, uint32_t local_ip) const {
        if (any_local_ip) {
            auto it = by_rx_key.find({remote_ip, local_ip, vni, udp_port});
            if (it != by_rx_key.end()) return it->second;
        }
        auto it = by_rx_key.find({remote_ip, 0, vni, udp_port});
        return it == by_rx_key.end() ? nullptr : it->second;
    }
};

// The I/O thread's loop body. Thread: the I/O thread only.
class TunnelIoLoop {
  public:
    TunnelIoLoop(rte_mempool* pool, TunnelIoCounters& counters);
    ~TunnelIoLoop();
    TunnelIoLoop(const TunnelIoLoop&) = delete;
    TunnelIoLoop& operator=(const TunnelIoLoop&) = delete;

    // One round over every tunnel and socket of `table`; returns the packets moved.
    unsigned run_once(const TunnelIo::Table& table);
    // Sleeps until a socket is readable or `timeout_ns` passed.
    static void wait(const TunnelIo::Table& table, long timeout_ns);

  private:
    static constexpr unsigned kBurst = 32;
    static constexpr unsigned kMaxSegments = 8;

    unsigned transmit(TunnelIo::Tunnel& t);
    void send_all(TunnelIo::Tunnel& t, unsigned n);
    unsigned receive(const TunnelIo::Table& table, const TunnelIo::Socket& s);
    bool refill();
    void deliver(TunnelIo::Tunnel* t, rte_mbuf** pkts, unsigned n);

    rte_mempool* pool_;
    TunnelIoCounters& counters_;
    // Buffers ready to receive into; stash_[0..n_stash_) are allocated.
    rte_mbuf* stash_[kBurst] = {};
    unsigned n_stash_ = 0;
    mmsghdr msgs_[kBurst] = {};
    iovec iovs_[kBurst][kMaxSegments + 1] = {};
    sockaddr_in addrs_[kBurst] = {};
    alignas(cmsghdr) uint8_t controls_[kBurst][CMSG_SPACE(sizeof(in_pktinfo))] = {};
    rte_mbuf* tx_pkts_[kBurst] = {};
};

}  // namespace vs
