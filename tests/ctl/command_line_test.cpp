// vsctl command-line grammar: global options, "--" separated commands, command options,
// arities and the usage errors that exit 2.
#include <gtest/gtest.h>

#include "ctl/vsctl/command_line.hpp"
#include "ctl/vsctl/commands.hpp"
#include "ctl/vsctl/error.hpp"

namespace vs::vsctl {
namespace {

TEST(CommandLine, GlobalOptionsThenCommands) {
    const auto cl =
        parse_command_line({"--db=unix:/x.sock", "--no-wait", "-t", "5", "--format=table", "add-br",
                            "br0", "--", "--may-exist", "add-port", "br0", "p1", "tag=5"});
    EXPECT_EQ(cl.global.db, "unix:/x.sock");
    EXPECT_TRUE(cl.global.no_wait);
    EXPECT_EQ(cl.global.timeout_s, 5);
    EXPECT_EQ(cl.global.style.format, Format::kTable);
    ASSERT_EQ(cl.commands.size(), 2U);
    EXPECT_EQ(cl.commands[0].name, "add-br");
    EXPECT_EQ(cl.commands[0].args, std::vector<std::string>{"br0"});
    EXPECT_EQ(cl.commands[1].name, "add-port");
    EXPECT_TRUE(cl.commands[1].has("--may-exist"));
    EXPECT_EQ(cl.commands[1].args, (std::vector<std::string>{"br0", "p1", "tag=5"}));
}

TEST(CommandLine, CommandOptionsBeforeTheFirstCommand) {
    const auto cl = parse_command_line({"--if-exists", "del-br", "br9"});
    ASSERT_EQ(cl.commands.size(), 1U);
    EXPECT_TRUE(cl.commands[0].has("--if-exists"));
}

TEST(CommandLine, ValuedCommandOptions) {
    const auto cl = parse_command_line(
        {"--columns=name,tag", "list", "Port", "--", "--id=@q", "create", "QoS", "type=linux-htb"});
    EXPECT_EQ(cl.commands[0].option("--columns"), "name,tag");
    EXPECT_EQ(cl.commands[1].option("--id"), "@q");
}

TEST(CommandLine, BareIsListBareWithoutHeadings) {
    const auto cl = parse_command_line({"--bare", "list", "Bridge"});
    EXPECT_EQ(cl.global.style.format, Format::kList);
    EXPECT_EQ(cl.global.style.data, DataMode::kBare);
    EXPECT_FALSE(cl.global.style.headings);
}

TEST(CommandLine, LoggingOptionsAreIgnored) {
    const auto cl = parse_command_line(
        {"-vconsole:off", "--verbose=dbg", "--no-syslog", "--log-file", "list-br"});
    ASSERT_EQ(cl.commands.size(), 1U);
    EXPECT_EQ(cl.commands[0].name, "list-br");
}

TEST(CommandLine, HelpAndVersionNeedNoCommand) {
    EXPECT_TRUE(parse_command_line({"--help"}).help);
    EXPECT_TRUE(parse_command_line({"-V"}).version);
}

TEST(CommandLine, EmptyCommandsBetweenSeparatorsAreSkipped) {
    const auto cl = parse_command_line({"--", "list-br", "--", "--"});
    EXPECT_EQ(cl.commands.size(), 1U);
}

TEST(CommandLine, UsageErrors) {
    EXPECT_THROW((void)parse_command_line({}), UsageError);
    EXPECT_THROW((void)parse_command_line({"frobnicate"}), UsageError);
    EXPECT_THROW((void)parse_command_line({"add-br"}), UsageError);
    EXPECT_THROW((void)parse_command_line({"add-br", "a", "b"}), UsageError);
    EXPECT_THROW((void)parse_command_line({"list-br", "extra"}), UsageError);
    EXPECT_THROW((void)parse_command_line({"--columns=x", "add-br", "br0"}), UsageError);
    EXPECT_THROW((void)parse_command_line({"--format=xml", "list-br"}), UsageError);
    EXPECT_THROW((void)parse_command_line({"--timeout=soon", "list-br"}), UsageError);
    EXPECT_THROW((void)parse_command_line({"--may-exist"}), UsageError);
    EXPECT_THROW((void)parse_command_line({"-x", "list-br"}), UsageError);
}

TEST(CommandLine, ArityMessagesMatchOvsVsctl) {
    try {
        (void)parse_command_line({"add-br"});
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "'add-br' command requires at least 1 arguments");
    }
    try {
        (void)parse_command_line({"list-br", "x"});
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "'list-br' command takes at most 0 arguments");
    }
}

TEST(CommandLine, EveryCommandHasASpec) {
    for (const char* name : {"init",
                             "show",
                             "add-br",
                             "del-br",
                             "list-br",
                             "br-exists",
                             "br-to-vlan",
                             "br-to-parent",
                             "list-ports",
                             "add-port",
                             "add-bond",
                             "del-port",
                             "port-to-br",
                             "list-ifaces",
                             "iface-to-br",
                             "get-controller",
                             "del-controller",
                             "set-controller",
                             "get-fail-mode",
                             "del-fail-mode",
                             "set-fail-mode",
                             "get-manager",
                             "del-manager",
                             "set-manager",
                             "get",
                             "list",
                             "find",
                             "set",
                             "add",
                             "remove",
                             "clear",
                             "create",
                             "destroy",
                             "wait-until",
                             "br-set-external-id",
                             "br-get-external-id",
                             "get-ssl",
                             "set-ssl",
                             "del-ssl",
                             "emer-reset"}) {
        EXPECT_NE(find_command_spec(name), nullptr) << name;
        EXPECT_NE(find_command(name), nullptr) << name;
    }
}

}  // namespace
}  // namespace vs::vsctl
