// LearningSwitch decisions against a real (port-less) datapath: flooding of broadcast and
// unknown unicast, output to learned ports, drop back to the input port, VLAN separation, and
// removal of the megaflows a MAC move or an aged-out MAC makes wrong.
#include "vswitchd/learning_switch.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

namespace vs {
namespace {

const EthAddr kA = {0x02, 0, 0, 0, 0, 0xa};
const EthAddr kB = {0x02, 0, 0, 0, 0, 0xb};
const EthAddr kBcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

FlowKey key_of(uint32_t in_port, const EthAddr& src, const EthAddr& dst, int vlan = -1) {
    FlowKey k;
    k.clear();
    k.in_port = in_port;
    k.eth_src = src;
    k.eth_dst = dst;
    if (vlan >= 0) {
        k.vlans[0].tpid = Be16::from_host(0x8100);
        k.vlans[0].tci = Be16::from_host(kVlanPresent | static_cast<uint16_t>(vlan));
    }
    k.eth_type = Be16::from_host(0x0800);
    k.nw_src = Be32::from_host(0x0a000001);  // not looked at: must not be in the mask
    return k;
}

class LearningSwitchTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        DatapathConfig c;
        c.rundir = "/tmp/vs-ls-test-" + std::to_string(getpid());
        c.mem_mb = 128;
        c.n_mbufs = 1023;
        auto dp = Datapath::create(c);
        ASSERT_TRUE(dp) << dp.error().message;
        dp_ = dp->release();
    }
    static void TearDownTestSuite() { delete dp_; }
    void TearDown() override { dp_->flush_flows(); }

    UpcallDecision decide(LearningSwitch& ls, const FlowKey& key) {
        UpcallDecision d;
        EXPECT_TRUE(ls.handle(Upcall{key, UpcallReason::kMiss, 0, {}}, d));
        return d;
    }
    // What the datapath would do: install the decision.
    void install(const FlowKey& key, const UpcallDecision& d) {
        ASSERT_TRUE(dp_->install_flow(apply_mask(key, d.mask), d.mask, d.actions));
    }
    size_t flows_to(const EthAddr& dst) {
        size_t n = 0;
        for (const FlowInfo& f : dp_->dump_flows())
            n += f.key.eth_dst == dst;
        return n;
    }

    static Datapath* dp_;
};

Datapath* LearningSwitchTest::dp_ = nullptr;

TEST_F(LearningSwitchTest, FloodsUnknownThenForwardsLearned) {
    MacTable macs;
    LearningSwitch ls(*dp_, macs);
    UpcallDecision d = decide(ls, key_of(1, kA, kBcast));
    EXPECT_EQ(d.actions.to_string(), "flood");
    EXPECT_EQ(d.mask.in_port, ~0u);
    EXPECT_EQ(d.mask.nw_src.raw, 0u);
    d = decide(ls, key_of(2, kB, kA));
    EXPECT_EQ(d.actions.to_string(), "1");
    d = decide(ls, key_of(1, kA, kB));
    EXPECT_EQ(d.actions.to_string(), "2");
    d = decide(ls, key_of(1, kA, kA));  // addressed to where it came from
    EXPECT_TRUE(d.actions.empty());
    EXPECT_EQ(ls.floods(), 1u);
}

// One bridge of several on the datapath floods to its own ports only, never back to in_port.
TEST_F(LearningSwitchTest, FloodsToItsBridgesPortsOnly) {
    MacTable macs;
    LearningSwitch ls(*dp_, macs);
    ls.set_flood_ports(std::vector<uint32_t>{1, 3, 4});
    EXPECT_EQ(decide(ls, key_of(3, kA, kBcast)).actions.to_string(), "1,4");
    EXPECT_EQ(decide(ls, key_of(1, kB, kBcast)).actions.to_string(), "3,4");
    EXPECT_EQ(decide(ls, key_of(1, kB, kA)).actions.to_string(), "3");  // learned: unicast
    ls.set_flood_ports(std::nullopt);
    EXPECT_EQ(decide(ls, key_of(4, kB, kBcast)).actions.to_string(), "flood");
}

TEST_F(LearningSwitchTest, VlansLearnSeparately) {
    MacTable macs;
    LearningSwitch ls(*dp_, macs);
    decide(ls, key_of(2, kB, kBcast, 10));
    EXPECT_EQ(decide(ls, key_of(1, kA, kB, 10)).actions.to_string(), "2");
    EXPECT_EQ(decide(ls, key_of(1, kA, kB, 20)).actions.to_string(), "flood");
    EXPECT_EQ(decide(ls, key_of(1, kA, kB)).actions.to_string(), "flood");  // untagged
}

TEST_F(LearningSwitchTest, LearningAndMovesRemoveFlowsAddressedToTheMac) {
    MacTable macs;
    LearningSwitch ls(*dp_, macs);
    // B is unknown: a megaflow floods A's traffic to B.
    const FlowKey a_to_b = key_of(1, kA, kB);
    install(a_to_b, decide(ls, a_to_b));
    ASSERT_EQ(flows_to(kB), 1u);
    // B speaks up: the flooding megaflow to B must go, so the next packet learns the port.
    const FlowKey b_to_a = key_of(2, kB, kA);
    install(b_to_a, decide(ls, b_to_a));
    EXPECT_EQ(flows_to(kB), 0u);
    EXPECT_EQ(flows_to(kA), 1u);
    // A moves to port 3: B's megaflow towards A's old port must go.
    decide(ls, key_of(3, kA, kB));
    EXPECT_EQ(flows_to(kA), 0u);
    EXPECT_EQ(decide(ls, b_to_a).actions.to_string(), "3");
}

TEST_F(LearningSwitchTest, AgedMacsTakeTheirFlowsWithThem) {
    MacTable macs(16, /*aging_ms=*/100);
    LearningSwitch ls(*dp_, macs);
    decide(ls, key_of(1, kA, kBcast));
    const FlowKey b_to_a = key_of(2, kB, kA);
    install(b_to_a, decide(ls, b_to_a));
    ASSERT_EQ(flows_to(kA), 1u);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    ls.run_aging();
    EXPECT_EQ(macs.size(), 0u);
    EXPECT_EQ(flows_to(kA), 0u);
    EXPECT_EQ(decide(ls, b_to_a).actions.to_string(), "flood");
}

TEST_F(LearningSwitchTest, TableLimitHolds) {
    MacTable macs(4, 100000);
    LearningSwitch ls(*dp_, macs);
    for (uint8_t i = 1; i <= 10; ++i)
        decide(ls, key_of(1, {0x02, 0, 0, 0, 1, i}, kBcast));
    EXPECT_EQ(macs.size(), 4u);
    EXPECT_EQ(macs.evictions(), 6u);
}

// A MAC pushed out of a full table takes its flows along: flows from it would keep it from ever
// being learned again (its packets no longer come up), flows to it would go on to its port.
TEST_F(LearningSwitchTest, EvictedMacsTakeTheirFlowsWithThem) {
    MacTable macs(2, 100000);
    LearningSwitch ls(*dp_, macs);
    const FlowKey a_to_b = key_of(1, kA, kB);
    const UpcallDecision a_flood = decide(ls, a_to_b);          // learns A
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // A is the older entry
    const FlowKey b_to_a = key_of(2, kB, kA);
    install(b_to_a, decide(ls, b_to_a));  // learns B: a flow to A
    install(a_to_b, a_flood);             // and one from A
    ASSERT_EQ(dp_->dump_flows().size(), 2u);
    // A third MAC evicts A: every flow from or to A goes.
    decide(ls, key_of(3, {0x02, 0, 0, 0, 9, 9}, kBcast));
    EXPECT_EQ(macs.evictions(), 1u);
    EXPECT_FALSE(macs.lookup(0, kA, dp_->now_ms()).has_value());
    EXPECT_TRUE(dp_->dump_flows().empty());
    // A's next packet comes up and is learned again.
    decide(ls, a_to_b);
    EXPECT_TRUE(macs.lookup(0, kA, dp_->now_ms()).has_value());
}

// Ports 1, 2: access VLAN 10; 3: access VLAN 20; 4: trunk of every VLAN; 5: native-untagged 10
// trunking 30.
std::map<uint32_t, PortVlan> vlan_ports() {
    return {{1, PortVlan::from_columns("", 10, {})},
            {2, PortVlan::from_columns("", 10, {})},
            {3, PortVlan::from_columns("", 20, {})},
            {4, PortVlan::from_columns("", std::nullopt, {})},
            {5, PortVlan::from_columns("native-untagged", 10, {30})}};
}

TEST_F(LearningSwitchTest, AccessAndTrunkPortsFloodPerVlanWithTheirEncoding) {
    MacTable macs;
    LearningSwitch ls(*dp_, macs);
    ls.set_port_vlans(vlan_ports());
    // Untagged from access port 1 (VLAN 10): to 2 and 5 untagged, to the trunk tagged; not 3.
    UpcallDecision d = decide(ls, key_of(1, kA, kBcast));
    EXPECT_EQ(d.actions.to_string(), "2,5,push_vlan(vid=10,pcp=0),4");
    EXPECT_EQ(d.mask.vlans[0].tci.host(), kVlanPresent | kVlanVidMask);
    EXPECT_EQ(macs.lookup(10, kA, dp_->now_ms()), 1u);
    EXPECT_EQ(macs.lookup(0, kA, dp_->now_ms()), std::nullopt);
    // Tagged 10 from the trunk to the learned A: popped on the way to the access port.
    d = decide(ls, key_of(4, kB, kA, 10));
    EXPECT_EQ(d.actions.to_string(), "pop_vlan,1");
    EXPECT_EQ(macs.lookup(10, kB, dp_->now_ms()), 4u);
    d = decide(ls, key_of(1, kA, kB));
    EXPECT_EQ(d.actions.to_string(), "push_vlan(vid=10,pcp=0),4");
    // Tagged 20 from the trunk floods to port 3 only, untagged.
    d = decide(ls, key_of(4, kB, kBcast, 20));
    EXPECT_EQ(d.actions.to_string(), "pop_vlan,3");
    // Untagged from the trunk is VLAN 0: no access port carries it.
    d = decide(ls, key_of(4, kB, kBcast));
    EXPECT_EQ(d.actions.to_string(), "drop");
}

TEST_F(LearningSwitchTest, VlanDropsAndFlowsInvalidatedByTheirVlan) {
    MacTable macs;
    LearningSwitch ls(*dp_, macs);
    auto ports = vlan_ports();
    ports[4] = PortVlan::from_columns("trunk", std::nullopt, {10});
    ls.set_port_vlans(ports);
    EXPECT_EQ(decide(ls, key_of(1, kA, kB, 10)).actions.to_string(), "drop");  // tagged on access
    EXPECT_EQ(decide(ls, key_of(4, kA, kB, 30)).actions.to_string(), "drop");  // not trunked
    EXPECT_EQ(ls.vlan_drops(), 2u);
    EXPECT_EQ(macs.size(), 0u);
    // A flow from the access port (untagged key) is in VLAN 10: learning B on VLAN 10 removes
    // the flood flow addressed to B.
    const FlowKey k = key_of(1, kA, kB);
    install(k, decide(ls, k));
    EXPECT_EQ(flows_to(kB), 1u);
    decide(ls, key_of(4, kB, kA, 10));
    EXPECT_EQ(flows_to(kB), 0u);
}

TEST_F(LearningSwitchTest, MirrorGetsCopiesOfSelectedTraffic) {
    MacTable macs;
    LearningSwitch ls(*dp_, macs);
    auto ports = vlan_ports();
    ports[6] = PortVlan{};  // the mirror's output, a trunk
    ls.set_port_vlans(ports);
    Mirror m;
    m.name = "m0";
    m.src_ports = {1};
    m.out_port = 6;
    ls.set_mirrors({m});
    // Flood from port 1: the mirror port gets a tagged copy and is never flooded to otherwise.
    EXPECT_EQ(decide(ls, key_of(1, kA, kBcast)).actions.to_string(),
              "2,5,push_vlan(vid=10,pcp=0),4,6");
    EXPECT_EQ(decide(ls, key_of(2, kB, kBcast)).actions.to_string(),
              "1,5,push_vlan(vid=10,pcp=0),4");
    // Input on the mirror port is dropped and not learned.
    EXPECT_EQ(decide(ls, key_of(6, kBcast, kA)).actions.to_string(), "drop");
    // select_dst_port: traffic to port 1 is mirrored; select_vlan restricts it.
    m.src_ports.clear();
    m.dst_ports = {1};
    ls.set_mirrors({m});
    EXPECT_EQ(decide(ls, key_of(2, kB, kA)).actions.to_string(), "1,push_vlan(vid=10,pcp=0),6");
    m.vlans = {20};
    ls.set_mirrors({m});
    EXPECT_EQ(decide(ls, key_of(2, kB, kA)).actions.to_string(), "1");
    m.vlans.clear();
    m.dst_ports.clear();
    m.select_all = true;
    ls.set_mirrors({m});
    EXPECT_EQ(decide(ls, key_of(4, kA, kBcast, 20)).actions.to_string(), "6,pop_vlan,3");
}

TEST_F(LearningSwitchTest, MacLimitsApplyAtRunTime) {
    MacTable macs;
    LearningSwitch ls(*dp_, macs);
    for (uint8_t i = 1; i <= 5; ++i)
        decide(ls, key_of(1, EthAddr{0x02, 0, 0, 0, 1, i}, kBcast));
    EXPECT_EQ(macs.size(), 5u);
    ls.set_mac_limits(3, 15000);
    EXPECT_EQ(macs.size(), 3u);
    EXPECT_EQ(macs.max_entries(), 3u);
    EXPECT_EQ(macs.aging_ms(), 15000u);
}

}  // namespace
}  // namespace vs
