// Unit tests of parse_flow on well-formed and malformed frames of every supported protocol, and of
// flow_key_hash. Truncation and random-input tests live in flow_parse_robust_test.cpp.
#include "datapath/packet/flow_parse.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "tests/datapath/packet/frame_builder.hpp"

namespace vs {
namespace {

using test::FrameBuilder;
using test::kIp4A;
using test::kIp4B;
using test::kIp6A;
using test::kIp6B;
using test::kMacA;
using test::kMacB;
using test::kMacBcast;

constexpr uint8_t kL2 = kLayerL2;
constexpr uint8_t kL23 = kLayerL2 | kLayerL3;
constexpr uint8_t kL234 = kLayerL2 | kLayerL3 | kLayerL4;

struct Parsed {
    ParseStatus status;
    FlowKey key;
    PacketOffsets ofs;
};

// Parses from an exactly sized heap copy so that ASan flags any read past the end.
Parsed parse(const std::vector<uint8_t>& frame, uint32_t in_port = 7) {
    auto copy = std::make_unique<uint8_t[]>(frame.size());
    std::copy(frame.begin(), frame.end(), copy.get());
    Parsed p;
    p.status = parse_flow(copy.get(), static_cast<uint32_t>(frame.size()), in_port, p.key, p.ofs);
    return p;
}

Be16 be16(uint16_t v) {
    return Be16::from_host(v);
}
Be32 be32(uint32_t v) {
    return Be32::from_host(v);
}

TEST(FlowParse, RuntBelowEthernetHeader) {
    const std::vector<uint8_t> frame(13, 0xab);
    const Parsed p = parse(frame, 3);
    EXPECT_EQ(p.status, ParseStatus::kRunt);
    EXPECT_EQ(p.key.layers, 0);
    EXPECT_EQ(p.key.in_port, 3u);
}

TEST(FlowParse, ClearsKeyFromPreviousUse) {
    Parsed p = parse(test::tcp6_ext_frame());
    ASSERT_EQ(p.key.layers, kL234);
    const auto frame = test::arp_frame();
    ASSERT_EQ(parse_flow(frame.data(), frame.size(), 1, p.key, p.ofs), ParseStatus::kOk);
    EXPECT_EQ(p.key, parse(frame, 1).key);
    EXPECT_EQ(p.ofs.l4, 0);
}

TEST(FlowParse, UnknownEthTypeIsL2Only) {
    const auto frame = FrameBuilder().eth(kMacB, kMacA, 0x88cc).zeros(46).bytes();
    const Parsed p = parse(frame);
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.layers, kL2);
    EXPECT_EQ(p.key.in_port, 7u);
    EXPECT_EQ(p.key.eth_dst, kMacB);
    EXPECT_EQ(p.key.eth_src, kMacA);
    EXPECT_EQ(p.key.eth_type, be16(0x88cc));
    EXPECT_EQ(p.ofs.l3, 14);
    EXPECT_EQ(p.ofs.l4, 0);
}

TEST(FlowParse, Llc8023FrameGetsNotEthType) {
    const auto frame = FrameBuilder().eth(kMacB, kMacA, 46).raw({0x42, 0x42, 0x03}).pad_to(60);
    const Parsed p = parse(frame.bytes());
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.eth_type, be16(0x05ff));
    EXPECT_EQ(p.key.layers, kL2);
    // 0x0600 is the first real Ethernet type.
    const Parsed q = parse(FrameBuilder().eth(kMacB, kMacA, 0x0600).pad_to(60).bytes());
    EXPECT_EQ(q.key.eth_type, be16(0x0600));
}

TEST(FlowParse, Arp) {
    const auto frame =
        FrameBuilder().eth(kMacBcast, kMacA, 0x0806).arp(2, kMacA, kIp4A, kMacB, kIp4B).bytes();
    const Parsed p = parse(frame);
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.layers, kL23);
    EXPECT_EQ(p.key.eth_type, be16(0x0806));
    EXPECT_EQ(p.key.eth_dst, kMacBcast);
    EXPECT_EQ(p.key.nw_proto, 2);
    EXPECT_EQ(p.key.nw_src, be32(kIp4A));
    EXPECT_EQ(p.key.nw_dst, be32(kIp4B));
    EXPECT_EQ(p.key.arp_sha, kMacA);
    EXPECT_EQ(p.key.arp_tha, kMacB);
    EXPECT_EQ(p.ofs.l3, 14);
    EXPECT_EQ(p.ofs.l4, 0);
    EXPECT_EQ(p.key.tp_src.raw, 0);
}

TEST(FlowParse, RarpParsesLikeArp) {
    const auto frame =
        FrameBuilder().eth(kMacBcast, kMacA, 0x8035).arp(3, kMacA, 0, kMacA, 0).bytes();
    const Parsed p = parse(frame);
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.layers, kL23);
    EXPECT_EQ(p.key.nw_proto, 3);
    EXPECT_EQ(p.key.arp_tha, kMacA);
}

TEST(FlowParse, ArpOpcodeAbove255IsNotAliased) {
    const auto frame =
        FrameBuilder().eth(kMacBcast, kMacA, 0x0806).arp(0x0101, kMacA, kIp4A, kMacB, kIp4B);
    const Parsed p = parse(frame.bytes());
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.nw_proto, 0);
    EXPECT_EQ(p.key.nw_src, be32(kIp4A));
}

TEST(FlowParse, ArpWithBadHtypeOrLengthsStaysL2) {
    auto bad_htype = FrameBuilder()
                         .eth(kMacBcast, kMacA, 0x0806)
                         .arp(1, kMacA, kIp4A, kMacB, kIp4B, /*htype=*/6);
    Parsed p = parse(bad_htype.bytes());
    EXPECT_EQ(p.status, ParseStatus::kPartial);
    EXPECT_EQ(p.key.layers, kL2);
    EXPECT_EQ(p.key.eth_type, be16(0x0806));
    EXPECT_EQ(p.key.nw_src.raw, 0u);
    EXPECT_EQ(p.key.arp_sha, EthAddr{});

    auto bad_plen = FrameBuilder().eth(kMacBcast, kMacA, 0x0806).arp(1, kMacA, kIp4A, kMacB, kIp4B);
    bad_plen.put16(14 + 4, 0x0610);  // hlen 6, plen 16
    p = parse(bad_plen.bytes());
    EXPECT_EQ(p.status, ParseStatus::kPartial);
    EXPECT_EQ(p.key.layers, kL2);
    EXPECT_EQ(p.key.nw_proto, 0);
}

TEST(FlowParse, SingleVlan) {
    const auto frame = FrameBuilder()
                           .eth(kMacB, kMacA, 0x8100)
                           .vlan(0xa00a, 0x0806)  // pcp 5, vid 10
                           .arp(1, kMacA, kIp4A, EthAddr{}, kIp4B)
                           .bytes();
    const Parsed p = parse(frame);
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.vlans[0].tpid, be16(0x8100));
    EXPECT_EQ(p.key.vlans[0].tci, be16(0xa00a | kVlanPresent));
    EXPECT_EQ(p.key.vlans[1].tci.raw, 0);
    EXPECT_EQ(p.key.vlans[1].tpid.raw, 0);
    EXPECT_EQ(p.key.eth_type, be16(0x0806));
    EXPECT_EQ(p.key.nw_src, be32(kIp4A));
    EXPECT_EQ(p.ofs.l3, 18);
}

TEST(FlowParse, VlanIdZeroDiffersFromUntagged) {
    const Parsed tagged =
        parse(FrameBuilder().eth(kMacB, kMacA, 0x8100).vlan(0, 0x88cc).pad_to(60).bytes());
    EXPECT_EQ(tagged.key.vlans[0].tci, be16(kVlanPresent));
    const Parsed untagged = parse(FrameBuilder().eth(kMacB, kMacA, 0x88cc).pad_to(60).bytes());
    EXPECT_EQ(untagged.key.vlans[0].tci.raw, 0);
    EXPECT_NE(tagged.key, untagged.key);
}

TEST(FlowParse, QinQ) {
    const Parsed p = parse(test::qinq_udp4_frame());
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.vlans[0].tpid, be16(0x88a8));
    EXPECT_EQ(p.key.vlans[0].tci, be16(0x2064 | kVlanPresent));
    EXPECT_EQ(p.key.vlans[1].tpid, be16(0x8100));
    EXPECT_EQ(p.key.vlans[1].tci, be16(0x000a | kVlanPresent));
    EXPECT_EQ(p.key.eth_type, be16(0x0800));
    EXPECT_EQ(p.key.layers, kL234);
    EXPECT_EQ(p.key.tp_src, be16(5000));
    EXPECT_EQ(p.key.tp_dst, be16(6000));
    EXPECT_EQ(p.ofs.l3, 22);
    EXPECT_EQ(p.ofs.l4, 42);
}

TEST(FlowParse, Tpid9100OnlyAsOuterTag) {
    const Parsed outer = parse(FrameBuilder()
                                   .eth(kMacB, kMacA, 0x9100)
                                   .vlan(0x0005, 0x8100)
                                   .vlan(0x0006, 0x88cc)
                                   .pad_to(60)
                                   .bytes());
    EXPECT_EQ(outer.key.vlans[0].tpid, be16(0x9100));
    EXPECT_EQ(outer.key.vlans[1].tci, be16(0x0006 | kVlanPresent));
    EXPECT_EQ(outer.key.eth_type, be16(0x88cc));

    const Parsed inner =
        parse(FrameBuilder().eth(kMacB, kMacA, 0x8100).vlan(0x0005, 0x9100).pad_to(60).bytes());
    EXPECT_EQ(inner.key.vlans[1].tci.raw, 0);
    EXPECT_EQ(inner.key.eth_type, be16(0x9100));
    EXPECT_EQ(inner.ofs.l3, 18);
}

TEST(FlowParse, ThirdTagIsLeftAsEthType) {
    const Parsed p = parse(FrameBuilder()
                               .eth(kMacB, kMacA, 0x88a8)
                               .vlan(1, 0x8100)
                               .vlan(2, 0x8100)
                               .vlan(3, 0x0800)
                               .pad_to(64)
                               .bytes());
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.eth_type, be16(0x8100));
    EXPECT_EQ(p.key.layers, kL2);
    EXPECT_EQ(p.ofs.l3, 22);
}

TEST(FlowParse, Udp4WithEthernetPadding) {
    const Parsed p = parse(test::udp4_frame());
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.layers, kL234);
    EXPECT_EQ(p.key.eth_type, be16(0x0800));
    EXPECT_EQ(p.key.nw_src, be32(kIp4A));
    EXPECT_EQ(p.key.nw_dst, be32(kIp4B));
    EXPECT_EQ(p.key.nw_proto, 17);
    EXPECT_EQ(p.key.nw_ttl, 64);
    EXPECT_EQ(p.key.nw_tos, 0);
    EXPECT_EQ(p.key.nw_frag, 0);
    EXPECT_EQ(p.key.tp_src, be16(1234));
    EXPECT_EQ(p.key.tp_dst, be16(53));
    EXPECT_EQ(p.ofs.l3, 14);
    EXPECT_EQ(p.ofs.l4, 34);
}

TEST(FlowParse, Tcp4WithOptionsAndFlags) {
    const auto frame = FrameBuilder()
                           .eth(kMacB, kMacA, 0x0800)
                           .ipv4(kIp4A, kIp4B, 6, 0xb9, 17, 0x4000 /*DF*/, 6)
                           .u32(0x01010100)  // IP options: NOP NOP NOP EOL
                           .tcp(80, 51000, 0x0fd2, 8)
                           .end_ipv4()
                           .bytes();
    const Parsed p = parse(frame);
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.layers, kL234);
    EXPECT_EQ(p.key.nw_tos, 0xb9);
    EXPECT_EQ(p.key.nw_ttl, 17);
    EXPECT_EQ(p.key.nw_frag, 0);  // DF alone is not a fragment
    EXPECT_EQ(p.key.nw_proto, 6);
    EXPECT_EQ(p.key.tp_src, be16(80));
    EXPECT_EQ(p.key.tp_dst, be16(51000));
    EXPECT_EQ(p.key.tcp_flags, be16(0x0fd2));
    EXPECT_EQ(p.ofs.l4, 14 + 24);
}

TEST(FlowParse, Sctp4AndIcmp4) {
    const Parsed sctp = parse(FrameBuilder()
                                  .eth(kMacB, kMacA, 0x0800)
                                  .ipv4(kIp4A, kIp4B, 132)
                                  .sctp(3868, 2905)
                                  .end_ipv4()
                                  .pad_to(60)
                                  .bytes());
    EXPECT_EQ(sctp.status, ParseStatus::kOk);
    EXPECT_EQ(sctp.key.layers, kL234);
    EXPECT_EQ(sctp.key.tp_src, be16(3868));
    EXPECT_EQ(sctp.key.tp_dst, be16(2905));

    const Parsed icmp = parse(FrameBuilder()
                                  .eth(kMacB, kMacA, 0x0800)
                                  .ipv4(kIp4A, kIp4B, 1)
                                  .icmp(3, 13)
                                  .end_ipv4()
                                  .pad_to(60)
                                  .bytes());
    EXPECT_EQ(icmp.status, ParseStatus::kOk);
    EXPECT_EQ(icmp.key.layers, kL234);
    EXPECT_EQ(icmp.key.tp_src, be16(3));
    EXPECT_EQ(icmp.key.tp_dst, be16(13));
}

TEST(FlowParse, Ipv4UnknownProtocolHasOffsetButNoL4) {
    const Parsed p = parse(FrameBuilder()
                               .eth(kMacB, kMacA, 0x0800)
                               .ipv4(kIp4A, kIp4B, 47)
                               .u32(0x00006558)
                               .end_ipv4()
                               .pad_to(60)
                               .bytes());
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.layers, kL23);
    EXPECT_EQ(p.key.nw_proto, 47);
    EXPECT_EQ(p.ofs.l4, 34);
}

TEST(FlowParse, Ipv4Fragments) {
    auto frag = [](uint16_t frag_field) {
        return parse(FrameBuilder()
                         .eth(kMacB, kMacA, 0x0800)
                         .ipv4(kIp4A, kIp4B, 17, 0, 64, frag_field)
                         .udp(1, 2, 16)
                         .end_ipv4()
                         .bytes());
    };
    const Parsed first = frag(0x2000);  // MF, offset 0
    EXPECT_EQ(first.status, ParseStatus::kOk);
    EXPECT_EQ(first.key.nw_frag, kFragAny);
    EXPECT_EQ(first.key.layers, kL234);
    EXPECT_EQ(first.key.tp_dst, be16(2));

    for (uint16_t field : {uint16_t{0x2003}, uint16_t{0x0003}}) {  // middle and last fragment
        const Parsed later = frag(field);
        EXPECT_EQ(later.status, ParseStatus::kOk);
        EXPECT_EQ(later.key.nw_frag, kFragAny | kFragLater);
        EXPECT_EQ(later.key.layers, kL23);
        EXPECT_EQ(later.key.nw_proto, 17);
        EXPECT_EQ(later.key.tp_src.raw, 0);
        EXPECT_EQ(later.ofs.l4, 0);
    }
}

TEST(FlowParse, Ipv4PaddingIsNotParsedAsL4) {
    // The IP packet holds 4 bytes of UDP; the frame is padded to 60 with bytes that would
    // otherwise complete the UDP header.
    auto b = FrameBuilder().eth(kMacB, kMacA, 0x0800).ipv4(kIp4A, kIp4B, 17).u32(0x00350035);
    b.end_ipv4().pad_to(60);
    const Parsed p = parse(b.bytes());
    EXPECT_EQ(p.status, ParseStatus::kPartial);
    EXPECT_EQ(p.key.layers, kL23);
    EXPECT_EQ(p.key.tp_src.raw, 0);
    EXPECT_EQ(p.ofs.l4, 34);
}

TEST(FlowParse, Ipv4TotalLengthBeyondFrameKeepsL3) {
    auto b = FrameBuilder().eth(kMacB, kMacA, 0x0800).ipv4(kIp4A, kIp4B, 6).tcp(1, 2, 0x02);
    b.end_ipv4().put16(14 + 2, 41);
    const Parsed p = parse(b.bytes());
    EXPECT_EQ(p.status, ParseStatus::kPartial);
    EXPECT_EQ(p.key.layers, kL23);
    EXPECT_EQ(p.key.nw_src, be32(kIp4A));
    EXPECT_EQ(p.key.nw_proto, 6);
    EXPECT_EQ(p.key.tp_src.raw, 0);
    EXPECT_EQ(p.ofs.l4, 0);
}

TEST(FlowParse, Ipv4MalformedHeaderStopsAtL2) {
    auto base = [] {
        return FrameBuilder().eth(kMacB, kMacA, 0x0800).ipv4(kIp4A, kIp4B, 6).tcp(1, 2, 2);
    };
    auto ihl4 = base();
    ihl4.end_ipv4().put16(14, 0x4400);
    auto short_total = base();
    short_total.end_ipv4().put16(14 + 2, 19);
    auto version5 = base();
    version5.end_ipv4().put16(14, 0x5500);
    auto options_cut = base();  // IHL 15 = 60 bytes but the frame holds only 40 after L2
    options_cut.end_ipv4().put16(14, 0x4f00);
    for (const auto* b : {&ihl4, &short_total, &version5, &options_cut}) {
        const Parsed p = parse(b->bytes());
        EXPECT_EQ(p.status, ParseStatus::kPartial);
        EXPECT_EQ(p.key.layers, kL2);
        EXPECT_EQ(p.key.eth_type, be16(0x0800));
        EXPECT_EQ(p.key.nw_src.raw, 0u);
        EXPECT_EQ(p.key.nw_proto, 0);
        EXPECT_EQ(p.ofs.l4, 0);
    }
}

TEST(FlowParse, TcpBadDataOffset) {
    for (uint8_t doff : {uint8_t{0}, uint8_t{4}, uint8_t{6}}) {  // 6: 24 bytes, only 20 present
        auto b = FrameBuilder().eth(kMacB, kMacA, 0x0800).ipv4(kIp4A, kIp4B, 6).tcp(1, 2, 2);
        b.put16(34 + 12, static_cast<size_t>(doff) << 12 | 0x002).end_ipv4();
        const Parsed p = parse(b.bytes());
        EXPECT_EQ(p.status, ParseStatus::kPartial) << int{doff};
        EXPECT_EQ(p.key.layers, kL23);
        EXPECT_EQ(p.key.nw_proto, 6);
        EXPECT_EQ(p.key.tp_src.raw, 0);
        EXPECT_EQ(p.key.tcp_flags.raw, 0);
    }
}

TEST(FlowParse, Tcp6WithExtensionHeader) {
    const Parsed p = parse(test::tcp6_ext_frame());
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.layers, kL234);
    EXPECT_EQ(p.key.eth_type, be16(0x86dd));
    EXPECT_EQ(p.key.ipv6_src, kIp6A);
    EXPECT_EQ(p.key.ipv6_dst, kIp6B);
    EXPECT_EQ(p.key.nw_tos, 0xb8);
    EXPECT_EQ(p.key.ipv6_label, be32(0x12345));
    EXPECT_EQ(p.key.nw_ttl, 63);
    EXPECT_EQ(p.key.nw_proto, 6);
    EXPECT_EQ(p.key.nw_frag, 0);
    EXPECT_EQ(p.key.tp_src, be16(40000));
    EXPECT_EQ(p.key.tp_dst, be16(443));
    EXPECT_EQ(p.key.tcp_flags, be16(0x012));
    EXPECT_EQ(p.ofs.l3, 14);
    EXPECT_EQ(p.ofs.l4, 14 + 40 + 8);
}

TEST(FlowParse, Ipv6ExtensionChainWithFirstFragment) {
    const auto frame = FrameBuilder()
                           .eth(kMacB, kMacA, 0x86dd)
                           .ipv6(kIp6A, kIp6B, 0)
                           .ipv6_ext(43, 1)  // hop-by-hop, 16 bytes
                           .ipv6_ext(60, 0)  // routing, 8
                           .ipv6_ext(44, 2)  // destination options, 24
                           .ipv6_frag(51, 0, true)
                           .ipv6_ah(17)  // 16
                           .udp(546, 547, 3)
                           .end_ipv6()
                           .bytes();
    const Parsed p = parse(frame);
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.layers, kL234);
    EXPECT_EQ(p.key.nw_proto, 17);
    EXPECT_EQ(p.key.nw_frag, kFragAny);
    EXPECT_EQ(p.key.tp_src, be16(546));
    EXPECT_EQ(p.key.tp_dst, be16(547));
    EXPECT_EQ(p.ofs.l4, 14 + 40 + 16 + 8 + 24 + 8 + 16);
}

TEST(FlowParse, Ipv6LaterFragmentHasNoL4) {
    const auto frame = FrameBuilder()
                           .eth(kMacB, kMacA, 0x86dd)
                           .ipv6(kIp6A, kIp6B, 60)
                           .ipv6_ext(44)
                           .ipv6_frag(6, 185, false)
                           .tcp(1, 2, 0x10)
                           .end_ipv6()
                           .bytes();
    const Parsed p = parse(frame);
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.layers, kL23);
    EXPECT_EQ(p.key.nw_frag, kFragAny | kFragLater);
    EXPECT_EQ(p.key.nw_proto, 6);
    EXPECT_EQ(p.key.tp_src.raw, 0);
    EXPECT_EQ(p.ofs.l4, 0);
}

TEST(FlowParse, Ipv6ExtensionHeaderOverrunningPayload) {
    auto b = FrameBuilder().eth(kMacB, kMacA, 0x86dd).ipv6(kIp6A, kIp6B, 0).ipv6_ext(17, 4);
    b.end_ipv6().put16(14 + 40, 17 << 8 | 5);  // claims 48 bytes, 40 present
    const Parsed p = parse(b.bytes());
    EXPECT_EQ(p.status, ParseStatus::kPartial);
    EXPECT_EQ(p.key.layers, kL23);
    EXPECT_EQ(p.key.ipv6_src, kIp6A);
    EXPECT_EQ(p.key.nw_proto, 0);  // the header that could not be walked
    EXPECT_EQ(p.ofs.l4, 0);
}

TEST(FlowParse, Ipv6PayloadLengthBeyondFrameKeepsL3) {
    auto b = FrameBuilder().eth(kMacB, kMacA, 0x86dd).ipv6(kIp6A, kIp6B, 17).udp(1, 2);
    b.end_ipv6().put16(14 + 4, 9);
    const Parsed p = parse(b.bytes());
    EXPECT_EQ(p.status, ParseStatus::kPartial);
    EXPECT_EQ(p.key.layers, kL23);
    EXPECT_EQ(p.key.nw_proto, 17);
    EXPECT_EQ(p.key.ipv6_dst, kIp6B);
    EXPECT_EQ(p.ofs.l4, 0);
}

// An IPv6 frame whose extension headers are `chain` (next header values, in order), each the
// smallest of its kind, then a TCP header (or 8 bytes of ESP or nothing after 59).
std::vector<uint8_t> ipv6_chain(const std::vector<uint8_t>& chain) {
    FrameBuilder b;
    b.eth(kMacB, kMacA, 0x86dd).ipv6(kIp6A, kIp6B, chain.empty() ? 6 : chain.front());
    for (size_t i = 0; i < chain.size(); ++i) {
        const uint8_t next = i + 1 < chain.size() ? chain[i + 1] : 6;
        switch (chain[i]) {
            case 44:
                b.ipv6_frag(next, 0, true);
                break;
            case 51:
                b.ipv6_ah(next);
                break;
            case 50:  // ESP: SPI, sequence number, then ciphertext
                b.u32(0x100).u32(1).zeros(16);
                return b.end_ipv6().bytes();
            case 59:
                return b.end_ipv6().bytes();
            default:
                b.ipv6_ext(next);
        }
    }
    return b.tcp(1000, 80, 0x02).end_ipv6().bytes();
}

uint16_t exthdr_of(const std::vector<uint8_t>& chain) {
    const Parsed p = parse(ipv6_chain(chain));
    EXPECT_EQ(p.status, ParseStatus::kOk);
    return p.key.ipv6_exthdr;
}

constexpr uint8_t kHop = 0, kRouting = 43, kFrag = 44, kEsp = 50, kAh = 51, kNoNext = 59,
                  kDest = 60;

TEST(FlowParseExthdr, NoExtensionHeadersNoFlags) {
    EXPECT_EQ(exthdr_of({}), 0);
    EXPECT_EQ(parse(test::udp4_frame()).key.ipv6_exthdr, 0);  // the IPv4 fast path
    const Parsed tcp6 = parse(test::tcp6_ext_frame());        // one hop-by-hop header
    EXPECT_EQ(tcp6.key.ipv6_exthdr, kIpv6ExtHop);
}

TEST(FlowParseExthdr, EachHeaderSetsItsFlag) {
    EXPECT_EQ(exthdr_of({kHop, kAh}), kIpv6ExtHop | kIpv6ExtAuth);  // 68, the Ryu test's value
    EXPECT_EQ(exthdr_of({kRouting}), kIpv6ExtRouter);
    EXPECT_EQ(exthdr_of({kFrag}), kIpv6ExtFrag);
    EXPECT_EQ(exthdr_of({kDest}), kIpv6ExtDest);
    EXPECT_EQ(exthdr_of({kEsp}), kIpv6ExtEsp);
    EXPECT_EQ(exthdr_of({kNoNext}), kIpv6ExtNoNext);
    EXPECT_EQ(exthdr_of({kHop, kNoNext}), kIpv6ExtHop | kIpv6ExtNoNext);
}

TEST(FlowParseExthdr, RecommendedOrderHasNeitherUnseqNorUnrep) {
    const Parsed p = parse(ipv6_chain({kHop, kDest, kRouting, kFrag, kAh, kEsp}));
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.ipv6_exthdr, kIpv6ExtHop | kIpv6ExtDest | kIpv6ExtRouter | kIpv6ExtFrag |
                                     kIpv6ExtAuth | kIpv6ExtEsp);
    EXPECT_EQ(p.key.nw_proto, kEsp);  // the walk ends at ESP
    EXPECT_EQ(p.key.layers, kL23);
    // Destination Options before Routing and again at the end: the two expected places.
    EXPECT_EQ(exthdr_of({kHop, kDest, kRouting, kDest}),
              kIpv6ExtHop | kIpv6ExtDest | kIpv6ExtRouter);
    EXPECT_EQ(exthdr_of({kRouting, kAh, kDest}), kIpv6ExtRouter | kIpv6ExtAuth | kIpv6ExtDest);
}

TEST(FlowParseExthdr, OutOfOrderSetsUnseq) {
    EXPECT_EQ(exthdr_of({kDest, kHop}), kIpv6ExtDest | kIpv6ExtHop | kIpv6ExtUnseq);
    EXPECT_EQ(exthdr_of({kAh, kFrag}), kIpv6ExtAuth | kIpv6ExtFrag | kIpv6ExtUnseq);
    EXPECT_EQ(exthdr_of({kFrag, kRouting}), kIpv6ExtFrag | kIpv6ExtRouter | kIpv6ExtUnseq);
    // A Destination Options header after Routing is the final one: a fragment may not follow.
    EXPECT_EQ(exthdr_of({kRouting, kDest, kFrag}),
              kIpv6ExtRouter | kIpv6ExtDest | kIpv6ExtFrag | kIpv6ExtUnseq);
}

TEST(FlowParseExthdr, RepeatsSetUnrep) {
    EXPECT_EQ(exthdr_of({kRouting, kRouting}), kIpv6ExtRouter | kIpv6ExtUnrep);
    EXPECT_EQ(exthdr_of({kAh, kAh}), kIpv6ExtAuth | kIpv6ExtUnrep);
    // Two Destination Options with nothing between them: both in the first place.
    EXPECT_EQ(exthdr_of({kDest, kDest}), kIpv6ExtDest | kIpv6ExtUnrep);
    EXPECT_EQ(exthdr_of({kDest, kRouting, kDest, kDest}),
              kIpv6ExtDest | kIpv6ExtRouter | kIpv6ExtUnrep);
    // A repeat out of place is both.
    EXPECT_EQ(exthdr_of({kHop, kRouting, kHop}),
              kIpv6ExtHop | kIpv6ExtRouter | kIpv6ExtUnrep | kIpv6ExtUnseq);
}

TEST(FlowParseExthdr, LaterFragmentEndsTheWalk) {
    const auto frame = FrameBuilder()
                           .eth(kMacB, kMacA, 0x86dd)
                           .ipv6(kIp6A, kIp6B, kDest)
                           .ipv6_ext(kFrag)
                           .ipv6_frag(kAh, 185, false)
                           .ipv6_ah(6)  // not seen: a later fragment's payload is not walked
                           .tcp(1, 2, 0x10)
                           .end_ipv6()
                           .bytes();
    const Parsed p = parse(frame);
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.ipv6_exthdr, kIpv6ExtDest | kIpv6ExtFrag);
}

TEST(FlowParseExthdr, TruncatedChainKeepsTheHeadersNamed) {
    // Hop-by-hop, then a routing header that claims 48 bytes where the payload has 8.
    auto b = FrameBuilder()
                 .eth(kMacB, kMacA, 0x86dd)
                 .ipv6(kIp6A, kIp6B, kHop)
                 .ipv6_ext(kRouting)
                 .ipv6_ext(6, 0);
    b.end_ipv6().put16(14 + 40 + 8, 6 << 8 | 5);
    const Parsed p = parse(b.bytes());
    EXPECT_EQ(p.status, ParseStatus::kPartial);
    EXPECT_EQ(p.key.nw_proto, kRouting);
    EXPECT_EQ(p.key.ipv6_exthdr, kIpv6ExtHop | kIpv6ExtRouter);
    // Cut inside the fixed part of a header (4 of a fragment header's 8 bytes).
    auto cut = FrameBuilder().eth(kMacB, kMacA, 0x86dd).ipv6(kIp6A, kIp6B, kHop).ipv6_ext(kFrag);
    cut.u32(0x06000000).end_ipv6();
    const Parsed q = parse(cut.bytes());
    EXPECT_EQ(q.status, ParseStatus::kPartial);
    EXPECT_EQ(q.key.ipv6_exthdr, kIpv6ExtHop | kIpv6ExtFrag);
    // Not walked at all when the payload length overruns the frame.
    auto over = FrameBuilder().eth(kMacB, kMacA, 0x86dd).ipv6(kIp6A, kIp6B, kHop).ipv6_ext(6);
    over.end_ipv6().put16(14 + 4, 100);
    EXPECT_EQ(parse(over.bytes()).key.ipv6_exthdr, 0);
}

TEST(FlowParse, Icmpv6EchoAndIcmpv4InsideIpv6) {
    const Parsed echo = parse(FrameBuilder()
                                  .eth(kMacB, kMacA, 0x86dd)
                                  .ipv6(kIp6A, kIp6B, 58)
                                  .icmp(128, 0)
                                  .end_ipv6()
                                  .bytes());
    EXPECT_EQ(echo.status, ParseStatus::kOk);
    EXPECT_EQ(echo.key.layers, kL234);
    EXPECT_EQ(echo.key.tp_src, be16(128));
    EXPECT_EQ(echo.key.tp_dst, be16(0));
    EXPECT_EQ(echo.key.nd_target, Ip6Addr{});

    // Protocol 1 means nothing inside IPv6: no L4 fields.
    const Parsed v4 = parse(FrameBuilder()
                                .eth(kMacB, kMacA, 0x86dd)
                                .ipv6(kIp6A, kIp6B, 1)
                                .icmp(8, 0)
                                .end_ipv6()
                                .bytes());
    EXPECT_EQ(v4.status, ParseStatus::kOk);
    EXPECT_EQ(v4.key.layers, kL23);
    EXPECT_EQ(v4.key.tp_src.raw, 0);
}

TEST(FlowParse, NeighborSolicitationWithSourceLla) {
    const Parsed p = parse(test::nd_ns_frame());
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.layers, kL234);
    EXPECT_EQ(p.key.nw_proto, 58);
    EXPECT_EQ(p.key.nw_ttl, 255);
    EXPECT_EQ(p.key.tp_src, be16(135));
    EXPECT_EQ(p.key.tp_dst, be16(0));
    EXPECT_EQ(p.key.nd_target, kIp6B);
    EXPECT_EQ(p.key.arp_sha, kMacA);
    EXPECT_EQ(p.key.arp_tha, EthAddr{});
}

FrameBuilder nd_advert() {
    FrameBuilder b;
    b.eth(kMacB, kMacA, 0x86dd).ipv6(kIp6B, kIp6A, 58, 0, 0, 255).icmp(136, 0).raw(kIp6B);
    return b;
}

TEST(FlowParse, NeighborAdvertisementWithOptions) {
    auto b = nd_advert();
    b.u8(14).u8(1).zeros(6);            // nonce option, ignored
    b.u8(2).u8(1).raw(kMacB);           // target link-layer address
    b.u8(1).u8(2).raw(kMacA).zeros(8);  // 16-byte "source" option: not an Ethernet LLA
    const Parsed p = parse(b.end_ipv6().bytes());
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.tp_src, be16(136));
    EXPECT_EQ(p.key.nd_target, kIp6B);
    EXPECT_EQ(p.key.arp_tha, kMacB);
    EXPECT_EQ(p.key.arp_sha, EthAddr{});
}

TEST(FlowParse, MalformedNdKeepsIcmpv6ButNoNdFields) {
    auto zero_len = nd_advert();
    zero_len.u8(2).u8(1).raw(kMacB).u8(1).u8(0).zeros(6);
    auto duplicate = nd_advert();
    duplicate.u8(2).u8(1).raw(kMacB).u8(2).u8(1).raw(kMacA);
    auto overrun = nd_advert();
    overrun.u8(2).u8(2).raw(kMacB);
    auto cut_target = FrameBuilder();
    cut_target.eth(kMacB, kMacA, 0x86dd).ipv6(kIp6B, kIp6A, 58).icmp(135, 0).zeros(15);
    for (auto* b : {&zero_len, &duplicate, &overrun, &cut_target}) {
        const Parsed p = parse(b->end_ipv6().bytes());
        EXPECT_EQ(p.status, ParseStatus::kPartial);
        EXPECT_EQ(p.key.layers, kL234);
        EXPECT_NE(p.key.tp_src.raw, 0);
        EXPECT_EQ(p.key.nd_target, Ip6Addr{});
        EXPECT_EQ(p.key.arp_sha, EthAddr{});
        EXPECT_EQ(p.key.arp_tha, EthAddr{});
    }
}

TEST(FlowParse, NdWithNonZeroCodeIsPlainIcmpv6) {
    auto b = FrameBuilder();
    b.eth(kMacB, kMacA, 0x86dd).ipv6(kIp6B, kIp6A, 58).icmp(135, 1).raw(kIp6B).u8(1).u8(0);
    const Parsed p = parse(b.end_ipv6().bytes());
    EXPECT_EQ(p.status, ParseStatus::kOk);
    EXPECT_EQ(p.key.tp_dst, be16(1));
    EXPECT_EQ(p.key.nd_target, Ip6Addr{});
}

TEST(FlowKeyHash, EqualKeysHashEqualAndEveryWordMatters) {
    const Parsed p = parse(test::tcp6_ext_frame());
    FlowKey copy = p.key;
    const uint32_t h = flow_key_hash(p.key);
    EXPECT_EQ(h, flow_key_hash(copy));
    for (size_t w = 0; w < FlowKey::kWords; ++w) {
        for (int bit : {0, 17, 63}) {
            copy = p.key;
            copy.words()[w] ^= uint64_t{1} << bit;
            EXPECT_NE(flow_key_hash(copy), h) << "word " << w << " bit " << bit;
        }
    }
    // Swapping two words must not cancel out.
    copy = p.key;
    std::swap(copy.words()[10], copy.words()[11]);
    EXPECT_NE(flow_key_hash(copy), h);
}

}  // namespace
}  // namespace vs
