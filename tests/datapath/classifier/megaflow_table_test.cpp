// MegaflowTable tests: differential against a linear scan, batch vs single lookup, duplicates,
// actions replacement, slab reuse with new ids, expiry, max_flows, ranking, and a concurrent
// reader checking every result while the control thread inserts and removes.
#include "datapath/classifier/megaflow_table.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "datapath/classifier/exact_match_cache.hpp"
#include "tests/datapath/classifier/classifier_test_util.hpp"

namespace vs {
namespace {

using test::key_hitting;
using test::key_matches;
using test::mask_family;
using test::random_key;
using test::RefClassifier;

// Checks lookup() and lookup_batch() against the reference for 32 keys.
void check_lookups(MegaflowTable& table, const RefClassifier& ref, std::mt19937_64& rng,
                   uint64_t* n_hits, uint64_t* n_misses) {
    FlowKey keys[32];
    const FlowKey* ptrs[32];
    for (int i = 0; i < 32; ++i) {
        uint64_t kind = rng() % 4;
        if (!ref.entries.empty() && kind >= 2) {
            const auto& e = ref.entries[rng() % ref.entries.size()];
            keys[i] = key_hitting(e.masked, e.mask, rng);
        } else {
            keys[i] = kind == 0 ? test::random_miss_key(rng) : random_key(rng);
        }
        ptrs[i] = &keys[i];
    }
    Megaflow* batch[32];
    table.lookup_batch(ptrs, 32, batch);
    for (int i = 0; i < 32; ++i) {
        Megaflow* single = table.lookup(keys[i]);
        ASSERT_EQ(single, batch[i]) << "key " << i;
        int want = ref.best_priority(keys[i]);
        if (want == INT_MIN) {
            ASSERT_EQ(single, nullptr);
            ++*n_misses;
            continue;
        }
        ASSERT_NE(single, nullptr);
        ++*n_hits;
        EXPECT_EQ(single->priority, want);
        EXPECT_TRUE(key_matches(keys[i], single->key, *single->mask));
        EXPECT_TRUE(ref.contains(single));
        EXPECT_FALSE(single->is_dead());
    }
}

void run_differential(int n_priorities, uint64_t seed) {
    Rcu rcu(1);
    MegaflowTable table(rcu);
    RefClassifier ref;
    std::mt19937_64 rng(seed);
    const auto masks = mask_family();
    uint64_t n_hits = 0, n_misses = 0, n_dups = 0;

    for (int step = 0; step < 6000; ++step) {
        uint64_t op = rng() % 10;
        if (op < 6 || ref.entries.size() < 50) {
            const FlowMask& mask = masks[rng() % masks.size()];
            FlowKey masked = mask_key(random_key(rng), mask);
            int priority = static_cast<int>(rng() % n_priorities);
            auto* actions = new ActionList();
            Megaflow* flow = table.insert(masked, mask, priority, actions);
            ASSERT_NE(flow, nullptr);
            EXPECT_EQ(flow->get_actions(), actions);
            if (test::RefEntry* dup = ref.find_exact(masked, mask)) {
                EXPECT_EQ(flow, dup->flow);  // existing returned, its priority kept
                EXPECT_EQ(flow->priority, dup->priority);
                ++n_dups;
            } else {
                EXPECT_FALSE(ref.contains(flow));
                ref.entries.push_back({masked, mask, priority, flow});
            }
        } else if (op < 9) {
            size_t i = rng() % ref.entries.size();
            table.remove(ref.entries[i].flow);
            ref.entries[i] = ref.entries.back();
            ref.entries.pop_back();
        } else {
            check_lookups(table, ref, rng, &n_hits, &n_misses);
        }
        ASSERT_EQ(table.size(), ref.entries.size());
        if (step % 97 == 0) rcu.reclaim();  // lets removed slots be reused
        if (step % 500 == 0) table.rank_subtables();
    }
    for (int i = 0; i < 50; ++i)
        check_lookups(table, ref, rng, &n_hits, &n_misses);
    // The test is only meaningful if both outcomes (and duplicates) happened a lot.
    EXPECT_GT(n_hits, 2000u);
    EXPECT_GT(n_misses, 200u);
    EXPECT_GT(n_dups, 10u);
    EXPECT_GT(table.n_subtables(), 20u);
}

TEST(MegaflowTable, DifferentialDistinctPriorities) {
    run_differential(1000, 1);
}
TEST(MegaflowTable, DifferentialFewPriorities) {
    run_differential(4, 2);
}
TEST(MegaflowTable, DifferentialEqualPriorities) {
    run_differential(1, 3);
}

FlowMask dst_mask() {
    FlowMask m = FlowMask::none();
    m.nw_dst = Be32{0xffffffff};
    return m;
}
FlowMask port_mask() {
    FlowMask m = FlowMask::none();
    m.in_port = ~0u;
    return m;
}
FlowKey key_of(uint32_t port, uint32_t dst) {
    FlowKey k;
    k.clear();
    k.in_port = port;
    k.nw_dst = Be32::from_host(dst);
    return k;
}

TEST(MegaflowTable, DuplicateReplacesActions) {
    Rcu rcu(1);
    MegaflowTable table(rcu);
    auto* a1 = new ActionList();
    auto* a2 = new ActionList();
    Megaflow* f1 = table.insert(key_of(1, 5), port_mask(), 3, a1);
    Megaflow* f2 = table.insert(key_of(1, 6), port_mask(), 9, a2);  // same masked key
    EXPECT_EQ(f1, f2);
    EXPECT_EQ(f1->get_actions(), a2);
    EXPECT_EQ(f1->priority, 3);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(f1->key, mask_key(key_of(1, 6), port_mask()));
    auto* a3 = new ActionList();
    table.set_actions(f1, a3);
    EXPECT_EQ(f1->get_actions(), a3);
    EXPECT_GE(rcu.reclaim(), 2u);  // a1 and a2 freed (ASan checks the frees)
    EXPECT_EQ(rcu.n_pending(), 0u);
}

TEST(MegaflowTable, SlotReuseWaitsForGracePeriodAndGetsNewId) {
    Rcu rcu(2);
    MegaflowTable table(rcu);
    rcu.register_thread(1);  // this thread plays a PMD that has not reported yet
    Megaflow* f = table.insert(key_of(1, 0), port_mask(), 0, new ActionList());
    uint64_t id = f->get_id();
    EXPECT_NE(id, 0u);
    table.remove(f);
    EXPECT_TRUE(f->is_dead());
    EXPECT_EQ(table.lookup(key_of(1, 0)), nullptr);
    EXPECT_EQ(rcu.reclaim(), 0u);
    Megaflow* g = table.insert(key_of(2, 0), port_mask(), 0, new ActionList());
    EXPECT_NE(g, f);  // f's slot is not free yet
    rcu.quiescent(1);
    EXPECT_GT(rcu.reclaim(), 0u);
    Megaflow* h = table.insert(key_of(3, 0), port_mask(), 0, new ActionList());
    EXPECT_EQ(h, f);  // same memory, new incarnation
    EXPECT_NE(h->get_id(), id);
    EXPECT_NE(h->get_id(), g->get_id());
    EXPECT_EQ(table.lookup(key_of(3, 0)), h);
    rcu.unregister_thread(1);
}

TEST(MegaflowTable, MaxFlows) {
    Rcu rcu(1);
    MegaflowTable table(rcu, 10);
    std::vector<Megaflow*> flows;
    for (uint32_t i = 0; i < 10; ++i) {
        flows.push_back(table.insert(key_of(i, 0), port_mask(), 0, new ActionList()));
        ASSERT_NE(flows.back(), nullptr);
    }
    auto* extra = new ActionList();
    EXPECT_EQ(table.insert(key_of(10, 0), port_mask(), 0, extra), nullptr);
    EXPECT_EQ(table.insert(key_of(10, 0), dst_mask(), 0, extra), nullptr);  // new mask too
    EXPECT_EQ(table.n_subtables(), 1u);  // the failed insert left no empty subtable behind
    EXPECT_EQ(table.size(), 10u);
    // An existing megaflow is still found (and updated) when full.
    EXPECT_EQ(table.insert(key_of(3, 0), port_mask(), 0, extra), flows[3]);
    table.remove(flows[0]);
    Megaflow* f = table.insert(key_of(10, 0), port_mask(), 0, new ActionList());
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(table.lookup(key_of(10, 0)), f);
    EXPECT_EQ(table.size(), 10u);
}

TEST(MegaflowTable, ExpireByIdleTime) {
    Rcu rcu(1);
    MegaflowTable table(rcu);
    uint64_t t0 = monotonic_ms();
    Megaflow* busy = table.insert(key_of(1, 0), port_mask(), 0, new ActionList());
    table.insert(key_of(2, 0), port_mask(), 0, new ActionList());
    table.insert(key_of(0, 7), dst_mask(), 0, new ActionList());
    busy->record_hits(3, 180, t0 + 9000, 0x12);
    busy->record_hits(1, 60, t0 + 9500, 0x01);
    MegaflowStats s = busy->stats();
    EXPECT_EQ(s.n_packets, 4u);
    EXPECT_EQ(s.n_bytes, 240u);
    EXPECT_EQ(s.used_ms, t0 + 9500);
    EXPECT_EQ(s.tcp_flags, 0x13);

    EXPECT_EQ(table.expire(t0 + 500, 10000), 0u);  // nothing idle long enough
    EXPECT_EQ(table.expire(t0 + 10000, 1000), 2u);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.n_subtables(), 1u);
    EXPECT_EQ(table.lookup(key_of(1, 0)), busy);
    EXPECT_EQ(table.lookup(key_of(2, 0)), nullptr);
    EXPECT_EQ(table.lookup(key_of(0, 7)), nullptr);
    EXPECT_EQ(table.expire(t0 + 20000, 1000), 1u);
    EXPECT_EQ(table.size(), 0u);
}

TEST(MegaflowTable, FlushAndForEach) {
    Rcu rcu(1);
    MegaflowTable table(rcu);
    for (uint32_t i = 0; i < 100; ++i) {
        table.insert(key_of(i, i), i % 2 ? port_mask() : dst_mask(), 0, new ActionList());
    }
    size_t n = 0;
    table.for_each([&](Megaflow* f) {
        EXPECT_FALSE(f->is_dead());
        ++n;
    });
    EXPECT_EQ(n, 100u);
    EXPECT_EQ(table.n_subtables(), 2u);
    table.flush();
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.n_subtables(), 0u);
    EXPECT_EQ(table.lookup(key_of(1, 1)), nullptr);
    n = 0;
    table.for_each([&](Megaflow*) { ++n; });
    EXPECT_EQ(n, 0u);
}

TEST(MegaflowTable, RankingChangesOrderNotResults) {
    Rcu rcu(1);
    MegaflowTable table(rcu);
    // dst subtable first (inserted first); port subtable gets all the traffic.
    Megaflow* by_dst = table.insert(key_of(0, 100), dst_mask(), 10, new ActionList());
    Megaflow* by_port_low = table.insert(key_of(1, 0), port_mask(), 5, new ActionList());
    Megaflow* by_port_high = table.insert(key_of(2, 0), port_mask(), 10, new ActionList());
    auto before = table.subtable_order();
    ASSERT_EQ(before.size(), 2u);
    EXPECT_EQ(*before[0], dst_mask());

    std::vector<FlowKey> keys = {key_of(1, 100), key_of(1, 5), key_of(2, 100), key_of(3, 100),
                                 key_of(3, 3)};
    std::vector<Megaflow*> expect = {by_dst, by_port_low, by_dst, by_dst, nullptr};
    for (size_t i = 0; i < keys.size(); ++i)
        EXPECT_EQ(table.lookup(keys[i]), expect[i]);
    for (int i = 0; i < 100; ++i)
        table.lookup(key_of(2, 1));  // hits only the port subtable
    table.rank_subtables();
    auto after = table.subtable_order();
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(*after[0], port_mask());
    // key_of(1, 100): the port subtable now answers first with priority 5, but the dst one
    // (priority 10) must still be searched and win. key_of(2, 100): equal priorities, so the
    // first match wins and that is now the port subtable's.
    expect[2] = by_port_high;
    for (size_t i = 0; i < keys.size(); ++i)
        EXPECT_EQ(table.lookup(keys[i]), expect[i]);
    const FlowKey* ptrs[5];
    Megaflow* out[5];
    for (size_t i = 0; i < 5; ++i)
        ptrs[i] = &keys[i];
    table.lookup_batch(ptrs, 5, out);
    for (size_t i = 0; i < keys.size(); ++i)
        EXPECT_EQ(out[i], expect[i]);
}

TEST(MegaflowTable, CatchAllLosesToHigherPriority) {
    Rcu rcu(1);
    MegaflowTable table(rcu);
    Megaflow* any = table.insert(key_of(7, 7), FlowMask::none(), 0, new ActionList());
    Megaflow* exact = table.insert(key_of(1, 2), FlowMask::exact(), 1, new ActionList());
    Megaflow* port = table.insert(key_of(1, 0), port_mask(), 2, new ActionList());
    EXPECT_EQ(any->key, key_of(0, 0));
    EXPECT_EQ(table.lookup(key_of(9, 9)), any);
    EXPECT_EQ(table.lookup(key_of(1, 2)), port);
    table.remove(port);
    EXPECT_EQ(table.lookup(key_of(1, 2)), exact);
    EXPECT_EQ(table.lookup(key_of(1, 3)), any);
    EXPECT_EQ(table.n_subtables(), 2u);
}

TEST(MegaflowTable, LargeBatchAndGrowth) {
    Rcu rcu(1);
    MegaflowTable table(rcu);
    std::vector<Megaflow*> flows;
    for (uint32_t i = 0; i < 5000; ++i) {
        flows.push_back(table.insert(key_of(0, i), dst_mask(), 0, new ActionList()));
    }
    std::vector<FlowKey> keys;
    for (uint32_t i = 0; i < 200; ++i)
        keys.push_back(key_of(0, i * 37));  // some beyond 5000
    std::vector<const FlowKey*> ptrs;
    for (auto& k : keys)
        ptrs.push_back(&k);
    std::vector<Megaflow*> out(keys.size());
    table.lookup_batch(ptrs.data(), static_cast<uint32_t>(keys.size()), out.data());
    for (uint32_t i = 0; i < 200; ++i)
        EXPECT_EQ(out[i], i * 37 < 5000 ? flows[i * 37] : nullptr);
    for (uint32_t i = 0; i < 5000; i += 2)
        table.remove(flows[i]);  // tombstone clean-ups
    for (uint32_t i = 0; i < 5000; ++i) {
        ASSERT_EQ(table.lookup(key_of(0, i)), i % 2 ? flows[i] : nullptr);
    }
}

// A PMD-like reader checks every result while this thread inserts and removes. Candidates never
// overlap (each has its own tun_id, which every mask includes), so a key derived from candidate
// c may only ever match candidate c's megaflow: a result with another key means a slot was reused
// under the reader's feet. ASan turns any use-after-free into a failure.
TEST(MegaflowTable, ConcurrentReaderSeesOnlyValidFlows) {
    Rcu rcu(2);
    MegaflowTable table(rcu, 1 << 14);
    std::mt19937_64 rng(11);
    auto masks = mask_family();
    for (auto& m : masks)
        m.tun_id = ~uint64_t{0};
    masks.resize(16);
    struct Candidate {
        FlowKey masked;
        FlowMask mask;
        int priority;
    };
    constexpr size_t kCandidates = 3000;
    std::vector<Candidate> cands;
    for (size_t c = 0; c < kCandidates; ++c) {
        FlowKey k = random_key(rng);
        k.tun_id = c;
        const FlowMask& m = masks[c % masks.size()];
        cands.push_back({mask_key(k, m), m, static_cast<int>(c % 3)});
    }

    std::atomic<bool> ready{false}, stop{false};
    std::atomic<uint64_t> hits{0}, misses{0}, errors{0}, emc_hit_count{0};
    std::thread reader([&] {
        rcu.register_thread(0);
        ready.store(true);
        std::mt19937_64 r(99);
        // Half of the batches go through an exact-match cache over one fixed key per candidate,
        // so the cache keeps pointers to megaflows the control thread removes and reuses.
        ExactMatchCache emc(1024);
        std::vector<FlowKey> fixed(kCandidates);
        for (size_t c = 0; c < kCandidates; ++c)
            fixed[c] = key_hitting(cands[c].masked, cands[c].mask, r);
        uint64_t emc_hits = 0;
        bool use_emc = false;
        FlowKey keys[32];
        const FlowKey* ptrs[32];
        Megaflow* out[32];
        size_t idx[32];
        uint64_t h = 0, m = 0, e = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            use_emc = !use_emc;
            for (int i = 0; i < 32; ++i) {
                idx[i] = r() % (use_emc ? 300 : kCandidates);
                keys[i] = use_emc ? fixed[idx[i]]
                                  : key_hitting(cands[idx[i]].masked, cands[idx[i]].mask, r);
                ptrs[i] = &keys[i];
            }
            table.lookup_batch(ptrs, 32, out);
            for (int i = 0; i < 32; ++i) {
                Megaflow* f = i % 4 ? out[i] : table.lookup(keys[i]);
                if (use_emc) {
                    uint32_t hash = flow_key_hash(keys[i]);
                    if (Megaflow* cached = emc.lookup(keys[i], hash)) {
                        f = cached;
                        ++emc_hits;
                    } else if (f != nullptr) {
                        emc.insert(keys[i], hash, f);
                    }
                }
                if (f == nullptr) {
                    ++m;
                    continue;
                }
                ++h;
                const Candidate& c = cands[idx[i]];
                bool ok = f->key == c.masked && f->mask != nullptr && *f->mask == c.mask &&
                          f->priority == c.priority && key_matches(keys[i], f->key, *f->mask) &&
                          f->get_actions() != nullptr && f->get_id() != 0;
                if (!ok) ++e;
                f->record_hits(1, 64, 1, 0);
            }
            rcu.quiescent(0);
        }
        hits.store(h);
        misses.store(m);
        emc_hit_count.store(emc_hits);
        errors.store(e);
        rcu.unregister_thread(0);
    });
    while (!ready.load())
        std::this_thread::yield();

    std::vector<Megaflow*> installed(kCandidates, nullptr);
    size_t n_ops = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    while (n_ops < 40000 || std::chrono::steady_clock::now() < deadline) {
        if (n_ops > 400000) break;
        size_t c = rng() % kCandidates;
        if (installed[c] == nullptr) {
            installed[c] =
                table.insert(cands[c].masked, cands[c].mask, cands[c].priority, new ActionList());
            if (installed[c] == nullptr) {
                ADD_FAILURE() << "insert failed";
                break;
            }
        } else if (rng() % 8 == 0) {
            table.set_actions(installed[c], new ActionList());
        } else {
            table.remove(installed[c]);
            installed[c] = nullptr;
        }
        if (++n_ops % 64 == 0) rcu.reclaim();
        if (n_ops % 5000 == 0) table.rank_subtables();
    }
    stop.store(true);
    reader.join();
    EXPECT_EQ(errors.load(), 0u);
    EXPECT_GT(hits.load(), 1000u);
    EXPECT_GT(misses.load(), 1000u);
    EXPECT_GT(emc_hit_count.load(), 1000u);
    EXPECT_LT(rcu.n_pending(), 100000u);
    rcu.synchronize();
    EXPECT_EQ(rcu.n_pending(), 0u);
}

}  // namespace
}  // namespace vs
