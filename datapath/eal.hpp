// Starting DPDK's EAL once per process, without hugepages by default, with DPDK's log stream
// redirected into ours.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs {

struct EalOptions {
    std::string file_prefix;  // unique per instance
    unsigned mem_mb = 1024;
    bool hugepages = false;
    std::vector<std::string> extra;
};

Result<void> start_eal(const EalOptions& options);

// Removes DPDK runtime directories (/var/run/dpdk/STEM<pid>) left by processes that died without
// removing their own (kill -9): one is left per crash otherwise. A directory whose process still
// runs is kept.
void remove_stale_runtime_dirs(const std::string& stem);

}  // namespace vs
