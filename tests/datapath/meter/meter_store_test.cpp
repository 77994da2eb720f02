// MeterStore: token buckets refilled by a simulated TSC (1 GHz, so a cycle is a nanosecond),
// the exceeded band with the highest rate deciding, counters across modify and remove, DSCP
// drop precedence, and charging from several threads while the control thread reconfigures.
#include "datapath/meter/meter_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace vs {
namespace {

constexpr uint64_t kHz = 1'000'000'000;  // TSC cycles per second in these tests
constexpr uint64_t kMs = kHz / 1000;

MeterConfig pktps(uint32_t rate, uint32_t burst = 0) {
    MeterConfig c;
    c.pktps = true;
    c.burst = burst != 0;
    c.bands.push_back({MeterBandConfig::Type::kDrop, rate, burst, 0});
    return c;
}

// Offers `pps` packets per second for `ms` milliseconds from `start`; returns how many passed.
uint64_t offer(MeterStore& s, uint32_t id, uint64_t start, uint64_t pps, uint64_t ms,
               uint32_t size = 100) {
    uint64_t passed = 0;
    const uint64_t n = pps * ms / 1000;
    for (uint64_t i = 0; i < n; ++i) {
        if (!s.charge(id, size, start + i * kHz / pps).drop) ++passed;
    }
    return passed;
}

TEST(MeterStore, PacketRateBurstThenRate) {
    MeterStore s(kHz);
    auto id = s.add(pktps(100, 10), 0);
    ASSERT_TRUE(id);
    int passed = 0;
    for (int i = 0; i < 20; ++i)
        passed += s.charge(*id, 64, 0).drop ? 0 : 1;
    EXPECT_EQ(passed, 10);                           // the burst, all at once
    EXPECT_TRUE(s.charge(*id, 64, 5 * kMs).drop);    // half a token back: not enough
    EXPECT_FALSE(s.charge(*id, 64, 11 * kMs).drop);  // a whole token after 10 ms (+ rounding)
    EXPECT_TRUE(s.charge(*id, 64, 11 * kMs).drop);
    // A long idle time refills only up to the burst.
    passed = 0;
    for (int i = 0; i < 50; ++i)
        passed += s.charge(*id, 64, 3600 * kHz).drop ? 0 : 1;
    EXPECT_EQ(passed, 10);
}

TEST(MeterStore, LongRunRateFollowsTheMeter) {
    MeterStore s(kHz);
    auto id = s.add(pktps(100, 10), 0);
    ASSERT_TRUE(id);
    const uint64_t passed = offer(s, *id, 1, 1000, 10'000);  // 10 s at 10x the rate
    EXPECT_GE(passed, 1000u);
    EXPECT_LE(passed, 1000u + 10 + 1);
    auto c = s.counters(*id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->packets, 10'000u);
    EXPECT_EQ(c->bytes, 10'000u * 100);
    ASSERT_EQ(c->bands.size(), 1u);
    EXPECT_EQ(c->bands[0].packets, 10'000u - passed);
    EXPECT_EQ(c->bands[0].bytes, (10'000u - passed) * 100);
}

TEST(MeterStore, KbpsCountsBitsAndDefaultsToOneSecondOfBurst) {
    MeterStore s(kHz);
    MeterConfig c;  // 1000 kbit/s, no BURST flag: the bucket holds 1 000 000 bits
    c.bands.push_back({MeterBandConfig::Type::kDrop, 1000, 5, 0});
    auto id = s.add(c, 0);
    ASSERT_TRUE(id);
    int passed = 0;
    for (int i = 0; i < 100; ++i)
        passed += s.charge(*id, 1500, 0).drop ? 0 : 1;
    EXPECT_EQ(passed, 1'000'000 / 12'000);  // 83 frames of 12 000 bits
    EXPECT_TRUE(s.charge(*id, 1500, 0).drop);
    // 12 ms bring 12 000 bits: one more 1500-byte frame (with the 4 000 bits left over).
    EXPECT_FALSE(s.charge(*id, 1500, 12 * kMs).drop);
    EXPECT_TRUE(s.charge(*id, 1500, 12 * kMs).drop);
    // 2 Mbit/s offered for 10 s at 1 Mbit/s passes about half.
    const uint64_t n = offer(s, *id, 20 * kMs, 2'000'000 / 12'000, 10'000, 1500);
    EXPECT_NEAR(static_cast<double>(n * 12'000) / 10, 1'000'000, 1'000'000 * 0.12);
}

TEST(MeterStore, ExceededBandWithTheHighestRateDecides) {
    MeterStore s(kHz);
    MeterConfig c;
    c.pktps = true;
    c.burst = true;
    c.bands.push_back({MeterBandConfig::Type::kDscpRemark, 100, 5, 1});
    c.bands.push_back({MeterBandConfig::Type::kDrop, 200, 10, 0});
    auto id = s.add(c, 0);
    ASSERT_TRUE(id);
    std::vector<MeterVerdict> v;
    for (int i = 0; i < 12; ++i)
        v.push_back(s.charge(*id, 64, 0));
    for (int i = 0; i < 5; ++i) {
        EXPECT_FALSE(v[i].drop);  // within both bands
        EXPECT_EQ(v[i].prec_level, 0);
    }
    for (int i = 5; i < 10; ++i) {
        EXPECT_FALSE(v[i].drop);  // over the remark band only
        EXPECT_EQ(v[i].prec_level, 1);
    }
    EXPECT_TRUE(v[10].drop);  // over both: the drop band has the higher rate
    EXPECT_TRUE(v[11].drop);
    auto counters = s.counters(*id);
    ASSERT_TRUE(counters);
    EXPECT_EQ(counters->bands[0].packets, 5u);
    EXPECT_EQ(counters->bands[1].packets, 2u);
}

TEST(MeterStore, ModifyKeepsCountersRemoveForgetsTheMeter) {
    MeterStore s(kHz);
    auto id = s.add(pktps(10, 1), 0);
    ASSERT_TRUE(id);
    EXPECT_EQ(s.size(), 1u);
    s.charge(*id, 64, 0);
    s.charge(*id, 64, 0);  // dropped
    ASSERT_TRUE(s.modify(*id, pktps(1000, 100), 0));
    auto c = s.counters(*id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->packets, 2u);
    EXPECT_EQ(c->bands[0].packets, 1u);
    for (int i = 0; i < 100; ++i)
        EXPECT_FALSE(s.charge(*id, 64, 0).drop) << i;  // the new, full bucket
    s.remove(*id);
    EXPECT_EQ(s.size(), 0u);
    EXPECT_FALSE(s.counters(*id));
    EXPECT_FALSE(s.modify(*id, pktps(5), 0));
    for (int i = 0; i < 1000; ++i)
        ASSERT_FALSE(s.charge(*id, 64, 0).drop);  // no meter: everything passes
    EXPECT_FALSE(s.charge(MeterStore::kMaxMeters + 7, 64, 0).drop);
}

TEST(MeterStore, RejectsBadConfigurationsAndRunsOutOfIds) {
    MeterStore s(kHz);
    EXPECT_FALSE(s.add(pktps(0), 0));
    MeterConfig many = pktps(10);
    many.bands.resize(MeterStore::kMaxBands + 1, many.bands[0]);
    EXPECT_FALSE(s.add(many, 0));
    EXPECT_TRUE(s.add(MeterConfig{}, 0));  // no band: it only counts
    for (uint32_t i = 1; i < MeterStore::kMaxMeters; ++i)
        ASSERT_TRUE(s.add(pktps(10), 0)) << i;
    EXPECT_FALSE(s.add(pktps(10), 0));
    s.remove(42);
    auto again = s.add(pktps(10), 0);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, 42u);
}

TEST(MeterStore, DropPrecedenceOfAssuredForwarding) {
    EXPECT_EQ(raise_drop_precedence(18, 1), 20);  // AF21 -> AF22
    EXPECT_EQ(raise_drop_precedence(18, 2), 22);  // AF21 -> AF23
    EXPECT_EQ(raise_drop_precedence(20, 5), 22);  // capped at AFx3
    EXPECT_EQ(raise_drop_precedence(10, 1), 12);  // AF11 -> AF12
    EXPECT_EQ(raise_drop_precedence(38, 1), 38);  // AF43 stays
    EXPECT_EQ(raise_drop_precedence(0, 1), 0);    // best effort has no drop precedence
    EXPECT_EQ(raise_drop_precedence(46, 1), 46);  // EF
    EXPECT_EQ(raise_drop_precedence(48, 1), 48);  // CS6
}

// Two "PMD" threads charge one meter while the control thread modifies it: every packet is
// counted once (the slot lock), and the meter stays usable.
TEST(MeterStore, ConcurrentChargesAndModifies) {
    MeterStore s(kHz);
    auto id = s.add(pktps(1000, 100), 0);
    ASSERT_TRUE(id);
    constexpr uint64_t kPerThread = 200'000;
    std::atomic<bool> go{false};
    std::atomic<uint64_t> passed{0};
    auto pmd = [&](uint64_t offset) {
        while (!go.load()) {
        }
        uint64_t p = 0;
        for (uint64_t i = 0; i < kPerThread; ++i)
            p += s.charge(*id, 64, offset + i * 1000).drop ? 0 : 1;
        passed += p;
    };
    std::thread a(pmd, 0), b(pmd, 500);
    go = true;
    for (int i = 0; i < 200; ++i)
        ASSERT_TRUE(s.modify(*id, pktps(1000 + static_cast<uint32_t>(i), 100), 0));
    a.join();
    b.join();
    auto c = s.counters(*id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->packets, 2 * kPerThread);
    EXPECT_EQ(c->packets - c->bands[0].packets, passed.load());
}

}  // namespace
}  // namespace vs
