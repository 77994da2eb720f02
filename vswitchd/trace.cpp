// ofproto/trace: flow parsing (Open vSwitch's field syntax mapped onto the datapath flow
// syntax's parser) and the step-by-step explanation of the learning switch's decision. It reads
// the MAC table with lookups only, so tracing changes nothing.
#include "vswitchd/trace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "datapath/packet/flow_format.hpp"
#include "datapath/packet/flow_string.hpp"

namespace vs {

namespace {

std::string mac_string(const EthAddr& m) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4],
                       m[5]);
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return std::string(s);
}

// The groups of a datapath flow string, filled from OpenFlow field names.
struct FlowGroups {
    std::string in_port;
    std::vector<std::string> eth, vlan, ipv4, l4;
    std::string eth_type, l4_name;

    std::string to_string() const {
        std::vector<std::string> parts;
        auto group = [&parts](const std::string& name, const std::vector<std::string>& fields) {
            if (fields.empty()) return;
            std::string s = name + "(";
            for (size_t i = 0; i < fields.size(); ++i)
                s += (i ? "," : "") + fields[i];
            parts.push_back(s + ")");
        };
        if (!in_port.empty()) parts.push_back("in_port(" + in_port + ")");
        group("eth", eth);
        group("vlan", vlan);
        if (!eth_type.empty()) parts.push_back("eth_type(" + eth_type + ")");
        group("ipv4", ipv4);
        group(l4_name.empty() ? "tcp" : l4_name, l4);
        std::string out;
        for (size_t i = 0; i < parts.size(); ++i)
            out += (i ? "," : "") + parts[i];
        return out;
    }
};

Result<std::string> port_number(const Bridge& bridge, const std::string& value) {
    uint32_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec == std::errc() && p == value.data() + value.size()) return value;
    auto it = bridge.ports().find(value);
    if (it == bridge.ports().end() || !it->second.port_no) {
        return fail("in_port: no port " + value + " on bridge " + bridge.name());
    }
    return std::to_string(*it->second.port_no);
}

// Maps one OpenFlow field (or protocol keyword) onto the datapath groups.
Result<void> add_field(const Bridge& bridge, const std::string& name, const std::string& value,
                       FlowGroups& g) {
    static const std::map<std::string, std::pair<const char*, const char*>, std::less<>> keywords =
        {{"ip", {"0x0800", ""}},    {"ipv4", {"0x0800", ""}}, {"arp", {"0x0806", ""}},
         {"ipv6", {"0x86dd", ""}},  {"tcp", {"0x0800", "6"}}, {"udp", {"0x0800", "17"}},
         {"icmp", {"0x0800", "1"}}, {"eth", {"", ""}}};
    if (value.empty()) {
        auto k = keywords.find(name);
        if (k == keywords.end()) return fail("unknown field or keyword: " + name);
        if (*k->second.first) g.eth_type = k->second.first;
        if (*k->second.second) {
            g.ipv4.push_back(std::string("proto=") + k->second.second);
            g.l4_name = name;
        }
        return {};
    }
    if (name == "in_port") {
        auto no = port_number(bridge, value);
        if (!no) return tl::unexpected(no.error());
        g.in_port = *no;
    } else if (name == "dl_src" || name == "eth_src") {
        g.eth.push_back("src=" + value);
    } else if (name == "dl_dst" || name == "eth_dst") {
        g.eth.push_back("dst=" + value);
    } else if (name == "dl_vlan" || name == "vlan_vid") {
        g.vlan.push_back("vid=" + value);
    } else if (name == "dl_vlan_pcp" || name == "vlan_pcp") {
        g.vlan.push_back("pcp=" + value);
    } else if (name == "dl_type" || name == "eth_type") {
        g.eth_type = value;
    } else if (name == "nw_src" || name == "ip_src") {
        g.ipv4.push_back("src=" + value);
    } else if (name == "nw_dst" || name == "ip_dst") {
        g.ipv4.push_back("dst=" + value);
    } else if (name == "nw_proto" || name == "ip_proto") {
        g.ipv4.push_back("proto=" + value);
        if (value == "17") g.l4_name = "udp";
    } else if (name == "tp_src" || name == "tcp_src" || name == "udp_src") {
        g.l4.push_back("src=" + value);
        if (name == "udp_src") g.l4_name = "udp";
    } else if (name == "tp_dst" || name == "tcp_dst" || name == "udp_dst") {
        g.l4.push_back("dst=" + value);
        if (name == "udp_dst") g.l4_name = "udp";
    } else if (name != "recirc_id") {
        return fail("unknown field: " + name);
    }
    return {};
}

std::string port_label(const Bridge& bridge, uint32_t port_no) {
    for (const auto& [name, port] : bridge.ports()) {
        if (port.port_no == port_no) return fmt::format("{} ({})", port_no, name);
    }
    return std::to_string(port_no);
}

// The flood's ports as SwitchDaemon::refresh_floods() sets them: the datapath's own flood
// action when the bridge is the only one, else the bridge's ports.
std::optional<std::vector<uint32_t>> flood_ports(SwitchDaemon& d, const Bridge& bridge) {
    if (d.bridges().size() == 1) return std::nullopt;
    return bridge.port_numbers();
}

// The learning switch's own decision, made by a copy of it on a copy of the MAC table in which
// the source is already where it would be learned: the copy learns nothing new, so it removes
// no flow, and the bridge's table stays as it was.
UpcallDecision decide(SwitchDaemon& d, Bridge& bridge, const FlowKey& key,
                      std::optional<uint16_t> vlan) {
    MacTable scratch_table = bridge.mac_table();
    if (vlan) (void)scratch_table.learn(*vlan, key.eth_src, key.in_port, d.datapath().now_ms());
    LearningSwitch scratch(d.datapath(), scratch_table);
    scratch.set_flood_ports(flood_ports(d, bridge));
    scratch.set_port_vlans(bridge.learning().port_vlans());
    scratch.set_mirrors(bridge.learning().mirrors());
    UpcallDecision decision;
    const Upcall upcall{key, UpcallReason::kMiss, 0, {}};
    (void)scratch.handle(upcall, decision);
    return decision;
}

std::string finish(const FlowKey& key, const UpcallDecision& decision) {
    return fmt::format("\nFinal flow: unchanged\nMegaflow: {}\nDatapath actions: {}\n",
                       flow_key_to_string(apply_mask(key, decision.mask), &decision.mask),
                       decision.actions.to_string());
}

}  // namespace

Result<std::pair<FlowKey, FlowMask>> parse_trace_flow(const Bridge& bridge, std::string_view text) {
    const std::string flow = trim(text);
    if (flow.empty()) return fail("empty flow");
    if (flow.find('(') != std::string::npos) return parse_flow_string(flow);
    FlowGroups g;
    size_t pos = 0;
    while (pos <= flow.size()) {
        size_t end = flow.find(',', pos);
        if (end == std::string::npos) end = flow.size();
        const std::string token = trim(std::string_view(flow).substr(pos, end - pos));
        pos = end + 1;
        if (token.empty()) continue;
        const size_t eq = token.find('=');
        const std::string name = trim(token.substr(0, eq));
        const std::string value = eq == std::string::npos ? "" : trim(token.substr(eq + 1));
        if (eq != std::string::npos && value.empty()) return fail("no value for " + name);
        if (auto ok = add_field(bridge, name, value, g); !ok) return tl::unexpected(ok.error());
    }
    auto parsed = parse_flow_string(g.to_string());
    if (!parsed) return fail("bad flow: " + parsed.error().message);
    return parsed;
}

Result<std::string> ofproto_trace(SwitchDaemon& d, const std::string& bridge_name,
                                  const std::string& flow_text) {
    Bridge* bridge = d.find_bridge(bridge_name);
    if (!bridge) return fail("no such bridge: " + bridge_name);
    auto flow = parse_trace_flow(*bridge, flow_text);
    if (!flow) return tl::unexpected(flow.error());
    const FlowKey& key = flow->first;
    const auto ports = bridge->port_numbers();
    if (std::find(ports.begin(), ports.end(), key.in_port) == ports.end()) {
        return fail(fmt::format("in_port {} is not a port of bridge {}", key.in_port, bridge_name));
    }
    const uint64_t now = d.datapath().now_ms();
    const std::optional<uint16_t> in_vlan = bridge->learning().input_vlan(key);
    const uint16_t vlan = in_vlan.value_or(0);
    const bool tagged = (key.vlans[0].tci.host() & kVlanPresent) != 0;
    const UpcallDecision decision = decide(d, *bridge, key, in_vlan);
    const MacTable& macs = bridge->mac_table();
    std::string out = fmt::format("Flow: {}\n\nbridge(\"{}\")\n{}\n", flow_text, bridge_name,
                                  std::string(bridge_name.size() + 10, '-'));
    out += fmt::format(" 0. in_port={}: NORMAL (the learning switch; no OpenFlow rules)\n",
                       port_label(*bridge, key.in_port));
    const std::string frame = tagged ? fmt::format("tagged VID {}", LearningSwitch::vlan_of(key))
                                     : std::string("untagged");
    if (!in_vlan) {
        out += fmt::format(
            "    VLAN: {} frame, not carried by the input port (or the port is a "
            "mirror output) -> drop\n",
            frame);
        return out + finish(key, decision);
    }
    out += fmt::format("    VLAN: {} frame -> VLAN {}\n", frame, vlan);
    if (MacTable::is_multicast(key.eth_src)) {
        out += fmt::format("    learning: source {} is multicast, not learned\n",
                           mac_string(key.eth_src));
    } else if (auto at = macs.lookup(vlan, key.eth_src, now); !at) {
        out += fmt::format(
            "    learning: source {} is new on VLAN {}, would be learned on port "
            "{} (a trace learns nothing)\n",
            mac_string(key.eth_src), vlan, port_label(*bridge, key.in_port));
    } else if (*at == key.in_port) {
        out += fmt::format(
            "    learning: source {} already learned on port {}, would be "
            "refreshed\n",
            mac_string(key.eth_src), port_label(*bridge, *at));
    } else {
        out += fmt::format("    learning: source {} learned on port {}, would move to port {}\n",
                           mac_string(key.eth_src), port_label(*bridge, *at),
                           port_label(*bridge, key.in_port));
    }
    const std::string dst = mac_string(key.eth_dst);
    std::optional<uint32_t> out_port;
    if (MacTable::is_multicast(key.eth_dst)) {
        out += fmt::format("    destination {}: broadcast/multicast -> flood\n", dst);
    } else if (out_port = macs.lookup(vlan, key.eth_dst, now); !out_port) {
        out += fmt::format("    destination {}: not learned on VLAN {} -> flood\n", dst, vlan);
    } else if (*out_port == key.in_port) {
        out += fmt::format("    destination {}: learned on the input port {} -> drop\n", dst,
                           port_label(*bridge, *out_port));
    } else {
        out += fmt::format("    destination {}: learned on port {} -> output:{}\n", dst,
                           port_label(*bridge, *out_port), *out_port);
    }
    if (!out_port) {
        const auto ports = flood_ports(d, *bridge);
        std::string to = ports ? std::string() : "every port";
        for (uint32_t p : ports.value_or(std::vector<uint32_t>{})) {
            if (p != key.in_port) to += (to.empty() ? "" : ", ") + port_label(*bridge, p);
        }
        out += fmt::format("    flood: to {} carrying VLAN {} but the input port\n", to, vlan);
    }
    if (!bridge->learning().mirrors().empty()) {
        out += fmt::format("    mirrors: {} on the bridge (their copies are in the actions)\n",
                           bridge->learning().mirrors().size());
    }
    out += finish(key, decision);
    return out;
}

}  // namespace vs
