// Micro-benchmarks of the megaflow classifier (lookup_batch of 32 keys over 1 / 1 000 / 100 000
// megaflows in 1 / 8 / 32 masks), the exact-match cache, and a linear scan as the in-run
// reference. Each reports "ns/packet". Run from a Release build.
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>
#include <vector>

#include "datapath/classifier/exact_match_cache.hpp"
#include "datapath/classifier/megaflow_table.hpp"

namespace vs {
namespace {

constexpr uint32_t kBatch = 32;
constexpr size_t kKeySets = 4096;  // distinct batches cycled through, so caches are not all warm

// Mask j: nw_src exact (so every entry is distinct), nw_dst with a j-dependent prefix, and a
// j-dependent choice of other words, so that masks differ in both bits and words.
FlowMask bench_mask(uint32_t j) {
    FlowMask m = FlowMask::none();
    m.eth_type = Be16{0xffff};
    m.nw_src = Be32{0xffffffff};
    m.nw_dst = Be32::from_host(j == 0 ? 0 : ~uint32_t{0} << (32 - j % 33));
    if (j & 1) m.in_port = ~0u;
    if (j & 2) m.nw_proto = 0xff, m.tp_dst = Be16{0xffff};
    if (j & 4) m.eth_dst = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if (j & 8) m.tun_id = ~uint64_t{0};
    return m;
}

FlowKey bench_key(uint32_t i) {
    FlowKey k;
    k.clear();
    k.in_port = i % 16;
    k.eth_type = Be16::from_host(0x0800);
    k.eth_dst = {0, 1, 2, 3, 4, static_cast<uint8_t>(i)};
    k.nw_src = Be32::from_host(i * 2654435761u);
    k.nw_dst = Be32::from_host(0x0a000000u + i);
    k.nw_proto = 6;
    k.tp_src = Be16::from_host(static_cast<uint16_t>(i >> 3));
    k.tp_dst = Be16::from_host(80);
    k.tun_id = i % 5;
    return k;
}

struct Fixture {
    Rcu rcu{1};
    MegaflowTable table;
    std::vector<FlowKey> keys;  // kKeySets * kBatch lookup keys, all hits

    Fixture(uint32_t n_entries, uint32_t n_masks) : table(rcu, n_entries + 16) {
        for (uint32_t i = 0; i < n_entries; ++i) {
            table.insert(bench_key(i), bench_mask(i % n_masks), 0, new ActionList());
        }
        std::mt19937 rng(1);
        keys.resize(kKeySets * kBatch);
        for (auto& k : keys) {
            k = bench_key(rng() % n_entries);
            k.tp_src = Be16::from_host(static_cast<uint16_t>(rng()));  // unmasked noise
        }
    }
};

// Reports the mean wall-clock nanoseconds per packet of the timed loop as a plain number.
class NsPerPacket {
  public:
    explicit NsPerPacket(benchmark::State& state)
        : state_(state), start_(std::chrono::steady_clock::now()) {}
    ~NsPerPacket() {
        auto ns =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start_);
        if (packets != 0) state_.counters["ns/packet"] = ns.count() / static_cast<double>(packets);
    }
    uint64_t packets = 0;

  private:
    benchmark::State& state_;
    std::chrono::steady_clock::time_point start_;
};

void BM_MegaflowLookupBatch(benchmark::State& state) {
    Fixture f(static_cast<uint32_t>(state.range(0)), static_cast<uint32_t>(state.range(1)));
    std::vector<const FlowKey*> ptrs(f.keys.size());
    for (size_t i = 0; i < ptrs.size(); ++i)
        ptrs[i] = &f.keys[i];
    Megaflow* out[kBatch];
    size_t set = 0;
    uint64_t misses = 0;
    NsPerPacket timer(state);
    for (auto _ : state) {
        f.table.lookup_batch(&ptrs[set * kBatch], kBatch, out);
        for (uint32_t i = 0; i < kBatch; ++i)
            misses += out[i] == nullptr;
        benchmark::DoNotOptimize(out);
        set = (set + 1) % kKeySets;
        timer.packets += kBatch;
    }
    if (misses != 0) state.SkipWithError("unexpected misses");
    state.counters["subtables"] = static_cast<double>(f.table.n_subtables());
}
BENCHMARK(BM_MegaflowLookupBatch)
    ->ArgNames({"entries", "masks"})
    ->Args({1, 1})
    ->Args({1000, 1})
    ->Args({1000, 8})
    ->Args({1000, 32})
    ->Args({100000, 1})
    ->Args({100000, 8})
    ->Args({100000, 32});

void BM_MegaflowLookupSingle(benchmark::State& state) {
    Fixture f(static_cast<uint32_t>(state.range(0)), static_cast<uint32_t>(state.range(1)));
    size_t i = 0;
    NsPerPacket timer(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(f.table.lookup(f.keys[i]));
        i = (i + 1) % f.keys.size();
        ++timer.packets;
    }
}
BENCHMARK(BM_MegaflowLookupSingle)->ArgNames({"entries", "masks"})->Args({100000, 8});

// EMC hits for a batch of 32 keys, hashing each key (no NIC hash) and then validating the flow.
void BM_EmcHit(benchmark::State& state) {
    const uint32_t n_flows = static_cast<uint32_t>(state.range(0));
    Fixture f(n_flows, 8);
    ExactMatchCache emc;
    std::vector<FlowKey> keys(n_flows);
    for (uint32_t i = 0; i < n_flows; ++i) {
        keys[i] = bench_key(i);
        Megaflow* flow = f.table.lookup(keys[i]);
        emc.insert(keys[i], flow_key_hash(keys[i]), flow);
    }
    std::vector<uint32_t> order(kKeySets * kBatch);
    std::mt19937 rng(2);
    for (auto& o : order)
        o = rng() % n_flows;
    size_t pos = 0;
    uint64_t misses = 0;
    NsPerPacket timer(state);
    for (auto _ : state) {
        for (uint32_t i = 0; i < kBatch; ++i) {
            const FlowKey& k = keys[order[pos + i]];
            Megaflow* flow = emc.lookup(k, flow_key_hash(k));
            misses += flow == nullptr;
            benchmark::DoNotOptimize(flow);
        }
        pos = (pos + kBatch) % order.size();
        timer.packets += kBatch;
    }
    state.counters["hit_rate"] =
        1.0 - static_cast<double>(misses) / static_cast<double>(timer.packets);
}
BENCHMARK(BM_EmcHit)->ArgNames({"flows"})->Arg(1000)->Arg(4096);

// The reference: a linear scan over (masked key, mask), as the tests' reference classifier.
void BM_LinearScan(benchmark::State& state) {
    const uint32_t n = static_cast<uint32_t>(state.range(0));
    std::vector<std::pair<FlowKey, FlowMask>> entries;
    for (uint32_t i = 0; i < n; ++i) {
        FlowMask m = bench_mask(i % 8);
        entries.emplace_back(mask_key(bench_key(i), m), m);
    }
    std::mt19937 rng(3);
    size_t i = 0;
    NsPerPacket timer(state);
    for (auto _ : state) {
        FlowKey key = bench_key(rng() % n);
        const FlowKey* hit = nullptr;
        for (const auto& [masked, mask] : entries) {
            if (mask_key(key, mask) == masked) {
                hit = &masked;
                break;
            }
        }
        benchmark::DoNotOptimize(hit);
        ++i;
        ++timer.packets;
    }
}
BENCHMARK(BM_LinearScan)->ArgNames({"entries"})->Arg(1000);

}  // namespace
}  // namespace vs

BENCHMARK_MAIN();
