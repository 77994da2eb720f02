// Periodic write-backs against a real Database on the real schema: Interface.statistics and
// Bridge.datapath_id are written once and then only when they change; the stats interval is
// read from the root row; datapath IDs are 16 hex digits. Also the coverage counters' text.
#include "vswitchd/stats_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "vswitchd/coverage.hpp"
#include "vswitchd/db_config.hpp"

namespace vs {
namespace {

using ovsdb::Json;

class StatsWriterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        path_ = "/tmp/vs-stats-writer-test-" + std::to_string(getpid()) + ".db";
        std::remove(path_.c_str());
        auto schema =
            ovsdb::load_schema_file(std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema");
        ASSERT_TRUE(schema);
        auto db = ovsdb::Database::open(path_, std::move(*schema));
        ASSERT_TRUE(db);
        db_ = std::move(*db);
        run(root_row_ops(*db_));
        run(add_bridge_ops(*db_, "br0", true));
    }
    void TearDown() override {
        db_.reset();
        for (const char* suffix : {"", "-wal", "-shm"})
            std::remove((path_ + suffix).c_str());
    }
    void run(const Json& ops) {
        auto r = db_->transact(ops, [](std::string_view) { return true; });
        EXPECT_EQ(transact_error(r), "") << ops.dump();
    }
    ovsdb::Uuid iface_uuid() {
        ovsdb::Uuid out{};
        db_->for_each_row("Interface", [&](const ovsdb::Uuid& u, const auto&) { out = u; });
        return out;
    }

    std::string path_;
    std::unique_ptr<ovsdb::Database> db_;
};

TEST_F(StatsWriterTest, StatisticsWrittenOnlyWhenChanged) {
    PortStats s;
    s.rx_packets = 5;
    s.tx_bytes = 700;
    s.drops[static_cast<size_t>(DropReason::kMalformed)] = 2;
    const InterfaceStats stats = interface_stats(s);
    EXPECT_EQ(stats.at("rx_packets"), 5);
    EXPECT_EQ(stats.at("tx_bytes"), 700);
    EXPECT_EQ(stats.at("rx_errors"), 2);
    EXPECT_TRUE(stats.count("rx_dropped") && stats.count("tx_dropped"));

    const std::map<ovsdb::Uuid, InterfaceStats> all = {{iface_uuid(), stats}};
    const Json ops = statistics_ops(*db_, all);
    ASSERT_EQ(ops.size(), 1u);
    run(ops);
    EXPECT_TRUE(statistics_ops(*db_, all).empty());
    auto changed = all;
    changed.begin()->second["rx_packets"] = 6;
    EXPECT_EQ(statistics_ops(*db_, changed).size(), 1u);
}

TEST_F(StatsWriterTest, IntervalFromRootRow) {
    EXPECT_EQ(stats_update_interval_ms(*db_), 5000u);
    auto set = [&](const std::string& v) {
        run(Json::array(
            {{{"op", "update"},
              {"table", "Open_vSwitch"},
              {"where", Json::array()},
              {"row",
               {{"other_config", Json::array({"map", Json::array({Json::array(
                                                         {"stats-update-interval", v})})})}}}}}));
    };
    set("2000");
    EXPECT_EQ(stats_update_interval_ms(*db_), 2000u);
    set("10");
    EXPECT_EQ(stats_update_interval_ms(*db_), 1000u);
    set("junk");
    EXPECT_EQ(stats_update_interval_ms(*db_), 5000u);
}

TEST_F(StatsWriterTest, DatapathIdWrittenOnce) {
    const std::map<std::string, std::string, std::less<>> macs = {{"br0", "AA:BB:CC:DD:EE:0F"}};
    const Json ops = datapath_id_ops(*db_, macs);
    ASSERT_EQ(ops.size(), 1u);
    EXPECT_EQ(ops[0]["row"]["datapath_id"], "0000aabbccddee0f");
    run(ops);
    EXPECT_TRUE(datapath_id_ops(*db_, macs).empty());
}

TEST(DatapathId, RequestedMacOrName) {
    EXPECT_EQ(datapath_id("br0", "aa:bb:cc:dd:ee:ff", "0x00000000000000AB"), "00000000000000ab");
    EXPECT_EQ(datapath_id("br0", "aa:bb:cc:dd:ee:ff", "nonsense"), "0000aabbccddeeff");
    const std::string by_name = datapath_id("br0", "", "");
    EXPECT_EQ(by_name.size(), 16u);
    EXPECT_EQ(by_name.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(by_name, datapath_id("br0", "", ""));
    EXPECT_NE(by_name, datapath_id("br1", "", ""));
    EXPECT_EQ(by_name.substr(0, 4), "0000");
    EXPECT_EQ(std::stoi(by_name.substr(4, 2), nullptr, 16) & 3, 2);  // local, unicast
}

TEST(Coverage, TotalsAndRates) {
    Coverage c;
    c.add(CoverageEvent::kMacLearned, 2);
    c.sample();
    c.add(CoverageEvent::kMacLearned, 5);
    c.set(CoverageEvent::kUpcall, 9);
    c.sample();
    EXPECT_EQ(c.total(CoverageEvent::kMacLearned), 7u);
    const std::string text = c.show();
    EXPECT_NE(text.find("mac_learned"), std::string::npos) << text;
    EXPECT_NE(text.find("total: 7"), std::string::npos) << text;
    EXPECT_NE(text.find("1.0/sec"), std::string::npos) << text;  // 5 more over 5 s
    EXPECT_NE(text.find("upcall "), std::string::npos) << text;
    EXPECT_NE(text.find("events never hit"), std::string::npos) << text;
}

}  // namespace
}  // namespace vs
