// The config DB engine in-process, without sockets or JSON-RPC: one add-port transaction
// (Interface + Port + mutate of the bridge's ports) after another on the Open_vSwitch schema,
// written through to a fresh SQLite file. Reported per transaction at a given bridge size, so
// costs that grow with the configuration show. Run by hand: transact_bench [ports].
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "ovsdb/database.hpp"

namespace {

namespace fs = std::filesystem;
using vs::ovsdb::Json;

Json add_port(int i, bool durable) {
    const std::string name = "p" + std::to_string(i);
    Json ops = Json::array();
    if (durable) ops.push_back({{"op", "commit"}, {"durable", true}});
    ops.push_back(
        {{"op", "insert"}, {"table", "Interface"}, {"uuid-name", "i"}, {"row", {{"name", name}}}});
    ops.push_back({{"op", "insert"},
                   {"table", "Port"},
                   {"uuid-name", "p"},
                   {"row", {{"name", name}, {"interfaces", Json::array({"named-uuid", "i"})}}}});
    ops.push_back(
        {{"op", "mutate"},
         {"table", "Bridge"},
         {"where", Json::array({Json::array({"name", "==", "br0"})})},
         {"mutations", Json::parse(R"([["ports","insert",["set",[["named-uuid","p"]]]]])")}});
    return ops;
}

// state.range(0): ports on the bridge before timing starts; range(1): durable commits.
void AddPort(benchmark::State& state) {
    const fs::path dir =
        fs::temp_directory_path() / ("vs_transact_bench_" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto schema =
        vs::ovsdb::load_schema_file(std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema");
    if (!schema) {
        state.SkipWithError("cannot load the schema");
        return;
    }
    auto db = vs::ovsdb::Database::open((dir / "conf.db").string(), *schema);
    if (!db) {
        state.SkipWithError("cannot open the database");
        return;
    }
    const auto no_lock = [](std::string_view) { return false; };
    (void)(*db)->transact(
        Json::parse(R"([{"op":"insert","table":"Open_vSwitch","row":{"bridges":["named-uuid","b"]}},
        {"op":"insert","table":"Bridge","uuid-name":"b","row":{"name":"br0"}}])"),
        no_lock);
    int i = 0;
    for (; i < state.range(0); ++i)
        (void)(*db)->transact(add_port(i, false), no_lock);
    const bool durable = state.range(1) != 0;
    for (auto _ : state) {
        state.PauseTiming();
        Json ops = add_port(i++, durable);
        state.ResumeTiming();
        auto result = (*db)->transact(ops, no_lock);
        if (result.changes.empty()) state.SkipWithError(result.results.dump().c_str());
    }
    db->reset();
    fs::remove_all(dir);
}

BENCHMARK(AddPort)->Args({0, 0})->Args({1000, 0})->Args({1000, 1})->Iterations(1000)->Unit(
    benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
