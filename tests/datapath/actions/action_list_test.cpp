// Tests for ActionList: printing in OVS datapath syntax, parsing it back, parse errors, equality,
// and which outputs must copy the packet.
#include "datapath/actions/action_list.hpp"

#include <gtest/gtest.h>

namespace vs {
namespace {

ActionList parse_ok(std::string_view s) {
    auto r = parse_actions(s);
    EXPECT_TRUE(r.has_value()) << s << ": " << (r ? "" : r.error().message);
    return r ? *r : ActionList{};
}

TEST(ActionList, ToStringOfEachAction) {
    Ip6Addr v6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    struct Case {
        ActionList list;
        std::string text;
    } cases[] = {
        {{}, "drop"},
        {{Action::output(1), Action::output(2)}, "1,2"},
        {{Action::flood()}, "flood"},
        {{Action::upcall(UpcallReason::kMiss)}, "userspace(reason=miss)"},
        {{Action::upcall(UpcallReason::kSlowPath)}, "userspace(reason=slow_path)"},
        {{Action::push_vlan(0x8100, 10)}, "push_vlan(vid=10,pcp=0)"},
        {{Action::push_vlan(0x88a8, 0xa000 | 20)}, "push_vlan(tpid=0x88a8,vid=20,pcp=5)"},
        {{Action::pop_vlan()}, "pop_vlan"},
        {{Action::set_eth_src({0, 0x11, 0x22, 0x33, 0x44, 0xff})},
         "set(eth(src=00:11:22:33:44:ff))"},
        {{Action::set_eth_dst({1, 2, 3, 4, 5, 6})}, "set(eth(dst=01:02:03:04:05:06))"},
        {{Action::set_ipv4_src(Be32::from_host(0x0a000001))}, "set(ipv4(src=10.0.0.1))"},
        {{Action::set_ipv4_dst(Be32::from_host(0xc0a80102))}, "set(ipv4(dst=192.168.1.2))"},
        {{Action::set_ipv6_src(v6)}, "set(ipv6(src=2001:db8::1))"},
        {{Action::set_ipv6_dst(v6)}, "set(ipv6(dst=2001:db8::1))"},
        {{Action::set_dscp(46)}, "set(ipv4(tos=0xb8/0xfc))"},
        {{Action::set_ttl(64)}, "set(ipv4(ttl=64))"},
        {{Action::dec_ttl()}, "dec_ttl"},
        {{Action::set_tp_src(80, 6)}, "set(tcp(src=80))"},
        {{Action::set_tp_dst(53, 17)}, "set(udp(dst=53))"},
        {{Action::set_tp_dst(9, 132)}, "set(sctp(dst=9))"},
        {{Action::set_tp_src(1234)}, "set(tp(src=1234))"},
        {{Action::set_vlan_vid(100)}, "set(vlan(vid=100))"},
        {{Action::set_vlan_pcp(3)}, "set(vlan(pcp=3))"},
        {{Action::tunnel_push(), Action::tunnel_pop()}, "tnl_push,tnl_pop"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(c.list.to_string(), c.text);
        EXPECT_EQ(parse_ok(c.text), c.list) << c.text;
    }
}

TEST(ActionList, RoundTrips) {
    for (const char* s : {
             "drop",
             "1",
             "4294967295",
             "push_vlan(vid=10,pcp=0),flood",
             "set(ipv4(src=10.0.0.1)),1",
             "pop_vlan,set(eth(src=aa:bb:cc:dd:ee:ff)),set(eth(dst=00:00:00:00:00:01)),3",
             "set(ipv6(src=fe80::1)),set(ipv6(dst=::)),set(udp(src=1)),2,userspace(reason=action)",
             "dec_ttl,set(ipv4(tos=0xfc/0xfc)),set(ipv4(ttl=0)),set(vlan(vid=4095)),flood,1",
         }) {
        EXPECT_EQ(parse_ok(s).to_string(), s);
    }
}

TEST(ActionList, ParserAcceptsVariants) {
    EXPECT_EQ(parse_ok(" 1 , 2 ").to_string(), "1,2");
    EXPECT_EQ(parse_ok("set(ipv4(src=1.2.3.4,dst=5.6.7.8))").to_string(),
              "set(ipv4(src=1.2.3.4)),set(ipv4(dst=5.6.7.8))");
    EXPECT_EQ(parse_ok("set(ipv6(tclass=0xb8,hlimit=9))"),
              parse_ok("set(ipv4(tos=0xb8)),set(ipv4(ttl=9))"));
    EXPECT_EQ(parse_ok("push_vlan(pcp=1,vid=2,tpid=0x8100)").to_string(), "push_vlan(vid=2,pcp=1)");
}

TEST(ActionList, ParseErrors) {
    for (const char* s : {
             "",
             "foo",
             "1,",
             "1,drop",
             "set(eth(src=zz:bb:cc:dd:ee:ff))",
             "set(eth(src=aa:bb:cc:dd:ee))",
             "set(eth(vid=1))",
             "set(ipv4(src=1.2.3))",
             "set(ipv6(dst=1::2::3))",
             "set(ipv4(tos=0x03))",
             "set(ipv4(tos=0xb8/0xff))",
             "set(ipv4(ttl=256))",
             "set(tcp(src=65536))",
             "set(foo(src=1))",
             "set(tcp)",
             "push_vlan(vid=4096)",
             "push_vlan(pcp=1)",
             "push_vlan(tpid=0x0800,vid=1)",
             "userspace(reason=nope)",
             "4294967296",
             "1,(2",
             "set(ipv4(src=1.2.3.4)))",
         }) {
        auto r = parse_actions(s);
        EXPECT_FALSE(r.has_value()) << "accepted: \"" << s << "\"";
        if (!r) {
            EXPECT_FALSE(r.error().message.empty());
        }
    }
}

TEST(ActionList, CopyForOutput) {
    ActionList a = parse_ok("1,set(eth(src=00:00:00:00:00:01)),2,flood,pop_vlan,3");
    EXPECT_TRUE(a[0].copy_for_output);
    EXPECT_TRUE(a[2].copy_for_output);
    EXPECT_TRUE(a[3].copy_for_output);
    EXPECT_FALSE(a[5].copy_for_output);
    EXPECT_EQ(a.run_end(), a.begin() + 6);

    ActionList b = parse_ok("1,2,flood");
    for (const Action& x : b)
        EXPECT_FALSE(x.copy_for_output);

    // An edit after the last output is invisible: no copy, and it is not run.
    ActionList c = parse_ok("1,dec_ttl");
    EXPECT_FALSE(c[0].copy_for_output);
    EXPECT_EQ(c.run_end(), c.begin() + 1);

    ActionList d = parse_ok("drop");
    EXPECT_EQ(d.run_end(), d.begin());
    ActionList e = parse_ok("pop_vlan");
    EXPECT_EQ(e.run_end(), e.begin());

    // An upcall gets its own copy unless it is the only consumer.
    EXPECT_FALSE(parse_ok("pop_vlan,userspace(reason=miss)")[1].copy_for_output);
    EXPECT_TRUE(parse_ok("userspace(reason=miss),1")[0].copy_for_output);
    EXPECT_TRUE(parse_ok("1,userspace(reason=miss)")[1].copy_for_output);
    EXPECT_FALSE(parse_ok("1,userspace(reason=miss)")[0].copy_for_output);
}

TEST(ActionList, Equality) {
    EXPECT_EQ(Action::push_vlan(0x8100, 5 | kVlanPresent), Action::push_vlan(0x8100, 5));
    EXPECT_FALSE(Action::set_tp_src(1, 6) == Action::set_tp_src(1, 17));
    EXPECT_FALSE(Action::output(1) == Action::output(2));
    EXPECT_FALSE(Action::set_eth_src({1}) == Action::set_eth_dst({1}));
    EXPECT_FALSE(ActionList({Action::output(1)}) ==
                 ActionList({Action::output(1), Action::output(1)}));
    EXPECT_EQ(ActionList({Action::set_ttl(3), Action::output(1)}), parse_ok("set(ipv4(ttl=3)),1"));
}

}  // namespace
}  // namespace vs
