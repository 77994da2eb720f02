// virt-install-style flags for vmctl define/create; see define_args.hpp.
#include "ctl/vmctl/define_args.hpp"

#include <cstdlib>
#include <filesystem>
#include <map>

namespace vs::vmctl {

namespace {

int64_t parse_int(const std::string& flag, const std::string& value) {
    char* end = nullptr;
    const long long n = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0')
        throw UsageError(flag + " needs a number, not '" + value + "'");
    return n;
}

// Paths are stored absolute: the supervisor and later commands run from other directories.
std::string absolute(const std::string& path) {
    if (path.empty()) return path;
    std::error_code ec;
    auto abs = std::filesystem::absolute(path, ec);
    return ec ? path : abs.lexically_normal().string();
}

}  // namespace

Result<vm::GuestSpec> spec_from_args(const std::vector<std::string>& args) {
    vm::GuestSpec spec;
    std::vector<std::string> networks;
    std::string type = "kvm";
    for (size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::string value;
        bool has_value = false;
        if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
            has_value = true;
        }
        auto next = [&]() -> std::string {
            if (has_value) return value;
            if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
            return args[++i];
        };
        if (flag == "--name" || flag == "-n") {
            spec.name = next();
        } else if (flag == "--type" || flag == "--virt-type") {
            type = next();
        } else if (flag == "--memory" || flag == "--ram") {
            spec.memory_mb = parse_int(flag, next());
        } else if (flag == "--vcpus") {
            spec.vcpus = parse_int(flag, next());
        } else if (flag == "--kernel") {
            spec.kernel = absolute(next());
        } else if (flag == "--initrd") {
            spec.initrd = absolute(next());
        } else if (flag == "--cmdline" || flag == "--extra-args") {
            spec.cmdline = next();
        } else if (flag == "--rootfs" || flag == "--filesystem") {
            spec.rootfs = absolute(next());
        } else if (flag == "--disk") {
            const std::string d = next();
            const auto comma = d.find(',');
            std::string format = "raw";
            if (comma != std::string::npos) {
                const std::string opt = d.substr(comma + 1);
                if (!opt.starts_with("format="))
                    throw UsageError("--disk " + d + ": unknown option");
                format = opt.substr(7);
            }
            spec.disks[absolute(d.substr(0, comma))] = format;
        } else if (flag == "--network" || flag == "-w") {
            networks.push_back(next());
        } else if (flag == "--autostart") {
            spec.autostart = true;
        } else if (flag == "--autostart-order") {
            spec.autostart_order = parse_int(flag, next());
        } else if (flag == "--accel") {
            spec.other_config["accel"] = next();
        } else if (flag == "--cpuset") {
            spec.other_config["cpuset"] = next();
        } else if (flag == "--hugepages") {
            spec.other_config["hugepages"] = next();
        } else {
            throw UsageError("unknown option '" + args[i] + "'");
        }
    }
    auto parsed_type = vm::parse_type(type);
    if (!parsed_type) return tl::unexpected(parsed_type.error());
    spec.type = *parsed_type;
    if (auto it = spec.other_config.find("accel"); it != spec.other_config.end() &&
                                                   it->second != "auto" && it->second != "kvm" &&
                                                   it->second != "tcg")
        return fail("--accel must be auto, kvm or tcg");
    for (size_t i = 0; i < networks.size(); ++i) {
        auto nic = vm::parse_network(networks[i], spec.type, spec.name, i);
        if (!nic) return tl::unexpected(nic.error());
        spec.nics.push_back(std::move(*nic));
    }
    return spec;
}

}  // namespace vs::vmctl
