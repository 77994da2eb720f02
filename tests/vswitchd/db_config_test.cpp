// The daemon's view of the Open_vSwitch DB, against a real Database on the real schema: what
// add-br/add-port write is read back as bridges and PortConfigs, del-port removes, status
// write-backs happen only for what changed, and cur_cfg follows next_cfg.
#include "vswitchd/db_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

namespace vs {
namespace {

using ovsdb::Json;

class DbConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        path_ = "/tmp/vs-db-config-test-" + std::to_string(getpid()) + ".db";
        std::remove(path_.c_str());
        auto schema =
            ovsdb::load_schema_file(std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema");
        ASSERT_TRUE(schema);
        auto db = ovsdb::Database::open(path_, std::move(*schema));
        ASSERT_TRUE(db);
        db_ = std::move(*db);
        run(root_row_ops(*db_));
    }
    void TearDown() override {
        db_.reset();
        for (const char* suffix : {"", "-wal", "-shm"})
            std::remove((path_ + suffix).c_str());
    }
    ovsdb::TransactResult run(const Json& ops) {
        auto r = db_->transact(ops, [](std::string_view) { return true; });
        EXPECT_EQ(transact_error(r), "") << ops.dump();
        return r;
    }

    std::string path_;
    std::unique_ptr<ovsdb::Database> db_;
};

TEST_F(DbConfigTest, RootRowIsMadeOnceWithVersionAndTypes) {
    run(root_row_ops(*db_));  // again: updates the one row
    int rows = 0;
    db_->for_each_row("Open_vSwitch", [&](const ovsdb::Uuid&, const ovsdb::Store::Row& row) {
        ++rows;
        EXPECT_FALSE(row.at("ovs_version").empty());
        EXPECT_GE(row.at("iface_types").size(), 5u);
    });
    EXPECT_EQ(rows, 1);
}

TEST_F(DbConfigTest, BridgesAndPortsReadBack) {
    run(add_bridge_ops(*db_, "br0", true));
    EXPECT_TRUE(add_bridge_ops(*db_, "br0", true).empty());  // --may-exist
    run(add_bridge_ops(*db_, "br1", false));
    PortConfig vhu;
    vhu.name = "vhu0";
    vhu.type = "dpdkvhostuserclient";
    vhu.options["vhost-server-path"] = "/tmp/s";
    vhu.port_no_request = 7;
    vhu.mtu = 9000;
    vhu.n_rxq = 2;
    run(add_port_ops("br0", vhu));
    PortConfig veth;
    veth.name = "veth0";
    run(add_port_ops("br1", veth));

    const WantedConfig w = read_wanted_config(*db_);
    ASSERT_TRUE(w.root);
    ASSERT_EQ(w.bridges.size(), 2u);
    const WantedBridge& br0 = w.bridges.at("br0");
    ASSERT_EQ(br0.ifaces.size(), 2u);
    EXPECT_EQ(br0.ifaces.at("br0").config.type, "internal");
    EXPECT_TRUE(same_port_config(br0.ifaces.at("vhu0").config, vhu));
    const WantedBridge& br1 = w.bridges.at("br1");
    ASSERT_EQ(br1.ifaces.size(), 1u);
    EXPECT_EQ(br1.ifaces.at("veth0").config.type, "system");  // stored as "", as ovs-vsctl does

    run(del_port_ops(*db_, "vhu0"));
    EXPECT_TRUE(del_port_ops(*db_, "vhu0").empty());
    EXPECT_EQ(read_wanted_config(*db_).bridges.at("br0").ifaces.size(), 1u);
}

TEST_F(DbConfigTest, UnusableSettingsBecomeTheInterfaceError) {
    run(add_bridge_ops(*db_, "br0", false));
    PortConfig bad;
    bad.name = "veth0";
    bad.options["n_rxq"] = "lots";
    run(add_port_ops("br0", bad));
    PortConfig good;
    good.name = "veth1";
    good.n_rxq = 4;
    run(add_port_ops("br0", good));
    const WantedConfig w = read_wanted_config(*db_);
    const WantedBridge& br0 = w.bridges.at("br0");
    EXPECT_EQ(br0.ifaces.at("veth0").error,
              "options:n_rxq must be a number from 1 to 1023, not 'lots'");
    EXPECT_EQ(br0.ifaces.at("veth1").error, "");
    EXPECT_EQ(br0.ifaces.at("veth1").config.n_rxq, 4);
    EXPECT_EQ(br0.ifaces.at("veth1").config.options.count("n_rxq"), 0u);
}

TEST_F(DbConfigTest, StatusIsWrittenOnlyWhenItChangesAndCurCfgFollows) {
    run(add_bridge_ops(*db_, "br0", false));
    PortConfig veth;
    veth.name = "veth0";
    run(add_port_ops("br0", veth));
    run(Json::parse(R"([{"op":"mutate","table":"Open_vSwitch","where":[],
                         "mutations":[["next_cfg","+=",1]]}])"));
    WantedConfig w = read_wanted_config(*db_);
    EXPECT_EQ(w.next_cfg, 1);
    EXPECT_EQ(w.cur_cfg, 0);
    const ovsdb::Uuid iface = w.bridges.at("br0").ifaces.at("veth0").uuid;
    std::map<ovsdb::Uuid, IfaceStatus> status;
    status[iface].error = "veth0: no such network device";

    Json ops = status_ops(*db_, w, status);
    ASSERT_EQ(ops.size(), 2u) << ops.dump();
    run(ops);
    w = read_wanted_config(*db_);
    EXPECT_EQ(w.cur_cfg, 1);
    EXPECT_TRUE(status_ops(*db_, w, status).empty());
    EXPECT_EQ(w.bridges.at("br0").ifaces.at("veth0").ofport_hint, 0u);  // -1 is no hint

    status[iface] = IfaceStatus{3, "", "02:00:00:00:00:01", 1500, true};
    ops = status_ops(*db_, w, status);
    ASSERT_EQ(ops.size(), 1u);
    run(ops);
    w = read_wanted_config(*db_);
    EXPECT_EQ(w.bridges.at("br0").ifaces.at("veth0").ofport_hint, 3u);
    EXPECT_TRUE(status_ops(*db_, w, status).empty());
}

TEST_F(DbConfigTest, VlansMirrorsAndMacLimitsReadBack) {
    run(add_bridge_ops(*db_, "br0", false));
    for (const char* name : {"a", "b", "t", "m"}) {
        PortConfig c;
        c.name = name;
        run(add_port_ops("br0", c));
    }
    run(Json::parse(R"([
      {"op": "update", "table": "Port", "where": [["name", "==", "a"]], "row": {"tag": 10}},
      {"op": "update", "table": "Port", "where": [["name", "==", "b"]],
       "row": {"tag": 5, "vlan_mode": "native-untagged", "trunks": ["set", [10, 20]]}},
      {"op": "update", "table": "Bridge", "where": [["name", "==", "br0"]],
       "row": {"other_config": ["map", [["mac-aging-time", "5"], ["mac-table-size", "100"]]]}}
    ])"));
    ovsdb::Uuid a_port{}, m_port{};
    db_->for_each_row("Port", [&](const ovsdb::Uuid& u, const ovsdb::Store::Row& row) {
        auto it = row.find("name");
        if (it == row.end() || it->second.keys.empty()) return;
        const auto* name_p = std::get_if<std::string>(&it->second.keys[0]);
        const std::string name = name_p ? *name_p : std::string();
        if (name == "a") a_port = u;
        if (name == "m") m_port = u;
    });
    run(Json::array({{{"op", "insert"},
                      {"table", "Mirror"},
                      {"uuid-name", "mir"},
                      {"row",
                       {{"name", "m0"},
                        {"select_src_port", {"uuid", ovsdb::to_string(a_port)}},
                        {"select_vlan", 10},
                        {"output_port", {"uuid", ovsdb::to_string(m_port)}}}}},
                     {{"op", "update"},
                      {"table", "Bridge"},
                      {"where", Json::array({Json::array({"name", "==", "br0"})})},
                      {"row", {{"mirrors", {"named-uuid", "mir"}}}}}}));

    const WantedConfig w = read_wanted_config(*db_);
    const WantedBridge& br0 = w.bridges.at("br0");
    EXPECT_EQ(br0.ifaces.at("a").vlan.mode, VlanMode::kAccess);
    EXPECT_EQ(br0.ifaces.at("a").vlan.tag, 10);
    const PortVlan& b = br0.ifaces.at("b").vlan;
    EXPECT_EQ(b.mode, VlanMode::kNativeUntagged);
    EXPECT_TRUE(b.carries(20));
    EXPECT_FALSE(b.carries(30));
    EXPECT_TRUE(br0.ifaces.at("t").vlan.is_default());
    EXPECT_EQ(br0.mac_aging_ms, 15000u);  // clamped to Open vSwitch's minimum
    EXPECT_EQ(br0.mac_table_size, 100u);
    ASSERT_EQ(br0.mirrors.size(), 1u);
    const WantedMirror& m = br0.mirrors[0];
    EXPECT_EQ(m.name, "m0");
    EXPECT_FALSE(m.select_all);
    EXPECT_EQ(m.src_ifaces, std::vector<std::string>{"a"});
    EXPECT_TRUE(m.dst_ifaces.empty());
    EXPECT_EQ(m.vlans, std::vector<uint16_t>{10});
    EXPECT_EQ(m.out_iface, "m");
}

}  // namespace
}  // namespace vs
