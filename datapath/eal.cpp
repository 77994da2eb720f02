// EAL start-up. `--no-huge -m MB --no-pci --file-prefix=X` works on machines without hugepages
// (`--in-memory` does not: it needs free hugepages).
#include "datapath/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/log.hpp"

namespace vs {

VS_LOG_MODULE(dpdk_log, "dpdk");

namespace {

std::string& runtime_dir() {
    static std::string dir;
    return dir;
}

ssize_t write_dpdk_log(void*, const char* buf, size_t size) {
    std::string_view text(buf, size);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    if (!text.empty()) log_write(dpdk_log, LogLevel::kInfo, text);
    return static_cast<ssize_t>(size);
}

}  // namespace

Result<void> start_eal(const EalOptions& options) {
    static bool started = false;
    if (started) return {};
    cookie_io_functions_t io{nullptr, write_dpdk_log, nullptr, nullptr};
    if (FILE* stream = fopencookie(nullptr, "w", io)) {
        setvbuf(stream, nullptr, _IOLBF, 0);
        rte_openlog_stream(stream);
    }
    std::vector<std::string> args = {
        "vswitchd",          "--file-prefix=" + options.file_prefix, "--no-telemetry", "-l", "0",
        "--log-level=notice"};
    if (!options.hugepages) {
        args.insert(args.end(), {"--no-huge", "-m", std::to_string(options.mem_mb), "--no-pci"});
    } else {
        args.insert(args.end(), {"-m", std::to_string(options.mem_mb)});
    }
    args.insert(args.end(), options.extra.begin(), options.extra.end());
    std::vector<char*> argv;
    argv.reserve(args.size());
    for (auto& a : args)
        argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
        return fail(std::string("DPDK EAL initialisation failed: ") + rte_strerror(rte_errno));
    }
    started = true;
    // The runtime directory (/var/run/dpdk/PREFIX) is this instance's alone (the prefix is
    // unique); nothing else removes it, and one is left per run otherwise.
    runtime_dir() = rte_eal_get_runtime_dir();
    std::atexit([] {
        std::error_code ec;
        std::filesystem::remove_all(runtime_dir(), ec);
    });
    return {};
}

}  // namespace vs
