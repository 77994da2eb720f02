// Port specifications on the command line and their DPDK devargs.
#include "vswitchd/port_spec.hpp"

#include <gtest/gtest.h>

#include "vswitchd/learning_switch.hpp"

namespace vs {
namespace {

TEST(PortSpec, ParsesTypeOptionsAndNumbers) {
    auto p = parse_port_spec(
        "vhu0 type=dpdkvhostuserclient options:vhost-server-path=/tmp/s "
        "ofport_request=7 mtu_request=9000 n_rxq=2");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->name, "vhu0");
    EXPECT_EQ(p->type, "dpdkvhostuserclient");
    EXPECT_EQ(p->options.at("vhost-server-path"), "/tmp/s");
    EXPECT_EQ(p->port_no_request, 7u);
    EXPECT_EQ(p->mtu, 9000u);
    EXPECT_EQ(p->n_rxq, 2u);
    auto d = port_devargs(*p, 3, "/run/x");
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, "net_vhostvs3,iface=/tmp/s,client=1,queues=2");
}

TEST(PortSpec, DefaultsToSystem) {
    auto p = parse_port_spec("veth0");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->type, "system");
    EXPECT_EQ(*port_devargs(*p, 0, "/r"), "net_af_packetvs0,iface=veth0,qpairs=1,framecnt=4096");
}

TEST(PortSpec, DevargsPerType) {
    PortConfig c;
    c.name = "p";
    c.type = "tap";
    EXPECT_EQ(*port_devargs(c, 1, "/r"), "net_tapvs1,iface=p");
    c.type = "dpdkvhostuser";
    EXPECT_EQ(*port_devargs(c, 2, "/r"), "net_vhostvs2,iface=/r/p,queues=1");
    c.type = "dpdk";
    EXPECT_FALSE(port_devargs(c, 3, "/r"));  // needs dpdk-devargs
    c.options["dpdk-devargs"] = "net_null0,size=64";
    EXPECT_EQ(*port_devargs(c, 3, "/r"), "net_null0,size=64");
    c.type = "dpdkvhostuserclient";
    EXPECT_FALSE(port_devargs(c, 4, "/r"));
    c.type = "bogus";
    auto bad = port_devargs(c, 5, "/r");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("bogus"), std::string::npos);
    c.type = "internal";
    c.name = "a-very-long-interface-name";
    EXPECT_FALSE(port_devargs(c, 6, "/r"));
}

TEST(PortSpec, RejectsBadInput) {
    EXPECT_FALSE(parse_port_spec(""));
    EXPECT_FALSE(parse_port_spec("type=system"));
    EXPECT_FALSE(parse_port_spec("p0 nonsense"));
    EXPECT_FALSE(parse_port_spec("p0 color=blue"));
    EXPECT_FALSE(parse_port_spec("p0 ofport_request=abc"));
    EXPECT_FALSE(parse_port_spec("p0 ofport_request=0"));
    EXPECT_FALSE(parse_port_spec("p0 options:=x"));
}

TEST(LearningSwitchMask, CoversExactlyWhatTheDecisionReads) {
    const FlowMask m = LearningSwitch::decision_mask();
    EXPECT_EQ(m.in_port, ~0u);
    EXPECT_EQ(m.eth_src, (EthAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
    EXPECT_EQ(m.eth_dst, (EthAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
    EXPECT_EQ(m.vlans[0].tci.host(), kVlanPresent | kVlanVidMask);
    // Nothing at L3 or above, and not the inner tag.
    EXPECT_EQ(m.vlans[1].tci.raw, 0);
    EXPECT_EQ(m.eth_type.raw, 0);
    EXPECT_EQ(m.nw_src.raw, 0);
    EXPECT_EQ(m.tp_dst.raw, 0);
    FlowKey k;
    k.clear();
    EXPECT_EQ(LearningSwitch::vlan_of(k), 0);
    k.vlans[0].tci = Be16::from_host(kVlanPresent | 42 | 0x2000);
    EXPECT_EQ(LearningSwitch::vlan_of(k), 42);
}

}  // namespace
}  // namespace vs
