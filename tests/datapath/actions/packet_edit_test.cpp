// Tests for the per-packet header edits: exact bytes, keys and offsets after each edit, and
// differential checks of every incremental checksum update against a from-scratch recomputation.
#include "datapath/actions/packet_edit.hpp"

#include <gtest/gtest.h>

#include <random>

#include "tests/datapath/actions/test_packets.hpp"

namespace vs::test {
namespace {

struct Edited {
    std::vector<uint8_t> before, after;
    PacketMeta meta;
    bool ok;
};

template <typename Fn>
Edited run_edit(const PacketSpec& spec, Fn fn) {
    rte_mbuf* m = make_packet(spec);
    Edited e;
    e.before = mbuf_bytes(m);
    PacketMeta* meta = packet_meta(m);
    e.ok = fn(m, meta->key, meta->ofs);
    e.after = mbuf_bytes(m);
    e.meta = *meta;
    rte_pktmbuf_free(m);
    return e;
}

// Every checksum of `b` equals its from-scratch value.
void expect_checksums_valid(const std::vector<uint8_t>& b, const PacketSpec& s) {
    size_t l3 = l3_of(b);
    if (!s.v6) {
        EXPECT_EQ(get16(b, l3 + 10), ipv4_csum(b, l3));
    }
    if (s.later_fragment) return;
    size_t l4 = l3 + (s.v6 ? 40 : 20);
    if (s.proto == kSctp) {
        EXPECT_EQ(sctp_stored(b, l4), sctp_csum(b, l3, l4, s.v6));
    } else if (s.proto == kUdp && s.udp_zero_csum && !s.v6) {
        EXPECT_EQ(get16(b, l4 + 6), 0);
    } else if (s.proto != kIcmp) {
        size_t off = s.proto == kTcp ? 16 : s.proto == kUdp ? 6 : 2;
        EXPECT_EQ(get16(b, l4 + off), l4_csum(b, l3, l4, s.v6, s.proto));
    }
}

Ip6Addr random_ip6(std::mt19937& rng) {
    Ip6Addr a;
    for (auto& x : a)
        x = static_cast<uint8_t>(rng());
    return a;
}

TEST(PacketEdit, EthAddresses) {
    PacketSpec s;
    EthAddr mac{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    auto e = run_edit(s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) {
        return edit::set_eth_src(m, k, o, mac) &&
               edit::set_eth_dst(m, k, o, EthAddr{1, 2, 3, 4, 5, 6});
    });
    ASSERT_TRUE(e.ok);
    std::vector<uint8_t> want = e.before;
    std::memcpy(&want[6], mac.data(), 6);
    std::memcpy(&want[0], EthAddr{1, 2, 3, 4, 5, 6}.data(), 6);
    EXPECT_EQ(e.after, want);
    EXPECT_EQ(e.meta.key.eth_src, mac);
    EXPECT_EQ(e.meta.key.eth_dst, (EthAddr{1, 2, 3, 4, 5, 6}));
}

TEST(PacketEdit, Ipv4AddressesDifferential) {
    ensure_eal();
    std::mt19937 rng(1);
    for (uint8_t proto : {kTcp, kUdp, kIcmp, kSctp}) {
        for (int i = 0; i < 300; ++i) {
            PacketSpec s;
            s.proto = proto;
            s.src4 = rng(), s.dst4 = rng(), s.sport = rng(), s.dport = rng();
            s.payload = rng() % 40;
            Be32 addr = Be32::from_host(rng());
            bool src = i % 2 == 0;
            auto e = run_edit(s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) {
                return src ? edit::set_ipv4_src(m, k, o, addr) : edit::set_ipv4_dst(m, k, o, addr);
            });
            ASSERT_TRUE(e.ok);
            EXPECT_EQ(src ? e.meta.key.nw_src : e.meta.key.nw_dst, addr);
            std::memcpy(&e.before[14 + (src ? 12 : 16)], &addr.raw, 4);
            EXPECT_EQ(0, std::memcmp(&e.after[14 + 12], &e.before[14 + 12], 8));
            expect_checksums_valid(e.after, s);
            if (HasFailure()) return;
        }
    }
}

TEST(PacketEdit, Ipv6AddressesDifferential) {
    std::mt19937 rng(2);
    for (uint8_t proto : {kTcp, kUdp, kIcmpv6}) {
        for (int i = 0; i < 300; ++i) {
            PacketSpec s;
            s.v6 = true;
            s.proto = proto;
            s.src6 = random_ip6(rng), s.dst6 = random_ip6(rng);
            s.sport = rng(), s.dport = rng();
            s.payload = rng() % 40;
            Ip6Addr addr = random_ip6(rng);
            bool src = i % 2 == 0;
            auto e = run_edit(s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) {
                return src ? edit::set_ipv6_src(m, k, o, addr) : edit::set_ipv6_dst(m, k, o, addr);
            });
            ASSERT_TRUE(e.ok);
            EXPECT_EQ(src ? e.meta.key.ipv6_src : e.meta.key.ipv6_dst, addr);
            EXPECT_EQ(0, std::memcmp(&e.after[14 + (src ? 8 : 24)], addr.data(), 16));
            expect_checksums_valid(e.after, s);
            if (HasFailure()) return;
        }
    }
}

TEST(PacketEdit, UdpZeroChecksumStaysZeroOverIpv4) {
    PacketSpec s;
    s.proto = kUdp;
    s.udp_zero_csum = true;
    auto e = run_edit(s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) {
        return edit::set_ipv4_src(m, k, o, Be32::from_host(0xc0a80001)) &&
               edit::set_ipv4_dst(m, k, o, Be32::from_host(0xc0a80002)) &&
               edit::set_tp_src(m, k, o, 53) && edit::set_tp_dst(m, k, o, 5353);
    });
    ASSERT_TRUE(e.ok);
    EXPECT_EQ(get16(e.after, 14 + 20 + 6), 0);
    EXPECT_EQ(get16(e.after, 34), 53);
    EXPECT_EQ(get16(e.after, 36), 5353);
    EXPECT_EQ(get16(e.after, 24), ipv4_csum(e.after, 14));
}

// Finds the new IPv4 source (low 16 bits varied) for which the UDP checksum computes to 0, and
// checks that the edit writes 0xffff there.
TEST(PacketEdit, UdpComputedZeroIsWrittenAsFfff) {
    for (bool v6 : {false, true}) {
        PacketSpec s;
        s.proto = kUdp;
        s.v6 = v6;
        std::vector<uint8_t> b = build_frame(s);
        size_t field = v6 ? 14 + 8 + 14 : 14 + 12 + 2;  // low 16 bits of the source address
        int found = -1;
        for (int x = 0; x < 65536 && found < 0; ++x) {
            put16(b, field, static_cast<uint16_t>(x));
            std::vector<uint8_t> c = b;
            put16(c, 14 + (v6 ? 40 : 20) + 6, 0);
            uint32_t sum = v6 ? sum16(&c[22], 32) : sum16(&c[26], 8);
            sum = sum16(&c[14 + (v6 ? 40 : 20)], 8 + s.payload, sum + kUdp + 8 + s.payload);
            if (fold_not(sum) == 0) found = x;
        }
        ASSERT_GE(found, 0);
        auto e = run_edit(s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) {
            if (!v6) return edit::set_ipv4_src(m, k, o, Be32::from_host(0x0a000000u | found));
            Ip6Addr a = s.src6;
            a[14] = static_cast<uint8_t>(found >> 8), a[15] = static_cast<uint8_t>(found);
            return edit::set_ipv6_src(m, k, o, a);
        });
        ASSERT_TRUE(e.ok);
        EXPECT_EQ(get16(e.after, 14 + (v6 ? 40 : 20) + 6), 0xffff) << "v6=" << v6;
    }
}

TEST(PacketEdit, PortsDifferential) {
    std::mt19937 rng(3);
    for (bool v6 : {false, true}) {
        for (uint8_t proto : {kTcp, kUdp, kSctp}) {
            for (int i = 0; i < 200; ++i) {
                PacketSpec s;
                s.v6 = v6, s.proto = proto, s.sport = rng(), s.dport = rng();
                s.payload = rng() % 64;
                if (i % 5 == 0) s.pad_to = 90;  // Ethernet padding outside the IP length
                uint16_t port = static_cast<uint16_t>(rng());
                bool src = i % 2 == 0;
                auto e = run_edit(s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) {
                    return src ? edit::set_tp_src(m, k, o, port) : edit::set_tp_dst(m, k, o, port);
                });
                ASSERT_TRUE(e.ok);
                size_t l4 = 14 + (v6 ? 40 : 20);
                EXPECT_EQ(get16(e.after, l4 + (src ? 0 : 2)), port);
                EXPECT_EQ((src ? e.meta.key.tp_src : e.meta.key.tp_dst).host(), port);
                expect_checksums_valid(e.after, s);
                if (HasFailure()) return;
            }
        }
    }
}

TEST(PacketEdit, SctpCrc32cMatchesKnownVector) {
    rte_mbuf* m = make_mbuf({'1', '2', '3', '4', '5', '6', '7', '8', '9'});
    EXPECT_EQ(edit::sctp_crc32c(m, 0, 9), 0xe3069283u);
    EXPECT_EQ(crc32c_ref(rte_pktmbuf_mtod(m, const uint8_t*), 9), 0xe3069283u);
    rte_pktmbuf_free(m);
}

TEST(PacketEdit, SctpCrc32cAcrossSegmentsAndOddOffsets) {
    std::vector<uint8_t> a(37), b(29);
    for (size_t i = 0; i < a.size(); ++i)
        a[i] = static_cast<uint8_t>(i * 13 + 1);
    for (size_t i = 0; i < b.size(); ++i)
        b[i] = static_cast<uint8_t>(i * 31 + 5);
    rte_mbuf* m = make_mbuf(a);
    ASSERT_EQ(rte_pktmbuf_chain(m, make_mbuf(b)), 0);
    std::vector<uint8_t> all = a;
    all.insert(all.end(), b.begin(), b.end());
    for (uint32_t off : {0u, 3u, 36u, 37u, 40u}) {
        uint32_t len = static_cast<uint32_t>(all.size()) - off - 1;
        EXPECT_EQ(edit::sctp_crc32c(m, off, len), crc32c_ref(&all[off], len)) << off;
    }
    rte_pktmbuf_free(m);
}

TEST(PacketEdit, LaterFragmentKeepsL4Bytes) {
    PacketSpec s;
    s.later_fragment = true;
    s.proto = kUdp;
    auto e = run_edit(s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) {
        return edit::set_tp_src(m, k, o, 9999) && edit::set_ipv4_src(m, k, o, Be32::from_host(7));
    });
    ASSERT_TRUE(e.ok);
    EXPECT_TRUE(std::equal(e.after.begin() + 34, e.after.end(), e.before.begin() + 34));
    EXPECT_EQ(get16(e.after, 14 + 12), 0);
    EXPECT_EQ(get16(e.after, 14 + 14), 7);
    expect_checksums_valid(e.after, s);
}

TEST(PacketEdit, SetFieldWithoutTheHeaderIsANoOp) {
    PacketSpec s;
    s.ip = false;
    auto e = run_edit(s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) {
        return edit::set_ipv4_src(m, k, o, Be32::from_host(1)) && edit::set_tp_dst(m, k, o, 1) &&
               edit::dec_ttl(m, k, o) && edit::set_vlan_vid(m, k, o, 5) &&
               edit::set_ipv6_dst(m, k, o, Ip6Addr{}) && edit::set_dscp(m, k, o, 3);
    });
    EXPECT_TRUE(e.ok);
    EXPECT_EQ(e.after, e.before);
}

TEST(PacketEdit, DscpKeepsEcn) {
    for (bool v6 : {false, true}) {
        PacketSpec s;
        s.v6 = v6;
        s.tos = 0x03;  // ECN CE
        auto e = run_edit(s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) {
            return edit::set_dscp(m, k, o, 46);
        });
        ASSERT_TRUE(e.ok);
        EXPECT_EQ(e.meta.key.nw_tos, 46 << 2 | 3);
        if (v6) {
            EXPECT_EQ(e.after[14], 0x60 | (0xbb >> 4));
            EXPECT_EQ(e.after[15], ((0xbb & 0xf) << 4) | (e.before[15] & 0x0f));  // flow label kept
        } else {
            EXPECT_EQ(e.after[15], 0xbb);
        }
        expect_checksums_valid(e.after, s);
    }
}

TEST(PacketEdit, TtlSetAndDecrement) {
    for (bool v6 : {false, true}) {
        PacketSpec s;
        s.v6 = v6;
        s.ttl = 2;
        size_t ttl_at = 14 + (v6 ? 7 : 8);
        auto e = run_edit(
            s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) { return edit::dec_ttl(m, k, o); });
        ASSERT_TRUE(e.ok);
        EXPECT_EQ(e.after[ttl_at], 1);
        EXPECT_EQ(e.meta.key.nw_ttl, 1);
        expect_checksums_valid(e.after, s);
        s.ttl = 1;
        e = run_edit(
            s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) { return edit::dec_ttl(m, k, o); });
        EXPECT_FALSE(e.ok);
        EXPECT_EQ(e.after, e.before);
        s.ttl = 0;
        e = run_edit(
            s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) { return edit::dec_ttl(m, k, o); });
        EXPECT_FALSE(e.ok);
        e = run_edit(s, [&](rte_mbuf* m, FlowKey& k, PacketOffsets& o) {
            return edit::set_ttl(m, k, o, 200);
        });
        ASSERT_TRUE(e.ok);
        EXPECT_EQ(e.after[ttl_at], 200);
        expect_checksums_valid(e.after, s);
    }
}

TEST(PacketEdit, ChecksumOffloadFlagsStillGetSoftwareChecksums) {
    PacketSpec s;
    rte_mbuf* m = make_packet(s);
    m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
    PacketMeta* meta = packet_meta(m);
    ASSERT_TRUE(edit::set_ipv4_dst(m, meta->key, meta->ofs, Be32::from_host(0x01020304)));
    expect_checksums_valid(mbuf_bytes(m), s);
    rte_pktmbuf_free(m);
}

}  // namespace
}  // namespace vs::test
