// Schemas: our Open_vSwitch schema parses, its references and indexes resolve, it round-trips,
// bad schemas are refused, and it matches Open vSwitch's own schema column for column.
#include "ovsdb/schema.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace vs::ovsdb {
namespace {

std::string our_schema_path() {
    return std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema";
}
// Open vSwitch's schema (Debian ships it in openvswitch-switch); VS_OVS_SCHEMA overrides the path.
std::string ovs_schema_path() {
    const char* env = std::getenv("VS_OVS_SCHEMA");
    return env != nullptr && *env != '\0' ? std::string(env)
                                          : std::string("/usr/share/openvswitch/vswitch.ovsschema");
}

DatabaseSchema load_ours() {
    auto schema = load_schema_file(our_schema_path());
    EXPECT_TRUE(schema) << (schema ? "" : schema.error().details);
    return schema ? *schema : DatabaseSchema{};
}

TEST(Schema, OursParses) {
    DatabaseSchema s = load_ours();
    EXPECT_EQ(s.name, "Open_vSwitch");
    EXPECT_EQ(s.version, "8.3.1");
    for (const char* t : {"Open_vSwitch", "Bridge", "Port", "Interface", "Controller", "Manager",
                          "Mirror", "SSL", "QoS", "Queue", "NetFlow", "sFlow", "IPFIX",
                          "AutoAttach", "Datapath", "CT_Zone", "CT_Timeout_Policy", "Flow_Table"}) {
        EXPECT_NE(s.find_table(t), nullptr) << t;
    }
    const TableSchema* root = s.find_table("Open_vSwitch");
    ASSERT_NE(root, nullptr);
    EXPECT_TRUE(root->is_root);
    EXPECT_EQ(root->max_rows, 1U);
    const TableSchema* bridge = s.find_table("Bridge");
    ASSERT_NE(bridge, nullptr);
    EXPECT_FALSE(bridge->is_root);
    ASSERT_EQ(bridge->indexes.size(), 1U);
    EXPECT_EQ(bridge->indexes[0], std::vector<std::string>{"name"});
    const ColumnSchema* name = bridge->find_column("name");
    ASSERT_NE(name, nullptr);
    EXPECT_FALSE(name->is_mutable);
    EXPECT_TRUE(name->type.is_scalar());
    const ColumnSchema* fail_mode = bridge->find_column("fail_mode");
    ASSERT_NE(fail_mode, nullptr);
    EXPECT_TRUE(fail_mode->type.is_optional_scalar());
    ASSERT_TRUE(fail_mode->type.key.enum_values);
    EXPECT_EQ(fail_mode->type.key.enum_values->size(), 2U);
    const ColumnSchema* out = s.find_table("Mirror")->find_column("output_port");
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(out->type.key.ref_type, RefType::kWeak);
}

TEST(Schema, ImplicitColumnsAndReferences) {
    DatabaseSchema s = load_ours();
    std::size_t refs = 0;
    for (const auto& [name, table] : s.tables) {
        ASSERT_GE(table.columns.size(), 3U) << name;
        EXPECT_EQ(table.columns[0].name, "_uuid");
        EXPECT_EQ(table.columns[1].name, "_version");
        EXPECT_EQ(table.columns[0].type, make_scalar(AtomicType::kUuid));
        for (const auto& column : table.columns) {
            for (const auto* base :
                 {&column.type.key, column.type.value ? &*column.type.value : nullptr}) {
                if (base != nullptr && base->is_ref()) {
                    ++refs;
                    EXPECT_NE(s.find_table(base->ref_table), nullptr) << name << "." << column.name;
                }
            }
        }
        for (const auto& index : table.indexes) {
            for (const auto& column : index)
                EXPECT_NE(table.find_column(column), nullptr) << name << " " << column;
        }
    }
    EXPECT_GE(refs, 20U);
}

TEST(Schema, RoundTrip) {
    DatabaseSchema s = load_ours();
    Json json = schema_to_json(s);
    EXPECT_FALSE(json["tables"]["Bridge"]["columns"].contains("_uuid"));
    auto again = parse_schema(json);
    ASSERT_TRUE(again) << again.error().details;
    EXPECT_EQ(schema_to_json(*again), json);
    ASSERT_EQ(again->tables.size(), s.tables.size());
    for (const auto& [name, table] : s.tables) {
        const TableSchema* other = again->find_table(name);
        ASSERT_NE(other, nullptr);
        ASSERT_EQ(other->columns.size(), table.columns.size()) << name;
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            EXPECT_EQ(other->columns[i].name, table.columns[i].name);
            EXPECT_EQ(other->columns[i].type, table.columns[i].type)
                << name << "." << table.columns[i].name;
            EXPECT_EQ(other->columns[i].ephemeral, table.columns[i].ephemeral);
            EXPECT_EQ(other->columns[i].is_mutable, table.columns[i].is_mutable);
        }
        EXPECT_EQ(other->indexes, table.indexes);
        EXPECT_EQ(other->is_root, table.is_root);
        EXPECT_EQ(other->max_rows, table.max_rows);
    }
}

TEST(Schema, RejectsBadSchemas) {
    const Json good = Json::parse(
        R"({"name": "db", "version": "1.0.0", "tables": {"T": {"columns": {"c": {"type": "integer"}}}}})");
    ASSERT_TRUE(parse_schema(good));
    auto expect_bad = [&](const char* patch_text) {
        Json bad = good;
        bad.merge_patch(Json::parse(patch_text));
        auto r = parse_schema(bad);
        ASSERT_FALSE(r) << patch_text;
        EXPECT_EQ(r.error().error, "syntax error");
    };
    expect_bad(R"({"name": "1db"})");
    expect_bad(R"({"version": "1.0"})");
    expect_bad(R"({"tables": {"T": {"columns": {"_c": {"type": "integer"}}}}})");
    expect_bad(R"({"tables": {"T": {"columns": {"c d": {"type": "integer"}}}}})");
    expect_bad(
        R"({"tables": {"T": {"columns": {"r": {"type": {"key": {"type": "uuid", "refTable": "Nope"}}}}}}})");
    expect_bad(R"({"tables": {"T": {"indexes": [["missing"]]}}})");
    expect_bad(R"({"tables": {"T": {"maxRows": 0}}})");
    expect_bad(R"({"tables": {"T": {"isRoot": "yes"}}})");
    expect_bad(R"({"tables": {"T": {"columns": {"c": {"type": "int"}}}}})");
    expect_bad(R"({"tables": {"T": {"columns": {"c": {"type": "integer", "ephemeral": 1}}}}})");
    expect_bad(R"({"extra": 1})");
    EXPECT_FALSE(parse_schema(Json::parse("[1, 2]")));
    EXPECT_FALSE(load_schema_file("/nonexistent/schema.json"));
}

// Every table and column of ours exists in Open vSwitch's schema with the same type, except our
// own guest tables (vmctl's definitions); columns of theirs that we leave out are reported, not
// failed.
TEST(Schema, MatchesOpenVswitch) {
    const std::string ovs_schema = ovs_schema_path();
    if (!std::filesystem::exists(ovs_schema)) {
        GTEST_SKIP() << ovs_schema << " missing (install openvswitch-switch to run this check)";
    }
    DatabaseSchema ours = load_ours();
    auto theirs = load_schema_file(ovs_schema);
    ASSERT_TRUE(theirs) << theirs.error().details;
    EXPECT_EQ(ours.version, theirs->version);
    std::size_t left_out = 0;
    for (const auto& [name, table] : ours.tables) {
        if (name == "Guest" || name == "Guest_Interface") {
            EXPECT_EQ(theirs->find_table(name), nullptr) << name << " would clash with theirs";
            continue;
        }
        const TableSchema* other = theirs->find_table(name);
        ASSERT_NE(other, nullptr) << "table " << name << " is not in Open vSwitch's schema";
        EXPECT_EQ(table.is_root, other->is_root) << name;
        EXPECT_EQ(table.max_rows, other->max_rows) << name;
        EXPECT_EQ(table.indexes, other->indexes) << name;
        for (const auto& column : table.columns) {
            const ColumnSchema* oc = other->find_column(column.name);
            ASSERT_NE(oc, nullptr)
                << name << "." << column.name << " is not in Open vSwitch's schema";
            EXPECT_EQ(type_to_json(column.type), type_to_json(oc->type))
                << name << "." << column.name;
            EXPECT_EQ(column.ephemeral, oc->ephemeral) << name << "." << column.name;
            EXPECT_EQ(column.is_mutable, oc->is_mutable) << name << "." << column.name;
        }
        for (const auto& column : other->columns)
            left_out += table.find_column(column.name) == nullptr ? 1 : 0;
    }
    for (const auto& [name, table] : theirs->tables) {
        if (ours.find_table(name) == nullptr) left_out += table.columns.size() - 2;
    }
    std::cout << "[ info ] Open vSwitch columns not in our schema: " << left_out << "\n";
}

}  // namespace
}  // namespace vs::ovsdb
