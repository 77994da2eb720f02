// MacTable: learning per VLAN, moves, aging, the size limit and its eviction order.
#include "vswitchd/mac_table.hpp"

#include <gtest/gtest.h>

namespace vs {
namespace {

EthAddr mac(uint8_t last) {
    return {0x02, 0, 0, 0, 0, last};
}

TEST(MacTable, LearnsPerVlanAndReportsMoves) {
    MacTable t(16, 1000);
    EXPECT_EQ(t.learn(0, mac(1), 1, 100), LearnResult::kNew);
    EXPECT_EQ(t.learn(0, mac(1), 1, 200), LearnResult::kRefreshed);
    EXPECT_EQ(t.learn(10, mac(1), 2, 200), LearnResult::kNew);  // another VLAN, another entry
    EXPECT_EQ(t.lookup(0, mac(1), 300), 1u);
    EXPECT_EQ(t.lookup(10, mac(1), 300), 2u);
    EXPECT_FALSE(t.lookup(20, mac(1), 300));
    EXPECT_EQ(t.learn(0, mac(1), 3, 400), LearnResult::kMoved);
    EXPECT_EQ(t.lookup(0, mac(1), 400), 3u);
    EXPECT_EQ(t.size(), 2u);
}

TEST(MacTable, MulticastSourcesAreNotLearned) {
    MacTable t;
    EthAddr bcast;
    bcast.fill(0xff);
    EXPECT_EQ(t.learn(0, bcast, 1, 1), LearnResult::kNotLearned);
    EXPECT_EQ(t.learn(0, {0x01, 0, 0x5e, 0, 0, 1}, 1, 1), LearnResult::kNotLearned);
    EXPECT_EQ(t.size(), 0u);
}

TEST(MacTable, EntriesAgeOut) {
    MacTable t(16, 1000);
    t.learn(0, mac(1), 1, 100);
    t.learn(0, mac(2), 2, 900);
    EXPECT_EQ(t.lookup(0, mac(1), 1099), 1u);
    EXPECT_FALSE(t.lookup(0, mac(1), 1100));
    auto gone = t.expire(1100);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].mac, mac(1));
    EXPECT_EQ(t.size(), 1u);
    t.touch(0, mac(2), 2, 1800);  // traffic seen through a megaflow keeps it alive
    EXPECT_TRUE(t.expire(1850).empty());
    t.touch(0, mac(2), 9, 5000);  // a touch from another port does not refresh
    EXPECT_EQ(t.expire(2800).size(), 1u);
}

TEST(MacTable, FullTableEvictsTheOldest) {
    MacTable t(3, 100000);
    t.learn(0, mac(1), 1, 10);
    t.learn(0, mac(2), 1, 5);
    t.learn(0, mac(3), 1, 20);
    EXPECT_EQ(t.learn(0, mac(4), 1, 30), LearnResult::kNew);
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.evictions(), 1u);
    EXPECT_FALSE(t.lookup(0, mac(2), 31));
    EXPECT_TRUE(t.lookup(0, mac(1), 31));
    EXPECT_TRUE(t.lookup(0, mac(4), 31));
}

TEST(MacTable, ForgetPort) {
    MacTable t;
    t.learn(0, mac(1), 1, 1);
    t.learn(0, mac(2), 2, 1);
    t.learn(5, mac(3), 2, 1);
    EXPECT_EQ(t.forget_port(2).size(), 2u);
    EXPECT_EQ(t.size(), 1u);
}

TEST(MacTable, ZeroSizeLearnsNothing) {
    MacTable t(0, 1000);
    EXPECT_EQ(t.learn(0, mac(1), 1, 1), LearnResult::kNotLearned);
    EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace vs
