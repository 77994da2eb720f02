// The SQLite store: rows round-trip through the file (every kind of column), updates and erases
// persist, a rollback leaves nothing, a different schema is refused, the file reads with plain
// SQL, and our real Open_vSwitch schema works.
#include "ovsdb/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <string>

namespace vs::ovsdb {
namespace {

namespace fs = std::filesystem;

const char* const kSchemaText = R"({
  "name": "Test", "version": "1.0.0",
  "tables": {
    "Root": {
      "isRoot": true,
      "columns": {
        "i": {"type": "integer"},
        "r": {"type": "real"},
        "b": {"type": "boolean"},
        "s": {"type": "string"},
        "u": {"type": "uuid"},
        "opt": {"type": {"key": "string", "min": 0, "max": 1}},
        "tags": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
        "counts": {"type": {"key": "string", "value": "integer", "min": 0, "max": "unlimited"}},
        "child": {"type": {"key": {"type": "uuid", "refTable": "Child"}, "min": 0, "max": 1}}
      }
    },
    "Child": {
      "columns": {"name": {"type": "string"}}
    }
  }
})";

DatabaseSchema test_schema() {
    auto schema = parse_schema(Json::parse(kSchemaText));
    EXPECT_TRUE(schema) << (schema ? "" : schema.error().details);
    return schema ? *schema : DatabaseSchema{};
}

class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               (std::string("vs_store_test_") + info->name() + "_" + to_string(random_uuid()));
        fs::create_directories(dir_);
        path_ = (dir_ / "conf.db").string();
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    std::unique_ptr<Store> open_store(const DatabaseSchema& schema) {
        auto store = Store::open(path_, schema);
        EXPECT_TRUE(store) << (store ? "" : store.error().error + ": " + store.error().details);
        return store ? std::move(*store) : nullptr;
    }

    fs::path dir_;
    std::string path_;
};

Store::Row full_row(const Uuid& child) {
    Store::Row row;
    row["i"] = Datum::scalar(std::int64_t{-42});
    row["r"] = Datum::scalar(2.5);
    row["b"] = Datum::scalar(true);
    row["s"] = Datum::scalar(std::string("hello \"world\""));
    row["u"] = Datum::scalar(random_uuid());
    row["opt"] = Datum::scalar(std::string("present"));
    Datum tags;
    tags.keys = {std::string("b"), std::string("a"), std::string("c")};
    EXPECT_TRUE(tags.canonicalize());
    row["tags"] = tags;
    Datum counts;
    counts.keys = {std::string("x"), std::string("y")};
    counts.values = {std::int64_t{1}, std::int64_t{2}};
    row["counts"] = counts;
    row["child"] = Datum::scalar(child);
    return row;
}

std::vector<Store::LoadedRow> load_sorted(Store& store, std::string_view table) {
    auto rows = store.load(table);
    EXPECT_TRUE(rows) << (rows ? "" : rows.error().details);
    if (!rows) {
        return {};
    }
    std::sort(rows->begin(), rows->end(),
              [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    return *rows;
}

TEST_F(StoreTest, RoundTripThroughReopen) {
    const DatabaseSchema schema = test_schema();
    const Uuid root = random_uuid();
    const Uuid child = random_uuid();
    const Uuid version = random_uuid();
    const Store::Row row = full_row(child);
    Store::Row empty_row;  // every column defaulted; the optional stays empty
    const Uuid root2 = random_uuid();
    {
        auto store = open_store(schema);
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->begin());
        ASSERT_TRUE(
            store->insert("Child", child, version, {{"name", Datum::scalar(std::string("c"))}}));
        ASSERT_TRUE(store->insert("Root", root, version, row));
        ASSERT_TRUE(store->insert("Root", root2, version, empty_row));
        ASSERT_TRUE(store->commit());
    }
    auto store = open_store(schema);
    ASSERT_TRUE(store);
    auto rows = store->load("Root");
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 2U);
    for (const auto& [uuid, ver, loaded] : *rows) {
        EXPECT_EQ(ver, version);
        if (uuid == root) {
            EXPECT_EQ(loaded, row);
        } else {
            EXPECT_EQ(uuid, root2);
            const TableSchema* table = schema.find_table("Root");
            for (const auto& [name, datum] : loaded) {
                EXPECT_EQ(datum, default_datum(table->find_column(name)->type)) << name;
            }
            EXPECT_TRUE(loaded.at("opt").empty());
            EXPECT_EQ(loaded.size(), 9U);
        }
    }
    auto children = load_sorted(*store, "Child");
    ASSERT_EQ(children.size(), 1U);
    EXPECT_EQ(std::get<2>(children[0]).at("name"), Datum::scalar(std::string("c")));
}

TEST_F(StoreTest, UpdateAndErasePersist) {
    const DatabaseSchema schema = test_schema();
    const Uuid a = random_uuid();
    const Uuid b = random_uuid();
    const Uuid v1 = random_uuid();
    const Uuid v2 = random_uuid();
    Store::Row row = full_row(random_uuid());
    {
        auto store = open_store(schema);
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->begin());
        ASSERT_TRUE(store->insert("Root", a, v1, row));
        ASSERT_TRUE(store->insert("Root", b, v1, row));
        ASSERT_TRUE(store->commit());
        ASSERT_TRUE(store->begin());
        Store::Row changes;
        changes["i"] = Datum::scalar(std::int64_t{7});
        changes["opt"] = Datum{};
        Datum tags;
        tags.keys = {std::string("z")};
        changes["tags"] = tags;
        ASSERT_TRUE(store->update("Root", a, v2, changes));
        ASSERT_TRUE(store->erase("Root", b));
        ASSERT_TRUE(store->commit());
        for (const auto& [name, datum] : changes) {
            row[name] = datum;
        }
        // Unknown rows and columns are refused.
        EXPECT_FALSE(store->erase("Root", b));
        EXPECT_FALSE(store->update("Root", a, v2, {{"nope", Datum{}}}));
        EXPECT_FALSE(store->load("Nope"));
    }
    auto store = open_store(schema);
    ASSERT_TRUE(store);
    auto rows = load_sorted(*store, "Root");
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(std::get<0>(rows[0]), a);
    EXPECT_EQ(std::get<1>(rows[0]), v2);
    EXPECT_EQ(std::get<2>(rows[0]), row);
}

TEST_F(StoreTest, RollbackLeavesNothing) {
    const DatabaseSchema schema = test_schema();
    const Uuid kept = random_uuid();
    {
        auto store = open_store(schema);
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->begin());
        ASSERT_TRUE(store->insert("Root", kept, random_uuid(), {}));
        ASSERT_TRUE(store->commit());
        ASSERT_TRUE(store->begin());
        ASSERT_TRUE(store->insert("Root", random_uuid(), random_uuid(), {}));
        ASSERT_TRUE(
            store->update("Root", kept, random_uuid(), {{"i", Datum::scalar(std::int64_t{99})}}));
        ASSERT_TRUE(store->rollback());
    }
    auto store = open_store(schema);
    ASSERT_TRUE(store);
    auto rows = load_sorted(*store, "Root");
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(std::get<0>(rows[0]), kept);
    EXPECT_EQ(std::get<2>(rows[0]).at("i"), Datum::scalar(std::int64_t{0}));
}

TEST_F(StoreTest, DuplicateUuidIsConstraintViolation) {
    auto store = open_store(test_schema());
    ASSERT_TRUE(store);
    const Uuid uuid = random_uuid();
    ASSERT_TRUE(store->begin());
    ASSERT_TRUE(store->insert("Root", uuid, random_uuid(), {}));
    auto again = store->insert("Root", uuid, random_uuid(), {});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().error, "constraint violation");
    ASSERT_TRUE(store->rollback());
}

TEST_F(StoreTest, SchemaMismatchIsRefused) {
    ASSERT_TRUE(open_store(test_schema()));
    DatabaseSchema other = test_schema();
    other.version = "1.0.1";
    auto refused = Store::open(path_, other);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().error, "schema mismatch");
    EXPECT_TRUE(open_store(test_schema()));  // the original schema still opens
}

TEST_F(StoreTest, FileReadsWithPlainSql) {
    const Uuid root = random_uuid();
    {
        auto store = open_store(test_schema());
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->begin());
        ASSERT_TRUE(store->insert("Root", root, random_uuid(), full_row(random_uuid())));
        ASSERT_TRUE(store->commit());
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(db, "SELECT \"i\", \"s\", \"tags\", \"counts\", \"_uuid\" FROM \"Root\"",
                           -1, &stmt, nullptr),
        SQLITE_OK)
        << sqlite3_errmsg(db);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_type(stmt, 0), SQLITE_INTEGER);
    EXPECT_EQ(sqlite3_column_int64(stmt, 0), -42);
    auto text = [&](int column) {
        return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, column)));
    };
    EXPECT_EQ(text(1), "hello \"world\"");
    EXPECT_EQ(Json::parse(text(2)), Json::parse(R"(["set", ["a", "b", "c"]])"));
    EXPECT_EQ(Json::parse(text(3)), Json::parse(R"(["map", [["x", 1], ["y", 2]]])"));
    EXPECT_EQ(text(4), to_string(root));
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

TEST_F(StoreTest, OurSchemaBridgeRow) {
    auto schema = load_schema_file(std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema");
    ASSERT_TRUE(schema) << schema.error().details;
    const Uuid bridge = random_uuid();
    const Uuid version = random_uuid();
    Store::Row row;
    row["name"] = Datum::scalar(std::string("br0"));
    row["fail_mode"] = Datum::scalar(std::string("secure"));
    Datum ports;
    ports.keys = {random_uuid(), random_uuid()};
    EXPECT_TRUE(ports.canonicalize());
    row["ports"] = ports;
    Datum external_ids;
    external_ids.keys = {std::string("owner")};
    external_ids.values = {std::string("test")};
    row["external_ids"] = external_ids;
    {
        auto store = open_store(*schema);
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->begin());
        ASSERT_TRUE(store->insert("Bridge", bridge, version, row));
        ASSERT_TRUE(store->commit());
    }
    auto store = open_store(*schema);
    ASSERT_TRUE(store);
    auto rows = load_sorted(*store, "Bridge");
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(std::get<0>(rows[0]), bridge);
    const Store::Row& loaded = std::get<2>(rows[0]);
    for (const auto& [name, datum] : row) {
        EXPECT_EQ(loaded.at(name), datum) << name;
    }
    EXPECT_EQ(loaded.at("stp_enable"), Datum::scalar(false));
    EXPECT_TRUE(loaded.at("netflow").empty());
    EXPECT_TRUE(load_sorted(*store, "Port").empty());
}

}  // namespace
}  // namespace vs::ovsdb
