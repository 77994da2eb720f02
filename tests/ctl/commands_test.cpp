// Commands run against an in-memory replica, no server: a chain builds bridges, fake bridges,
// ports and bonds, and the read commands see them; failures throw with ovs-vsctl's words.
#include <gtest/gtest.h>

#include "ctl/vsctl/commands.hpp"
#include "ctl/vsctl/error.hpp"

namespace vs::vsctl {
namespace {

class CommandsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto s = ovsdb::load_schema_file(std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema");
        ASSERT_TRUE(s.has_value());
        schema_ = std::make_unique<ovsdb::DatabaseSchema>(std::move(*s));
        db_ = std::make_unique<Replica>(*schema_);
        Row row;
        for (const auto& column : schema_->find_table("Open_vSwitch")->columns) {
            if (!ovsdb::is_implicit_column(column.name)) {
                row[column.name] = ovsdb::default_datum(column.type);
            }
        }
        db_->load_row("Open_vSwitch", ovs_, row);
    }

    // Runs one command line (already split) and returns the joined output.
    std::string run(const std::vector<std::string>& args) {
        const CommandLine cl = parse_command_line(args);
        std::string out;
        for (const auto& cmd : cl.commands) {
            Context ctx{*db_, cl.global, cmd, symbols_, ovs_, {}, false};
            find_command(cmd.name)(ctx);
            out += ctx.out;
        }
        return out;
    }

    std::string error_of(const std::vector<std::string>& args) {
        try {
            (void)run(args);
        } catch (const CommandError& e) {
            return e.what();
        }
        return "no error";
    }

    std::unique_ptr<ovsdb::DatabaseSchema> schema_;
    std::unique_ptr<Replica> db_;
    Symbols symbols_;
    Uuid ovs_ = *ovsdb::parse_uuid("11111111-0000-4000-8000-000000000000");
};

TEST_F(CommandsTest, BridgesPortsAndFakeBridges) {
    (void)run({"add-br", "br0",      "--",  "add-port", "br0", "p1",       "tag=5", "--",
               "add-br", "v5",       "br0", "5",        "--",  "add-port", "v5",    "p2",
               "--",     "add-bond", "br0", "b0",       "x",   "y"});
    EXPECT_EQ(run({"list-br"}), "br0\nv5\n");
    EXPECT_EQ(run({"list-ports", "br0"}), "b0\n");
    EXPECT_EQ(run({"list-ports", "v5"}), "p1\np2\n");  // p1's tag 5 puts it on v5
    EXPECT_EQ(run({"list-ifaces", "br0"}), "x\ny\n");
    EXPECT_EQ(run({"br-to-parent", "v5"}), "br0\n");
    EXPECT_EQ(run({"br-to-vlan", "v5"}), "5\n");
    EXPECT_EQ(run({"port-to-br", "p2"}), "v5\n");
    EXPECT_EQ(run({"iface-to-br", "y"}), "br0\n");
    EXPECT_EQ(run({"get", "port", "p2", "tag"}), "5\n");
    (void)run({"del-br", "v5"});
    EXPECT_EQ(run({"list-br"}), "br0\n");
    EXPECT_EQ(run({"list-ports", "br0"}), "b0\n");
    EXPECT_EQ(run({"--bare", "--columns=name", "find", "port", "name=p1"}), "");
    EXPECT_TRUE(db_->changed());
}

TEST_F(CommandsTest, ErrorsUseOvsVsctlWording) {
    (void)run({"add-br", "br0", "--", "add-port", "br0", "p1"});
    EXPECT_EQ(error_of({"add-br", "br0"}),
              "cannot create a bridge named br0 because a bridge named br0 already exists");
    EXPECT_EQ(error_of({"add-port", "br0", "p1"}),
              "cannot create a port named p1 because a port named p1 already exists on bridge "
              "br0");
    EXPECT_EQ(error_of({"add-br", "p1"}),
              "cannot create a bridge named p1 because a port named p1 already exists on bridge "
              "br0");
    EXPECT_EQ(error_of({"del-br", "br9"}), "no bridge named br9");
    EXPECT_EQ(error_of({"del-port", "nope"}), "no port named nope");
    EXPECT_EQ(error_of({"add-br", "v", "br9", "5"}), "parent bridge br9 does not exist");
    EXPECT_EQ(error_of({"set-fail-mode", "br0", "x"}),
              "fail-mode must be \"standalone\" or \"secure\"");
    EXPECT_EQ(error_of({"get", "bridge", "br0", "other_config:k"}),
              "no key \"k\" in Bridge record \"br0\" column other_config");
    EXPECT_EQ(run({"--may-exist", "add-br", "br0"}), "");
    EXPECT_EQ(run({"--if-exists", "del-port", "nope"}), "");
}

TEST_F(CommandsTest, ControllersManagersAndDatabaseCommands) {
    (void)run({"add-br", "br0", "--", "set-controller", "br0", "tcp:1.2.3.4:6653", "ptcp:6655",
               "--", "set-manager", "ptcp:6640", "--", "set-fail-mode", "br0", "secure"});
    EXPECT_EQ(run({"get-controller", "br0"}), "ptcp:6655\ntcp:1.2.3.4:6653\n");
    EXPECT_EQ(run({"get-manager"}), "ptcp:6640\n");
    EXPECT_EQ(run({"get-fail-mode", "br0"}), "secure\n");
    (void)run({"set", "bridge", "br0", "other_config:a=1", "flood_vlans=1,2"});
    (void)run({"add", "bridge", "br0", "flood_vlans", "3"});
    (void)run({"remove", "bridge", "br0", "flood_vlans", "1"});
    EXPECT_EQ(run({"get", "bridge", "br0", "flood_vlans", "other_config:a"}), "[2, 3]\n\"1\"\n");
    (void)run({"clear", "bridge", "br0", "flood_vlans"});
    EXPECT_EQ(run({"get", "bridge", "br0", "flood_vlans"}), "[]\n");
    const std::string qos = run({"--id=@q", "create", "QoS", "type=linux-htb"});
    EXPECT_EQ(qos.size(), 37U);  // a UUID and a newline
    EXPECT_EQ(run({"get", "qos", qos.substr(0, 8), "type"}), "linux-htb\n");
    (void)run({"del-controller", "br0", "--", "del-manager", "--", "del-fail-mode", "br0"});
    EXPECT_EQ(run({"get-controller", "br0"}) + run({"get-manager"}) + run({"get-fail-mode", "br0"}),
              "");
}

TEST_F(CommandsTest, ShowPrintsTheTree) {
    (void)run({"add-br", "br0", "--", "add-port", "br0", "p1", "tag=7"});
    const std::string show = run({"show"});
    EXPECT_EQ(show.substr(0, 37), to_string(ovs_) + "\n");
    EXPECT_NE(show.find("    Bridge br0\n"), std::string::npos);
    EXPECT_NE(show.find("        Port p1\n            tag: 7\n            Interface p1\n"),
              std::string::npos);
    EXPECT_NE(show.find("            Interface br0\n                type: internal\n"),
              std::string::npos);
}

}  // namespace
}  // namespace vs::vsctl
