// Tests of flow_key_to_string: the OVS datapath flow text for parsed keys, with and without masks.
#include "datapath/packet/flow_format.hpp"

#include <gtest/gtest.h>

#include "datapath/packet/flow_parse.hpp"
#include "tests/datapath/packet/frame_builder.hpp"

namespace vs {
namespace {

FlowKey key_of(const std::vector<uint8_t>& frame, uint32_t in_port = 1) {
    FlowKey key;
    PacketOffsets ofs;
    parse_flow(frame.data(), static_cast<uint32_t>(frame.size()), in_port, key, ofs);
    return key;
}

TEST(FlowFormat, Arp) {
    EXPECT_EQ(flow_key_to_string(key_of(test::arp_frame())),
              "in_port(1),eth(src=00:00:00:00:00:01,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),"
              "arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=00:00:00:00:00:01,tha=00:00:00:00:00:00)");
}

TEST(FlowFormat, Tcp4WithFlags) {
    const auto frame = test::FrameBuilder()
                           .eth(test::kMacB, test::kMacA, 0x0800)
                           .ipv4(test::kIp4A, test::kIp4B, 6, 0x10, 64, 0x2000)
                           .tcp(34567, 80, 0x012)
                           .end_ipv4()
                           .bytes();
    EXPECT_EQ(flow_key_to_string(key_of(frame, 3)),
              "in_port(3),eth(src=00:00:00:00:00:01,dst=02:11:22:33:44:55),eth_type(0x0800),"
              "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=16,ttl=64,frag=first),"
              "tcp(src=34567,dst=80),tcp_flags(syn|ack)");
}

TEST(FlowFormat, QinQUdp) {
    EXPECT_EQ(flow_key_to_string(key_of(test::qinq_udp4_frame())),
              "in_port(1),eth(src=00:00:00:00:00:01,dst=02:11:22:33:44:55),"
              "vlan(tpid=0x88a8,vid=100,pcp=1),vlan(vid=10,pcp=0),eth_type(0x0800),"
              "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),"
              "udp(src=5000,dst=6000)");
}

TEST(FlowFormat, NeighborSolicitation) {
    EXPECT_EQ(flow_key_to_string(key_of(test::nd_ns_frame())),
              "in_port(1),eth(src=00:00:00:00:00:01,dst=02:11:22:33:44:55),eth_type(0x86dd),"
              "ipv6(src=fe80::1,dst=2001:db8::2,label=0x0,proto=58,tclass=0x0,hlimit=255,"
              "frag=no),icmpv6(type=135,code=0),nd(target=2001:db8::2,sll=00:00:00:00:00:01)");
}

TEST(FlowFormat, PartialKeyStopsAtValidLayer) {
    auto b = test::FrameBuilder().eth(test::kMacB, test::kMacA, 0x0800).ipv4(1, 2, 6).u32(7);
    const FlowKey key = key_of(b.end_ipv4().bytes());
    EXPECT_EQ(flow_key_to_string(key),
              "in_port(1),eth(src=00:00:00:00:00:01,dst=02:11:22:33:44:55),eth_type(0x0800),"
              "ipv4(src=0.0.0.1,dst=0.0.0.2,proto=6,tos=0,ttl=64,frag=no)");
}

TEST(FlowFormat, MaskPrintsOnlyMatchedFieldsAndPartialMasks) {
    const auto frame = test::FrameBuilder()
                           .eth(test::kMacB, test::kMacA, 0x0800)
                           .ipv4(test::kIp4A, test::kIp4B, 6)
                           .tcp(34567, 80, 0x002)
                           .end_ipv4()
                           .bytes();
    const FlowKey key = key_of(frame, 2);
    FlowMask mask = FlowMask::none();
    mask.in_port = 0xffffffff;
    mask.eth_type = Be16::from_host(0xffff);
    mask.nw_src = Be32::from_host(0xffffff00);
    mask.nw_proto = 0xff;
    mask.nw_frag = kFragAny;
    mask.tp_dst = Be16::from_host(0xffff);
    mask.tp_src = Be16::from_host(0xff00);
    EXPECT_EQ(flow_key_to_string(key, &mask),
              "in_port(2),eth_type(0x0800),"
              "ipv4(src=10.0.0.0/255.255.255.0,proto=6,frag=0x0/0x1),"
              "tcp(src=34560/0xff00,dst=80)");
}

TEST(FlowFormat, MaskOnVlanAndMac) {
    const FlowKey key = key_of(test::qinq_udp4_frame());
    FlowMask mask = FlowMask::none();
    mask.eth_dst = {0xff, 0xff, 0xff, 0, 0, 0};
    mask.vlans[1].tci = Be16::from_host(kVlanVidMask | kVlanPresent);
    EXPECT_EQ(flow_key_to_string(key, &mask),
              "eth(dst=02:11:22:00:00:00/ff:ff:ff:00:00:00),vlan(vid=10)");
}

TEST(FlowFormat, ExactMaskMatchesUnmaskedOutputForFullyParsedKey) {
    const FlowKey key = key_of(test::tcp6_ext_frame());
    const FlowMask exact = FlowMask::exact();
    const std::string plain = flow_key_to_string(key);
    EXPECT_EQ(flow_key_to_string(key, &exact), plain);
    EXPECT_NE(
        plain.find("ipv6(src=fe80::1,dst=2001:db8::2,label=0x12345,exthdr=0x40,proto=6,"
                   "tclass=0xb8,hlimit=63,frag=no),tcp(src=40000,dst=443),tcp_flags(syn|ack)"),
        std::string::npos)
        << plain;
}

}  // namespace
}  // namespace vs
