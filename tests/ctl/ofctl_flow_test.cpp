// Unit tests of ofctl's flow syntax: parsing into OXM and instructions (with ovs-ofctl's
// prerequisites and normalisation), printing back in ovs-ofctl's order (golden lines printed by
// the real ovs-ofctl 3.1 must read in and print out identically), OpenFlow 1.0 conversion,
// groups, and one-line errors for bad input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ctl/ofctl/flow_print.hpp"
#include "ctl/ofctl/flow_syntax.hpp"
#include "ctl/ofctl/group_syntax.hpp"
#include "ctl/ofctl/of10_convert.hpp"

namespace vs::ofctl {
namespace {

using of13::Oxm;
using of13::OxmField;

std::string print(const FlowSpec& s) {
    std::string m = format_match(s.match, s.priority);
    return (m.empty() ? "" : m + " ") + "actions=" + format_instructions(s.instructions);
}

std::string error_of(const std::string& text, FlowUse use = FlowUse::kAdd) {
    try {
        (void)parse_flow(text, use);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "";
}

TEST(OfctlFlow, ParsesIntoOxmWithPrerequisites) {
    const FlowSpec s =
        parse_flow("priority=100,tcp,in_port=1,tp_dst=80 actions=output:2", FlowUse::kAdd);
    EXPECT_EQ(s.priority, 100);
    ASSERT_EQ(s.match.fields.size(), 4U);
    EXPECT_EQ(s.match.fields[0], Oxm::make(OxmField::kInPort, 1));
    EXPECT_EQ(s.match.fields[1], Oxm::make(OxmField::kEthType, 0x0800));
    EXPECT_EQ(s.match.fields[2], Oxm::make(OxmField::kIpProto, 6));
    EXPECT_EQ(s.match.fields[3], Oxm::make(OxmField::kTcpDst, 80));
    ASSERT_EQ(s.instructions.size(), 1U);
    const auto& apply = std::get<of13::InstructionApplyActions>(s.instructions[0]);
    ASSERT_EQ(apply.actions.size(), 1U);
    EXPECT_EQ(std::get<of13::ActionOutput>(apply.actions[0]).port, 2U);
}

TEST(OfctlFlow, FieldsWithoutPrerequisitesAreDroppedAsOvsOfctlDoes) {
    EXPECT_TRUE(parse_flow("nw_src=1.2.3.4,actions=drop", FlowUse::kAdd).match.fields.empty());
    EXPECT_TRUE(parse_flow("tp_dst=80,actions=drop", FlowUse::kAdd).match.fields.empty());
    const FlowSpec arp = parse_flow("arp,nw_src=1.1.1.1,nw_proto=2,actions=drop", FlowUse::kAdd);
    EXPECT_EQ(print(arp), "arp,arp_spa=1.1.1.1,arp_op=2 actions=drop");
    EXPECT_EQ(print(parse_flow("ip,nw_tos=5,actions=drop", FlowUse::kAdd)),
              "ip,nw_tos=4 actions=drop");
}

TEST(OfctlFlow, KeywordsAndFlags) {
    const FlowSpec s = parse_flow(
        "table=3,cookie=0x10,idle_timeout=5,hard_timeout=6,send_flow_rem,check_overlap,"
        "reset_counts,no_packet_counts,no_byte_counts,actions=drop",
        FlowUse::kAdd);
    EXPECT_EQ(s.table_id, 3);
    EXPECT_EQ(s.cookie, 0x10U);
    EXPECT_EQ(s.idle_timeout, 5);
    EXPECT_EQ(s.hard_timeout, 6);
    EXPECT_EQ(s.flags, 0x1f);
    EXPECT_TRUE(s.instructions.empty());
    const FlowSpec d = parse_flow("cookie=0x1/0xff,out_port=3,table=1", FlowUse::kDelete);
    EXPECT_EQ(d.cookie_mask, 0xffU);
    EXPECT_EQ(d.out_port, 3U);
    const of13::FlowMod fm = to_flow_mod(d, of13::FlowModCommand::kDeleteStrict);
    EXPECT_EQ(fm.out_port, 3U);
    EXPECT_EQ(fm.table_id, 1);
    EXPECT_EQ(
        to_flow_mod(parse_flow("actions=drop", FlowUse::kAdd), of13::FlowModCommand::kAdd).table_id,
        0);
    EXPECT_EQ(to_flow_mod(FlowSpec{}, of13::FlowModCommand::kDelete).table_id, 0xff);
}

TEST(OfctlFlow, DumpOutputReadsBackIn) {
    const FlowSpec s = parse_flow(
        " cookie=0x5, duration=0.068s, table=0, n_packets=3, n_bytes=180, idle_timeout=30, "
        "priority=100,tcp,in_port=1,tp_dst=80 actions=set_field:2->ip_dscp,output:2",
        FlowUse::kAdd);
    EXPECT_EQ(s.cookie, 5U);
    EXPECT_EQ(s.idle_timeout, 30);
    EXPECT_EQ(print(s),
              "priority=100,tcp,in_port=1,tp_dst=80 actions=set_field:2->ip_dscp,output:2");
}

// Lines the real ovs-ofctl 3.1 printed for flows (after "n_bytes=N, "): ours must read each in
// and print it out unchanged.
TEST(OfctlFlow, OvsOfctlGoldenLinesRoundTrip) {
    const std::vector<std::string> golden{
        "priority=100,tcp,in_port=1,tp_dst=80 actions=set_field:2->ip_dscp,output:2",
        "priority=0 actions=NORMAL",
        "ip,dl_src=00:11:22:00:00:00/ff:ff:ff:00:00:00,nw_src=10.0.0.0/8 "
        "actions=push_vlan:0x8100,set_field:4101->vlan_vid,CONTROLLER:100,LOCAL,IN_PORT,FLOOD,ALL,"
        "NORMAL",
        "udp6,ipv6_src=2001:db8::1,tp_src=53 "
        "actions=clear_actions,write_actions(output:3,set_field:00:00:00:00:00:05->eth_dst)",
        "arp,arp_spa=1.1.1.1,arp_tpa=2.2.2.0/24,arp_op=1,arp_sha=00:00:00:00:00:01 actions=drop",
        "icmp,nw_tos=16,icmp_type=8,icmp_code=0 actions=drop",
        "icmp6,ipv6_dst=2001:db8::/32,icmp_type=135,nd_target=2001::1 actions=CONTROLLER:65535",
        "tun_id=0x5,metadata=0x4/0xff,dl_vlan=5 actions=output:1",
        "udp,nw_tos=12,nw_ecn=1 actions=output:1,output:2",
        "priority=1,in_port=LOCAL,dl_dst=01:80:c2:00:00:0e,dl_type=0x88cc "
        "actions=LOCAL,CONTROLLER:65535,CONTROLLER:65535,IN_PORT",
        "priority=2,udp,vlan_tci=0x0000/0x1fff,nw_dst=10.1.1.1,tp_dst=53 "
        "actions=push_vlan:0x8100,set_field:4099->vlan_vid,set_field:7->udp_src",
        "priority=3,sctp6,tp_dst=3 actions=drop",
        "priority=4,vlan_tci=0x0000/0x1fff actions=push_vlan:0x8100,set_field:4099->vlan_vid",
        "priority=5,arp,arp_op=2,arp_tha=00:00:00:00:00:00/ff:ff:ff:ff:ff:00 "
        "actions=push_vlan:0x8100,set_field:3->vlan_pcp",
        "dl_vlan_pcp=3 actions=drop",
        "ip,nw_src=1.2.3.0/24 actions=drop",
        "ipv6,ipv6_label=0x00005 actions=drop",
        "priority=9,tcp,tp_dst=80 "
        "actions=set_field:8080->tcp_dst,set_field:10.0.0.1->ip_dst,dec_ttl,mod_nw_ttl:9",
        "priority=5,dl_vlan=7,dl_vlan_pcp=3 "
        "actions=pop_vlan,group:3,set_queue:4,write_metadata:0x5/0xff,goto_table:2",
        "actions=drop",
    };
    for (const auto& line : golden) {
        EXPECT_EQ(print(parse_flow(line, FlowUse::kAdd)), line);
    }
}

TEST(OfctlFlow, LegacyActionsBecomeOpenFlow13Actions) {
    EXPECT_EQ(print(parse_flow("actions=mod_vlan_vid:5,mod_nw_tos:8", FlowUse::kAdd)),
              "actions=push_vlan:0x8100,set_field:4101->vlan_vid,set_field:2->ip_dscp");
    EXPECT_EQ(print(parse_flow("dl_vlan=3,actions=mod_vlan_vid:5,strip_vlan", FlowUse::kAdd)),
              "dl_vlan=3 actions=set_field:4101->vlan_vid,pop_vlan");
    EXPECT_EQ(
        print(parse_flow("udp,actions=mod_tp_src:1,mod_dl_dst:00:00:00:00:00:01", FlowUse::kAdd)),
        "udp actions=set_field:1->udp_src,set_field:00:00:00:00:00:01->eth_dst");
    EXPECT_EQ(print(parse_flow("actions=goto_table:2,write_actions(3),clear_actions,meter:1,2",
                               FlowUse::kAdd)),
              "actions=meter:1,output:2,clear_actions,write_actions(output:3),goto_table:2");
    EXPECT_EQ(
        print(parse_flow("actions=enqueue:1:2,controller(max_len=10),normal,local", FlowUse::kAdd)),
        "actions=set_queue:2,output:1,CONTROLLER:10,NORMAL,LOCAL");
}

TEST(OfctlFlow, BadInputIsOneLineError) {
    EXPECT_EQ(error_of("foo=1,actions=drop"), "unknown keyword foo");
    EXPECT_EQ(error_of("actions=foo"), "unknown action foo");
    EXPECT_EQ(error_of("actions=output:x"), "x: output to unknown port");
    EXPECT_EQ(error_of("in_port=bar,actions=drop"), "bar: invalid or unknown port for in_port");
    EXPECT_EQ(error_of("tcp,tcp_dst=99999,actions=drop"),
              "99999: value too large for 2-byte field tcp_dst");
    EXPECT_EQ(error_of("in_port=1"), "must specify an action");
    EXPECT_EQ(error_of("cookie=1/1,actions=drop"), "flow additions cannot use a cookie mask");
    EXPECT_EQ(error_of("in_port=1,actions=drop", FlowUse::kDelete), "unknown keyword actions");
    EXPECT_EQ(error_of("in_port=1,actions=mod_tp_dst:4"),
              "actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)");
    EXPECT_EQ(error_of("dl_src=00:11,actions=drop"), "00:11: invalid Ethernet address for dl_src");
    EXPECT_EQ(error_of("ip,nw_src=1.2.3,actions=drop"), "1.2.3: invalid IP address for nw_src");
    EXPECT_EQ(error_of("actions=write_actions(1"), "write_actions(1: unbalanced parentheses");
    EXPECT_EQ(error_of("actions=set_field:1->foo"), "foo is not a valid OXM field name");
    EXPECT_EQ(error_of("priority=x,actions=drop"), "x: invalid numeric format for priority");
    EXPECT_EQ(error_of("tcp,tp_dst=1/0xff,actions=drop"),
              "tp_dst: field does not support masking in OpenFlow 1.3");
    EXPECT_EQ(error_of("actions=drop,1"), "drop must be the only action");
    EXPECT_EQ(error_of("nw_src"), "unknown keyword nw_src");
    EXPECT_EQ(error_of("ip,nw_ttl=3,actions=drop"),
              "nw_ttl: field needs a Nicira extension (not in OpenFlow 1.0 or 1.3)");
    for (const char* bad : {"foo=1,actions=drop", "actions=foo", "in_port=bar,actions=drop"}) {
        EXPECT_EQ(error_of(bad).find('\n'), std::string::npos);
    }
}

TEST(OfctlFlow, OpenFlow10Conversion) {
    const FlowSpec s = parse_flow(
        "priority=7,tcp,in_port=1,dl_vlan=0xffff,nw_src=10.0.0.0/8,tp_dst=80,"
        "actions=mod_vlan_vid:4,strip_vlan,mod_nw_tos:8,enqueue:2:3,output:1",
        FlowUse::kAdd);
    const of10::FlowMod fm = to_of10_flow_mod(s, of10::FlowModCommand::kAdd);
    EXPECT_EQ(fm.match.in_port, 1);
    EXPECT_EQ(fm.match.dl_vlan, 0xffff);
    EXPECT_EQ(fm.match.nw_src, 0x0a000000U);
    EXPECT_EQ((fm.match.wildcards >> of10::wildcards::kNwSrcShift) & 0x3f, 24U);
    EXPECT_EQ(format_of10_actions(fm.actions),
              "mod_vlan_vid:4,strip_vlan,mod_nw_tos:8,enqueue:2:3,output:1");
    of10::FlowStats fs;
    fs.match = fm.match;
    fs.priority = 7;
    fs.actions = fm.actions;
    EXPECT_EQ(format_of10_flow_stats(fs, {true}),
              " priority=7,tcp,in_port=1,vlan_tci=0x0000,nw_src=10.0.0.0/8,tp_dst=80 "
              "actions=mod_vlan_vid:4,strip_vlan,mod_nw_tos:8,enqueue:2:3,output:1");
    const auto err = [](const std::string& flow) {
        try {
            (void)to_of10_flow_mod(parse_flow(flow, FlowUse::kAdd), of10::FlowModCommand::kAdd);
        } catch (const ParseError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_EQ(err("dl_src=00:00:00:00:00:01/ff:ff:ff:ff:ff:00,actions=drop"),
              "a masked eth_src cannot be expressed in OpenFlow 1.0");
    EXPECT_EQ(err("table=1,actions=drop"),
              "a table other than 0 cannot be expressed in OpenFlow 1.0");
    EXPECT_EQ(err("actions=goto_table:1"),
              "an instruction other than actions cannot be expressed in OpenFlow 1.0");
    EXPECT_NE(err("ipv6,ipv6_src=::1,actions=drop"), "");
}

TEST(OfctlFlow, FlowStatsLine) {
    of13::FlowStats fs;
    fs.cookie = 0;
    fs.duration_sec = 1;
    fs.duration_nsec = 500000000;
    fs.table_id = 0;
    fs.packet_count = 3;
    fs.byte_count = 180;
    fs.priority = 100;
    fs.flags = of13::flow_mod_flags::kSendFlowRem;
    fs.hard_timeout = 9;
    fs.match = parse_flow("tcp,in_port=1,tp_dst=80,actions=drop", FlowUse::kAdd).match;
    fs.instructions = parse_flow("actions=output:2", FlowUse::kAdd).instructions;
    EXPECT_EQ(format_flow_stats(fs),
              " cookie=0x0, duration=1.500s, table=0, n_packets=3, n_bytes=180, hard_timeout=9, "
              "send_flow_rem priority=100,tcp,in_port=1,tp_dst=80 actions=output:2");
    fs.priority = kDefaultPriority;
    fs.match = {};
    fs.flags = 0;
    fs.hard_timeout = 0;
    EXPECT_EQ(format_flow_stats(fs, {true}), " actions=output:2");
    EXPECT_EQ(format_duration(2, 0), "2s");
    EXPECT_EQ(format_duration(2, 1500), "2.0000015s");
}

// OXM fields ovs-ofctl has no name for (it does not implement them) print under their OXM name,
// the value in hex, as the switch's flow stats carry them.
TEST(OfctlFlow, FieldsWithoutAnOvsNamePrintByOxmName) {
    of13::Match m;
    m.fields = {Oxm::make(OxmField::kEthType, 0x86dd),
                Oxm::make_masked(OxmField::kIpv6Exthdr, 0x40, 0x1f0)};
    EXPECT_EQ(format_match(m, kDefaultPriority), "ipv6,ipv6_exthdr=0x40/0x1f0");
    m.fields[1] = Oxm::make(OxmField::kIpv6Exthdr, 0x44);
    EXPECT_EQ(format_match(m, kDefaultPriority), "ipv6,ipv6_exthdr=0x44");
}

TEST(OfctlGroup, OvsOfctlGoldenLinesRoundTrip) {
    const std::vector<std::string> golden{
        " group_id=2,type=select,bucket=weight:10,actions=output:1,"
        "set_field:00:00:00:00:00:01->eth_src,bucket=weight:20,actions=output:2",
        " group_id=3,type=ff,bucket=watch_port:1,actions=output:1,bucket=watch_port:2,actions="
        "output:2",
        " group_id=4,type=indirect,bucket=actions=output:1",
        " group_id=1,type=all,bucket=actions=output:1,bucket=actions=output:2",
    };
    for (const auto& line : golden) {
        const of13::GroupMod g = parse_group(line.substr(1), of13::GroupModCommand::kAdd);
        EXPECT_EQ(format_group_desc(of13::GroupDesc{g.type, g.group_id, g.buckets}), line);
    }
    const of13::GroupMod legacy =
        parse_group("group_id=5,type=select,bucket=weight:3,output:1,bucket=output:2",
                    of13::GroupModCommand::kAdd);
    ASSERT_EQ(legacy.buckets.size(), 2U);
    EXPECT_EQ(legacy.buckets[0].weight, 3);
    EXPECT_EQ(legacy.buckets[1].weight, 1);
    EXPECT_EQ(parse_group("", of13::GroupModCommand::kDelete).group_id, of13::group_id::kAll);
    EXPECT_EQ(parse_group("group_id=7", of13::GroupModCommand::kDelete).group_id, 7U);
    EXPECT_THROW((void)parse_group("group_id=1,bucket=output:1", of13::GroupModCommand::kAdd),
                 ParseError);
    EXPECT_THROW((void)parse_group("type=all", of13::GroupModCommand::kAdd), ParseError);
    EXPECT_THROW((void)parse_group("group_id=1,type=bogus", of13::GroupModCommand::kAdd),
                 ParseError);
}

TEST(OfctlFlow, SplitTopLevel) {
    const auto parts = split_top_level("a,b(c,d), e\tf");
    ASSERT_EQ(parts.size(), 4U);
    EXPECT_EQ(parts[1], "b(c,d)");
    EXPECT_EQ(parts[3], "f");
}

}  // namespace
}  // namespace vs::ofctl
