// EAL start-up. `--no-huge -m MB --no-pci --file-prefix=X` works on machines without hugepages
// (`--in-memory` does not: it needs free hugepages).
#include "datapath/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
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

// Where DPDK 22.11 puts runtime directories (eal_create_runtime_dir()).
std::filesystem::path runtime_base_dir() {
    const char* base = "/var/run";
    if (getuid() != 0) {
        const char* xdg = std::getenv("XDG_RUNTIME_DIR");
        base = xdg ? xdg : "/tmp";
    }
    return std::filesystem::path(base) / "dpdk";
}

}  // namespace

void remove_stale_runtime_dirs(const std::string& stem) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(runtime_base_dir(), ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() <= stem.size() || name.compare(0, stem.size(), stem) != 0) continue;
        pid_t pid = 0;
        const char* digits = name.data() + stem.size();
        auto [end, err] = std::from_chars(digits, name.data() + name.size(), pid);
        if (err != std::errc() || end != name.data() + name.size() || pid <= 0) continue;
        if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // still running (or not ours)
        std::error_code rm_ec;
        std::filesystem::remove_all(entry.path(), rm_ec);
        VS_INFO(dpdk_log, "removed {}: its process {} is gone", entry.path().string(), pid);
    }
}

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
