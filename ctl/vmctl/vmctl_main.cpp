// vmctl: define, start, stop, pause and list guests (KVM, LXC) attached to bridges, with
// virsh's subcommands (CONTRACT.md). Definitions live in the config DB; the runtime is
// vm-runtime/. Exit codes: 0 success, 1 failed operation (one line on stderr), 2 usage error.
#include <signal.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/paths.hpp"
#include "ctl/vmctl/define_args.hpp"
#include "ctl/vmctl/domain_xml.hpp"
#include "vm-runtime/guest_db.hpp"
#include "vm-runtime/guest_runtime.hpp"
#include "vm-runtime/host.hpp"

namespace {

using vs::vm::GuestSpec;
using vs::vmctl::UsageError;

constexpr const char* kUsage = R"(vmctl: guests (KVM, LXC) attached to the switch's bridges
usage: vmctl [--db=unix:PATH|tcp:IP:PORT] COMMAND [ARG...]

Definitions:
  define  --name NAME [--type kvm|lxc] [--memory MB] [--vcpus N]
          [--kernel FILE [--initrd FILE] [--cmdline TEXT]] [--disk FILE[,format=raw|qcow2]]
          [--rootfs DIR] [--network bridge=BR[,type=vhostuser|veth][,mac=M][,ip=ADDR/PREFIX]]...
          [--autostart [--autostart-order N]] [--accel auto|kvm|tcg] [--cpuset 0,2-3]
          [--hugepages /dev/hugepages]
  define FILE.xml                 the same from a libvirt domain XML subset (vm-runtime/README.md)
  create  (the flags of define, or FILE.xml)   define a transient guest and start it
  undefine NAME                   remove a shut-off guest's definition
  autostart [--disable] NAME      start the guest with `start --autostart`
Lifecycle:
  start NAME | start --autostart  start a guest | all autostart guests, by autostart-order
  shutdown NAME                   graceful: ACPI power button (KVM), SIGPWR to init (LXC)
  reboot NAME                     reset a VM
  destroy NAME                    kill the guest now; its switch ports are removed
  suspend NAME, resume NAME       pause and continue (QMP stop/cont, cgroup freezer)
  console NAME                    serial console of a VM (Ctrl-] detaches)
  exec NAME -- CMD [ARG...]       run a command inside a container (lxc-attach)
Information:
  list [--all], dominfo NAME, domstate NAME, domiflist NAME

The DB defaults to unix:$VS_RUNDIR/db.sock; guests' runtime files live in $VS_RUNDIR/guests/.
)";

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

template <typename T>
T check(vs::Result<T> result) {
    if (!result) throw Failure(result.error().message);
    if constexpr (!std::is_void_v<T>) return std::move(*result);
}

struct Context {
    std::string remote;
    vs::vm::GuestRuntime runtime;
    std::optional<vs::vm::GuestDb> db_;

    vs::vm::GuestDb& db() {
        if (!db_) db_.emplace(check(vs::vm::GuestDb::connect(remote)));
        return *db_;
    }
    GuestSpec guest(const std::string& name) {
        auto spec = check(db().find(name));
        if (!spec) throw Failure("failed to get domain '" + name + "': no such guest");
        return *spec;
    }
};

std::string one_name(const std::vector<std::string>& args, const std::string& command) {
    if (args.size() != 1) throw UsageError(command + " takes one guest NAME");
    return args[0];
}

void print_warnings(const std::vector<std::string>& warnings) {
    for (const std::string& w : warnings)
        std::cerr << "vmctl: warning: " << w << "\n";
}

GuestSpec define(Context& ctx, const std::vector<std::string>& args, bool transient) {
    GuestSpec spec;
    if (args.size() == 1 && !args[0].starts_with("-")) {
        // virsh define FILE.xml
        std::ifstream in(args[0]);
        if (!in) throw Failure("cannot read " + args[0]);
        std::stringstream text;
        text << in.rdbuf();
        spec = check(vs::vmctl::spec_from_xml(text.str()));
    } else {
        spec = check(vs::vmctl::spec_from_args(args));
    }
    if (transient) spec.other_config["transient"] = "true";
    check(vs::vm::validate(spec));
    check(ctx.db().insert(spec));
    return spec;
}

void start(Context& ctx, const GuestSpec& spec) {
    std::vector<std::string> warnings;
    auto ok = ctx.runtime.start(spec, warnings);
    print_warnings(warnings);
    check(std::move(ok));
    std::cout << "Domain '" << spec.name << "' started\n";
}

void start_autostart(Context& ctx) {
    auto all = check(ctx.db().list());
    std::stable_sort(all.begin(), all.end(), [](const GuestSpec& a, const GuestSpec& b) {
        return a.autostart_order < b.autostart_order;
    });
    for (const GuestSpec& spec : all) {
        if (spec.autostart && ctx.runtime.state(spec) == "shut off") start(ctx, spec);
    }
}

void list(Context& ctx, bool all) {
    const auto guests = check(ctx.db().list());
    std::printf(" %-8s %-20s %s\n", "Id", "Name", "State");
    std::printf("%s\n", std::string(40, '-').c_str());
    for (const GuestSpec& spec : guests) {
        const std::string state = ctx.runtime.state(spec);
        if (!all && state == "shut off") continue;
        const auto pid = ctx.runtime.guest_pid(spec);
        std::printf(" %-8s %-20s %s\n", pid ? std::to_string(*pid).c_str() : "-", spec.name.c_str(),
                    state.c_str());
    }
}

void dominfo(Context& ctx, const GuestSpec& spec) {
    const auto pid = ctx.runtime.guest_pid(spec);
    const std::string accel = ctx.runtime.accelerator(spec);
    std::printf("%-15s %s\n", "Id:", pid ? std::to_string(*pid).c_str() : "-");
    std::printf("%-15s %s\n", "Name:", spec.name.c_str());
    std::printf("%-15s %s\n", "Type:", vs::vm::type_name(spec.type));
    std::printf("%-15s %s\n", "OS Type:", spec.type == vs::vm::GuestType::kLxc ? "exe" : "hvm");
    std::printf("%-15s %s\n", "State:", ctx.runtime.state(spec).c_str());
    std::printf("%-15s %lld\n", "CPU(s):", static_cast<long long>(spec.vcpus));
    std::printf("%-15s %lld KiB\n", "Max memory:", static_cast<long long>(spec.memory_mb) * 1024);
    std::printf("%-15s %s\n", "Accelerator:", accel.empty() ? "-" : accel.c_str());
    std::printf("%-15s %s\n",
                "Persistent:", spec.other_config.contains("transient") ? "no" : "yes");
    std::printf("%-15s %s\n", "Autostart:", spec.autostart ? "enable" : "disable");
    if (!spec.kernel.empty()) std::printf("%-15s %s\n", "Kernel:", spec.kernel.c_str());
    if (!spec.rootfs.empty()) std::printf("%-15s %s\n", "Rootfs:", spec.rootfs.c_str());
}

void domiflist(const GuestSpec& spec) {
    std::printf(" %-15s %-10s %-10s %-10s %-18s %s\n", "Interface", "Type", "Source", "Model",
                "MAC", "IP");
    std::printf("%s\n", std::string(80, '-').c_str());
    for (const auto& nic : spec.nics) {
        std::printf(" %-15s %-10s %-10s %-10s %-18s %s\n", nic.port.c_str(), nic.type.c_str(),
                    nic.bridge.c_str(), spec.type == vs::vm::GuestType::kLxc ? "veth" : "virtio",
                    nic.mac.c_str(), nic.ip.empty() ? "-" : nic.ip.c_str());
    }
}

int run(Context& ctx, const std::string& cmd, std::vector<std::string> args) {
    if (cmd == "define" || cmd == "create") {
        const GuestSpec spec = define(ctx, args, cmd == "create");
        if (cmd == "define") {
            std::cout << "Domain '" << spec.name << "' defined\n";
            return 0;
        }
        try {
            start(ctx, spec);
        } catch (const Failure&) {
            (void)ctx.db().remove(spec.name);
            throw;
        }
        return 0;
    }
    if (cmd == "list") {
        if (args.size() > 1 || (args.size() == 1 && args[0] != "--all"))
            throw UsageError("list takes only --all");
        list(ctx, !args.empty());
        return 0;
    }
    if (cmd == "start" && args.size() == 1 && args[0] == "--autostart") {
        start_autostart(ctx);
        return 0;
    }
    if (cmd == "autostart") {
        const bool disable = !args.empty() && args[0] == "--disable";
        if (disable) args.erase(args.begin());
        const std::string name = one_name(args, cmd);
        check(ctx.db().set_autostart(name, !disable));
        std::cout << "Domain '" << name << "' " << (disable ? "unmarked" : "marked")
                  << " as autostarted\n";
        return 0;
    }
    if (cmd == "exec") {
        if (args.size() < 3 || args[1] != "--")
            throw UsageError("usage: exec NAME -- CMD [ARG...]");
        const GuestSpec spec = ctx.guest(args[0]);
        check(ctx.runtime.exec(spec, {args.begin() + 2, args.end()}));
        return 1;
    }
    static constexpr std::array<std::string_view, 11> kOneName = {
        "start",   "shutdown", "reboot",   "destroy",   "suspend", "resume",
        "console", "dominfo",  "domstate", "domiflist", "undefine"};
    if (std::find(kOneName.begin(), kOneName.end(), cmd) == kOneName.end())
        throw UsageError("unknown command '" + cmd + "' (see vmctl --help)");
    const GuestSpec spec = ctx.guest(one_name(args, cmd));
    const std::string& name = spec.name;
    auto& rt = ctx.runtime;
    if (cmd == "start") {
        start(ctx, spec);
    } else if (cmd == "shutdown") {
        check(rt.shutdown(spec));
        std::cout << "Domain '" << name << "' is being shutdown\n";
    } else if (cmd == "reboot") {
        check(rt.reboot(spec));
        std::cout << "Domain '" << name << "' is being rebooted\n";
    } else if (cmd == "destroy") {
        check(rt.destroy(spec));
        std::cout << "Domain '" << name << "' destroyed\n";
    } else if (cmd == "suspend") {
        check(rt.suspend(spec));
        (void)ctx.db().set_runtime(name, "paused", rt.accelerator(spec));
        std::cout << "Domain '" << name << "' suspended\n";
    } else if (cmd == "resume") {
        check(rt.resume(spec));
        (void)ctx.db().set_runtime(name, "running", rt.accelerator(spec));
        std::cout << "Domain '" << name << "' resumed\n";
    } else if (cmd == "console") {
        check(rt.console(spec));
    } else if (cmd == "dominfo") {
        dominfo(ctx, spec);
    } else if (cmd == "domstate") {
        std::cout << rt.state(spec) << "\n";
    } else if (cmd == "domiflist") {
        domiflist(spec);
    } else if (cmd == "undefine") {
        if (rt.state(spec) != "shut off")
            throw Failure("guest '" + name + "' is running: destroy or shut it down first");
        check(ctx.db().remove(name));
        vs::vm::remove_tree(rt.guest_dir(name));
        std::cout << "Domain '" << name << "' has been undefined\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    ::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string remote;
    try {
        while (!args.empty() && args[0].starts_with("-") && args[0] != "--") {
            const std::string opt = args[0];
            if (opt == "-h" || opt == "--help") {
                std::cout << kUsage;
                return 0;
            }
            if (opt == "-V" || opt == "--version") {
                std::cout << "vmctl (vswitch) 0.1.0\n";
                return 0;
            }
            if (opt.starts_with("--db=")) {
                remote = opt.substr(5);
            } else if (opt == "--db" && args.size() > 1) {
                remote = args[1];
                args.erase(args.begin());
            } else {
                throw UsageError("unknown option '" + opt + "'");
            }
            args.erase(args.begin());
        }
        if (args.empty()) throw UsageError("no command (see vmctl --help)");
        const std::string rundir = vs::run_dir();
        if (remote.empty()) remote = "unix:" + rundir + "/db.sock";
        Context ctx{remote, vs::vm::GuestRuntime({rundir, remote}), std::nullopt};
        const std::string cmd = args[0];
        args.erase(args.begin());
        return run(ctx, cmd, args);
    } catch (const UsageError& e) {
        std::cerr << "vmctl: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "vmctl: " << e.what() << "\n";
        return 1;
    }
}
