// Xen guests through `xl`: an xl domain configuration per guest (checked with Xen's own parser,
// libxlutil, before use), `xl create -F` as the supervisor's child (it stays in the foreground
// until the domain dies), and xl's verbs for the rest. The vif backend netdev is named after the
// guest's port (vifname=) and becomes a `system` port of the bridge through the DB, so the
// hotplug script has nothing to do. `xl` is $VS_XL when set (the tests point it at a recording
// stand-in: no hypervisor runs on these machines); a guest starts only where `xl info` works.
// libxlutil.h has no C++ guard of its own.
extern "C" {
#include <libxlutil.h>
}

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "vm-runtime/drivers.hpp"
#include "vm-runtime/host.hpp"

namespace vs::vm::xen {

namespace {

constexpr int kCreateMs = 30000;

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string vif_spec(const NicSpec& nic) {
    return "'bridge=" + nic.bridge + ",mac=" + nic.mac + ",vifname=" + nic.port +
           ",script=/bin/true'";
}

std::string disk_spec(const std::string& path, const std::string& format, size_t index) {
    return "'format=" + format + ",vdev=xvd" + std::string(1, static_cast<char>('a' + index)) +
           ",access=rw,target=" + path + "'";
}

}  // namespace

std::string xl_tool() {
    const char* tool = std::getenv("VS_XL");
    return tool != nullptr && *tool != '\0' ? tool : "xl";
}

std::string xl_config(const GuestSpec& spec) {
    std::ostringstream out;
    out << "# xl domain configuration of vmctl guest " << spec.name << "\n";
    out << "name = " << quoted(spec.name) << "\n";
    out << "type = " << (spec.kernel.empty() ? "\"hvm\"" : "\"pvh\"") << "\n";
    out << "memory = " << spec.memory_mb << "\n";
    out << "vcpus = " << spec.vcpus << "\n";
    if (!spec.kernel.empty()) {
        std::string cmdline = "console=hvc0 " + spec.cmdline;
        if (!spec.nics.empty() && !spec.nics[0].ip.empty() &&
            spec.cmdline.find("vs.ip=") == std::string::npos)
            cmdline += " vs.ip=" + spec.nics[0].ip;
        out << "kernel = " << quoted(spec.kernel) << "\n";
        if (!spec.initrd.empty()) out << "ramdisk = " << quoted(spec.initrd) << "\n";
        out << "cmdline = " << quoted(cmdline) << "\n";
    }
    if (!spec.disks.empty()) {
        out << "disk = [ ";
        size_t i = 0;
        for (const auto& [path, format] : spec.disks) {
            out << (i > 0 ? ", " : "") << disk_spec(path, format, i);
            ++i;
        }
        out << " ]\n";
    }
    out << "vif = [ ";
    for (size_t i = 0; i < spec.nics.size(); ++i)
        out << (i > 0 ? ", " : "") << vif_spec(spec.nics[i]);
    out << " ]\n";
    out << "on_poweroff = \"destroy\"\non_reboot = \"restart\"\non_crash = \"destroy\"\n";
    return out.str();
}

Result<void> check_config(const std::string& text, const GuestSpec& spec) {
    char* report = nullptr;
    size_t report_size = 0;
    FILE* report_file = ::open_memstream(&report, &report_size);
    XLU_Config* cfg = xlu_cfg_init(report_file, "xl.cfg");
    std::string error;
    if (cfg == nullptr) {
        error = "libxlutil: cannot allocate a configuration";
    } else if (xlu_cfg_readdata(cfg, text.data(), static_cast<int>(text.size())) != 0) {
        error = "libxlutil rejects the generated xl configuration";
    } else {
        const char* name = nullptr;
        const char* kernel = nullptr;
        long memory = 0;
        long vcpus = 0;
        XLU_ConfigList* vifs = nullptr;
        int n_vifs = 0;
        if (xlu_cfg_get_string(cfg, "name", &name, 0) != 0 || spec.name != name)
            error = "libxlutil reads a different name";
        else if (xlu_cfg_get_long(cfg, "memory", &memory, 0) != 0 || memory != spec.memory_mb)
            error = "libxlutil reads a different memory size";
        else if (xlu_cfg_get_long(cfg, "vcpus", &vcpus, 0) != 0 || vcpus != spec.vcpus)
            error = "libxlutil reads a different vcpu count";
        else if (!spec.kernel.empty() &&
                 (xlu_cfg_get_string(cfg, "kernel", &kernel, 0) != 0 || spec.kernel != kernel))
            error = "libxlutil reads a different kernel";
        else if (xlu_cfg_get_list(cfg, "vif", &vifs, &n_vifs, 0) != 0 ||
                 n_vifs != static_cast<int>(spec.nics.size()))
            error = "libxlutil reads a different vif list";
        for (int i = 0; error.empty() && i < n_vifs; ++i) {
            const std::string item = xlu_cfg_get_listitem(vifs, i);
            const std::string want = vif_spec(spec.nics[static_cast<size_t>(i)]);
            if (item != want.substr(1, want.size() - 2))
                error = "libxlutil reads vif " + std::to_string(i) + " as '" + item + "'";
        }
    }
    if (cfg != nullptr) xlu_cfg_destroy(cfg);
    std::fclose(report_file);
    std::string details = report != nullptr ? report : "";
    std::free(report);
    while (!details.empty() && details.back() == '\n')
        details.pop_back();
    if (!error.empty()) return fail(details.empty() ? error : error + ": " + details);
    return {};
}

Result<Launch> launch(const GuestSpec& spec, const std::string& dir) {
    const std::string xl = xl_tool();
    if (auto info = run_tool({xl, "info"}); !info)
        return fail("Xen is not available here (" + info.error().message + ")");
    const std::string text = xl_config(spec);
    if (auto ok = check_config(text, spec); !ok) return tl::unexpected(ok.error());
    const std::string cfg = dir + "/xl.cfg";
    if (auto ok = write_file(cfg, text); !ok) return tl::unexpected(ok.error());
    auto pid = spawn_logged({xl, "create", "-F", cfg}, dir + "/xl.log");
    if (!pid) return tl::unexpected(pid.error());
    // The domain exists (and its vif netdevs with it) once `xl list NAME` knows it.
    const bool up = wait_until(
        [&] {
            return !pid_alive(*pid) || run_tool({xl, "list", spec.name}).has_value();
        },
        kCreateMs, 100);
    if (!up || !pid_alive(*pid)) return fail("xl create failed (see " + dir + "/xl.log)");
    return Launch{*pid, "xen", {}};
}

Result<void> command(const std::string& verb, const std::string& name) {
    return run_tool({xl_tool(), verb, name});
}

std::string state(const std::string& name) {
    // "Name ID Mem VCPUs State Time(s)"; State is six flags: r b p s c d.
    FILE* p = ::popen((xl_tool() + " list " + name + " 2>/dev/null").c_str(), "r");
    if (p == nullptr) return "running";
    char line[512];
    std::string flags;
    while (std::fgets(line, sizeof line, p) != nullptr) {
        std::istringstream row(line);
        std::string n, id, mem, vcpus;
        row >> n >> id >> mem >> vcpus >> flags;
        if (n == name) break;
        flags.clear();
    }
    ::pclose(p);
    if (flags.size() >= 5 && flags[2] == 'p') return "paused";
    if (flags.size() >= 5 && flags[4] == 'c') return "crashed";
    return "running";
}

}  // namespace vs::vm::xen
