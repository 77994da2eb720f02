// TunnelIo: the datapath's VXLAN/Geneve endpoint. A tunnel port is an ethdev made of two
// rte_rings (net_ring); the PMD threads treat it like any other port. This component moves
// frames between those rings and kernel UDP sockets, so the underlay is the host's own IP stack
// (routing, ARP, fragmentation) in the network namespace vswitchd runs in.
//
// Design: one UDP socket per dst_port, bound to the wildcard address (local_ip selects the
// source address per datagram with IP_PKTINFO, and the destination address on receipt), with
// path-MTU discovery off so the kernel fragments outer packets larger than the underlay MTU.
// One thread, the I/O thread, loops: for each tunnel it dequeues what the PMD transmitted to the
// port's tx ring, prepends the tunnel header and sends the burst with sendmmsg; for each socket
// it receives a burst with recvmmsg straight into mbufs, validates and strips the header, finds
// the tunnel by (dst_port, source address = remote_ip, VNI = key, local address) and enqueues
// the inner frame on that port's rx ring, which a PMD thread polls. When a round finds nothing
// to do it sleeps in ppoll() on the sockets for 100 us: tx rings cannot wake it, and the
// machines this runs on have few cores to burn.
//
// Invariants: the I/O thread reads an immutable Table published by the control thread; after
// publishing, the control thread waits until the I/O thread has started a new round (so holds no
// pointer into the old table) before it frees a removed tunnel or closes a socket. The I/O thread
// is the rx rings' only producer and the tx rings' only consumer.
//
// Thread: add(), remove(), stats() from the control thread; the loop on its own thread.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <thread>

#include "base/result.hpp"
#include "datapath/tunnel/tunnel_config.hpp"

namespace vs {

struct TunnelIoCounters;

// One tunnel port's counters as the I/O thread sees them.
struct TunnelPortStats {
    uint64_t rx_packets = 0;  // inner frames handed to the port's rx ring
    uint64_t rx_dropped = 0;  // rx ring full
    uint64_t tx_packets = 0;  // datagrams the kernel took
    uint64_t tx_errors = 0;   // datagrams the kernel refused (no route, buffer full, ...)
};

// Datagrams that reached no tunnel port.
struct TunnelIoStats {
    uint64_t rx_datagrams = 0;
    uint64_t no_tunnel = 0;  // valid header, but no port for (dst_port, source, VNI)
    uint64_t truncated = 0;  // larger than a packet buffer
    uint64_t no_mbuf = 0;    // rounds in which the pool had no buffer to receive into
    std::array<uint64_t, kNumTunnelDecodeStatus> bad_header{};  // by reason; [kOk] unused
};

class TunnelIo {
  public:
    explicit TunnelIo(rte_mempool* pool);
    ~TunnelIo();
    TunnelIo(const TunnelIo&) = delete;
    TunnelIo& operator=(const TunnelIo&) = delete;

    // Starts carrying port `port_no`'s frames: `tx` is what the PMD sends (the I/O thread
    // consumes it), `rx` what the port receives (the I/O thread produces it). Fails when the
    // UDP port cannot be opened or another tunnel already receives the same traffic.
    Result<void> add(uint32_t port_no, const TunnelConfig& config, rte_ring* rx, rte_ring* tx);
    // After this returns the I/O thread no longer touches the port's rings.
    void remove(uint32_t port_no);
    bool empty() const { return tunnels_.empty(); }

    TunnelPortStats port_stats(uint32_t port_no) const;
    TunnelIoStats stats() const;

    struct Socket;
    struct Tunnel;
    struct Table;

  private:
    void publish();
    void run();

    rte_mempool* pool_;
    std::unique_ptr<TunnelIoCounters> counters_;           // written by the I/O thread
    std::map<uint32_t, std::unique_ptr<Tunnel>> tunnels_;  // by port number
    std::map<uint16_t, std::unique_ptr<Socket>> sockets_;  // by UDP port
    std::atomic<const Table*> table_{nullptr};
    std::atomic<uint64_t> version_{0};  // tables published
    std::atomic<uint64_t> seen_{0};     // the version the I/O thread's current round started at
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace vs
