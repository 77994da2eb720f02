// LXC-style containers made directly: clone() into new pid/net/mount/uts/ipc namespaces,
// chroot into the rootfs, exec its /sbin/init; a veth pair per NIC whose host end is a
// `system` port of the bridge; memory and CPU limits and the freezer from cgroups (v2 where its
// controllers are enabled, else the v1 hierarchies of a hybrid host like this one).
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vm-runtime/drivers.hpp"
#include "vm-runtime/host.hpp"

namespace vs::vm::lxc {

namespace {

constexpr size_t kStackSize = 256 * 1024;
const std::string& cgroup_root() {
    static const std::string root = "/sys/fs/cgroup";
    return root;
}

struct ChildArgs {
    const GuestSpec* spec;
    std::string console_log;
    int go_fd;
};

// The container's init, before exec: wait for the host to finish the network, then enter
// the rootfs. Runs in the new namespaces as pid 1.
int container_main(void* opaque) {
    const auto* args = static_cast<ChildArgs*>(opaque);
    char go = 0;
    if (::read(args->go_fd, &go, 1) != 1) return 1;
    ::close(args->go_fd);
    const int null = ::open("/dev/null", O_RDONLY);
    const int out = ::open(args->console_log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(null, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    // Mounts made inside (proc) must not propagate back to the host.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::sethostname(args->spec->name.c_str(), args->spec->name.size()) != 0 ||
        ::chroot(args->spec->rootfs.c_str()) != 0 || ::chdir("/") != 0) {
        std::fprintf(stderr, "vmctl: container setup: %s\n", strerror(errno));
        return 1;
    }
    ::setsid();
    ::execl("/sbin/init", "init", nullptr);
    std::fprintf(stderr, "vmctl: exec /sbin/init: %s\n", strerror(errno));
    return 127;
}

std::string hash_hex(const std::string& text) {
    uint32_t h = 2166136261U;
    for (unsigned char c : text) {
        h ^= c;
        h *= 16777619U;
    }
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", h);
    return hex;
}

bool v2_has(const std::string& controller) {
    const std::string all = read_file(cgroup_root() + "/cgroup.controllers");
    return (" " + all + " ").find(" " + controller) != std::string::npos;
}

// The cgroup directories of one container: one on v2, or one per v1 controller. The group is
// named after the run directory too, so two switches' guests of one name do not collide.
std::vector<std::string> cgroup_dirs(const GuestSpec& spec, const std::string& run_dir) {
    const std::string rel = "vswitch-" + hash_hex(run_dir) + "/" + spec.name;
    if (v2_has("memory")) return {cgroup_root() + "/" + rel};
    std::vector<std::string> dirs;
    for (const char* c : {"memory", "cpu", "freezer"}) {
        if (::access((cgroup_root() + "/" + c + "/cgroup.procs").c_str(), W_OK) == 0)
            dirs.push_back(cgroup_root() + "/" + c + "/" + rel);
    }
    return dirs;
}

void set_limits(const GuestSpec& spec, const std::string& run_dir, pid_t pid,
                std::vector<std::string>& warnings) {
    const std::string bytes = std::to_string(spec.memory_mb << 20);
    const std::string quota = std::to_string(spec.vcpus * 100000);
    for (const std::string& dir : cgroup_dirs(spec, run_dir)) {
        if (!make_dirs(dir)) {
            warnings.push_back("cannot create cgroup " + dir + ": limits not applied");
            continue;
        }
        if (dir.starts_with(cgroup_root() + "/vswitch-")) {  // v2
            (void)write_file(dir + "/../cgroup.subtree_control", "+memory +cpu");
            (void)write_file(dir + "/memory.max", bytes);
            (void)write_file(dir + "/cpu.max", quota + " 100000");
        } else if (dir.find("/memory/") != std::string::npos) {
            (void)write_file(dir + "/memory.limit_in_bytes", bytes);
        } else if (dir.find("/cpu/") != std::string::npos) {
            (void)write_file(dir + "/cpu.cfs_period_us", "100000");
            (void)write_file(dir + "/cpu.cfs_quota_us", quota);
        }
        // cgroup files take no rename: write in place.
        const int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY);
        const std::string p = std::to_string(pid);
        if (fd < 0 || ::write(fd, p.data(), p.size()) < 0)
            warnings.push_back("cannot move the container into " + dir);
        if (fd >= 0) ::close(fd);
    }
}

Result<void> write_in_place(const std::string& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0) return fail(path + ": " + strerror(errno));
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int e = errno;
    ::close(fd);
    if (!ok) return fail(path + ": " + strerror(e));
    return {};
}

Result<void> plug_nics(const GuestSpec& spec, pid_t pid) {
    const std::string ns = std::to_string(pid);
    auto in_ns = [&](std::vector<std::string> argv) {
        argv.insert(argv.begin(), {"nsenter", "-t", ns, "-n"});
        return run_tool(argv);
    };
    if (auto ok = in_ns({"ip", "link", "set", "lo", "up"}); !ok) return ok;
    for (size_t i = 0; i < spec.nics.size(); ++i) {
        const NicSpec& nic = spec.nics[i];
        const std::string peer = peer_name(nic.port);
        const std::string eth = "eth" + std::to_string(i);
        (void)run_tool({"ip", "link", "del", nic.port});  // left by a killed supervisor
        for (const auto& argv : std::vector<std::vector<std::string>>{
                 {"ip", "link", "add", nic.port, "type", "veth", "peer", "name", peer},
                 {"ip", "link", "set", peer, "netns", ns}}) {
            if (auto ok = run_tool(argv); !ok) return ok;
        }
        std::vector<std::vector<std::string>> inside = {
            {"ip", "link", "set", peer, "name", eth},
            {"ip", "link", "set", eth, "address", nic.mac}};
        if (!nic.ip.empty()) inside.push_back({"ip", "addr", "add", nic.ip, "dev", eth});
        inside.push_back({"ip", "link", "set", eth, "up"});
        for (const auto& argv : inside) {
            if (auto ok = in_ns(argv); !ok) return ok;
        }
        // A userspace switch reads what AF_PACKET hands it: no partial checksums or TSO frames.
        (void)in_ns({"ethtool", "-K", eth, "tx", "off", "tso", "off", "gso", "off"});
        (void)run_tool({"ethtool", "-K", nic.port, "tx", "off", "tso", "off", "gso", "off"});
        (void)run_tool({"sysctl", "-qw", "net.ipv6.conf." + nic.port + ".disable_ipv6=1"});
        if (auto ok = run_tool({"ip", "link", "set", nic.port, "up"}); !ok) return ok;
    }
    return {};
}

}  // namespace

std::string peer_name(const std::string& port) {
    std::string peer = port;
    peer[0] = 't';
    return peer;
}

Result<Launch> launch(const GuestSpec& spec, const std::string& dir, const std::string& run_dir) {
    int go[2];
    if (::pipe2(go, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + strerror(errno));
    ChildArgs args{&spec, dir + "/console.log", go[0]};
    void* stack = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return fail(std::string("mmap: ") + strerror(errno));
    const int flags =
        CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
    const pid_t pid = ::clone(container_main, static_cast<char*>(stack) + kStackSize, flags, &args);
    const int clone_errno = errno;
    ::close(go[0]);
    if (pid < 0) {
        ::close(go[1]);
        return fail(std::string("clone (namespaces): ") + strerror(clone_errno));
    }
    Launch out;
    out.pid = pid;
    out.accel = "namespaces";
    set_limits(spec, run_dir, pid, out.warnings);
    if (auto ok = plug_nics(spec, pid); !ok) {
        ::close(go[1]);
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        cleanup(spec, run_dir);
        return tl::unexpected(ok.error());
    }
    const char g = 'g';
    const bool sent = ::write(go[1], &g, 1) == 1;
    ::close(go[1]);
    if (!sent) return fail("the container's init died before it started");
    return out;
}

PortPlan port_plan() {
    return {"system", {}};
}

Result<void> freeze(const GuestSpec& spec, const std::string& run_dir, bool frozen) {
    for (const std::string& dir : cgroup_dirs(spec, run_dir)) {
        if (dir.starts_with(cgroup_root() + "/vswitch-"))
            return write_in_place(dir + "/cgroup.freeze", frozen ? "1" : "0");
        if (dir.find("/freezer/") != std::string::npos)
            return write_in_place(dir + "/freezer.state", frozen ? "FROZEN" : "THAWED");
    }
    return fail("no cgroup freezer on this host");
}

bool frozen(const GuestSpec& spec, const std::string& run_dir) {
    for (const std::string& dir : cgroup_dirs(spec, run_dir)) {
        if (dir.starts_with(cgroup_root() + "/vswitch-"))
            return read_file(dir + "/cgroup.freeze").starts_with("1");
        if (dir.find("/freezer/") != std::string::npos)
            return !read_file(dir + "/freezer.state").starts_with("THAWED") &&
                   !read_file(dir + "/freezer.state").empty();
    }
    return false;
}

void cleanup(const GuestSpec& spec, const std::string& run_dir) {
    for (const NicSpec& nic : spec.nics)
        (void)run_tool({"ip", "link", "del", nic.port});
    for (const std::string& dir : cgroup_dirs(spec, run_dir)) {
        ::rmdir(dir.c_str());
        // The per-run-directory parent goes once its last guest has.
        ::rmdir(dir.substr(0, dir.rfind('/')).c_str());
    }
}

}  // namespace vs::vm::lxc
