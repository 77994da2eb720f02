// Micro-benchmarks of the packet parser and key hash: ns per packet over a batch of 32 frames of
// one shape (the PMD's burst size), so the numbers compare with the per-packet cycle budget.
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "datapath/packet/flow_parse.hpp"
#include "tests/datapath/packet/frame_builder.hpp"

namespace vs {
namespace {

constexpr int kBatch = 32;

// 32 copies of one frame, each in its own buffer with a distinct source port or address byte,
// so the batch is not one cache-hot line read 32 times.
std::vector<std::vector<uint8_t>> make_batch(const std::vector<uint8_t>& frame, size_t vary_at) {
    std::vector<std::vector<uint8_t>> batch(kBatch, frame);
    for (int i = 0; i < kBatch; ++i)
        batch[i][vary_at] = static_cast<uint8_t>(i);
    return batch;
}

void run_parse(benchmark::State& state, const std::vector<std::vector<uint8_t>>& batch) {
    std::array<FlowKey, kBatch> keys;
    std::array<PacketOffsets, kBatch> ofs;
    for (auto _ : state) {
        for (int i = 0; i < kBatch; ++i) {
            const auto status = parse_flow(batch[i].data(), static_cast<uint32_t>(batch[i].size()),
                                           1, keys[i], ofs[i]);
            benchmark::DoNotOptimize(status);
        }
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
    state.counters["ns_per_pkt"] =
        benchmark::Counter(static_cast<double>(state.iterations() * kBatch),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_ParseUdp4(benchmark::State& state) {
    run_parse(state, make_batch(test::udp4_frame(), 14 + 20 + 1));  // 64 bytes with the FCS
}
void BM_ParseTcp6Ext(benchmark::State& state) {
    run_parse(state, make_batch(test::tcp6_ext_frame(), 14 + 48 + 1));
}
void BM_ParseArp(benchmark::State& state) {
    run_parse(state, make_batch(test::arp_frame(), 31));
}
void BM_ParseQinQUdp4(benchmark::State& state) {
    run_parse(state, make_batch(test::qinq_udp4_frame(), 22 + 20 + 1));
}

void BM_FlowKeyHash(benchmark::State& state) {
    std::array<FlowKey, kBatch> keys;
    const auto frame = test::tcp6_ext_frame();
    PacketOffsets ofs;
    for (int i = 0; i < kBatch; ++i) {
        parse_flow(frame.data(), static_cast<uint32_t>(frame.size()), i, keys[i], ofs);
    }
    for (auto _ : state) {
        uint32_t acc = 0;
        for (const FlowKey& key : keys)
            acc ^= flow_key_hash(key);
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
    state.counters["ns_per_key"] =
        benchmark::Counter(static_cast<double>(state.iterations() * kBatch),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_ParseUdp4);
BENCHMARK(BM_ParseTcp6Ext);
BENCHMARK(BM_ParseArp);
BENCHMARK(BM_ParseQinQUdp4);
BENCHMARK(BM_FlowKeyHash);

}  // namespace
}  // namespace vs

BENCHMARK_MAIN();
