// ofctl's commands (ovs-ofctl's names, arguments and output): show, dump-flows, add-flow(s),
// mod-flows, del-flows, dump-ports(-desc), dump-tables, add/mod/del-groups, dump-groups,
// dump-group-stats, packet-out, monitor. run_command() connects, runs one command and returns
// the exit status; a failure is CommandError (exit 1) or UsageError (exit 2), a rejected request
// is SwitchError carrying ovs-ofctl's text of the ERROR and the request.
// Thread: ofctl's main thread.
#pragma once

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vs::ofctl {

struct SwitchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Options {
    uint32_t versions = (1U << 1) | (1U << 4);  // -O: bitmap of allowed versions
    bool strict = false;
    bool no_stats = false;
    int timeout_s = 0;  // 0: none
};

int run_command(const Options& options, const std::vector<std::string>& args, std::ostream& out);

}  // namespace vs::ofctl
