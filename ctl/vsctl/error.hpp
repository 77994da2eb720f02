// The two ways a vsctl command fails: CommandError (the operation failed: exit 1) and
// UsageError (the command line is wrong: exit 2). Both carry the one line printed after
// "vsctl: ". Thrown inside command execution only; main() catches them.
#pragma once

#include <stdexcept>
#include <string>

namespace vs::vsctl {

struct CommandError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace vs::vsctl

namespace vs::vsctl {

// Ends vsctl at once with this exit status and nothing committed (br-exists of a missing
// bridge exits 2, like ovs-vsctl).
struct ExitRequest {
    int code;
};

}  // namespace vs::vsctl
