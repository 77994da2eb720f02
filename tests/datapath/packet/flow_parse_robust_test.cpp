// Robustness tests of parse_flow: every prefix of several valid frames (with the IP length left
// as is, and with it shrunk to match the cut), random frames and mutated valid frames. Each input
// sits in an exactly sized heap buffer so that ASan reports any read past its end.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "datapath/packet/flow_parse.hpp"
#include "tests/datapath/packet/frame_builder.hpp"

namespace vs {
namespace {

constexpr uint8_t kL2 = kLayerL2;
constexpr uint8_t kL23 = kLayerL2 | kLayerL3;
constexpr uint8_t kL234 = kLayerL2 | kLayerL3 | kLayerL4;

struct Result {
    ParseStatus status;
    FlowKey key;
    PacketOffsets ofs;
};

Result parse_exact(const uint8_t* bytes, size_t n) {
    auto copy = std::make_unique<uint8_t[]>(n);
    std::copy(bytes, bytes + n, copy.get());
    Result r;
    r.status = parse_flow(copy.get(), static_cast<uint32_t>(n), 9, r.key, r.ofs);
    return r;
}

// Invariants that hold for any input.
void check_invariants(const Result& r, size_t len) {
    ASSERT_EQ(r.key.in_port, 9u);
    ASSERT_EQ(r.status == ParseStatus::kRunt, len < 14);
    if (r.status == ParseStatus::kRunt) {
        ASSERT_EQ(r.key.layers, 0);
        return;
    }
    const uint8_t layers = r.key.layers;
    ASSERT_TRUE(layers == kL2 || layers == kL23 || layers == kL234) << int{layers};
    ASSERT_LE(r.ofs.l3, len);
    ASSERT_GE(r.ofs.l3, 14);
    if (r.ofs.l4 != 0) {
        ASSERT_LT(r.ofs.l4, len);
        ASSERT_GT(r.ofs.l4, r.ofs.l3);
        ASSERT_TRUE(layers & kLayerL3);
    }
    if ((layers & kLayerL4) != 0) {
        ASSERT_NE(r.ofs.l4, 0);
    }
    if ((layers & kLayerL3) == 0) {
        ASSERT_EQ(r.key.nw_src.raw, 0u);
        ASSERT_EQ(r.key.nw_proto, 0);
        ASSERT_EQ(r.key.ipv6_src, Ip6Addr{});
    }
    if ((layers & kLayerL4) == 0) {
        ASSERT_EQ(r.key.tp_src.raw, 0);
        ASSERT_EQ(r.key.tp_dst.raw, 0);
        ASSERT_EQ(r.key.tcp_flags.raw, 0);
    }
    ASSERT_EQ(r.key.pad0, 0);
    ASSERT_EQ(r.key.ipv6_exthdr & ~kIpv6ExtHdrMask, 0);
    if (r.key.eth_type.host() != kEthTypeIpv6) {
        ASSERT_EQ(r.key.ipv6_exthdr, 0);
    }
    ASSERT_EQ(r.key.tun_id, 0u);
}

struct Case {
    const char* name;
    std::vector<uint8_t> frame;
    uint32_t l3_end;  // bytes needed for the L3 header (incl. IPv6 extension headers)
    uint32_t l4_end;  // bytes needed for the L4 header
};

std::vector<Case> ip_cases() {
    return {
        {"udp4", test::udp4_frame(), 34, 42},
        {"qinq_udp4", test::qinq_udp4_frame(), 42, 50},
        {"tcp6_ext", test::tcp6_ext_frame(), 14 + 48, 14 + 48 + 20},
        {"icmp6_echo",
         test::FrameBuilder()
             .eth(test::kMacB, test::kMacA, 0x86dd)
             .ipv6(test::kIp6A, test::kIp6B, 58)
             .icmp(128, 0)
             .end_ipv6()
             .bytes(),
         54, 62},
    };
}

// A cut frame keeps its original IP length, so it is never kOk and never reaches L4: the IP
// length says bytes are missing.
TEST(FlowParseTruncation, EveryPrefixOfIpFramesWithOriginalLength) {
    for (const Case& c : ip_cases()) {
        // Frames padded to 60 are complete from the end of the IP packet on.
        const Result full = parse_exact(c.frame.data(), c.frame.size());
        ASSERT_EQ(full.status, ParseStatus::kOk) << c.name;
        const size_t ip_end =
            full.ofs.l3 + (full.key.eth_type.host() == kEthTypeIpv4
                               ? (c.frame[full.ofs.l3 + 2] << 8 | c.frame[full.ofs.l3 + 3])
                               : 40 + (c.frame[full.ofs.l3 + 4] << 8 | c.frame[full.ofs.l3 + 5]));
        for (size_t n = 0; n <= c.frame.size(); ++n) {
            SCOPED_TRACE(testing::Message() << c.name << " prefix " << n);
            const Result r = parse_exact(c.frame.data(), n);
            check_invariants(r, n);
            if (n < 14) {
                EXPECT_EQ(r.status, ParseStatus::kRunt);
            } else if (n >= ip_end) {
                EXPECT_EQ(r.status, ParseStatus::kOk);
                EXPECT_EQ(r.key, full.key);
            } else {
                EXPECT_EQ(r.status, ParseStatus::kPartial);
                EXPECT_EQ(r.key.layers, n < c.l3_end && n < full.ofs.l3 + 40u ? kL2 : kL23);
                EXPECT_EQ(r.key.tp_src.raw, 0);
                if (n >= full.ofs.l3) {
                    EXPECT_EQ(r.key.eth_type, full.key.eth_type);
                }
            }
        }
    }
}

// The IP length shrunk to the cut: now the L3 header and each L4 byte count are tested.
TEST(FlowParseTruncation, EveryPrefixWithConsistentIpLength) {
    for (const Case& c : ip_cases()) {
        const Result full = parse_exact(c.frame.data(), c.frame.size());
        const bool v4 = full.key.eth_type.host() == kEthTypeIpv4;
        const uint32_t l3 = full.ofs.l3;
        const uint32_t ip_hdr = v4 ? 20 : 40;
        for (size_t n = l3 + ip_hdr; n <= c.frame.size(); ++n) {
            SCOPED_TRACE(testing::Message() << c.name << " prefix " << n);
            std::vector<uint8_t> cut(c.frame.begin(), c.frame.begin() + n);
            const size_t field = v4 ? l3 + 2 : l3 + 4;
            const size_t value = v4 ? n - l3 : n - l3 - 40;
            cut[field] = static_cast<uint8_t>(value >> 8);
            cut[field + 1] = static_cast<uint8_t>(value);
            const Result r = parse_exact(cut.data(), cut.size());
            check_invariants(r, n);
            if (n < c.l3_end) {
                EXPECT_EQ(r.status, ParseStatus::kPartial);
                EXPECT_EQ(r.key.layers, kL23);
            } else if (n < c.l4_end) {
                EXPECT_EQ(r.status, ParseStatus::kPartial);
                EXPECT_EQ(r.key.layers, kL23);
                EXPECT_EQ(r.key.nw_proto, full.key.nw_proto);
                EXPECT_EQ(r.ofs.l4, n > c.l3_end ? c.l3_end : 0u);
            } else {
                EXPECT_EQ(r.status, ParseStatus::kOk);
                EXPECT_EQ(r.key.layers, kL234);
                EXPECT_EQ(r.key.tp_src, full.key.tp_src);
                EXPECT_EQ(r.key.tp_dst, full.key.tp_dst);
            }
        }
    }
}

TEST(FlowParseTruncation, EveryPrefixOfArpAndNd) {
    const auto arp = test::arp_frame();  // 42 bytes of ARP, padded to 60
    for (size_t n = 14; n <= arp.size(); ++n) {
        const Result r = parse_exact(arp.data(), n);
        check_invariants(r, n);
        EXPECT_EQ(r.status, n < 42 ? ParseStatus::kPartial : ParseStatus::kOk) << n;
        EXPECT_EQ(r.key.layers, n < 42 ? kL2 : kL23) << n;
    }

    // ND with the IPv6 payload length shrunk to the cut: 8 bytes of ICMPv6 make L4, the target
    // needs 24, the option 32; in between, the option is cut and the message is malformed.
    const auto nd = test::nd_ns_frame();
    for (size_t n = 54 + 8; n <= nd.size(); ++n) {
        std::vector<uint8_t> cut(nd.begin(), nd.begin() + n);
        cut[18] = static_cast<uint8_t>((n - 54) >> 8);
        cut[19] = static_cast<uint8_t>(n - 54);
        const Result r = parse_exact(cut.data(), cut.size());
        check_invariants(r, n);
        EXPECT_EQ(r.key.layers, kL234) << n;
        EXPECT_EQ(r.key.tp_src, Be16::from_host(135));
        const bool ok = n == 54 + 24 || n == nd.size();
        EXPECT_EQ(r.status, ok ? ParseStatus::kOk : ParseStatus::kPartial) << n;
        EXPECT_EQ(r.key.nd_target == test::kIp6B, ok) << n;
        EXPECT_EQ(r.key.arp_sha == test::kMacA, n == nd.size()) << n;
    }
}

TEST(FlowParseTruncation, CutVlanTagIsPartialL2) {
    const auto frame = test::qinq_udp4_frame();
    for (size_t n = 14; n < 22; ++n) {
        const Result r = parse_exact(frame.data(), n);
        check_invariants(r, n);
        EXPECT_EQ(r.status, ParseStatus::kPartial) << n;
        EXPECT_EQ(r.key.layers, kL2);
        // The cut tag's TPID is left as eth_type, at the offset where L2 parsing stopped.
        EXPECT_EQ(r.key.eth_type, Be16::from_host(n < 18 ? 0x88a8 : 0x8100)) << n;
        EXPECT_EQ(r.ofs.l3, n < 18 ? 14 : 18);
        EXPECT_EQ((r.key.vlans[0].tci.host() & kVlanPresent) != 0, n >= 18);
    }
}

void put16(std::vector<uint8_t>& b, size_t at, size_t v) {
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
}

// Makes random bytes look like a plausible untagged frame of some type, with consistent IP
// lengths and a common protocol, so random testing reaches L3 and L4 often.
void steer(std::vector<uint8_t>& b, int i) {
    static constexpr uint16_t kTypes[] = {0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8};
    static constexpr uint8_t kProtos[] = {6, 17, 1, 132, 58, 0, 44, 43};
    if (b.size() < 14) return;
    const uint16_t type = kTypes[i % 5];
    const uint8_t proto = kProtos[i / 5 % 8];
    put16(b, 12, type);
    if (type == 0x0800 && b.size() >= 34) {
        b[14] = 0x45;
        put16(b, 16, b.size() - 14);
        if (i % 3 != 0) put16(b, 20, 0);  // not a fragment
        b[23] = proto;
    } else if (type == 0x86dd && b.size() >= 54) {
        b[14] = 0x60;
        put16(b, 18, b.size() - 54);
        b[20] = proto;
    }
}

TEST(FlowParseRandom, RandomFramesKeepInvariants) {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> len_dist(0, 200);
    std::uniform_int_distribution<int> byte(0, 255);
    std::vector<uint8_t> buf;
    int layer_counts[8] = {};
    for (int i = 0; i < 200000; ++i) {
        buf.resize(len_dist(rng));
        for (auto& b : buf)
            b = static_cast<uint8_t>(byte(rng));
        if (i % 2 == 0) steer(buf, i / 2);
        const Result r = parse_exact(buf.data(), buf.size());
        check_invariants(r, buf.size());
        if (HasFatalFailure()) return;
        ++layer_counts[r.key.layers & 7];
    }
    // The steering must actually reach L3 and L4, or the test proves little.
    EXPECT_GT(layer_counts[kL23], 1000);
    EXPECT_GT(layer_counts[kL234], 100);
}

TEST(FlowParseRandom, MutatedValidFramesKeepInvariants) {
    std::vector<std::vector<uint8_t>> seeds = {test::udp4_frame(), test::tcp6_ext_frame(),
                                               test::arp_frame(), test::qinq_udp4_frame(),
                                               test::nd_ns_frame()};
    std::mt19937 rng(777);
    int l4 = 0;
    for (int i = 0; i < 100000; ++i) {
        std::vector<uint8_t> f = seeds[i % seeds.size()];
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips; ++k)
            f[rng() % f.size()] = static_cast<uint8_t>(rng());
        if (rng() % 4 == 0) f.resize(rng() % (f.size() + 1));
        const Result r = parse_exact(f.data(), f.size());
        check_invariants(r, f.size());
        if (HasFatalFailure()) return;
        // Determinism: same bytes, same key.
        const Result again = parse_exact(f.data(), f.size());
        ASSERT_EQ(again.key, r.key);
        ASSERT_EQ(again.status, r.status);
        l4 += (r.key.layers & kLayerL4) != 0;
    }
    EXPECT_GT(l4, 10000);
}

}  // namespace
}  // namespace vs
