// libFuzzer target for the config DB's transaction engine: any bytes, parsed as JSON, run as the
// operations of a transact request against the Open_vSwitch schema (SQLite file and all). It
// must never crash, throw or leak; a transaction that fails reports an error and no change, one
// that commits reports at most one result per operation. The database is started afresh every
// few thousand inputs so that it stays small.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "ovsdb/database.hpp"

namespace {

namespace fs = std::filesystem;
using vs::ovsdb::Database;
using vs::ovsdb::Json;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

const auto kNoLock = [](std::string_view name) { return name == "held"; };

std::unique_ptr<Database> open_fresh() {
    static const fs::path dir =
        fs::temp_directory_path() / ("vs_ovsdb_fuzz_" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto schema =
        vs::ovsdb::load_schema_file(std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema");
    check(schema.has_value());
    auto db = Database::open((dir / "conf.db").string(), *schema);
    check(db.has_value());
    // A bridge with a port, so that references, garbage and indexes have something to act on.
    auto seeded = (*db)->transact(Json::parse(R"([
        {"op":"insert","table":"Open_vSwitch","row":{"bridges":["named-uuid","b"]}},
        {"op":"insert","table":"Bridge","uuid-name":"b",
         "row":{"name":"br0","ports":["named-uuid","p"]}},
        {"op":"insert","table":"Port","uuid-name":"p",
         "row":{"name":"p0","interfaces":["named-uuid","i"]}},
        {"op":"insert","table":"Interface","uuid-name":"i","row":{"name":"p0"}}])"),
                                  kNoLock);
    check(seeded.changes.size() == 4);
    return std::move(*db);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static std::unique_ptr<Database> db;
    static int runs = 0;
    if (!db || ++runs % 5000 == 0) {
        db.reset();
        db = open_fresh();
    }
    const Json ops = Json::parse(data, data + size, nullptr, false);
    if (ops.is_discarded()) return 0;
    const auto result = db->transact(ops, kNoLock);
    check(result.results.is_array());
    bool failed = false;
    for (const auto& r : result.results)
        failed = failed || (r.is_object() && r.contains("error"));
    if (failed || result.blocked) check(result.changes.empty());
    if (ops.is_array() && !failed) check(result.results.size() <= ops.size());
    return 0;
}
