// KVM guests: a QEMU process (KVM, or TCG where KVM cannot boot a kernel), its NICs vhost-user
// servers that the switch's dpdkvhostuserclient ports connect to, controlled over QMP.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "vm-runtime/drivers.hpp"
#include "vm-runtime/host.hpp"
#include "vm-runtime/qmp_client.hpp"

namespace vs::vm::kvm {

namespace {

constexpr int kProbeMs = 3000;
constexpr int kQmpUpMs = 10000;

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

void kill_and_reap(pid_t pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

// Boots the kernel under KVM with early console output for a few seconds: a kernel that runs
// prints "Linux version" at once; here (nested PVM) it prints nothing at all.
std::string probe_kvm(const GuestSpec& spec, const std::string& dir, const std::string& qemu) {
    if (::access("/dev/kvm", R_OK | W_OK) != 0) return "no usable /dev/kvm";
    if (spec.kernel.empty()) return "cannot probe KVM without a --kernel";
    const std::string log = dir + "/kvm-probe.log";
    ::unlink(log.c_str());
    auto pid =
        spawn_logged({qemu, "-accel", "kvm", "-m", "128", "-display", "none", "-nodefaults",
                      "-no-reboot", "-kernel", spec.kernel, "-append",
                      "console=ttyS0 earlyprintk=serial,ttyS0 panic=-1", "-serial", "file:" + log},
                     dir + "/kvm-probe.out");
    if (!pid) return pid.error().message;
    const bool booted = wait_until(
        [&] { return read_file(log).find("Linux version") != std::string::npos; }, kProbeMs);
    kill_and_reap(*pid);
    if (booted) return "";
    return "a kernel printed nothing within " + std::to_string(kProbeMs / 1000) +
           " s under -accel kvm";
}

std::string drive_arg(const std::string& path, const std::string& format) {
    return "file=" + path + ",format=" + format + ",if=virtio";
}

// NIC `index`: a vhost-user server socket in `dir` (or the TAP device named after the port)
// and a virtio-net device on it.
std::vector<std::string> nic_args(const std::string& dir, size_t index, const NicSpec& nic,
                                  const std::string& accel) {
    const std::string n = std::to_string(index);
    const std::string& mac = nic.mac;
    if (nic.type == "tap") {
        // There is no /dev/vhost-net here, and QEMU 7.2 aborts with vhost=on without it.
        return {"-netdev",
                "tap,id=n" + n + ",ifname=" + nic.port + ",script=no,downscript=no,vhost=off",
                "-device", "virtio-net-pci,netdev=n" + n + ",mac=" + mac};
    }
    // QEMU 7.2 under TCG crashes with MSI-X on a vhost-user virtio-net: no vectors there.
    const std::string vectors = accel == "tcg" ? ",vectors=0" : "";
    return {
        "-chardev", "socket,id=nc" + n + ",path=" + dir + "/net" + n + ".sock,server=on,wait=off",
        "-netdev",  "vhost-user,id=n" + n + ",chardev=nc" + n,
        "-device",  "virtio-net-pci,netdev=n" + n + ",mac=" + mac + vectors};
}

// TAP NICs: made here (named after the port, up, offloads off) for QEMU to attach to, and
// given to the switch as `system` ports.
Result<void> make_taps(const GuestSpec& spec) {
    for (const NicSpec& nic : spec.nics) {
        if (nic.type != "tap") continue;
        (void)run_tool({"ip", "link", "del", nic.port});  // left by a killed supervisor
        if (auto ok = run_tool({"ip", "tuntap", "add", "dev", nic.port, "mode", "tap"}); !ok)
            return ok;
        (void)run_tool({"sysctl", "-qw", "net.ipv6.conf." + nic.port + ".disable_ipv6=1"});
        if (auto ok = run_tool({"ip", "link", "set", nic.port, "up"}); !ok) return ok;
    }
    return {};
}

}  // namespace

std::vector<std::string> qemu_args(const GuestSpec& spec, const std::string& dir,
                                   const std::string& accel) {
    const std::string mem = std::to_string(spec.memory_mb);
    std::vector<std::string> a = {"qemu-system-x86_64",
                                  "-name",
                                  spec.name,
                                  "-accel",
                                  accel,
                                  "-m",
                                  mem,
                                  "-smp",
                                  std::to_string(spec.vcpus),
                                  "-display",
                                  "none",
                                  "-nodefaults",
                                  "-qmp",
                                  "unix:" + dir + "/qmp.sock,server=on,wait=off",
                                  "-chardev",
                                  "socket,id=ser0,path=" + dir +
                                      "/console.sock,server=on,wait=off,logfile=" + dir +
                                      "/console.log",
                                  "-serial",
                                  "chardev:ser0"};
    if (!spec.kernel.empty()) {
        std::string cmdline = "console=ttyS0 " + spec.cmdline;
        if (!spec.nics.empty() && !spec.nics[0].ip.empty() &&
            spec.cmdline.find("vs.ip=") == std::string::npos)
            cmdline += " vs.ip=" + spec.nics[0].ip;
        a.insert(a.end(), {"-kernel", spec.kernel, "-append", cmdline});
        if (!spec.initrd.empty()) a.insert(a.end(), {"-initrd", spec.initrd});
    }
    for (const auto& [path, format] : spec.disks)
        a.insert(a.end(), {"-drive", drive_arg(path, format)});
    // vhost-user needs guest memory the switch can map: one shared memfd, or hugepages
    // (other_config:hugepages=PATH, e.g. /dev/hugepages) when asked for.
    const auto huge = spec.other_config.find("hugepages");
    if (huge != spec.other_config.end()) {
        a.insert(a.end(), {"-object",
                           "memory-backend-file,id=mem,size=" + mem + "M,mem-path=" + huge->second +
                               ",share=on,prealloc=on",
                           "-numa", "node,memdev=mem"});
    } else if (std::any_of(spec.nics.begin(), spec.nics.end(),
                           [](const NicSpec& nic) { return nic.type == "vhostuser"; })) {
        a.insert(a.end(), {"-object", "memory-backend-memfd,id=mem,size=" + mem + "M,share=on",
                           "-numa", "node,memdev=mem"});
    }
    for (size_t i = 0; i < spec.nics.size(); ++i) {
        const auto nic = nic_args(dir, i, spec.nics[i], accel);
        a.insert(a.end(), nic.begin(), nic.end());
    }
    return a;
}

Result<Launch> launch(const GuestSpec& spec, const std::string& dir, const std::string& run_dir,
                      const std::string& qemu) {
    Launch out;
    std::string accel = "auto";
    if (auto it = spec.other_config.find("accel"); it != spec.other_config.end())
        accel = it->second;
    if (accel == "auto") {
        // One probe per run directory: its answer does not change while the host runs.
        const std::string cache = run_dir + "/guests/.kvm-probe";
        std::string why = read_file(cache);
        if (why.empty()) {
            why = probe_kvm(spec, dir, qemu);
            if (why.empty()) why = "ok";
            (void)write_file(cache, why);
        }
        accel = why == "ok" ? "kvm" : "tcg";
        if (accel == "tcg")
            out.warnings.push_back("KVM does not work here (" + why + "): guest '" + spec.name +
                                   "' runs under TCG, QEMU's software emulation");
    }
    if (accel != "kvm" && accel != "tcg")
        return fail("other_config:accel must be auto, kvm or tcg");
    if (auto ok = make_taps(spec); !ok) {
        cleanup(spec);
        return tl::unexpected(ok.error());
    }
    auto args = qemu_args(spec, dir, accel);
    args[0] = qemu;
    auto pid = spawn_logged(args, dir + "/qemu.log");
    if (!pid) return tl::unexpected(pid.error());
    const bool up =
        wait_until([&] { return exists(dir + "/qmp.sock") || !pid_alive(*pid); }, kQmpUpMs);
    if (!up || !pid_alive(*pid)) {
        kill_and_reap(*pid);
        cleanup(spec);
        std::string log = read_file(dir + "/qemu.log");
        while (!log.empty() && log.back() == '\n')
            log.pop_back();
        const auto nl = log.rfind('\n');
        return fail("QEMU did not start: " + (nl == std::string::npos ? log : log.substr(nl + 1)));
    }
    out.pid = *pid;
    out.accel = accel;
    return out;
}

PortPlan port_plan(const std::string& dir, size_t index, const NicSpec& nic) {
    if (nic.type == "tap") return {"system", {}};
    return {"dpdkvhostuserclient",
            {{"vhost-server-path", dir + "/net" + std::to_string(index) + ".sock"}}};
}

void cleanup(const GuestSpec& spec) {
    for (const NicSpec& nic : spec.nics) {
        if (nic.type == "tap") (void)run_tool({"ip", "link", "del", nic.port});
    }
}

Result<void> qmp(const std::string& dir, const std::string& command) {
    auto client = QmpClient::connect(dir + "/qmp.sock");
    if (!client) return tl::unexpected(client.error());
    auto result = client->execute(command);
    if (!result) return tl::unexpected(result.error());
    return {};
}

std::string state(const std::string& dir) {
    auto client = QmpClient::connect(dir + "/qmp.sock", 2000);
    if (!client) return "running";
    auto status = client->execute("query-status");
    if (!status) return "running";
    const std::string s = status->value("status", "");
    if (s == "paused" || s == "suspended") return "paused";
    if (s == "shutdown") return "shut off";
    if (s == "internal-error" || s == "guest-panicked" || s == "io-error") return "crashed";
    return "running";
}

}  // namespace vs::vm::kvm
