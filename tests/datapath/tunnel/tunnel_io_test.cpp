// TunnelIo over the loopback interface with real UDP sockets and DPDK rings: what a tunnel
// port transmits comes back to the tunnel whose remote is its local side; hand-made datagrams
// reach the right port or are counted as drops by reason.
#include "datapath/tunnel/tunnel_io.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/support/test_eal.hpp"

namespace vs {
namespace {

using Bytes = std::vector<uint8_t>;

uint16_t free_udp_port() {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

Bytes frame(uint8_t tag, size_t size = 60) {
    Bytes f(size, tag);
    const uint8_t eth[14] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00};
    std::copy(std::begin(eth), std::end(eth), f.begin());
    return f;
}

// Sends `payload` from 127.0.0.1 to 127.0.0.1:port with a plain socket.
void send_datagram(uint16_t port, const Bytes& payload) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = inet_addr("127.0.0.1");
    sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    close(fd);
}

Bytes with_header(TunnelType type, uint32_t vni, const Bytes& inner) {
    Bytes d(kTunnelHeaderSize);
    encode_tunnel_header(type, vni, d.data());
    d.insert(d.end(), inner.begin(), inner.end());
    return d;
}

class TunnelIoTest : public ::testing::Test {
  protected:
    struct Rings {
        rte_ring* rx;
        rte_ring* tx;
    };

    void SetUp() override { test::ensure_eal(); }
    void TearDown() override {
        io_.reset();  // before the rings it serves
        for (Rings& r : rings_) {
            for (rte_ring* ring : {r.rx, r.tx}) {
                void* obj = nullptr;
                while (rte_ring_dequeue(ring, &obj) == 0)
                    rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
                rte_ring_free(ring);
            }
        }
    }

    TunnelIo& io() {
        if (!io_) io_ = std::make_unique<TunnelIo>(test::test_pool());
        return *io_;
    }
    Rings& make_rings() {
        static int n = 0;
        const std::string id = std::to_string(n++);
        rings_.push_back({rte_ring_create(("t_rx" + id).c_str(), 256, SOCKET_ID_ANY, 0),
                          rte_ring_create(("t_tx" + id).c_str(), 256, SOCKET_ID_ANY, 0)});
        return rings_.back();
    }
    Result<void> add(uint32_t port_no, TunnelType type, const char* remote, uint32_t vni,
                     uint16_t udp_port, const char* local = nullptr) {
        TunnelConfig c;
        c.type = type;
        c.remote_ip = inet_addr(remote);
        c.local_ip = local ? inet_addr(local) : 0;
        c.vni = vni;
        c.dst_port = udp_port;
        Rings& r = make_rings();
        by_port_[port_no] = r;
        return io().add(port_no, c, r.rx, r.tx);
    }
    void transmit(uint32_t port_no, const Bytes& f) {
        rte_mbuf* m = test::make_mbuf(f);
        ASSERT_EQ(rte_ring_enqueue(by_port_.at(port_no).tx, m), 0);
    }
    // The next frame port `port_no` received, or nothing within two seconds.
    std::optional<Bytes> received(uint32_t port_no) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        void* obj = nullptr;
        while (rte_ring_dequeue(by_port_.at(port_no).rx, &obj) != 0) {
            if (std::chrono::steady_clock::now() > until) return std::nullopt;
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        auto* m = static_cast<rte_mbuf*>(obj);
        Bytes b = test::mbuf_bytes(m);
        EXPECT_EQ(m->pkt_len, b.size());
        rte_pktmbuf_free(m);
        return b;
    }
    template <typename F>
    bool eventually(F done) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (!done()) {
            if (std::chrono::steady_clock::now() > until) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return true;
    }

    std::unique_ptr<TunnelIo> io_;
    std::vector<Rings> rings_;
    std::map<uint32_t, Rings> by_port_;
};

TEST_F(TunnelIoTest, WhatATunnelSendsToItselfComesBack) {
    for (TunnelType type : {TunnelType::kVxlan, TunnelType::kGeneve}) {
        const uint32_t no = type == TunnelType::kVxlan ? 1 : 2;
        ASSERT_TRUE(add(no, type, "127.0.0.1", 5, free_udp_port()));
        for (size_t size : {60, 1514, 2000}) {
            transmit(no, frame(0x11, size));
            auto got = received(no);
            ASSERT_TRUE(got) << to_string(type) << " frame of " << size;
            EXPECT_EQ(*got, frame(0x11, size));
        }
        const TunnelPortStats s = io().port_stats(no);
        EXPECT_EQ(s.tx_packets, 3u);
        EXPECT_EQ(s.rx_packets, 3u);
        EXPECT_EQ(s.tx_errors + s.rx_dropped, 0u);
    }
}

TEST_F(TunnelIoTest, DatagramsAreSortedByVniAndBadOnesCounted) {
    const uint16_t port = free_udp_port();
    ASSERT_TRUE(add(1, TunnelType::kVxlan, "127.0.0.1", 5, port));
    ASSERT_TRUE(add(2, TunnelType::kVxlan, "127.0.0.1", 6, port));
    send_datagram(port, with_header(TunnelType::kVxlan, 6, frame(0x66)));
    send_datagram(port, with_header(TunnelType::kVxlan, 5, frame(0x55)));
    EXPECT_EQ(received(2), frame(0x66));
    EXPECT_EQ(received(1), frame(0x55));

    send_datagram(port, with_header(TunnelType::kVxlan, 7, frame(0x77)));  // no such VNI
    Bytes no_i = with_header(TunnelType::kVxlan, 5, frame(0x55));
    no_i[0] = 0;
    send_datagram(port, no_i);
    send_datagram(port, Bytes{0x08, 0, 0});
    ASSERT_TRUE(eventually([&] { return io().stats().rx_datagrams == 5; }));
    const TunnelIoStats s = io().stats();
    EXPECT_EQ(s.no_tunnel, 1u);
    EXPECT_EQ(s.bad_header[static_cast<int>(TunnelDecodeStatus::kBadFlags)], 1u);
    EXPECT_EQ(s.bad_header[static_cast<int>(TunnelDecodeStatus::kShort)], 1u);
    EXPECT_FALSE(received(1).has_value());
}

TEST_F(TunnelIoTest, GeneveOptionsAreSkipped) {
    const uint16_t port = free_udp_port();
    ASSERT_TRUE(add(1, TunnelType::kGeneve, "127.0.0.1", 9, port));
    Bytes d = with_header(TunnelType::kGeneve, 9, {});
    d[0] = 1;  // one word of options, not critical
    const Bytes option = {0x01, 0x02, 0x03, 0x00};
    d.insert(d.end(), option.begin(), option.end());
    const Bytes inner = frame(0x99, 100);
    d.insert(d.end(), inner.begin(), inner.end());
    send_datagram(port, d);
    EXPECT_EQ(received(1), inner);
}

TEST_F(TunnelIoTest, LocalIpPicksTheSourceAndMatchesTheDestination) {
    const uint16_t port = free_udp_port();
    ASSERT_TRUE(add(1, TunnelType::kVxlan, "127.0.0.2", 1, port, "127.0.0.1"));
    ASSERT_TRUE(add(2, TunnelType::kVxlan, "127.0.0.1", 1, port, "127.0.0.2"));
    transmit(1, frame(0x12));
    EXPECT_EQ(received(2), frame(0x12));
    transmit(2, frame(0x21));
    EXPECT_EQ(received(1), frame(0x21));
}

TEST_F(TunnelIoTest, ConflictsAreRefusedAndRemovalFreesThePort) {
    const uint16_t port = free_udp_port();
    ASSERT_TRUE(add(1, TunnelType::kVxlan, "127.0.0.1", 5, port));
    auto dup = add(2, TunnelType::kVxlan, "127.0.0.1", 5, port);
    ASSERT_FALSE(dup);
    EXPECT_NE(dup.error().message.find("port 1 already is a vxlan to 127.0.0.1"),
              std::string::npos);
    auto other_type = add(3, TunnelType::kGeneve, "127.0.0.1", 6, port);
    ASSERT_FALSE(other_type);
    EXPECT_NE(other_type.error().message.find("is used by vxlan ports"), std::string::npos);

    // A UDP port someone else holds.
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(free_udp_port());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    auto busy = add(4, TunnelType::kVxlan, "127.0.0.1", 5, ntohs(a.sin_port));
    close(fd);
    ASSERT_FALSE(busy);
    EXPECT_NE(busy.error().message.find("cannot listen on UDP port"), std::string::npos);

    io().remove(1);
    EXPECT_TRUE(io().empty());
    const int again = socket(AF_INET, SOCK_DGRAM, 0);
    a.sin_port = htons(port);
    EXPECT_EQ(bind(again, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << "socket not closed";
    close(again);
}

}  // namespace
}  // namespace vs
