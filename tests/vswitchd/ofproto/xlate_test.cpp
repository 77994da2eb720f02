// xlate: the OpenFlow 1.3 set-field, set_nw_ttl and set_queue actions become the datapath actions
// that make the same edits, tunnel_id set by one table is matched by the next, and fields Open
// vSwitch refuses to set (eth_type, ip_proto) are refused with BAD_ACTION/BAD_SET_TYPE; MPLS
// actions, and a pop whose inner fields later tables match (uncached, PACKET_IN of the popped
// frame).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "tests/support/flow_mods.hpp"
#include "vswitchd/ofproto/flow_tables.hpp"
#include "vswitchd/ofproto/of_match.hpp"
#include "vswitchd/ofproto/xlate.hpp"

namespace vs {
namespace {

using of13::Oxm;
using of13::OxmField;

class XlateTest : public ::testing::Test {
  protected:
    std::optional<openflow::SpecError> add(uint8_t table, const of13::Match& match,
                                           std::vector<of13::Instruction> ins) {
        const of13::FlowMod fm = flow_mod_add(table, 100, match, std::move(ins));
        auto m = match_from_oxm(fm.match, ports);
        EXPECT_TRUE(m);
        return tables.flow_mod(fm, *m, 0);
    }

    std::optional<openflow::SpecError> add_actions(const of13::Match& match,
                                                   std::vector<of13::Action> actions) {
        return add(0, match, {of13::InstructionApplyActions{std::move(actions)}});
    }

    std::string run(const FlowKey& key, std::span<const uint8_t> packet = {}) {
        const std::vector<uint32_t> bridge_ports{1, 2, 3};
        XlateEnv env{tables, ports, bridge_ports, std::nullopt,
                     [](const Upcall&, UpcallDecision&) { return false; }};
        const Upcall upcall{key, UpcallReason::kMiss, 0, packet};
        UpcallDecision decision;
        XlateResult result;
        EXPECT_TRUE(xlate(env, upcall, decision, result));
        installed = decision.install;
        controller_packet = result.controller_packet;
        return decision.actions.to_string();
    }

    bool installed = false;
    std::vector<uint8_t> controller_packet;

    OfPortMap ports = identity_port_map();
    FlowTables tables;
};

of13::Action set(const Oxm& f) {
    return of13::ActionSetField{f};
}
of13::Action out(uint32_t port) {
    return of13::ActionOutput{port, 0};
}

FlowKey key_of(uint16_t eth_type, uint8_t proto = 0) {
    FlowKey k{};
    k.in_port = 1;
    k.eth_type = Be16::from_host(eth_type);
    k.nw_proto = proto;
    k.layers = kLayerL2 | kLayerL3;
    return k;
}

TEST_F(XlateTest, Ipv6AndEcnSetFields) {
    const uint8_t a0[16] = {0, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa0};
    ASSERT_FALSE(add_actions({{Oxm::make(OxmField::kEthType, 0x86dd)}},
                             {set(Oxm::make_bytes(OxmField::kIpv6Src, a0, {})),
                              set(Oxm::make(OxmField::kIpv6Flabel, 0x203)),
                              set(Oxm::make(OxmField::kIpEcn, 1)), out(2)}));
    EXPECT_EQ(run(key_of(0x86dd)),
              "set(ipv6(src=a0::a0)),set(ipv6(label=0x203)),set(ipv4(tos=0x1/0x3)),2");
}

TEST_F(XlateTest, IcmpArpAndNdSetFields) {
    ASSERT_FALSE(
        add_actions({{Oxm::make(OxmField::kEthType, 0x0800), Oxm::make(OxmField::kIpProto, 1)}},
                    {set(Oxm::make(OxmField::kIcmpv4Type, 0)),
                     set(Oxm::make(OxmField::kIcmpv4Code, 3)), out(2)}));
    EXPECT_EQ(run(key_of(0x0800, 1)), "set(icmp(type=0)),set(icmp(code=3)),2");
    const uint8_t mac[6] = {0x0a, 0, 0, 0, 0, 0x0b};
    ASSERT_FALSE(add_actions(
        {{Oxm::make(OxmField::kEthType, 0x0806)}},
        {set(Oxm::make(OxmField::kArpOp, 2)), set(Oxm::make(OxmField::kArpSpa, 0x0a000001)),
         set(Oxm::make_bytes(OxmField::kArpTha, mac, {})), out(3)}));
    EXPECT_EQ(run(key_of(0x0806, 1)),
              "set(arp(op=2)),set(arp(sip=10.0.0.1)),set(arp(tha=0a:00:00:00:00:0b)),3");
    ASSERT_FALSE(
        add_actions({{Oxm::make(OxmField::kEthType, 0x86dd), Oxm::make(OxmField::kIpProto, 58),
                      Oxm::make(OxmField::kIcmpv6Type, 135)}},
                    {set(Oxm::make_bytes(OxmField::kIpv6NdSll, mac, {})), out(2)}));
    FlowKey nd = key_of(0x86dd, 58);
    nd.tp_src = Be16::from_host(135);
    EXPECT_EQ(run(nd), "set(nd(sll=0a:00:00:00:00:0b)),2");
}

TEST_F(XlateTest, SctpPortsNwTtlAndQueue) {
    ASSERT_FALSE(
        add_actions({{Oxm::make(OxmField::kEthType, 0x0800), Oxm::make(OxmField::kIpProto, 132)}},
                    {set(Oxm::make(OxmField::kSctpDst, 9999)), of13::ActionSetNwTtl{32},
                     of13::ActionSetQueue{3}, out(2)}));
    EXPECT_EQ(run(key_of(0x0800, 132)), "set(sctp(dst=9999)),set(ipv4(ttl=32)),set_queue(3),2");
}

TEST_F(XlateTest, TunnelIdIsSeenByLaterTables) {
    ASSERT_FALSE(add(0, {},
                     {of13::InstructionApplyActions{{set(Oxm::make(OxmField::kTunnelId, 12345))}},
                      of13::InstructionGotoTable{1}}));
    ASSERT_FALSE(add(1, {{Oxm::make(OxmField::kTunnelId, 12345)}},
                     {of13::InstructionApplyActions{{out(2)}}}));
    EXPECT_EQ(run(key_of(0x0800, 6)), "2");
}

TEST_F(XlateTest, MplsPushSetAndTtlActions) {
    ASSERT_FALSE(add_actions(
        {{Oxm::make(OxmField::kEthType, 0x0800)}},
        {of13::ActionPushMpls{0x8847}, set(Oxm::make(OxmField::kMplsLabel, 7)),
         of13::ActionSetMplsTtl{9}, of13::ActionDecMplsTtl{}, of13::ActionCopyTtlIn{}, out(2)}));
    EXPECT_EQ(run(key_of(0x0800, 6)),
              "push_mpls(eth_type=0x8847),set(mpls(label=7)),set(mpls(ttl=9)),dec_mpls_ttl,"
              "copy_ttl_in,2");
    auto bad = add_actions({}, {of13::ActionPushMpls{0x0800}, out(2)});
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->code, static_cast<uint16_t>(of13::BadActionCode::kBadArgument));
}

// A frame: Ethernet, one MPLS entry (label 100, BoS, TTL 64), IPv4 10.0.0.1 → 10.0.0.2, TCP.
std::vector<uint8_t> mpls_ipv4_frame() {
    const uint8_t head[38] = {2,    0,    0,    0,    0,  2,    2, 0, 0,  0, 0, 1,    0x88,
                              0x47, 0x00, 0x06, 0x41, 64, 0x45, 0, 0, 40, 0, 0, 0x40, 0,
                              64,   6,    0,    0,    10, 0,    0, 1, 10, 0, 0, 2};
    std::vector<uint8_t> f(38 + 20, 0);
    std::memcpy(f.data(), head, sizeof head);
    f[38 + 12] = 0x50;  // TCP data offset
    return f;
}

TEST_F(XlateTest, PopMplsExposesThePacketToLaterTablesUncached) {
    ASSERT_FALSE(add(0, {{Oxm::make(OxmField::kEthType, 0x8847)}},
                     {of13::InstructionApplyActions{{of13::ActionPopMpls{0x0800}}},
                      of13::InstructionGotoTable{1}}));
    ASSERT_FALSE(
        add(1, {{Oxm::make(OxmField::kEthType, 0x0800), Oxm::make(OxmField::kIpv4Src, 0x0a000001)}},
            {of13::InstructionApplyActions{{out(2)}}}));
    const auto frame = mpls_ipv4_frame();
    FlowKey k = key_of(0x8847);
    k.nw_src = Be32::from_host(100u << 12 | 0x100 | 64);
    EXPECT_EQ(run(k, frame), "pop_mpls(eth_type=0x800),2");
    EXPECT_FALSE(installed);  // the megaflow could not tell one inner source from another
    auto other = frame;
    other[18 + 15] = 9;  // IPv4 source 10.0.0.9: table 1 misses
    EXPECT_EQ(run(k, other), "pop_mpls(eth_type=0x800)");
    // A PACKET_IN after the pop carries the popped frame.
    ASSERT_FALSE(add(
        1, {{Oxm::make(OxmField::kEthType, 0x0800), Oxm::make(OxmField::kIpv4Src, 0x0a000009)}},
        {of13::InstructionApplyActions{{of13::ActionOutput{of13::port_no::kController, 0xffff}}}}));
    EXPECT_EQ(run(k, other), "pop_mpls(eth_type=0x800)");
    ASSERT_EQ(controller_packet.size(), 60u);  // 58 - 4, padded to the Ethernet minimum
    EXPECT_TRUE(std::equal(other.begin() + 18, other.end(), controller_packet.begin() + 14));
    EXPECT_EQ(controller_packet[12], 0x08);
    EXPECT_EQ(controller_packet[13], 0x00);
    EXPECT_EQ(controller_packet[14], 0x45);
    // Without a later lookup the pop is cached as usual.
    ASSERT_FALSE(add_actions({{Oxm::make(OxmField::kEthType, 0x8848)}},
                             {of13::ActionPopMpls{0x0800}, out(3)}));
    k.eth_type = Be16::from_host(0x8848);
    EXPECT_EQ(run(k, frame), "pop_mpls(eth_type=0x800),3");
    EXPECT_TRUE(installed);
}

TEST_F(XlateTest, PopPbbExposesTheCustomerFrame) {
    ASSERT_FALSE(add(
        0, {{Oxm::make(OxmField::kEthType, 0x88e7), Oxm::make(OxmField::kPbbIsid, 100)}},
        {of13::InstructionApplyActions{{of13::ActionPopPbb{}}}, of13::InstructionGotoTable{1}}));
    ASSERT_FALSE(
        add(1, {{Oxm::make(OxmField::kEthType, 0x0800), Oxm::make(OxmField::kIpv4Src, 0x0a000001)}},
            {of13::InstructionApplyActions{{out(2)}}}));
    // Backbone header, I-TAG with I-SID 100, then the customer frame of mpls_ipv4_frame()
    // without its MPLS entry.
    const auto mpls = mpls_ipv4_frame();
    const uint8_t head[18] = {4, 0, 0, 0, 0, 4, 4, 0, 0, 0, 0, 3, 0x88, 0xe7, 0, 0, 0, 100};
    std::vector<uint8_t> frame(18 + mpls.size() - 4);
    std::memcpy(frame.data(), head, 18);
    std::memcpy(frame.data() + 18, mpls.data(), 12);
    frame[30] = 0x08;
    frame[31] = 0x00;
    std::memcpy(frame.data() + 32, mpls.data() + 18, mpls.size() - 18);
    FlowKey k = key_of(0x88e7);
    k.nw_src = Be32::from_host(100);
    EXPECT_EQ(run(k, frame), "pop_pbb,2");
    EXPECT_FALSE(installed);
    frame[18 + 14 + 15] = 9;  // customer IPv4 source 10.0.0.9: table 1 misses
    EXPECT_EQ(run(k, frame), "pop_pbb");
}

TEST_F(XlateTest, RefusesEthTypeAndIpProtoAsOpenVswitchDoes) {
    for (const Oxm& f :
         {Oxm::make(OxmField::kEthType, 0x8848), Oxm::make(OxmField::kIpProto, 17)}) {
        auto e = add_actions({{Oxm::make(OxmField::kEthType, 0x0800)}}, {set(f), out(2)});
        ASSERT_TRUE(e);
        EXPECT_EQ(e->type, static_cast<uint16_t>(of13::ErrorType::kBadAction));
        EXPECT_EQ(e->code, static_cast<uint16_t>(of13::BadActionCode::kBadSetType));
    }
}

}  // namespace
}  // namespace vs
