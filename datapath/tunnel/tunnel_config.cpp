// Tunnel interface options → TunnelConfig, with errors that end up in Interface.error.
#include "datapath/tunnel/tunnel_config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>

namespace vs {

namespace {

// Options we do not implement are refused rather than ignored, so a configuration never
// silently means something else here than in Open vSwitch.
Result<void> check_known_options(const std::string& what,
                                 const std::map<std::string, std::string>& options) {
    const auto unknown = std::find_if(options.begin(), options.end(), [](const auto& kv) {
        const std::string& k = kv.first;
        return k != "remote_ip" && k != "local_ip" && k != "key" && k != "dst_port";
    });
    if (unknown == options.end()) return {};
    return fail(what + ": option '" + unknown->first + "' is not supported");
}

Result<uint32_t> parse_ip(const std::string& what, const std::string& option,
                          const std::string& text) {
    if (text == "flow") return fail(what + ": " + option + "=flow is not supported yet");
    in_addr addr{};
    if (inet_pton(AF_INET, text.c_str(), &addr) == 1) return addr.s_addr;
    in6_addr addr6{};
    if (inet_pton(AF_INET6, text.c_str(), &addr6) == 1) {
        return fail(what + ": " + option + " '" + text + "': IPv6 tunnels are not supported yet");
    }
    return fail(what + ": " + option + " '" + text + "' is not an IPv4 address");
}

// Decimal, or hexadecimal with 0x, as Open vSwitch reads keys.
bool parse_number(const std::string& text, uint64_t& value) {
    std::string_view digits = text;
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
        base = 16;
    }
    if (digits.empty()) return false;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    return ec == std::errc() && end == digits.data() + digits.size();
}

Result<uint32_t> parse_key(const std::string& what, const std::string& text) {
    if (text == "flow") return fail(what + ": key=flow is not supported yet");
    uint64_t key = 0;
    if (!parse_number(text, key) || key > kMaxVni) {
        return fail(what + ": key '" + text + "' is not a number from 0 to " +
                    std::to_string(kMaxVni));
    }
    return static_cast<uint32_t>(key);
}

Result<uint16_t> parse_port(const std::string& what, const std::string& text) {
    uint64_t port = 0;
    if (!parse_number(text, port) || port == 0 || port > 65535) {
        return fail(what + ": dst_port '" + text + "' is not a UDP port number (1-65535)");
    }
    return static_cast<uint16_t>(port);
}

bool is_usable_unicast(uint32_t ip) {
    const uint32_t host = ntohl(ip);
    return host != 0 && (host >> 28) != 0xe && host != 0xffffffff;
}

}  // namespace

bool is_tunnel_type(std::string_view type) {
    return type == "vxlan" || type == "geneve";
}

Result<TunnelConfig> parse_tunnel_config(const std::string& name, const std::string& type,
                                         const std::map<std::string, std::string>& options) {
    const std::string what = type + " port '" + name + "'";
    if (!is_tunnel_type(type)) return fail(what + ": not a tunnel type");
    TunnelConfig c;
    c.type = type == "vxlan" ? TunnelType::kVxlan : TunnelType::kGeneve;
    c.dst_port = default_dst_port(c.type);
    if (auto ok = check_known_options(what, options); !ok) return tl::unexpected(ok.error());

    auto remote = options.find("remote_ip");
    if (remote == options.end() || remote->second.empty()) {
        return fail(what + " needs options:remote_ip");
    }
    auto ip = parse_ip(what, "remote_ip", remote->second);
    if (!ip) return tl::unexpected(ip.error());
    if (!is_usable_unicast(*ip)) {
        return fail(what + ": remote_ip '" + remote->second + "' is not a unicast address");
    }
    c.remote_ip = *ip;

    if (auto local = options.find("local_ip"); local != options.end()) {
        auto lip = parse_ip(what, "local_ip", local->second);
        if (!lip) return tl::unexpected(lip.error());
        if (!is_usable_unicast(*lip)) {
            return fail(what + ": local_ip '" + local->second + "' is not a unicast address");
        }
        c.local_ip = *lip;
    }
    if (auto key = options.find("key"); key != options.end()) {
        auto vni = parse_key(what, key->second);
        if (!vni) return tl::unexpected(vni.error());
        c.vni = *vni;
    }
    if (auto port = options.find("dst_port"); port != options.end()) {
        auto p = parse_port(what, port->second);
        if (!p) return tl::unexpected(p.error());
        c.dst_port = *p;
    }
    return c;
}

std::string ipv4_string(uint32_t ip) {
    char buf[INET_ADDRSTRLEN] = {};
    in_addr addr{};
    addr.s_addr = ip;
    inet_ntop(AF_INET, &addr, buf, sizeof buf);
    return buf;
}

}  // namespace vs
