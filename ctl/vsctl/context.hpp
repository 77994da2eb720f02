// Context: what one vsctl command runs against — the replica, its arguments and options, the
// @name symbols of the transaction, and its output. Commands are plain functions looked up by
// name; they throw CommandError to fail the whole transaction.
#pragma once

#include <string>
#include <string_view>

#include "ctl/vsctl/command_line.hpp"
#include "ctl/vsctl/replica.hpp"
#include "ctl/vsctl/value.hpp"

namespace vs::vsctl {

struct Context {
    Replica& db;
    const GlobalOptions& global;
    const Command& cmd;
    Symbols& symbols;
    Uuid ovs;  // the Open_vSwitch row
    std::string out;
    bool try_again = false;  // a wait-until condition does not hold yet
};

using CommandFn = void (*)(Context&);

// nullptr for unknown names. Implemented across the *_commands.cpp files.
[[nodiscard]] CommandFn find_command(std::string_view name);

// Per-file command tables.
struct CommandEntry {
    std::string_view name;
    CommandFn fn;
};

}  // namespace vs::vsctl
