// xlate: the OpenFlow 1.3 set-field, set_nw_ttl and set_queue actions become the datapath actions
// that make the same edits, tunnel_id set by one table is matched by the next, and fields Open
// vSwitch refuses to set (eth_type, ip_proto) are refused with BAD_ACTION/BAD_SET_TYPE.
#include <gtest/gtest.h>

#include "vswitchd/ofproto/flow_tables.hpp"
#include "vswitchd/ofproto/of_match.hpp"
#include "vswitchd/ofproto/xlate.hpp"

namespace vs {
namespace {

using of13::Oxm;
using of13::OxmField;

class XlateTest : public ::testing::Test {
  protected:
    XlateTest() {
        ports.to_datapath = [](uint32_t p) -> std::optional<uint32_t> { return p; };
        ports.to_openflow = [](uint32_t p) { return p; };
    }

    std::optional<openflow::SpecError> add(uint8_t table, const of13::Match& match,
                                           std::vector<of13::Instruction> ins) {
        of13::FlowMod fm;
        fm.command = of13::FlowModCommand::kAdd;
        fm.table_id = table;
        fm.priority = 100;
        fm.buffer_id = 0xffffffff;
        fm.out_port = of13::port_no::kAny;
        fm.out_group = 0xffffffff;
        fm.match = match;
        fm.instructions = std::move(ins);
        auto m = match_from_oxm(fm.match, ports);
        EXPECT_TRUE(m);
        return tables.flow_mod(fm, *m, 0);
    }

    std::optional<openflow::SpecError> add_actions(const of13::Match& match,
                                                   std::vector<of13::Action> actions) {
        return add(0, match, {of13::InstructionApplyActions{std::move(actions)}});
    }

    std::string run(const FlowKey& key) {
        const std::vector<uint32_t> bridge_ports{1, 2, 3};
        XlateEnv env{tables, ports, bridge_ports, std::nullopt,
                     [](const Upcall&, UpcallDecision&) { return false; }};
        const Upcall upcall{key, UpcallReason::kMiss, 0, {}};
        UpcallDecision decision;
        XlateResult result;
        EXPECT_TRUE(xlate(env, upcall, decision, result));
        return decision.actions.to_string();
    }

    OfPortMap ports;
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
