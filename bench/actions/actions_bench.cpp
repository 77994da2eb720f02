// Micro-benchmarks of the action executor: ns per packet over a batch of 32 for output-only,
// set IPv4 source + output, and push VLAN + output, with a sink that frees what it receives.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "datapath/actions/execute.hpp"
#include "tests/support/test_eal.hpp"

namespace vs {
namespace {

constexpr uint32_t kBatch = 32;

// Frees every packet in bulk after the batch, as a tx buffer would hand them to the driver.
struct FreeingSink {
    rte_mbuf* held[kBatch * 4];
    uint32_t n = 0;
    uint32_t ports[2] = {1, 2};
    void output(uint32_t, rte_mbuf* m) { held[n++] = m; }
    std::span<const uint32_t> flood_ports() const { return ports; }
    void upcall(rte_mbuf* m, UpcallReason) { held[n++] = m; }
    void drop(rte_mbuf* m, DropReason) { held[n++] = m; }
    rte_mempool* clone_pool() const { return test::test_pool(); }
    void flush() {
        rte_pktmbuf_free_bulk(held, n);
        n = 0;
    }
};

// A 64-byte IPv4/TCP frame with its PacketMeta filled in.
rte_mbuf* make_tcp_packet() {
    std::vector<uint8_t> b(64, 0);
    b[12] = 0x08;
    b[14] = 0x45;
    b[17] = 50;  // total length
    b[22] = 64;  // TTL
    b[23] = 6;   // TCP
    b[26] = 10, b[29] = 1, b[30] = 10, b[33] = 2;
    b[46] = 0x50;
    rte_mbuf* m = test::make_mbuf(b);
    PacketMeta* meta = packet_meta(m);
    std::memset(static_cast<void*>(meta), 0, sizeof(*meta));
    meta->key.eth_type = Be16::from_host(0x0800);
    meta->key.layers = kLayerL2 | kLayerL3 | kLayerL4;
    meta->key.nw_proto = 6;
    meta->ofs = {14, 34};
    return m;
}

void run_actions(benchmark::State& state, const char* text) {
    test::ensure_eal();
    ActionList actions = *parse_actions(text);
    FreeingSink sink;
    rte_mbuf* pkts[kBatch];
    for (auto _ : state) {
        state.PauseTiming();
        for (auto& p : pkts)
            p = make_tcp_packet();
        state.ResumeTiming();
        execute_actions(actions, pkts, kBatch, sink);
        state.PauseTiming();
        sink.flush();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kBatch);
}

// Reuses the same 32 mbufs (refcount bumped so the sink's output does not free them): measures
// the executor alone, without PauseTiming's overhead. `restore`, if given, undoes what the
// actions changed after each batch (its cost is included in the time).
void run_actions_reuse(benchmark::State& state, const char* text,
                       void (*restore)(rte_mbuf*) = nullptr) {
    test::ensure_eal();
    ActionList actions = *parse_actions(text);
    FreeingSink sink;
    rte_mbuf* pkts[kBatch];
    for (auto& p : pkts)
        p = make_tcp_packet();
    for (auto _ : state) {
        for (auto* p : pkts)
            rte_mbuf_refcnt_update(p, 1);
        execute_actions(actions, pkts, kBatch, sink);
        for (uint32_t i = 0; i < sink.n; ++i)
            rte_mbuf_refcnt_update(sink.held[i], -1);
        sink.n = 0;
        if (restore) {
            for (auto* p : pkts)
                restore(p);
        }
    }
    for (auto* p : pkts)
        rte_pktmbuf_free(p);
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kBatch);
}

// Trims the tag push_vlan added (rte_pktmbuf_adj and a metadata reset, a few ns per packet).
void remove_pushed_tag(rte_mbuf* p) {
    rte_pktmbuf_adj(p, 4);
    PacketMeta* meta = packet_meta(p);
    meta->ofs = {14, 34};
    meta->key.vlans[0] = meta->key.vlans[1] = {};
}

void BM_PushVlanOutputReuse(benchmark::State& state) {
    run_actions_reuse(state, "push_vlan(vid=10,pcp=0),1", remove_pushed_tag);
}

void BM_Output(benchmark::State& s) {
    run_actions(s, "1");
}
void BM_SetIpv4SrcOutput(benchmark::State& s) {
    run_actions(s, "set(ipv4(src=192.168.0.1)),1");
}
void BM_PushVlanOutput(benchmark::State& s) {
    run_actions(s, "push_vlan(vid=10,pcp=0),1");
}
void BM_OutputReuse(benchmark::State& s) {
    run_actions_reuse(s, "1");
}
void BM_SetIpv4SrcOutputReuse(benchmark::State& s) {
    run_actions_reuse(s, "set(ipv4(src=192.168.0.1)),1");
}
void BM_SetTpDstOutputReuse(benchmark::State& s) {
    run_actions_reuse(s, "set(tcp(dst=8080)),1");
}

BENCHMARK(BM_Output);
BENCHMARK(BM_SetIpv4SrcOutput);
BENCHMARK(BM_PushVlanOutput);
BENCHMARK(BM_OutputReuse);
BENCHMARK(BM_SetIpv4SrcOutputReuse);
BENCHMARK(BM_SetTpDstOutputReuse);
BENCHMARK(BM_PushVlanOutputReuse);

}  // namespace
}  // namespace vs

BENCHMARK_MAIN();
