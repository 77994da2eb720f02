// GuestRuntime: the supervisor process and the lifecycle verbs; see guest_runtime.hpp.
#include "vm-runtime/guest_runtime.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vm-runtime/drivers.hpp"
#include "vm-runtime/guest_db.hpp"
#include "vm-runtime/host.hpp"

namespace vs::vm {

namespace {

constexpr int kStartTimeoutMs = 120000;
constexpr int kPortTimeoutMs = 30000;
constexpr int kDestroyTimeoutMs = 20000;

void report(int fd, const std::string& line) {
    const std::string text = line + "\n";
    (void)!::write(fd, text.data(), text.size());
}

std::string read_all(int fd, int timeout_ms) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            if (errno == EINTR) continue;
            break;
        }
        char buf[1024];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

void log_line(const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
}

}  // namespace

std::string GuestRuntime::guest_dir(const std::string& name) const {
    return config_.run_dir + "/guests/" + name;
}

std::optional<pid_t> GuestRuntime::guest_pid(const GuestSpec& spec) const {
    const std::string dir = guest_dir(spec.name);
    if (!live_pid(dir + "/supervisor.pid")) return std::nullopt;
    return live_pid(dir + "/guest.pid");
}

std::string GuestRuntime::state(const GuestSpec& spec) const {
    if (!guest_pid(spec)) return "shut off";
    if (spec.type == GuestType::kLxc)
        return lxc::frozen(spec, config_.run_dir) ? "paused" : "running";
    if (spec.type == GuestType::kXen) return xen::state(spec.name);
    return kvm::state(guest_dir(spec.name));
}

std::string GuestRuntime::accelerator(const GuestSpec& spec) const {
    if (!guest_pid(spec)) return "";
    std::string accel = read_file(guest_dir(spec.name) + "/accel");
    while (!accel.empty() && accel.back() == '\n')
        accel.pop_back();
    return accel;
}

Result<void> GuestRuntime::require_running(const GuestSpec& spec) const {
    if (!guest_pid(spec)) return fail("guest '" + spec.name + "' is not running");
    return {};
}

Result<void> GuestRuntime::start(const GuestSpec& spec, std::vector<std::string>& warnings) {
    if (guest_pid(spec)) return fail("guest '" + spec.name + "' is already running");
    const std::string dir = guest_dir(spec.name);
    remove_tree(dir);
    if (auto ok = make_dirs(dir); !ok) return ok;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + strerror(errno));
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return fail(std::string("fork: ") + strerror(errno));
    if (pid == 0) {
        ::close(pipe_fds[0]);
        ::setsid();
        ::signal(SIGPIPE, SIG_IGN);
        const int null = ::open("/dev/null", O_RDONLY);
        const int log =
            ::open((dir + "/supervisor.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(null, 0);
        ::dup2(log, 1);
        ::dup2(log, 2);
        // vmctl's own descriptors (its DB connection) must not live on with the guest.
        for (int fd = 3; fd < 1024; ++fd) {
            if (fd != pipe_fds[1]) ::close(fd);
        }
        ::_exit(supervise(spec, pipe_fds[1]));
    }
    ::close(pipe_fds[1]);
    const std::string answer = read_all(pipe_fds[0], kStartTimeoutMs);
    ::close(pipe_fds[0]);
    std::string error = "the supervisor of '" + spec.name + "' exited without a word (see " + dir +
                        "/supervisor.log)";
    bool ok = false;
    size_t at = 0;
    while (at < answer.size()) {
        const size_t nl = answer.find('\n', at);
        const std::string line = answer.substr(at, nl == std::string::npos ? nl : nl - at);
        at = nl == std::string::npos ? answer.size() : nl + 1;
        if (line.starts_with("warning: ")) warnings.push_back(line.substr(9));
        if (line.starts_with("error: ")) error = line.substr(7);
        if (line == "ok") ok = true;
    }
    // The supervisor lives on (it reaps the guest); it is no longer our child once we exit.
    if (!ok) {
        ::waitpid(pid, nullptr, 0);
        return fail(error);
    }
    return {};
}

int GuestRuntime::supervise(const GuestSpec& spec, int report_fd) {
    const std::string dir = guest_dir(spec.name);
    (void)write_file(dir + "/supervisor.pid", std::to_string(::getpid()));
    log_line("supervisor of " + spec.name + " (" + type_name(spec.type) + ")");
    // CPU pinning: the guest (QEMU, the container's init, xl) inherits the supervisor's mask.
    if (auto it = spec.other_config.find("cpuset"); it != spec.other_config.end()) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (int cpu : parse_cpuset(it->second).value_or(std::vector<int>{}))
            CPU_SET(cpu, &set);
        if (::sched_setaffinity(0, sizeof set, &set) != 0) {
            report(report_fd, "error: cpuset " + it->second + ": " + strerror(errno));
            return 1;
        }
    }
    auto db = GuestDb::connect(config_.db_remote);
    if (!db) {
        report(report_fd, "error: " + db.error().message);
        return 1;
    }
    // One pass per boot: a container whose init asked for a reboot (reboot(2) in a pid
    // namespace kills init with SIGHUP), or that `vmctl reboot` stopped, runs again.
    for (;;) {
        int status = 0;
        const std::string error = run_once(spec, *db, report_fd, status);
        if (!error.empty()) log_line("error: " + error);
        if (report_fd >= 0) {
            // Reported after the clean-up: the caller waits for the pipe to close, so it
            // sees a clean host.
            report(report_fd, "error: " + error);
            ::close(report_fd);
            report_fd = -1;
        }
        const std::string marker = dir + "/reboot";
        const bool reboot =
            spec.type == GuestType::kLxc && error.empty() &&
            ((WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP) || ::unlink(marker.c_str()) == 0);
        if (!reboot) {
            if (auto db2 = GuestDb::connect(config_.db_remote); db2) {
                if (spec.other_config.contains("transient"))
                    (void)db2->remove(spec.name);
                else
                    (void)db2->set_runtime(spec.name, "shut off", "");
            }
            ::unlink((dir + "/supervisor.pid").c_str());
            log_line("supervisor done");
            return error.empty() ? 0 : 1;
        }
        log_line("rebooting");
        auto fresh = GuestDb::connect(config_.db_remote);
        if (!fresh) {
            log_line("cannot reboot: " + fresh.error().message);
            ::unlink((dir + "/supervisor.pid").c_str());
            return 1;
        }
        *db = std::move(*fresh);
    }
}

std::string GuestRuntime::run_once(const GuestSpec& spec, GuestDb& db, int& report_fd,
                                   int& status) {
    const std::string dir = guest_dir(spec.name);
    auto launch = spec.type == GuestType::kLxc ? lxc::launch(spec, dir, config_.run_dir)
                  : spec.type == GuestType::kXen
                      ? xen::launch(spec, dir)
                      : kvm::launch(spec, dir, config_.run_dir, config_.qemu);
    if (!launch) return launch.error().message;
    for (const std::string& w : launch->warnings) {
        if (report_fd >= 0) report(report_fd, "warning: " + w);
        log_line("warning: " + w);
    }
    (void)write_file(dir + "/guest.pid", std::to_string(launch->pid));
    (void)write_file(dir + "/accel", launch->accel);
    std::string error;
    std::vector<std::string> added;
    for (size_t i = 0; i < spec.nics.size() && error.empty(); ++i) {
        const NicSpec& nic = spec.nics[i];
        const PortPlan plan =
            spec.type == GuestType::kKvm ? kvm::port_plan(dir, i, nic) : lxc::port_plan();
        (void)db.del_port(nic.port);  // left by a killed supervisor
        if (auto ok = db.add_port(nic.bridge, nic.port, plan.type, plan.options); !ok) {
            error = ok.error().message;
            break;
        }
        added.push_back(nic.port);
        if (auto no = db.wait_ofport(nic.port, kPortTimeoutMs); !no)
            error = no.error().message;
        else
            log_line("port " + nic.port + " on " + nic.bridge + ": ofport " + std::to_string(*no));
    }
    if (!error.empty()) {
        ::kill(launch->pid, SIGKILL);
    } else {
        (void)db.set_runtime(spec.name, "running", launch->accel);
        if (report_fd >= 0) {
            report(report_fd, "ok");
            ::close(report_fd);  // vmctl start returns now
            report_fd = -1;
        }
    }
    while (::waitpid(launch->pid, &status, 0) < 0 && errno == EINTR) {
    }
    log_line("guest exited (status " + std::to_string(status) + ")");
    // The DB connection may have been idle for days: a fresh one for the clean-up.
    if (auto db2 = GuestDb::connect(config_.db_remote); db2) {
        for (const std::string& port : added) {
            if (auto ok = db2->del_port(port); !ok)
                log_line("del-port " + port + ": " + ok.error().message);
        }
    }
    if (spec.type == GuestType::kLxc) lxc::cleanup(spec, config_.run_dir);
    if (spec.type == GuestType::kKvm) kvm::cleanup(spec);
    ::unlink((dir + "/guest.pid").c_str());
    return error;
}

Result<void> GuestRuntime::shutdown(const GuestSpec& spec) {
    auto pid = guest_pid(spec);
    if (!pid) return fail("guest '" + spec.name + "' is not running");
    if (spec.type == GuestType::kLxc) {
        if (::kill(*pid, SIGPWR) != 0) return fail(std::string("kill: ") + strerror(errno));
        return {};
    }
    if (spec.type == GuestType::kXen) return xen::command("shutdown", spec.name);
    return kvm::qmp(guest_dir(spec.name), "system_powerdown");
}

Result<void> GuestRuntime::destroy(const GuestSpec& spec) {
    const std::string dir = guest_dir(spec.name);
    auto supervisor = live_pid(dir + "/supervisor.pid");
    auto pid = guest_pid(spec);
    if (!pid || !supervisor) return fail("guest '" + spec.name + "' is not running");
    // A frozen task does not die until thawed.
    if (spec.type == GuestType::kLxc) (void)lxc::freeze(spec, config_.run_dir, false);
    if (spec.type == GuestType::kXen) {
        // `xl create -F` (the supervisor's child) returns once the domain is gone.
        if (auto ok = xen::command("destroy", spec.name); !ok) return ok;
    } else {
        ::kill(*pid, SIGKILL);
    }
    if (!wait_until([&] { return !pid_alive(*supervisor); }, kDestroyTimeoutMs))
        return fail("guest '" + spec.name + "' was killed but its supervisor (pid " +
                    std::to_string(*supervisor) + ") did not finish its clean-up");
    return {};
}

Result<void> GuestRuntime::suspend(const GuestSpec& spec) {
    if (auto ok = require_running(spec); !ok) return ok;
    if (spec.type == GuestType::kLxc) return lxc::freeze(spec, config_.run_dir, true);
    if (spec.type == GuestType::kXen) return xen::command("pause", spec.name);
    return kvm::qmp(guest_dir(spec.name), "stop");
}

Result<void> GuestRuntime::resume(const GuestSpec& spec) {
    if (auto ok = require_running(spec); !ok) return ok;
    if (spec.type == GuestType::kLxc) return lxc::freeze(spec, config_.run_dir, false);
    if (spec.type == GuestType::kXen) return xen::command("unpause", spec.name);
    return kvm::qmp(guest_dir(spec.name), "cont");
}

Result<void> GuestRuntime::reboot(const GuestSpec& spec) {
    if (auto ok = require_running(spec); !ok) return ok;
    if (spec.type == GuestType::kLxc) {
        // The supervisor starts it again when it sees the marker (or init dying of SIGHUP).
        if (auto ok = write_file(guest_dir(spec.name) + "/reboot", "1"); !ok) return ok;
        auto pid = guest_pid(spec);
        if (!pid || ::kill(*pid, SIGPWR) != 0)
            return fail("guest '" + spec.name + "' is not running");
        return {};
    }
    if (spec.type == GuestType::kXen) return xen::command("reboot", spec.name);
    return kvm::qmp(guest_dir(spec.name), "system_reset");
}

Result<void> GuestRuntime::exec(const GuestSpec& spec, const std::vector<std::string>& argv) {
    if (spec.type != GuestType::kLxc) return fail("exec works on containers only");
    auto pid = guest_pid(spec);
    if (!pid) return fail("guest '" + spec.name + "' is not running");
    std::vector<std::string> full = {
        "nsenter", "-t", std::to_string(*pid), "-m", "-u", "-i", "-n", "-p", "-r", "-w"};
    full.insert(full.end(), argv.begin(), argv.end());
    std::vector<char*> args;
    args.reserve(full.size() + 1);
    for (std::string& a : full)
        args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    return fail(std::string("nsenter: ") + strerror(errno));
}

Result<void> GuestRuntime::console(const GuestSpec& spec) {
    if (spec.type == GuestType::kLxc)
        return fail("containers have no serial console: use 'vmctl exec " + spec.name + " -- sh'");
    if (auto ok = require_running(spec); !ok) return ok;
    if (spec.type == GuestType::kXen) {
        const std::string xl = xen::xl_tool();
        ::execlp(xl.c_str(), xl.c_str(), "console", spec.name.c_str(), nullptr);
        return fail(xl + ": " + strerror(errno));
    }
    auto fd = connect_unix(guest_dir(spec.name) + "/console.sock");
    if (!fd) return fail("console: " + fd.error().message);
    termios saved{};
    const bool tty = ::isatty(0) != 0 && ::tcgetattr(0, &saved) == 0;
    if (tty) {
        termios raw = saved;
        ::cfmakeraw(&raw);
        ::tcsetattr(0, TCSANOW, &raw);
    }
    std::fprintf(stderr, "Connected to domain '%s'\r\nEscape character is ^]\r\n",
                 spec.name.c_str());
    pollfd fds[2] = {{0, POLLIN, 0}, {*fd, POLLIN, 0}};
    char buf[4096];
    for (bool done = false; !done;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if ((fds[0].revents & (POLLIN | POLLHUP)) != 0) {
            const ssize_t n = ::read(0, buf, sizeof buf);
            const void* escape = n > 0 ? std::memchr(buf, 0x1d, static_cast<size_t>(n)) : nullptr;
            const ssize_t len = escape != nullptr ? static_cast<const char*>(escape) - buf : n;
            if (len > 0) (void)!::write(*fd, buf, static_cast<size_t>(len));
            done = n <= 0 || escape != nullptr;
        }
        if ((fds[1].revents & (POLLIN | POLLHUP)) != 0) {
            const ssize_t n = ::read(*fd, buf, sizeof buf);
            if (n > 0) (void)!::write(1, buf, static_cast<size_t>(n));
            done = done || n <= 0;
        }
    }
    if (tty) ::tcsetattr(0, TCSANOW, &saved);
    ::close(*fd);
    std::fprintf(stderr, "\n");
    return {};
}

}  // namespace vs::vm
