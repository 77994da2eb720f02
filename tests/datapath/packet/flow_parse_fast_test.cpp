// The parser's fast path (untagged IPv4 + TCP/UDP, key written a word at a time) against the
// general parser: same key bytes, offsets and status for valid frames and for many mutations
// that must fall back (options, fragments, VLAN tags, short lengths, bad TCP data offsets).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "datapath/packet/flow_parse.hpp"
#include "tests/datapath/packet/frame_builder.hpp"

namespace vs {
namespace {

using test::FrameBuilder;

struct Parsed {
    ParseStatus status;
    FlowKey key;
    PacketOffsets ofs;
};

Parsed parse_with(bool fast, const std::vector<uint8_t>& frame) {
    Parsed p;
    std::memset(static_cast<void*>(&p.key), 0xa5, sizeof p.key);  // no stale zeros to hide behind
    p.ofs = {0x5a5a, 0x5a5a};
    const auto fn = fast ? parse_flow : parse_flow_general;
    p.status = fn(frame.data(), static_cast<uint32_t>(frame.size()), 7, p.key, p.ofs);
    return p;
}

void expect_same(const std::vector<uint8_t>& frame) {
    const Parsed a = parse_with(true, frame), b = parse_with(false, frame);
    ASSERT_EQ(a.status, b.status);
    ASSERT_EQ(std::memcmp(&a.key, &b.key, sizeof(FlowKey)), 0) << "frame of " << frame.size();
    ASSERT_EQ(a.ofs.l3, b.ofs.l3);
    ASSERT_EQ(a.ofs.l4, b.ofs.l4);
}

std::vector<uint8_t> tcp4(uint16_t flags) {
    return FrameBuilder()
        .eth(test::kMacB, test::kMacA, 0x0800)
        .ipv4(test::kIp4A, test::kIp4B, 6)
        .tcp(40000, 443, flags)
        .end_ipv4()
        .pad_to(60)
        .bytes();
}

TEST(FlowParseFast, ValidTcpAndUdpMatchTheGeneralParser) {
    const auto udp = test::udp4_frame();
    expect_same(udp);
    expect_same(tcp4(0x012));
    expect_same(tcp4(0xfff));
    const Parsed p = parse_with(true, udp);
    EXPECT_EQ(p.key.layers, kLayerL2 | kLayerL3 | kLayerL4);
    EXPECT_EQ(p.key.tp_dst.host(), 53);
    EXPECT_EQ(p.key.in_port, 7u);
}

TEST(FlowParseFast, MutationsAgreeWithTheGeneralParser) {
    std::mt19937 rng(20261121);
    const std::vector<std::vector<uint8_t>> seeds = {test::udp4_frame(), tcp4(0x018),
                                                     test::qinq_udp4_frame()};
    // Bytes whose values steer the fast path's decision: type, version/IHL, total length,
    // fragment field, protocol, TCP data offset.
    const size_t hot[] = {12, 13, 14, 16, 17, 20, 21, 23, 46, 47};
    int fast_taken = 0;
    for (int iter = 0; iter < 200000; ++iter) {
        std::vector<uint8_t> f = seeds[iter % seeds.size()];
        const int n_mut = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < n_mut; ++k) {
            const size_t at = (rng() % 4 == 0) ? rng() % f.size() : hot[rng() % std::size(hot)];
            if (at < f.size()) f[at] = static_cast<uint8_t>(rng());
        }
        if (rng() % 4 == 0) f.resize(rng() % (f.size() + 1));
        expect_same(f);
        if (::testing::Test::HasFatalFailure()) return;
        if (f.size() >= 42 && f[12] == 0x08 && f[13] == 0 && f[14] == 0x45) ++fast_taken;
    }
    EXPECT_GT(fast_taken, 10000);  // the mutations did exercise the fast path's decisions
}

}  // namespace
}  // namespace vs
