// The control thread's share of a flow setup: translating a missed packet through the OpenFlow
// tables (xlate), with vsbench's l3 rule set (one exact nw_dst rule per flow in table 0, then
// in_port forwarding in table 1), each upcall a different flow as during vsbench's warm-up.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "tests/support/flow_mods.hpp"
#include "vswitchd/ofproto/flow_tables.hpp"
#include "vswitchd/ofproto/of_match.hpp"
#include "vswitchd/ofproto/xlate.hpp"

namespace vs {
namespace {

constexpr uint32_t kDstBase = 0x0afd0000;  // 10.253.0.0, vsbench's first flow destination

void add(FlowTables& tables, const OfPortMap& ports, const of13::FlowMod& fm) {
    auto m = match_from_oxm(fm.match, ports);
    if (!m || tables.flow_mod(fm, *m, 0)) {
        std::fprintf(stderr, "xlate_bench: a rule was refused\n");
        std::abort();
    }
}

FlowKey flow_key(uint32_t flow) {
    FlowKey k{};
    k.in_port = 1;
    k.eth_type = Be16::from_host(0x0800);
    k.nw_proto = 17;
    k.nw_src = Be32::from_host(0x0afe0000);
    k.nw_dst = Be32::from_host(kDstBase + flow);
    k.tp_src = Be16::from_host(9);
    k.tp_dst = Be16::from_host(9);
    return k;
}

void BM_XlateL3(benchmark::State& state) {
    const auto n_rules = static_cast<uint32_t>(state.range(0));
    const OfPortMap ports = identity_port_map();
    FlowTables tables;
    using of13::Oxm;
    using of13::OxmField;
    for (uint32_t i = 0; i < n_rules; ++i) {
        add(tables, ports,
            flow_mod_add(0, 10,
                         {{Oxm::make(OxmField::kEthType, 0x0800),
                           Oxm::make(OxmField::kIpv4Dst, kDstBase + i)}},
                         {of13::InstructionGotoTable{1}}));
    }
    add(tables, ports,
        flow_mod_add(1, 10, {{Oxm::make(OxmField::kInPort, 1)}},
                     {of13::InstructionApplyActions{{of13::ActionOutput{2, 0}}}}));
    const std::vector<uint32_t> bridge_ports{1, 2};
    const XlateEnv env{tables, ports, bridge_ports, std::nullopt,
                       [](const Upcall&, UpcallDecision&) { return false; }};
    const uint8_t frame[64] = {};
    uint32_t flow = 0;
    for (auto _ : state) {
        const FlowKey key = flow_key(flow);
        flow = flow + 1 == n_rules ? 0 : flow + 1;
        const Upcall upcall{key, UpcallReason::kMiss, 0, frame};
        UpcallDecision decision;
        XlateResult result;
        benchmark::DoNotOptimize(xlate(env, upcall, decision, result));
        benchmark::DoNotOptimize(decision.actions);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_XlateL3)->Arg(1000)->Arg(100000);

}  // namespace
}  // namespace vs

BENCHMARK_MAIN();
