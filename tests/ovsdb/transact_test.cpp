// The transaction engine (RFC 7047 transact): result shapes of every operation, error tags and
// indexes, atomicity in memory and on disk, commit-time checks (references, garbage collection,
// weak references, indexes, maxRows), reported changes, wait and assert; with a small schema and
// with our real Open_vSwitch schema.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <string>

#include "ovsdb/database.hpp"

namespace vs::ovsdb {
namespace {

namespace fs = std::filesystem;

const char* const kSchemaText = R"({
  "name": "Test", "version": "1.0.0",
  "tables": {
    "Root": {
      "isRoot": true,
      "indexes": [["name"]],
      "columns": {
        "name": {"type": "string"},
        "n": {"type": "integer"},
        "id": {"type": "integer", "mutable": false},
        "tags": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
        "counts": {"type": {"key": "string", "value": "integer", "min": 0, "max": "unlimited"}},
        "child": {"type": {"key": {"type": "uuid", "refTable": "Child"}, "min": 0, "max": 1}},
        "watch": {"type": {"key": {"type": "uuid", "refTable": "Child", "refType": "weak"},
                           "min": 0, "max": "unlimited"}}
      }
    },
    "Child": {
      "columns": {
        "name": {"type": "string"},
        "grand": {"type": {"key": {"type": "uuid", "refTable": "Grand"}, "min": 0, "max": 1}}
      }
    },
    "Grand": {"columns": {"v": {"type": "integer"}}},
    "Pin": {
      "isRoot": true,
      "columns": {"to": {"type": {"key": {"type": "uuid", "refTable": "Child", "refType": "weak"}}}}
    },
    "Single": {"isRoot": true, "maxRows": 1, "columns": {"v": {"type": "integer"}}}
  }
})";

const auto kNoLock = [](std::string_view) { return false; };

class TransactTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               (std::string("vs_transact_test_") + info->name() + "_" + to_string(random_uuid()));
        fs::create_directories(dir_);
        path_ = (dir_ / "conf.db").string();
        reopen();
    }
    void TearDown() override {
        db_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    virtual DatabaseSchema make_schema() {
        auto schema = parse_schema(Json::parse(kSchemaText));
        EXPECT_TRUE(schema) << (schema ? "" : schema.error().details);
        return schema ? *schema : DatabaseSchema{};
    }
    void reopen() {
        db_.reset();
        auto db = Database::open(path_, make_schema());
        ASSERT_TRUE(db) << db.error().details;
        db_ = std::move(*db);
    }
    TransactResult tx(const std::string& ops) { return db_->transact(Json::parse(ops), kNoLock); }
    std::size_t count(const std::string& table) {
        std::size_t n = 0;
        db_->for_each_row(table, [&](const Uuid&, const Store::Row&) { ++n; });
        return n;
    }
    static std::string uuid_of(const Json& result) { return result["uuid"][1].get<std::string>(); }

    fs::path dir_;
    std::string path_;
    std::unique_ptr<Database> db_;
};

TEST_F(TransactTest, InsertSelectUpdateMutateDelete) {
    auto r = tx(R"([{"op":"insert","table":"Root","row":{"name":"a","n":1,"tags":["set",["x"]]}},
                   {"op":"comment","comment":"hi"},{"op":"commit","durable":true}])");
    ASSERT_EQ(r.results.size(), 3U) << r.results.dump();
    EXPECT_EQ(r.results[0]["uuid"][0], "uuid");
    EXPECT_EQ(r.results[1], Json::object());
    EXPECT_EQ(r.results[2], Json::object());
    ASSERT_EQ(r.changes.size(), 1U);
    EXPECT_FALSE(r.changes[0].old_row);
    EXPECT_EQ(r.changes[0].new_row->at("n"), Datum::scalar(std::int64_t{1}));
    const std::string uuid = uuid_of(r.results[0]);

    r = tx(R"([{"op":"select","table":"Root","where":[["name","==","a"]]}])");
    ASSERT_EQ(r.results[0]["rows"].size(), 1U) << r.results.dump();
    const Json row = r.results[0]["rows"][0];
    EXPECT_EQ(row["_uuid"][1], uuid);
    EXPECT_TRUE(row.contains("_version"));
    EXPECT_EQ(row["tags"], "x");
    EXPECT_EQ(row["counts"], Json::parse(R"(["map",[]])"));
    EXPECT_TRUE(r.changes.empty());

    r = tx(R"([{"op":"select","table":"Root","where":[["_uuid","==",["uuid",")" + uuid +
           R"("]]],"columns":["n"]}])");
    EXPECT_EQ(r.results[0], Json::parse(R"({"rows":[{"n":1}]})")) << r.results.dump();

    r = tx(R"([{"op":"update","table":"Root","where":[["n","<",5]],"row":{"n":7}},
               {"op":"mutate","table":"Root","where":[],"mutations":[["n","+=",1],
                  ["counts","insert",["map",[["k",2]]]]]},
               {"op":"select","table":"Root","where":[["n",">=",8],["counts","includes",
                  ["map",[["k",2]]]],["tags","excludes","y"]],"columns":["n"]}])");
    EXPECT_EQ(r.results, Json::parse(R"([{"count":1},{"count":1},{"rows":[{"n":8}]}])"))
        << r.results.dump();
    ASSERT_EQ(r.changes.size(), 1U);
    EXPECT_EQ(r.changes[0].old_row->at("n"), Datum::scalar(std::int64_t{1}));
    EXPECT_EQ(r.changes[0].new_row->at("n"), Datum::scalar(std::int64_t{8}));

    // An update that changes nothing reports no change.
    r = tx(R"([{"op":"update","table":"Root","where":[],"row":{"n":8}}])");
    EXPECT_EQ(r.results[0]["count"], 1);
    EXPECT_TRUE(r.changes.empty());

    r = tx(R"([{"op":"delete","table":"Root","where":[["name","!=","zzz"]]}])");
    EXPECT_EQ(r.results[0], Json::parse(R"({"count":1})"));
    ASSERT_EQ(r.changes.size(), 1U);
    EXPECT_FALSE(r.changes[0].new_row);
    EXPECT_EQ(count("Root"), 0U);
}

TEST_F(TransactTest, ErrorsAtTheirIndex) {
    const auto expect_error = [&](const std::string& ops, std::size_t index, const char* tag) {
        const auto r = tx(ops);
        ASSERT_EQ(r.results.size(), index + 1) << ops << " -> " << r.results.dump();
        EXPECT_EQ(r.results[index]["error"], tag) << r.results.dump();
        EXPECT_TRUE(r.changes.empty());
    };
    const std::string ok = R"({"op":"comment","comment":"c"},)";
    expect_error("[" + ok + R"({"op":"frobnicate"}])", 1, "unknown operation");
    expect_error("[" + ok + R"({"op":"select","table":"Nope","where":[]}])", 1, "unknown table");
    expect_error("[" + ok + R"({"op":"select","table":"Root","where":[["zz","==",1]]}])", 1,
                 "unknown column");
    expect_error("[" + ok + R"({"op":"insert","table":"Root","row":{"zz":1}}])", 1,
                 "unknown column");
    expect_error(R"([{"op":"select","table":"Root"}])", 0, "syntax error");
    expect_error(R"([{"op":"select","table":"Root","where":[["n","<","x"]]}])", 0, "syntax error");
    expect_error(R"([{"op":"select","table":"Root","where":[["tags","<",1]]}])", 0, "syntax error");
    expect_error(R"([{"table":"Root"}])", 0, "syntax error");
    expect_error(R"([17])", 0, "syntax error");
    expect_error(R"([{"op":"commit"}])", 0, "syntax error");
    expect_error("[" + ok + R"({"op":"abort"},{"op":"comment","comment":"never"}])", 1, "aborted");
    expect_error(R"([{"op":"insert","table":"Root","row":{"name":"a"}},
                     {"op":"update","table":"Root","where":[],"row":{"id":3}}])",
                 1, "constraint violation");
    expect_error(R"([{"op":"insert","table":"Root","row":{"name":"a"}},
                     {"op":"mutate","table":"Root","where":[],"mutations":[["id","+=",1]]}])",
                 1, "constraint violation");
    expect_error(R"([{"op":"insert","table":"Root","uuid-name":"x"},
                     {"op":"insert","table":"Root","uuid-name":"x","row":{"name":"b"}}])",
                 1, "duplicate uuid-name");
    expect_error(R"([{"op":"insert","table":"Root","row":{"n":9223372036854775807}},
                     {"op":"mutate","table":"Root","where":[],"mutations":[["n","+=",1]]}])",
                 1, "range error");
    EXPECT_EQ(count("Root"), 0U);
}

TEST_F(TransactTest, AtomicInMemoryAndOnDisk) {
    ASSERT_TRUE(
        tx(R"([{"op":"insert","table":"Root","row":{"name":"keep","n":1}}])").changes.size() == 1);
    const auto r = tx(R"([{"op":"insert","table":"Root","row":{"name":"b"}},
                          {"op":"update","table":"Root","where":[],"row":{"n":5}},
                          {"op":"delete","table":"Root","where":[["name","==","keep"]]},
                          {"op":"select","table":"Nope","where":[]}])");
    ASSERT_EQ(r.results.size(), 4U);
    EXPECT_EQ(r.results[3]["error"], "unknown table");
    const auto check = [&] {
        EXPECT_EQ(count("Root"), 1U);
        const auto sel =
            tx(R"([{"op":"select","table":"Root","where":[],"columns":["name","n"]}])");
        EXPECT_EQ(sel.results[0], Json::parse(R"({"rows":[{"name":"keep","n":1}]})"));
    };
    check();
    reopen();
    check();
}

// Group commit: each transaction of a batch answers and fails on its own, later ones see the
// earlier ones, and nothing is in the file (for another SQLite connection) before end_batch().
TEST_F(TransactTest, BatchCommitsTogetherEachTransactionAtomic) {
    const auto rows_in_file = [&] {
        sqlite3* other = nullptr;
        EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &other, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
        sqlite3_stmt* stmt = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(other, "SELECT count(*) FROM \"Root\"", -1, &stmt, nullptr),
                  SQLITE_OK);
        EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
        const auto n = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        sqlite3_close_v2(other);
        return n;
    };
    db_->begin_batch();
    EXPECT_EQ(tx(R"([{"op":"insert","table":"Root","row":{"name":"a","n":1}}])").changes.size(),
              1U);
    EXPECT_EQ(tx(R"([{"op":"insert","table":"Root","row":{"name":"b"}}])").changes.size(), 1U);
    // Fails on the index (with "a" of the same batch) and undoes only itself.
    auto r = tx(R"([{"op":"insert","table":"Root","row":{"name":"c"}},
                    {"op":"insert","table":"Root","row":{"name":"a"}}])");
    EXPECT_TRUE(r.changes.empty());
    EXPECT_EQ(r.results.back()["error"], "constraint violation") << r.results.dump();
    r = tx(R"([{"op":"mutate","table":"Root","where":[["name","==","a"]],
                "mutations":[["n","+=",10]]}])");
    EXPECT_EQ(r.results[0]["count"], 1);
    EXPECT_EQ(rows_in_file(), 0);
    // A durable one commits what the batch holds first, then itself with a disk sync.
    EXPECT_EQ(tx(R"([{"op":"commit","durable":true},
                     {"op":"insert","table":"Root","row":{"name":"d"}}])")
                  .changes.size(),
              1U);
    EXPECT_EQ(rows_in_file(), 3);
    EXPECT_EQ(tx(R"([{"op":"insert","table":"Root","row":{"name":"e"}}])").changes.size(), 1U);
    EXPECT_EQ(rows_in_file(), 3);
    ASSERT_TRUE(db_->end_batch());
    EXPECT_EQ(rows_in_file(), 4);
    reopen();
    r = tx(R"([{"op":"select","table":"Root","where":[],"columns":["name","n"]}])");
    std::map<std::string, std::int64_t> got;
    for (const Json& row : r.results[0]["rows"])
        got[row["name"].get<std::string>()] = row["n"].get<std::int64_t>();
    EXPECT_EQ(got, (std::map<std::string, std::int64_t>{{"a", 11}, {"b", 0}, {"d", 0}, {"e", 0}}));
}

TEST_F(TransactTest, PersistsAcrossReopenWithVersions) {
    auto r =
        tx(R"([{"op":"insert","table":"Root","row":{"name":"p","counts":["map",[["a",1]]]}}])");
    const std::string uuid = uuid_of(r.results[0]);
    const auto version = [&] {
        return tx(R"([{"op":"select","table":"Root","where":[],"columns":["_version"]}])")
            .results[0]["rows"][0]["_version"];
    };
    const Json v1 = version();
    reopen();
    EXPECT_EQ(version(), v1);
    r = tx(
        R"([{"op":"mutate","table":"Root","where":[],"mutations":[["tags","insert",["set",["t"]]]]}])");
    EXPECT_EQ(r.results[0]["count"], 1);
    const Json v2 = version();
    EXPECT_NE(v2, v1);
    reopen();
    EXPECT_EQ(version(), v2);
    r = tx(R"([{"op":"select","table":"Root","where":[],"columns":["_uuid","tags","counts"]}])");
    EXPECT_EQ(r.results[0]["rows"][0], Json::parse(R"({"_uuid":["uuid",")" + uuid +
                                                   R"("],"tags":"t","counts":["map",[["a",1]]]})"));
}

TEST_F(TransactTest, ReferencesGarbageAndWeakRefs) {
    // A Child with nothing strong pointing at it is collected at once.
    auto r = tx(R"([{"op":"insert","table":"Child","row":{"name":"orphan"}}])");
    EXPECT_EQ(r.results.size(), 1U);
    EXPECT_TRUE(r.changes.empty());
    EXPECT_EQ(count("Child"), 0U);

    r = tx(R"([{"op":"insert","table":"Grand","uuid-name":"g","row":{"v":1}},
               {"op":"insert","table":"Child","uuid-name":"c","row":{"name":"c","grand":["named-uuid","g"]}},
               {"op":"insert","table":"Root","row":{"name":"r","child":["named-uuid","c"],
                  "watch":["named-uuid","c"]}}])");
    ASSERT_EQ(r.results.size(), 3U) << r.results.dump();
    EXPECT_EQ(r.changes.size(), 3U);
    EXPECT_EQ(count("Child"), 1U);
    EXPECT_EQ(count("Grand"), 1U);

    // Deleting a strongly referenced row: error after the results.
    r = tx(R"([{"op":"delete","table":"Child","where":[]}])");
    ASSERT_EQ(r.results.size(), 2U) << r.results.dump();
    EXPECT_EQ(r.results[0]["count"], 1);
    EXPECT_EQ(r.results[1]["error"], "referential integrity violation");
    EXPECT_EQ(count("Child"), 1U);
    r = tx(R"([{"op":"update","table":"Root","where":[],"row":{"child":["set",[["uuid",")" +
           to_string(random_uuid()) + R"("]]]}}])");
    EXPECT_EQ(r.results.back()["error"], "referential integrity violation") << r.results.dump();

    // Dropping the strong reference collects Child then Grand and clears the weak reference.
    r = tx(R"([{"op":"update","table":"Root","where":[],"row":{"child":["set",[]]}}])");
    ASSERT_EQ(r.results.size(), 1U) << r.results.dump();
    EXPECT_EQ(count("Child"), 0U);
    EXPECT_EQ(count("Grand"), 0U);
    ASSERT_EQ(r.changes.size(), 3U);
    for (const auto& change : r.changes) {
        if (change.table == "Root") {
            EXPECT_EQ(change.old_row->at("watch").size(), 1U);
            EXPECT_TRUE(change.new_row->at("watch").empty());
            EXPECT_TRUE(change.new_row->at("child").empty());
        } else {
            EXPECT_FALSE(change.new_row) << change.table;
        }
    }
}

TEST_F(TransactTest, WeakRefBelowMinimumIsAViolation) {
    auto r = tx(R"([{"op":"insert","table":"Child","uuid-name":"c","row":{"name":"c"}},
                    {"op":"insert","table":"Root","row":{"name":"r","child":["named-uuid","c"]}},
                    {"op":"insert","table":"Pin","row":{"to":["named-uuid","c"]}}])");
    ASSERT_EQ(r.results.size(), 3U) << r.results.dump();
    r = tx(R"([{"op":"update","table":"Root","where":[],"row":{"child":["set",[]]}}])");
    ASSERT_EQ(r.results.size(), 2U) << r.results.dump();
    EXPECT_EQ(r.results[1]["error"], "constraint violation");
    EXPECT_EQ(count("Child"), 1U);
}

TEST_F(TransactTest, IndexesAndMaxRows) {
    auto r = tx(R"([{"op":"insert","table":"Root","row":{"name":"a"}},
                    {"op":"insert","table":"Root","row":{"name":"a"}}])");
    ASSERT_EQ(r.results.size(), 3U);
    EXPECT_EQ(r.results[2]["error"], "constraint violation");
    EXPECT_EQ(count("Root"), 0U);
    r = tx(R"([{"op":"insert","table":"Single","row":{"v":1}},
               {"op":"insert","table":"Single","row":{"v":2}}])");
    ASSERT_EQ(r.results.size(), 3U);
    EXPECT_EQ(r.results[2]["error"], "constraint violation");
    r = tx(R"([{"op":"insert","table":"Single","row":{"v":1}}])");
    EXPECT_EQ(r.results.size(), 1U);
    EXPECT_EQ(count("Single"), 1U);
}

TEST_F(TransactTest, WaitAndAssert) {
    ASSERT_EQ(tx(R"([{"op":"insert","table":"Root","row":{"name":"w","n":3}}])").changes.size(),
              1U);
    auto r = tx(R"([{"op":"wait","table":"Root","where":[],"columns":["n"],"until":"==",
                     "rows":[{"n":3}],"timeout":0}])");
    EXPECT_EQ(r.results, Json::parse("[{}]"));
    r = tx(R"([{"op":"wait","table":"Root","where":[],"columns":["n"],"until":"!=",
                "rows":[{"n":3}],"timeout":0}])");
    EXPECT_EQ(r.results[0]["error"], "timed out");
    EXPECT_FALSE(r.blocked);
    r = tx(R"([{"op":"insert","table":"Root","row":{"name":"x"}},
               {"op":"wait","table":"Root","where":[["name","==","w"]],"columns":["n"],
                "until":"==","rows":[{"n":4}],"timeout":1000}])");
    EXPECT_TRUE(r.blocked);
    EXPECT_TRUE(r.changes.empty());
    EXPECT_EQ(count("Root"), 1U);

    const std::string assert_op = R"([{"op":"assert","lock":"L"}])";
    r = tx(assert_op);
    EXPECT_EQ(r.results[0]["error"], "not owner");
    r = db_->transact(Json::parse(assert_op), [](std::string_view name) { return name == "L"; });
    EXPECT_EQ(r.results, Json::parse("[{}]"));
}

class VswitchTransactTest : public TransactTest {
  protected:
    DatabaseSchema make_schema() override {
        auto schema = load_schema_file(std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema");
        EXPECT_TRUE(schema) << (schema ? "" : schema.error().details);
        return schema ? *schema : DatabaseSchema{};
    }
};

TEST_F(VswitchTransactTest, BridgePortInterfaceAndGarbageCollection) {
    auto r = tx(R"([{"op":"insert","table":"Interface","uuid-name":"i","row":{"name":"p0"}},
                    {"op":"insert","table":"Port","uuid-name":"p",
                     "row":{"name":"p0","interfaces":["named-uuid","i"]}},
                    {"op":"insert","table":"Bridge","uuid-name":"b",
                     "row":{"name":"br0","ports":["named-uuid","p"]}},
                    {"op":"insert","table":"Open_vSwitch","row":{"bridges":["named-uuid","b"]}}])");
    ASSERT_EQ(r.results.size(), 4U) << r.results.dump();
    EXPECT_EQ(r.changes.size(), 4U);
    reopen();
    EXPECT_EQ(count("Port"), 1U);
    EXPECT_EQ(count("Interface"), 1U);
    r = tx(R"([{"op":"update","table":"Bridge","where":[["name","==","br0"]],
                "row":{"ports":["set",[]]}}])");
    ASSERT_EQ(r.results.size(), 1U) << r.results.dump();
    EXPECT_EQ(r.changes.size(), 3U);
    EXPECT_EQ(count("Port"), 0U);
    EXPECT_EQ(count("Interface"), 0U);
    EXPECT_EQ(count("Bridge"), 1U);
    reopen();
    EXPECT_EQ(count("Port"), 0U);
    EXPECT_EQ(count("Interface"), 0U);
}

// Ports added and removed by set mutations within one transaction and across several: the
// reference counts (which decide garbage collection) and the link tables on disk follow the
// element differences, including an element inserted and deleted again in one transaction.
TEST_F(VswitchTransactTest, SetMutationsKeepCountsAndLinksExact) {
    auto r = tx(R"([{"op":"insert","table":"Bridge","uuid-name":"b","row":{"name":"br0"}},
                    {"op":"insert","table":"Open_vSwitch","row":{"bridges":["named-uuid","b"]}}])");
    ASSERT_EQ(r.changes.size(), 2U) << r.results.dump();
    const auto add_port = [&](const std::string& name) {
        return tx(R"([{"op":"insert","table":"Port","uuid-name":"p","row":{"name":")" + name +
                  R"(","interfaces":["named-uuid","i"]}},
                      {"op":"insert","table":"Interface","uuid-name":"i","row":{"name":")" +
                  name +
                  R"("}},
                      {"op":"mutate","table":"Bridge","where":[],
                       "mutations":[["ports","insert",["set",[["named-uuid","p"]]]]]}])");
    };
    std::vector<std::string> ports;
    for (int i = 0; i < 5; ++i) {
        auto added = add_port("p" + std::to_string(i));
        ASSERT_EQ(added.results.size(), 3U) << added.results.dump();
        ports.push_back(uuid_of(added.results[0]));
    }
    const auto ref = [](const std::string& uuid) { return R"(["uuid",")" + uuid + R"("])"; };
    // Remove p1, insert and remove p2 again (no net change), remove and re-insert p3.
    r = tx(R"([{"op":"mutate","table":"Bridge","where":[],"mutations":[
                 ["ports","delete",["set",[)" +
           ref(ports[1]) + R"(]]],
                 ["ports","delete",["set",[)" +
           ref(ports[2]) + R"(]]],
                 ["ports","insert",["set",[)" +
           ref(ports[2]) + R"(]]],
                 ["ports","delete",["set",[)" +
           ref(ports[3]) + R"(]]],
                 ["ports","insert",["set",[)" +
           ref(ports[3]) + R"(]]]]}])");
    ASSERT_EQ(r.results.size(), 1U) << r.results.dump();
    EXPECT_EQ(count("Port"), 4U);
    EXPECT_EQ(count("Interface"), 4U);
    // The counts of p2 and p3 are still one: dropping them from the bridge collects them.
    r = tx(R"([{"op":"mutate","table":"Bridge","where":[],"mutations":[
                 ["ports","delete",["set",[)" +
           ref(ports[2]) + "," + ref(ports[3]) + R"(]]]]}])");
    ASSERT_EQ(r.results.size(), 1U) << r.results.dump();
    EXPECT_EQ(count("Port"), 2U);
    // A port still on the bridge cannot be deleted directly.
    r = tx(R"([{"op":"delete","table":"Port","where":[["_uuid","==",)" + ref(ports[0]) + "]]}]");
    EXPECT_EQ(r.results.back()["error"], "referential integrity violation") << r.results.dump();
    reopen();
    EXPECT_EQ(count("Port"), 2U);
    EXPECT_EQ(count("Interface"), 2U);
    r = tx(R"([{"op":"select","table":"Bridge","where":[],"columns":["ports"]}])");
    const Json stored = r.results[0]["rows"][0]["ports"];
    EXPECT_EQ(stored, Json::parse(R"(["set",[)" + ref(std::min(ports[0], ports[4])) + "," +
                                  ref(std::max(ports[0], ports[4])) + "]]"))
        << stored.dump();
}

// Guest definitions (for vmctl) live in the same database: a guest with its interface, a
// duplicate name refused, the interface collected with its guest, both kept across a reopen.
TEST_F(VswitchTransactTest, GuestDefinitions) {
    auto r = tx(R"([{"op":"insert","table":"Guest_Interface","uuid-name":"n",
                     "row":{"bridge":"br0","type":"vhostuser","mac":"52:54:00:00:00:01"}},
                    {"op":"insert","table":"Guest","row":{"name":"vm1","type":"kvm","memory_mb":256,
                     "vcpus":1,"kernel":"/img/vmlinux","interfaces":["named-uuid","n"],
                     "autostart":true}}])");
    ASSERT_EQ(r.changes.size(), 2U) << r.results.dump();
    r = tx(R"([{"op":"insert","table":"Guest","row":{"name":"vm1","type":"lxc","memory_mb":64,
               "vcpus":1}}])");
    EXPECT_EQ(r.results.back()["error"], "constraint violation") << r.results.dump();
    r = tx(R"([{"op":"insert","table":"Guest","row":{"name":"vm2","type":"qemu","memory_mb":64,
               "vcpus":1}}])");
    EXPECT_EQ(r.results.back()["error"], "constraint violation") << r.results.dump();
    r = tx(R"([{"op":"insert","table":"Guest","row":{"name":"vm2","type":"lxc","memory_mb":0,
               "vcpus":1}}])");
    EXPECT_EQ(r.results.back()["error"], "constraint violation") << r.results.dump();
    reopen();
    EXPECT_EQ(count("Guest"), 1U);
    EXPECT_EQ(count("Guest_Interface"), 1U);
    r = tx(R"([{"op":"delete","table":"Guest","where":[["name","==","vm1"]]}])");
    EXPECT_EQ(r.results[0]["count"], 1) << r.results.dump();
    EXPECT_EQ(count("Guest_Interface"), 0U);
}

}  // namespace
}  // namespace vs::ovsdb
