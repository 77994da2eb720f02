// The replica and record lookup: rows named by name, via a bridge, ".", UUID or UUID prefix;
// the commit transaction (verifying waits, named-uuid inserts, updates, GC instead of deletes).
#include <gtest/gtest.h>

#include "ctl/vsctl/error.hpp"
#include "ctl/vsctl/record.hpp"

namespace vs::vsctl {
namespace {

using ovsdb::parse_uuid;

class ReplicaTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto s = ovsdb::load_schema_file(std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema");
        ASSERT_TRUE(s.has_value());
        schema_ = std::make_unique<ovsdb::DatabaseSchema>(std::move(*s));
        db_ = std::make_unique<Replica>(*schema_);
        add("Controller", ctrl_, {{"target", Datum::scalar(std::string("tcp:1.2.3.4:6653"))}});
        Datum ctrls;
        ctrls.keys.emplace_back(ctrl_);
        add("Bridge", br_, {{"name", Datum::scalar(std::string("br0"))}, {"controller", ctrls}});
        Datum bridges;
        bridges.keys.emplace_back(br_);
        add("Open_vSwitch", ovs_, {{"bridges", bridges}});
    }

    void add(const std::string& table, const Uuid& uuid, const Row& values) {
        Row row;
        for (const auto& column : schema_->find_table(table)->columns) {
            if (!ovsdb::is_implicit_column(column.name)) {
                row[column.name] = ovsdb::default_datum(column.type);
            }
        }
        for (const auto& [k, v] : values)
            row[k] = v;
        db_->load_row(table, uuid, row);
    }

    std::optional<Uuid> find(const char* table, const std::string& id) {
        Context ctx{*db_, global_, cmd_, symbols_, ovs_, {}, false};
        return find_row(ctx, *schema_->find_table(table), id, false);
    }

    std::unique_ptr<ovsdb::DatabaseSchema> schema_;
    std::unique_ptr<Replica> db_;
    GlobalOptions global_;
    Command cmd_;
    Symbols symbols_;
    Uuid ovs_ = *parse_uuid("11111111-0000-4000-8000-000000000000");
    Uuid br_ = *parse_uuid("22222222-0000-4000-8000-000000000000");
    Uuid ctrl_ = *parse_uuid("33333333-0000-4000-8000-000000000000");
};

TEST_F(ReplicaTest, RecordLookup) {
    EXPECT_EQ(find("Bridge", "br0"), br_);
    EXPECT_EQ(find("Bridge", "br9"), std::nullopt);
    EXPECT_EQ(find("Controller", "br0"), ctrl_);
    EXPECT_EQ(find("Open_vSwitch", "."), ovs_);
    EXPECT_EQ(find("Bridge", to_string(br_)), br_);
    EXPECT_EQ(find("Bridge", "2222"), br_);
    EXPECT_EQ(find("Bridge", "222"), std::nullopt);  // prefixes need 4 digits
    Context ctx{*db_, global_, cmd_, symbols_, ovs_, {}, false};
    try {
        (void)find_row(ctx, *schema_->find_table("Bridge"), "br9", true);
        FAIL();
    } catch (const CommandError& e) {
        EXPECT_STREQ(e.what(), "no row \"br9\" in table Bridge");
    }
}

TEST_F(ReplicaTest, UnchangedReplicaCommitsNothing) {
    (void)db_->get("Bridge", br_, "name");
    EXPECT_FALSE(db_->changed());
}

TEST_F(ReplicaTest, TransactionVerifiesReadsAndNamesNewRows) {
    (void)db_->scan("Bridge");
    (void)db_->get("Bridge", br_, "name");
    const Uuid port = db_->insert("Port");
    db_->set("Port", port, "name", Datum::scalar(std::string("p1")));
    Datum ports;
    ports.keys.emplace_back(port);
    db_->set("Bridge", br_, "ports", ports);
    db_->erase("Controller", ctrl_);
    db_->set("Bridge", br_, "controller", Datum{});
    ASSERT_TRUE(db_->changed());
    const Json ops = db_->transaction_ops();
    std::map<std::string, int> kinds;
    for (const auto& op : ops)
        ++kinds[op["op"].get<std::string>()];
    EXPECT_EQ(kinds["wait"], 1);    // the Bridge rows and their names
    EXPECT_EQ(kinds["insert"], 1);  // the port
    EXPECT_EQ(kinds["update"], 1);  // br0's ports and controller
    EXPECT_EQ(kinds["delete"], 0);  // the controller is collected by the server
    for (const auto& op : ops) {
        if (op["op"] == "update") {
            EXPECT_EQ(op["row"]["ports"], Json::array({"named-uuid", Replica::symbol_name(port)}));
            EXPECT_EQ(op["row"]["controller"], Json::array({"set", Json::array()}));
            EXPECT_FALSE(op["row"].contains("name"));
        }
        if (op["op"] == "wait") {
            EXPECT_EQ(op["table"], "Bridge");
            EXPECT_EQ(op["columns"], Json::array({"name"}));
            EXPECT_EQ(op["rows"], Json::array({{{"name", "br0"}}}));
            EXPECT_EQ(op["timeout"], 0);
        }
    }
}

TEST_F(ReplicaTest, DestroyDeletesExplicitly) {
    db_->erase("Controller", ctrl_, true);
    const Json ops = db_->transaction_ops();
    ASSERT_EQ(ops.size(), 1U);
    EXPECT_EQ(ops[0]["op"], "delete");
    EXPECT_EQ(ops[0]["table"], "Controller");
}

}  // namespace
}  // namespace vs::vsctl
