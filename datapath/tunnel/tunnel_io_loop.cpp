// The tunnel I/O thread's round: encapsulate and send what tunnel ports transmitted, receive,
// decapsulate and deliver what arrived. See tunnel_io.hpp for the design.
#include <rte_ring.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/log.hpp"
#include "datapath/tunnel/tunnel_io_impl.hpp"

namespace vs {

VS_LOG_MODULE(tunnel_io_log, "tunnel");

namespace {

// Datagrams land so that the inner frame of an 8-byte header starts at the usual headroom.
constexpr uint16_t kRxOffset = RTE_PKTMBUF_HEADROOM - kTunnelHeaderSize;
constexpr int kSendRetryMs = 1;  // how long a full socket buffer may hold the thread

uint32_t pktinfo_dst(const msghdr& msg) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo info{};
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            return info.ipi_addr.s_addr;
        }
    }
    return 0;
}

}  // namespace

TunnelIoLoop::TunnelIoLoop(rte_mempool* pool, TunnelIoCounters& counters)
    : pool_(pool), counters_(counters) {}

TunnelIoLoop::~TunnelIoLoop() {
    if (n_stash_) rte_pktmbuf_free_bulk(stash_, n_stash_);
}

unsigned TunnelIoLoop::run_once(const TunnelIo::Table& table) {
    unsigned work = 0;
    for (TunnelIo::Tunnel* t : table.tunnels)
        work += transmit(*t);
    for (const TunnelIo::Socket* s : table.sockets)
        work += receive(table, *s);
    return work;
}

void TunnelIoLoop::wait(const TunnelIo::Table& table, long timeout_ns) {
    const timespec timeout{0, timeout_ns};
    // ppoll() writes revents; the table is shared and immutable, so poll a copy.
    pollfd fds[16];
    const nfds_t n = std::min<size_t>(table.pollfds.size(), std::size(fds));
    std::copy_n(table.pollfds.begin(), n, fds);
    ppoll(fds, n, &timeout, nullptr);
}

// Tx: one burst from the port's tx ring, each frame behind the tunnel's header.
unsigned TunnelIoLoop::transmit(TunnelIo::Tunnel& t) {
    const unsigned n =
        rte_ring_dequeue_burst(t.tx, reinterpret_cast<void**>(tx_pkts_), kBurst, nullptr);
    if (n == 0) return 0;
    unsigned n_msgs = 0;
    uint64_t oversegmented = 0;
    for (unsigned i = 0; i < n; ++i) {
        rte_mbuf* m = tx_pkts_[i];
        if (m->nb_segs > kMaxSegments) {
            ++oversegmented;
            continue;
        }
        iovec* iov = iovs_[n_msgs];
        iov[0] = {t.header, sizeof t.header};
        size_t n_iov = 1;
        for (rte_mbuf* seg = m; seg; seg = seg->next) {
            iov[n_iov++] = {rte_pktmbuf_mtod(seg, void*), seg->data_len};
        }
        msghdr& h = msgs_[n_msgs].msg_hdr;
        h = {};
        h.msg_name = &t.dest;
        h.msg_namelen = sizeof t.dest;
        h.msg_iov = iov;
        h.msg_iovlen = n_iov;
        if (t.pktinfo_size) {
            h.msg_control = t.pktinfo;
            h.msg_controllen = t.pktinfo_size;
        }
        ++n_msgs;
    }
    if (oversegmented) counter_add(t.tx_errors, oversegmented);
    send_all(t, n_msgs);
    rte_pktmbuf_free_bulk(tx_pkts_, n);
    return n;
}

void TunnelIoLoop::send_all(TunnelIo::Tunnel& t, unsigned n) {
    static RateLimit rate(5, std::chrono::seconds(5));
    unsigned done = 0;
    uint64_t sent = 0, errors = 0;
    bool retried = false;
    while (done < n) {
        const int r = sendmmsg(t.socket->fd, msgs_ + done, n - done, 0);
        if (r > 0) {
            done += r;
            sent += r;
            continue;
        }
        const int err = errno;
        if ((err == EAGAIN || err == EWOULDBLOCK) && !retried) {
            // The socket buffer is full: give the kernel a moment, once per burst.
            pollfd p{t.socket->fd, POLLOUT, 0};
            poll(&p, 1, kSendRetryMs);
            retried = true;
            continue;
        }
        if (err == EINTR) continue;
        // This datagram is refused (no route, buffer still full, ...); the rest may go.
        ++errors;
        ++done;
        if (rate.allow()) {
            VS_WARN(tunnel_io_log, "port {}: cannot send to {}: {}", t.port_no,
                    ipv4_string(t.config.remote_ip), std::strerror(err));
        }
    }
    counter_add(t.tx_packets, sent);
    if (errors) counter_add(t.tx_errors, errors);
}

bool TunnelIoLoop::refill() {
    while (n_stash_ < kBurst) {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        if (!m) break;
        stash_[n_stash_++] = m;
    }
    return n_stash_ > 0;
}

// Rx: one burst of datagrams, received straight into packet buffers.
unsigned TunnelIoLoop::receive(const TunnelIo::Table& table, const TunnelIo::Socket& s) {
    if (!refill()) {
        counter_add(counters_.no_mbuf, 1);
        return 0;
    }
    for (unsigned i = 0; i < n_stash_; ++i) {
        rte_mbuf* m = stash_[i];
        iovs_[i][0] = {static_cast<uint8_t*>(m->buf_addr) + kRxOffset,
                       size_t{m->buf_len} - kRxOffset};
        msghdr& h = msgs_[i].msg_hdr;
        h = {};
        h.msg_name = &addrs_[i];
        h.msg_namelen = sizeof addrs_[i];
        h.msg_iov = iovs_[i];
        h.msg_iovlen = 1;
        h.msg_control = controls_[i];
        h.msg_controllen = sizeof controls_[i];
    }
    const int r = recvmmsg(s.fd, msgs_, n_stash_, MSG_DONTWAIT, nullptr);
    if (r <= 0) return 0;
    const unsigned n = static_cast<unsigned>(r);
    counter_add(counters_.rx_datagrams, n);

    rte_mbuf* keep[kBurst];  // buffers not handed on, to receive into again
    unsigned n_keep = 0;
    rte_mbuf* run[kBurst];  // consecutive frames for the same tunnel
    unsigned n_run = 0;
    TunnelIo::Tunnel* run_tunnel = nullptr;
    for (unsigned i = 0; i < n; ++i) {
        rte_mbuf* m = stash_[i];
        const msghdr& h = msgs_[i].msg_hdr;
        const size_t size = msgs_[i].msg_len;
        const uint8_t* data = static_cast<const uint8_t*>(m->buf_addr) + kRxOffset;
        TunnelHeaderInfo info;
        if (h.msg_flags & MSG_TRUNC) {
            counter_add(counters_.truncated, 1);
            keep[n_keep++] = m;
            continue;
        }
        if (auto st = decode_tunnel_header(s.type, data, size, info);
            st != TunnelDecodeStatus::kOk) {
            counter_add(counters_.bad_header[static_cast<int>(st)], 1);
            keep[n_keep++] = m;
            continue;
        }
        TunnelIo::Tunnel* t =
            table.find(s.udp_port, addrs_[i].sin_addr.s_addr, info.vni, pktinfo_dst(h));
        if (!t) {
            counter_add(counters_.no_tunnel, 1);
            keep[n_keep++] = m;
            continue;
        }
        m->data_off = static_cast<uint16_t>(kRxOffset + info.header_size);
        m->data_len = static_cast<uint16_t>(size - info.header_size);
        m->pkt_len = m->data_len;
        if (t != run_tunnel && n_run) {
            deliver(run_tunnel, run, n_run);
            n_run = 0;
        }
        run_tunnel = t;
        run[n_run++] = m;
    }
    if (n_run) deliver(run_tunnel, run, n_run);
    // Unused buffers (rejected datagrams and the slots recvmmsg did not fill) stay for next time.
    for (unsigned i = n; i < n_stash_; ++i)
        keep[n_keep++] = stash_[i];
    std::copy_n(keep, n_keep, stash_);
    n_stash_ = n_keep;
    return n;
}

void TunnelIoLoop::deliver(TunnelIo::Tunnel* t, rte_mbuf** pkts, unsigned n) {
    const unsigned queued =
        rte_ring_enqueue_burst(t->rx, reinterpret_cast<void* const*>(pkts), n, nullptr);
    if (queued < n) {
        rte_pktmbuf_free_bulk(pkts + queued, n - queued);
        counter_add(t->rx_dropped, n - queued);
    }
    counter_add(t->rx_packets, queued);
}

}  // namespace vs
