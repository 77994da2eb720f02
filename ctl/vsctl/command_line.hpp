// The vsctl command line: global options, then commands separated by "--", each with its own
// options before its name (ovs-vsctl's grammar). Checks names, option sets and argument counts;
// throws UsageError (exit 2) on anything wrong.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ctl/vsctl/table_output.hpp"

namespace vs::vsctl {

struct GlobalOptions {
    std::string db;  // empty: unix:$VS_RUNDIR/db.sock
    int timeout_s = 0;
    bool no_wait = false;
    bool dry_run = false;
    bool oneline = false;  // each command's output on one line, "\n" and "\\" escaped
    OutputStyle style;
};

struct Command {
    std::string name;
    std::map<std::string, std::string, std::less<>> options;  // "--may-exist" -> ""
    std::vector<std::string> args;

    [[nodiscard]] bool has(std::string_view option) const { return options.contains(option); }
    [[nodiscard]] std::string option(std::string_view name) const;
};

struct CommandLine {
    GlobalOptions global;
    std::vector<Command> commands;
    bool help = false;
    bool version = false;
};

struct CommandSpec {
    std::string_view name;
    int min_args;
    int max_args;              // kUnlimited for no maximum
    std::string_view options;  // space-separated, "=" after those that take a value
};
constexpr int kUnlimited = 1 << 30;

[[nodiscard]] const CommandSpec* find_command_spec(std::string_view name);
[[nodiscard]] CommandLine parse_command_line(const std::vector<std::string>& args);
[[nodiscard]] std::string usage_text();

}  // namespace vs::vsctl
