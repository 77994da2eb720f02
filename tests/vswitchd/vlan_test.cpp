// PortVlan: Open vSwitch's VLAN modes as the learning switch uses them (input VLAN or drop,
// which ports carry a VLAN, tagged or untagged output), and the push/pop sequence that sends
// one frame to outputs wanting different encodings.
#include "vswitchd/vlan.hpp"

#include <gtest/gtest.h>

namespace vs {
namespace {

constexpr uint16_t kUntagged = 0;
uint16_t tagged(uint16_t vid, uint16_t pcp = 0) {
    return static_cast<uint16_t>(kVlanPresent | vid | (pcp << 13));
}

TEST(PortVlanTest, DefaultModeFollowsTag) {
    EXPECT_EQ(PortVlan::from_columns("", std::nullopt, {}).mode, VlanMode::kTrunk);
    EXPECT_TRUE(PortVlan::from_columns("", std::nullopt, {}).is_default());
    const PortVlan access = PortVlan::from_columns("", 10, {});
    EXPECT_EQ(access.mode, VlanMode::kAccess);
    EXPECT_EQ(access.tag, 10);
    EXPECT_EQ(PortVlan::from_columns("native-tagged", 5, {}).mode, VlanMode::kNativeTagged);
    EXPECT_EQ(PortVlan::from_columns("native-untagged", 5, {}).mode, VlanMode::kNativeUntagged);
    EXPECT_EQ(PortVlan::from_columns("trunk", std::nullopt, {1, 2}).mode, VlanMode::kTrunk);
    EXPECT_FALSE(PortVlan::from_columns("trunk", std::nullopt, {1, 2}).is_default());
}

TEST(PortVlanTest, AccessPort) {
    const PortVlan p = PortVlan::from_columns("access", 10, {});
    EXPECT_EQ(p.input_vlan(kUntagged), 10);
    EXPECT_EQ(p.input_vlan(tagged(0, 3)), 10);          // a priority tag is no tag
    EXPECT_EQ(p.input_vlan(tagged(10)), std::nullopt);  // tagged input is dropped, even its VLAN
    EXPECT_EQ(p.input_vlan(tagged(20)), std::nullopt);
    EXPECT_TRUE(p.carries(10));
    EXPECT_FALSE(p.carries(20));
    EXPECT_FALSE(p.carries(0));
    EXPECT_FALSE(p.output_tagged(10));
}

TEST(PortVlanTest, TrunkPort) {
    const PortVlan all = PortVlan::from_columns("", std::nullopt, {});
    EXPECT_EQ(all.input_vlan(kUntagged), 0);
    EXPECT_EQ(all.input_vlan(tagged(4094)), 4094);
    EXPECT_TRUE(all.carries(0));
    EXPECT_TRUE(all.output_tagged(7));
    EXPECT_FALSE(all.output_tagged(0));  // VLAN 0 leaves untagged

    const PortVlan some = PortVlan::from_columns("trunk", std::nullopt, {10, 30});
    EXPECT_EQ(some.input_vlan(tagged(10)), 10);
    EXPECT_EQ(some.input_vlan(tagged(20)), std::nullopt);  // not trunked: dropped
    EXPECT_EQ(some.input_vlan(kUntagged), std::nullopt);   // VLAN 0 not in trunks
    EXPECT_TRUE(some.carries(30));
    EXPECT_FALSE(some.carries(20));
}

TEST(PortVlanTest, NativePorts) {
    const PortVlan nt = PortVlan::from_columns("native-tagged", 5, {10});
    EXPECT_EQ(nt.input_vlan(kUntagged), 5);
    EXPECT_EQ(nt.input_vlan(tagged(10)), 10);
    EXPECT_EQ(nt.input_vlan(tagged(5)), 5);  // the native VLAN is always trunked
    EXPECT_EQ(nt.input_vlan(tagged(11)), std::nullopt);
    EXPECT_TRUE(nt.output_tagged(5));
    EXPECT_TRUE(nt.output_tagged(10));

    const PortVlan nu = PortVlan::from_columns("native-untagged", 5, {});
    EXPECT_EQ(nu.input_vlan(kUntagged), 5);
    EXPECT_EQ(nu.input_vlan(tagged(99)), 99);  // empty trunks: every VLAN
    EXPECT_FALSE(nu.output_tagged(5));
    EXPECT_TRUE(nu.output_tagged(99));
}

TEST(VlanOutputActionsTest, UntaggedInputPushesOnceForTaggedOutputs) {
    const ActionList a = vlan_output_actions(kUntagged, 10, {{1, false}, {2, true}, {3, false}});
    EXPECT_EQ(a.to_string(), "1,3,push_vlan(vid=10,pcp=0),2");
    EXPECT_EQ(vlan_output_actions(kUntagged, 10, {{1, false}}).to_string(), "1");
    EXPECT_EQ(vlan_output_actions(kUntagged, 10, {{2, true}}).to_string(),
              "push_vlan(vid=10,pcp=0),2");
}

TEST(VlanOutputActionsTest, TaggedInputKeepsTagThenPops) {
    EXPECT_EQ(vlan_output_actions(tagged(10, 5), 10, {{1, false}, {2, true}}).to_string(),
              "2,pop_vlan,1");
    EXPECT_EQ(vlan_output_actions(tagged(10), 10, {{2, true}}).to_string(), "2");
    EXPECT_EQ(vlan_output_actions(tagged(10), 10, {}).to_string(), "drop");
}

TEST(VlanOutputActionsTest, PriorityTagOnAccessPortIsReplaced) {
    // Received on an access port of VLAN 10 with a VID-0 tag: strip it, then tag as needed.
    EXPECT_EQ(vlan_output_actions(tagged(0, 3), 10, {{1, false}, {2, true}}).to_string(),
              "pop_vlan,1,push_vlan(vid=10,pcp=0),2");
    EXPECT_EQ(vlan_output_actions(tagged(0, 3), 10, {}).to_string(), "drop");
}

}  // namespace
}  // namespace vs
