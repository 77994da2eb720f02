// libvirt domain XML subset, read with pugixml; see domain_xml.hpp.
#include "ctl/vmctl/domain_xml.hpp"

#include <pugixml.hpp>

#include <cstdlib>
#include <map>

namespace vs::vmctl {

namespace {

// libvirt's memory units (formatdomain: "unit"), to MiB.
Result<int64_t> memory_mib(const pugi::xml_node& node) {
    const std::string text = node.text().as_string();
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value < 0)
        return fail("<memory>" + text + "</memory> is not a number");
    static const std::map<std::string, long double> to_mib = {{"b", 1.0L / (1 << 20)},
                                                              {"bytes", 1.0L / (1 << 20)},
                                                              {"KB", 1000.0L / (1 << 20)},
                                                              {"k", 1.0L / 1024},
                                                              {"KiB", 1.0L / 1024},
                                                              {"MB", 1e6L / (1 << 20)},
                                                              {"M", 1},
                                                              {"MiB", 1},
                                                              {"GB", 1e9L / (1 << 20)},
                                                              {"G", 1024},
                                                              {"GiB", 1024},
                                                              {"T", 1024 * 1024},
                                                              {"TiB", 1024 * 1024}};
    const std::string unit = node.attribute("unit").as_string("KiB");
    auto it = to_mib.find(unit);
    if (it == to_mib.end()) return fail("unknown memory unit '" + unit + "'");
    return static_cast<int64_t>(static_cast<long double>(value) * it->second);
}

Result<vm::NicSpec> interface(const pugi::xml_node& node, vm::GuestType type,
                              const std::string& guest, size_t index) {
    const std::string kind = node.attribute("type").as_string();
    const std::string bridge = node.child("source").attribute("bridge").as_string();
    if (kind != "bridge" && kind != "vhostuser")
        return fail("interface type '" + kind + "' is not supported (bridge or vhostuser)");
    if (bridge.empty()) return fail("an <interface> needs <source bridge='BR'/>");
    std::string net = "bridge=" + bridge;
    if (kind == "vhostuser") net += ",type=vhostuser";
    if (auto mac = node.child("mac").attribute("address"); !mac.empty())
        net += std::string(",mac=") + mac.as_string();
    if (auto ip = node.child("ip"); !ip.empty()) {
        net += std::string(",ip=") + ip.attribute("address").as_string() + "/" +
               ip.attribute("prefix").as_string("24");
    }
    return vm::parse_network(net, type, guest, index);
}

}  // namespace

Result<vm::GuestSpec> spec_from_xml(const std::string& text) {
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed = doc.load_string(text.c_str());
    if (!parsed)
        return fail(std::string("domain XML: ") + parsed.description() + " at offset " +
                    std::to_string(parsed.offset));
    const pugi::xml_node domain = doc.child("domain");
    if (domain.empty()) return fail("domain XML: no <domain> element");
    vm::GuestSpec spec;
    auto type = vm::parse_type(domain.attribute("type").as_string("kvm"));
    if (!type) return tl::unexpected(type.error());
    spec.type = *type;
    spec.name = domain.child("name").text().as_string();
    if (auto memory = domain.child("memory"); !memory.empty()) {
        auto mib = memory_mib(memory);
        if (!mib) return tl::unexpected(mib.error());
        spec.memory_mb = *mib;
    }
    if (auto vcpu = domain.child("vcpu"); !vcpu.empty()) spec.vcpus = vcpu.text().as_llong();
    const pugi::xml_node os = domain.child("os");
    spec.kernel = os.child("kernel").text().as_string();
    spec.initrd = os.child("initrd").text().as_string();
    spec.cmdline = os.child("cmdline").text().as_string();
    const pugi::xml_node devices = domain.child("devices");
    for (const pugi::xml_node& disk : devices.children("disk")) {
        if (std::string(disk.attribute("device").as_string("disk")) != "disk") continue;
        const std::string file = disk.child("source").attribute("file").as_string();
        if (file.empty()) return fail("a <disk> needs <source file='...'/>");
        spec.disks[file] = disk.child("driver").attribute("type").as_string("raw");
    }
    for (const pugi::xml_node& fs : devices.children("filesystem")) {
        if (std::string(fs.child("target").attribute("dir").as_string()) == "/")
            spec.rootfs = fs.child("source").attribute("dir").as_string();
    }
    size_t index = 0;
    for (const pugi::xml_node& node : devices.children("interface")) {
        auto nic = interface(node, spec.type, spec.name, index++);
        if (!nic) return tl::unexpected(nic.error());
        spec.nics.push_back(std::move(*nic));
    }
    return spec;
}

}  // namespace vs::vmctl
