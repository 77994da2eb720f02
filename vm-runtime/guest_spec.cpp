// GuestSpec checks and derived names; see guest_spec.hpp.
#include "vm-runtime/guest_spec.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <sstream>

namespace vs::vm {

namespace {

// FNV-1a: stable across runs and builds (std::hash is not promised to be).
uint32_t stable_hash(const std::string& text) {
    uint32_t h = 2166136261U;
    for (unsigned char c : text) {
        h ^= c;
        h *= 16777619U;
    }
    return h;
}

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool valid_mac(const std::string& mac) {
    if (mac.size() != 17) return false;
    for (size_t i = 0; i < mac.size(); ++i) {
        const bool sep = i % 3 == 2;
        if (sep ? mac[i] != ':' : std::isxdigit(static_cast<unsigned char>(mac[i])) == 0)
            return false;
    }
    // A guest NIC must be unicast: the low bit of the first octet is the group bit.
    return (std::stoi(mac.substr(0, 2), nullptr, 16) & 1) == 0;
}

bool valid_cidr(const std::string& ip) {
    unsigned a = 0, b = 0, c = 0, d = 0, prefix = 0;
    char tail = 0;
    const int n = std::sscanf(ip.c_str(), "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &prefix, &tail);
    return n == 5 && a < 256 && b < 256 && c < 256 && d < 256 && prefix <= 32;
}

std::string unknown_key(const std::string& text, const std::string& key) {
    return "--network " + text + ": unknown key '" + key + "'";
}

}  // namespace

const char* type_name(GuestType type) {
    switch (type) {
        case GuestType::kKvm:
            return "kvm";
        case GuestType::kLxc:
            return "lxc";
        case GuestType::kXen:
            return "xen";
    }
    return "?";
}

Result<GuestType> parse_type(const std::string& text) {
    if (text == "kvm" || text == "qemu") return GuestType::kKvm;
    if (text == "lxc") return GuestType::kLxc;
    if (text == "xen") return GuestType::kXen;
    return fail("unknown guest type '" + text + "' (kvm, lxc or xen)");
}

Result<void> check_name(const std::string& name) {
    if (name.empty()) return fail("a guest needs a name (--name)");
    if (name.size() > 64) return fail("guest name '" + name + "' is longer than 64 characters");
    if (name == "." || name == "..") return fail("guest name '" + name + "' is not allowed");
    for (char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '.' && c != '-')
            return fail("guest name '" + name +
                        "' has a character other than letters, digits, '_', '.' and '-'");
    }
    return {};
}

Result<NicSpec> parse_network(const std::string& text, GuestType type, const std::string& guest,
                              size_t index) {
    NicSpec nic;
    nic.type = type == GuestType::kLxc ? "veth" : type == GuestType::kXen ? "vif" : "vhostuser";
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        const auto eq = item.find('=');
        const std::string key = item.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
        if (key == "bridge") {
            nic.bridge = value;
        } else if (key == "type") {
            nic.type = value;
        } else if (key == "mac") {
            nic.mac = value;
        } else if (key == "ip") {
            nic.ip = value;
        } else if (key == "model" && value == "virtio") {
            // The only model there is.
        } else {
            return fail(unknown_key(text, key));
        }
    }
    if (nic.bridge.empty()) return fail("--network " + text + ": no bridge=BR");
    if (nic.mac.empty()) nic.mac = default_mac(guest, index);
    for (char& c : nic.mac)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    nic.port = port_name(guest, index);
    return nic;
}

Result<void> validate(const GuestSpec& spec) {
    if (auto ok = check_name(spec.name); !ok) return ok;
    if (spec.memory_mb < 1) return fail("memory must be at least 1 MiB (--memory)");
    if (spec.vcpus < 1 || spec.vcpus > 1024) return fail("vcpus must be 1..1024 (--vcpus)");
    if (spec.type == GuestType::kLxc) {
        if (spec.rootfs.empty()) return fail("a container needs --rootfs DIR");
        if (::access((spec.rootfs + "/sbin/init").c_str(), X_OK) != 0)
            return fail("rootfs '" + spec.rootfs + "' has no executable /sbin/init");
    } else {
        if (spec.kernel.empty() && spec.disks.empty())
            return fail("a VM needs --kernel FILE or --disk FILE");
        if (!spec.kernel.empty() && !is_file(spec.kernel))
            return fail("kernel '" + spec.kernel + "' does not exist");
        if (!spec.initrd.empty() && !is_file(spec.initrd))
            return fail("initrd '" + spec.initrd + "' does not exist");
        for (const auto& [path, format] : spec.disks) {
            if (!is_file(path)) return fail("disk '" + path + "' does not exist");
            if (format != "raw" && format != "qcow2")
                return fail("disk '" + path + "': format must be raw or qcow2");
        }
    }
    if (auto it = spec.other_config.find("cpuset"); it != spec.other_config.end()) {
        auto cpus = parse_cpuset(it->second);
        if (!cpus) return tl::unexpected(cpus.error());
    }
    for (const NicSpec& nic : spec.nics) {
        const bool ok_type = spec.type == GuestType::kLxc ? nic.type == "veth"
                             : spec.type == GuestType::kXen
                                 ? nic.type == "vif"
                                 : nic.type == "vhostuser" || nic.type == "tap";
        if (!ok_type)
            return fail("network type '" + nic.type + "' is not for a " + type_name(spec.type) +
                        " guest");
        if (!valid_mac(nic.mac)) return fail("'" + nic.mac + "' is not a unicast MAC address");
        if (!nic.ip.empty() && !valid_cidr(nic.ip))
            return fail("ip '" + nic.ip + "' is not ADDR/PREFIX");
    }
    return {};
}

Result<std::vector<int>> parse_cpuset(const std::string& text) {
    std::vector<int> cpus;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        unsigned first = 0, last = 0;
        char tail = 0;
        const int n = std::sscanf(item.c_str(), "%u-%u%c", &first, &last, &tail);
        if (n == 1) last = first;
        if ((n != 1 && n != 2) || last < first || last >= 1024)
            return fail("cpuset '" + text + "' is not a CPU list such as 0,2-3");
        for (unsigned c = first; c <= last; ++c)
            cpus.push_back(static_cast<int>(c));
    }
    if (cpus.empty()) return fail("cpuset '" + text + "' is empty");
    return cpus;
}

std::string port_name(const std::string& guest, size_t index) {
    char name[64];
    if (guest.size() + 2 + std::to_string(index).size() <= 15 &&
        guest.find('.') == std::string::npos)
        std::snprintf(name, sizeof name, "v%s-%zu", guest.c_str(), index);
    else
        std::snprintf(name, sizeof name, "v%08x-%zu", stable_hash(guest), index);
    return name;
}

std::string default_mac(const std::string& guest, size_t index) {
    const uint32_t h = stable_hash(guest + "#" + std::to_string(index));
    char mac[18];
    std::snprintf(mac, sizeof mac, "52:54:00:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff,
                  h & 0xff);
    return mac;
}

}  // namespace vs::vm
