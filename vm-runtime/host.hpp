// Host helpers of vm-runtime: running tools (ip, nsenter, ethtool) to completion, pid files,
// liveness, small files and sockets. Thread: any; no shared state.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::vm {

// Runs argv[0] (looked up in PATH) with stdin from /dev/null; an error carries its stderr.
[[nodiscard]] Result<void> run_tool(const std::vector<std::string>& argv);

// fork + exec (PATH lookup) with stdin from /dev/null and stdout/stderr appended to `log`, in
// a process group of its own; the caller reaps it.
[[nodiscard]] Result<pid_t> spawn_logged(const std::vector<std::string>& argv,
                                         const std::string& log);

// The pid a file holds, if the file exists and names a live process (not a zombie).
[[nodiscard]] std::optional<pid_t> live_pid(const std::string& pid_file);
[[nodiscard]] bool pid_alive(pid_t pid);

[[nodiscard]] std::string read_file(const std::string& path);
[[nodiscard]] Result<void> write_file(const std::string& path, const std::string& text);
// mkdir -p.
[[nodiscard]] Result<void> make_dirs(const std::string& path);
void remove_tree(const std::string& path);

// A connected unix stream socket, or an error.
[[nodiscard]] Result<int> connect_unix(const std::string& path);

// Sleeps in steps of `step_ms` until `done()` or `timeout_ms`; returns done().
template <typename F>
bool wait_until(F done, int timeout_ms, int step_ms = 50);

}  // namespace vs::vm

#include <chrono>
#include <thread>

template <typename F>
bool vs::vm::wait_until(F done, int timeout_ms, int step_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
    }
    return true;
}
