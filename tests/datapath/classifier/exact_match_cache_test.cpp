// ExactMatchCache tests: hit, miss on key or hash, stale megaflows (removed, then reincarnated in
// the same slab slot), eviction between the two candidates, insertion probability, clear.
#include "datapath/classifier/exact_match_cache.hpp"

#include <gtest/gtest.h>

#include "datapath/classifier/megaflow_table.hpp"

namespace vs {
namespace {

FlowKey key_of(uint32_t port, uint32_t dst) {
    FlowKey k;
    k.clear();
    k.in_port = port;
    k.nw_dst = Be32::from_host(dst);
    return k;
}
FlowMask port_mask() {
    FlowMask m = FlowMask::none();
    m.in_port = ~0u;
    return m;
}

struct EmcTest : ::testing::Test {
    Rcu rcu{1};
    MegaflowTable table{rcu};
    Megaflow* add(uint32_t port) {
        return table.insert(key_of(port, 0), port_mask(), 0, new ActionList());
    }
};

TEST_F(EmcTest, HitAndMiss) {
    ExactMatchCache emc;
    EXPECT_EQ(emc.n_entries(), ExactMatchCache::kDefaultEntries);
    Megaflow* f = add(1);
    FlowKey k = key_of(1, 42);
    uint32_t h = flow_key_hash(k);
    EXPECT_EQ(emc.lookup(k, h), nullptr);
    emc.insert(k, h, f);
    EXPECT_EQ(emc.lookup(k, h), f);
    EXPECT_EQ(emc.lookup(key_of(1, 43), h), nullptr);  // same hash, other key
    EXPECT_EQ(emc.lookup(k, h + 1), nullptr);          // other hash
    EXPECT_EQ(flow_key_hash(k), h);
    EXPECT_NE(flow_key_hash(key_of(1, 43)), h);
    EXPECT_EQ(emc.n_live(), 1u);
    emc.clear();
    EXPECT_EQ(emc.lookup(k, h), nullptr);
    EXPECT_EQ(emc.n_live(), 0u);
}

TEST_F(EmcTest, UpdateInPlace) {
    ExactMatchCache emc(64);
    Megaflow* f = add(1);
    Megaflow* g = add(2);
    FlowKey k = key_of(1, 42);
    emc.insert(k, 5, f);
    emc.insert(k, 5, g);
    EXPECT_EQ(emc.lookup(k, 5), g);
    EXPECT_EQ(emc.n_live(), 1u);
}

TEST_F(EmcTest, RemovedFlowIsNeverReturned) {
    ExactMatchCache emc;
    Megaflow* f = add(1);
    FlowKey k = key_of(1, 42);
    uint32_t h = flow_key_hash(k);
    emc.insert(k, h, f);
    table.remove(f);
    EXPECT_EQ(emc.lookup(k, h), nullptr);  // dead
    emc.insert(k, h, f = add(1));
    ASSERT_EQ(emc.lookup(k, h), f);
    uint64_t old_id = f->get_id();
    table.remove(f);
    rcu.reclaim();
    Megaflow* g = add(7);  // reuses f's slot: live again, but another incarnation
    ASSERT_EQ(g, f);
    EXPECT_FALSE(g->is_dead());
    EXPECT_NE(g->get_id(), old_id);
    EXPECT_EQ(emc.lookup(k, h), nullptr);  // stale id
    EXPECT_EQ(emc.n_live(), 0u);
}

TEST_F(EmcTest, EvictionBetweenTwoCandidates) {
    ExactMatchCache emc(16);
    Megaflow* f = add(1);
    // Three keys with one hash: both candidates hold one key each; the third evicts the
    // candidate holding the smaller hash (equal here, so the first candidate).
    const uint32_t h = 0x00030001;
    FlowKey k1 = key_of(1, 1), k2 = key_of(1, 2), k3 = key_of(1, 3);
    emc.insert(k1, h, f);
    emc.insert(k2, h, f);
    EXPECT_EQ(emc.lookup(k1, h), f);
    EXPECT_EQ(emc.lookup(k2, h), f);
    emc.insert(k3, h, f);
    EXPECT_EQ(emc.lookup(k1, h), nullptr);
    EXPECT_EQ(emc.lookup(k2, h), f);
    EXPECT_EQ(emc.lookup(k3, h), f);
    // A stale entry is replaced before a live one.
    Megaflow* g = add(2);
    emc.insert(k1, 0x00030001, g);  // evicts k3 (first candidate)
    table.remove(g);                // k1's entry is now stale
    FlowKey k4 = key_of(1, 4);
    emc.insert(k4, h, f);
    EXPECT_EQ(emc.lookup(k4, h), f);
    EXPECT_EQ(emc.lookup(k2, h), f);  // the live entry survived
}

TEST_F(EmcTest, InsertionProbability) {
    Megaflow* f = add(1);
    ExactMatchCache never(1024, 0);
    never.insert(key_of(1, 1), 1, f);
    EXPECT_EQ(never.lookup(key_of(1, 1), 1), nullptr);

    ExactMatchCache quarter(1 << 16, 4);
    for (uint32_t i = 0; i < 4000; ++i) {
        FlowKey k = key_of(1, i);
        quarter.insert(k, flow_key_hash(k), f);
    }
    uint32_t n = quarter.n_live();
    EXPECT_GT(n, 700u);
    EXPECT_LT(n, 1300u);
}

}  // namespace
}  // namespace vs
