// ovs-ofctl's text for replies (see reply_print.hpp).
#include "ctl/ofctl/reply_print.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "ctl/ofctl/flow_print.hpp"
#include "ctl/ofctl/of10_convert.hpp"

namespace vs::ofctl {

namespace {

using Names = std::vector<std::pair<uint32_t, const char*>>;

std::string flag_names(uint32_t bits, const Names& names) {
    std::string s;
    for (const auto& [bit, name] : names) {
        if ((bits & bit) == 0) continue;
        if (!s.empty()) s += ' ';
        s += name;
    }
    return s.empty() ? "0" : s;
}

std::string mac_text(const openflow::MacAddr& m) {
    std::string s;
    openflow::put_mac(s, m);
    return s;
}

const Names features_13{
    {0x1, "10MB-HD"},    {0x2, "10MB-FD"},     {0x4, "100MB-HD"},      {0x8, "100MB-FD"},
    {0x10, "1GB-HD"},    {0x20, "1GB-FD"},     {0x40, "10GB-FD"},      {0x80, "40GB-FD"},
    {0x100, "100GB-FD"}, {0x200, "1TB-FD"},    {0x400, "OTHER"},       {0x800, "COPPER"},
    {0x1000, "FIBER"},   {0x2000, "AUTO_NEG"}, {0x4000, "AUTO_PAUSE"}, {0x8000, "AUTO_PAUSE_ASYM"}};
const Names features_10{{0x1, "10MB-HD"},    {0x2, "10MB-FD"},      {0x4, "100MB-HD"},
                        {0x8, "100MB-FD"},   {0x10, "1GB-HD"},      {0x20, "1GB-FD"},
                        {0x40, "10GB-FD"},   {0x80, "COPPER"},      {0x100, "FIBER"},
                        {0x200, "AUTO_NEG"}, {0x400, "AUTO_PAUSE"}, {0x800, "AUTO_PAUSE_ASYM"}};
const Names config_names{{0x1, "PORT_DOWN"},    {0x2, "NO_STP"},    {0x4, "NO_RECV"},
                         {0x8, "NO_RECV_STP"},  {0x10, "NO_FLOOD"}, {0x20, "NO_FWD"},
                         {0x40, "NO_PACKET_IN"}};

std::string port_name(uint32_t port_no, const std::string& name) {
    return " " + format_port(port_no) + "(" + name + "): addr:";
}

std::string features_lines(uint32_t curr, uint32_t advertised, uint32_t supported, uint32_t peer,
                           const Names& names) {
    std::string s;
    const std::array<std::pair<const char*, uint32_t>, 4> rows{{{"current:   ", curr},
                                                                {"advertised:", advertised},
                                                                {"supported: ", supported},
                                                                {"peer:      ", peer}}};
    for (const auto& [label, bits] : rows) {
        if (bits != 0) s += std::string("     ") + label + " " + flag_names(bits, names) + "\n";
    }
    return s;
}

// Mbps of the fastest rate among 1.0 feature bits.
uint32_t of10_speed(uint32_t bits) {
    if ((bits & 0x40) != 0) return 10000;
    if ((bits & 0x30) != 0) return 1000;
    if ((bits & 0xc) != 0) return 100;
    if ((bits & 0x3) != 0) return 10;
    return 0;
}

std::string counter(uint64_t v) {
    return v == ~uint64_t{0} ? "?" : std::to_string(v);
}

std::string port_label(uint32_t port) {
    std::string p = format_port(port);
    if (p.size() < 2) p = " " + p;
    return "  port " + p + ": ";
}

template <typename S>
std::string port_stats_lines(const S& s, uint32_t port) {
    std::string out = port_label(port);
    out += "rx pkts=" + counter(s.rx_packets) + ", bytes=" + counter(s.rx_bytes) +
           ", drop=" + counter(s.rx_dropped) + ", errs=" + counter(s.rx_errors) +
           ", frame=" + counter(s.rx_frame_err) + ", over=" + counter(s.rx_over_err) +
           ", crc=" + counter(s.rx_crc_err) + "\n";
    out += "           tx pkts=" + counter(s.tx_packets) + ", bytes=" + counter(s.tx_bytes) +
           ", drop=" + counter(s.tx_dropped) + ", errs=" + counter(s.tx_errors) +
           ", coll=" + counter(s.collisions) + "\n";
    return out;
}

}  // namespace

std::string version_tag(uint8_t version) {
    return version == 4   ? " (OF1.3)"
           : version == 1 ? ""
                          : " (OF0x0" + std::to_string(version) + ")";
}

std::string xid_text(uint32_t xid) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "(xid=0x%x)", xid);
    return buf.data();
}

std::string error_name(uint8_t version, uint16_t type, uint16_t code) {
    const char* name = nullptr;
    const char* prefix = nullptr;
    if (version == 4) {
        using namespace of13;
        switch (static_cast<ErrorType>(type)) {
            case ErrorType::kHelloFailed:
                prefix = "OFPHFC_";
                name = to_string(HelloFailedCode(code));
                break;
            case ErrorType::kBadRequest:
                prefix = "OFPBRC_";
                name = to_string(BadRequestCode(code));
                break;
            case ErrorType::kBadAction:
                prefix = "OFPBAC_";
                name = to_string(BadActionCode(code));
                break;
            case ErrorType::kBadInstruction:
                prefix = "OFPBIC_";
                name = to_string(BadInstructionCode(code));
                break;
            case ErrorType::kBadMatch:
                prefix = "OFPBMC_";
                name = to_string(BadMatchCode(code));
                break;
            case ErrorType::kFlowModFailed:
                prefix = "OFPFMFC_";
                name = to_string(FlowModFailedCode(code));
                break;
            case ErrorType::kGroupModFailed:
                prefix = "OFPGMFC_";
                name = to_string(GroupModFailedCode(code));
                break;
            case ErrorType::kPortModFailed:
                prefix = "OFPPMFC_";
                name = to_string(PortModFailedCode(code));
                break;
            case ErrorType::kTableModFailed:
                prefix = "OFPTMFC_";
                name = to_string(TableModFailedCode(code));
                break;
            case ErrorType::kQueueOpFailed:
                prefix = "OFPQOFC_";
                name = to_string(QueueOpFailedCode(code));
                break;
            case ErrorType::kSwitchConfigFailed:
                prefix = "OFPSCFC_";
                name = to_string(SwitchConfigFailedCode(code));
                break;
            case ErrorType::kRoleRequestFailed:
                prefix = "OFPRRFC_";
                name = to_string(RoleRequestFailedCode(code));
                break;
            case ErrorType::kMeterModFailed:
                prefix = "OFPMMFC_";
                name = to_string(MeterModFailedCode(code));
                break;
            case ErrorType::kTableFeaturesFailed:
                prefix = "OFPTFFC_";
                name = to_string(TableFeaturesFailedCode(code));
                break;
            default:
                break;
        }
    } else {
        using namespace of10;
        switch (static_cast<ErrorType>(type)) {
            case ErrorType::kHelloFailed:
                prefix = "OFPHFC_";
                name = to_string(HelloFailedCode(code));
                break;
            case ErrorType::kBadRequest:
                prefix = "OFPBRC_";
                name = to_string(BadRequestCode(code));
                break;
            case ErrorType::kBadAction:
                prefix = "OFPBAC_";
                name = to_string(BadActionCode(code));
                break;
            case ErrorType::kFlowModFailed:
                prefix = "OFPFMFC_";
                name = to_string(FlowModFailedCode(code));
                break;
            case ErrorType::kPortModFailed:
                prefix = "OFPPMFC_";
                name = to_string(PortModFailedCode(code));
                break;
            case ErrorType::kQueueOpFailed:
                prefix = "OFPQOFC_";
                name = to_string(QueueOpFailedCode(code));
                break;
            default:
                break;
        }
    }
    if (prefix == nullptr || name == nullptr) {
        return "***decode error: type " + std::to_string(type) + ", code " + std::to_string(code) +
               "***";
    }
    std::string n = name;
    if (n == "BAD_MULTIPART") n = "BAD_STAT";  // ovs-ofctl's name for 1.3's OFPBRC_BAD_MULTIPART
    return std::string(prefix) + n;
}

std::string format_features(const of13::FeaturesReply& f, uint32_t xid) {
    std::array<char, 24> dpid{};
    std::snprintf(dpid.data(), dpid.size(), "%016llx",
                  static_cast<unsigned long long>(f.datapath_id));
    std::string s = "OFPT_FEATURES_REPLY (OF1.3) " + xid_text(xid) + ": dpid:" + dpid.data() + "\n";
    s += "n_tables:" + std::to_string(f.n_tables) + ", n_buffers:" + std::to_string(f.n_buffers) +
         "\n";
    const Names caps{{0x1, "FLOW_STATS"},    {0x2, "TABLE_STATS"}, {0x4, "PORT_STATS"},
                     {0x8, "GROUP_STATS"},   {0x20, "IP_REASM"},   {0x40, "QUEUE_STATS"},
                     {0x100, "PORT_BLOCKED"}};
    s += "capabilities: " + flag_names(f.capabilities, caps) + "\n";
    return s;
}

std::string format_features(const of10::FeaturesReply& f, uint32_t xid) {
    std::array<char, 24> dpid{};
    std::snprintf(dpid.data(), dpid.size(), "%016llx",
                  static_cast<unsigned long long>(f.datapath_id));
    std::string s = "OFPT_FEATURES_REPLY " + xid_text(xid) + ": dpid:" + dpid.data() + "\n";
    s += "n_tables:" + std::to_string(f.n_tables) + ", n_buffers:" + std::to_string(f.n_buffers) +
         "\n";
    const Names caps{{0x1, "FLOW_STATS"},   {0x2, "TABLE_STATS"}, {0x4, "PORT_STATS"},
                     {0x8, "STP"},          {0x20, "IP_REASM"},   {0x40, "QUEUE_STATS"},
                     {0x80, "ARP_MATCH_IP"}};
    s += "capabilities: " + flag_names(f.capabilities, caps) + "\n";
    if (f.actions != 0) {
        const Names actions{{0x1, "output"},       {0x800, "enqueue"},    {0x2, "set_vlan_vid"},
                            {0x4, "set_vlan_pcp"}, {0x8, "strip_vlan"},   {0x10, "mod_dl_src"},
                            {0x20, "mod_dl_dst"},  {0x40, "mod_nw_src"},  {0x80, "mod_nw_dst"},
                            {0x100, "mod_nw_tos"}, {0x200, "mod_tp_src"}, {0x400, "mod_tp_dst"}};
        s += "actions: " + flag_names(f.actions, actions) + "\n";
    }
    return s + format_ports(f.ports);
}

std::string format_ports(std::vector<of13::Port> ports) {
    std::sort(ports.begin(), ports.end(),
              [](const auto& a, const auto& b) { return a.port_no < b.port_no; });
    const Names state{{0x1, "LINK_DOWN"}, {0x2, "BLOCKED"}, {0x4, "LIVE"}};
    std::string s;
    for (const auto& p : ports) {
        s += port_name(p.port_no, p.name) + mac_text(p.hw_addr) + "\n";
        s += "     config:     " + flag_names(p.config, config_names) + "\n";
        s += "     state:      " + flag_names(p.state, state) + "\n";
        s += features_lines(p.curr, p.advertised, p.supported, p.peer, features_13);
        s += "     speed: " + std::to_string(p.curr_speed / 1000) + " Mbps now, " +
             std::to_string(p.max_speed / 1000) + " Mbps max\n";
    }
    return s;
}

std::string format_ports(std::vector<of10::PhyPort> ports) {
    std::sort(ports.begin(), ports.end(),
              [](const auto& a, const auto& b) { return a.port_no < b.port_no; });
    const Names state{{0x1, "LINK_DOWN"}, {0x100, "STP_LEARN"}, {0x200, "STP_FORWARD"}};
    std::string s;
    for (const auto& p : ports) {
        s += port_name(from_of10_port(p.port_no), p.name) + mac_text(p.hw_addr) + "\n";
        s += "     config:     " + flag_names(p.config, config_names) + "\n";
        s += "     state:      " + flag_names(p.state, state) + "\n";
        s += features_lines(p.curr, p.advertised, p.supported, p.peer, features_10);
        s += "     speed: " + std::to_string(of10_speed(p.curr)) + " Mbps now, " +
             std::to_string(of10_speed(p.supported)) + " Mbps max\n";
    }
    return s;
}

std::string format_config(uint8_t version, uint16_t flags, uint16_t miss_send_len, uint32_t xid) {
    const uint16_t frag = flags & 3U;
    const char* frags = frag == 0   ? "normal"
                        : frag == 1 ? "drop"
                        : frag == 2 ? "reassemble"
                                    : "nx-match";
    return "OFPT_GET_CONFIG_REPLY" + version_tag(version) + " " + xid_text(xid) +
           ": frags=" + frags + " miss_send_len=" + std::to_string(miss_send_len) + "\n";
}

std::string format_port_stats(const std::vector<of13::PortStats>& stats) {
    std::string s;
    for (const auto& p : stats) {
        s += port_stats_lines(p, p.port_no);
        if (p.duration_sec != ~uint32_t{0}) {
            s += "           duration=" + format_duration(p.duration_sec, p.duration_nsec) + "\n";
        }
    }
    return s;
}

std::string format_port_stats(const std::vector<of10::PortStats>& stats) {
    std::string s;
    for (const auto& p : stats)
        s += port_stats_lines(p, from_of10_port(p.port_no));
    return s;
}

namespace {

struct TableEntry {
    uint32_t id = 0;
    std::string name;
    uint32_t active = 0;
    uint64_t lookup = 0;
    uint64_t matched = 0;
    std::string features;  // ovs-ofctl's lines for the table's features ("" when none)
};

void finish_ditto(std::string& s, int& first, int last) {
    if (first < 0) return;
    s += first == last
             ? "\n  table " + std::to_string(first) + ": ditto\n"
             : "\n  tables " + std::to_string(first) + "..." + std::to_string(last) + ": ditto\n";
    first = -1;
}

// ovs-ofctl's layout: each table after a blank line; a table whose counters and features equal
// the previous one's is a "ditto" (a run of unnamed ones is one line).
std::string format_tables(const std::vector<TableEntry>& tables) {
    std::string s;
    int first = -1;
    int last = -1;
    const TableEntry* prev = nullptr;
    for (const auto& t : tables) {
        const bool same_stats = prev != nullptr && prev->active == t.active &&
                                prev->lookup == t.lookup && prev->matched == t.matched;
        const bool same_features = prev != nullptr && prev->features == t.features;
        if (same_stats && same_features && t.name.empty()) {
            if (first < 0) first = static_cast<int>(t.id);
            last = static_cast<int>(t.id);
            prev = &t;
            continue;
        }
        finish_ditto(s, first, last);
        s += "\n  table " + std::to_string(t.id);
        if (!t.name.empty()) s += " (\"" + t.name + "\")";
        s += ':';
        prev = &t;
        if (same_stats && same_features) {
            s += " ditto";
            continue;
        }
        s += "\n    active=" + std::to_string(t.active) + ", lookup=" + std::to_string(t.lookup) +
             ", matched=" + std::to_string(t.matched) + "\n";
        if (!same_features) {
            s += t.features;
        } else if (!t.features.empty()) {
            s += "    (same features)\n";
        }
    }
    finish_ditto(s, first, last);
    if (s.empty() || s.back() != '\n') s += '\n';
    return s;
}

// The fields a 1.0 table wildcards, in ovs-ofctl's grouped form ("eth_{src,dst,type}").
std::string of10_matching(uint32_t wildcards) {
    namespace w = of10::wildcards;
    const std::array<std::pair<uint32_t, std::pair<const char*, const char*>>, 12> fields{{
        {w::kInPort, {"in_port", ""}},
        {w::kDlSrc, {"eth", "src"}},
        {w::kDlDst, {"eth", "dst"}},
        {w::kDlType, {"eth", "type"}},
        {w::kDlVlan, {"vlan", "vid"}},
        {w::kDlVlanPcp, {"vlan", "pcp"}},
        {w::kNwSrcMask, {"ip", "src"}},
        {w::kNwDstMask, {"ip", "dst"}},
        {w::kNwProto, {"nw", "proto"}},
        {w::kNwTos, {"nw", "tos"}},
        {w::kTpSrc, {"tcp", "src"}},
        {w::kTpDst, {"tcp", "dst"}},
    }};
    std::string s;
    size_t i = 0;
    while (i < fields.size()) {
        if ((wildcards & fields[i].first) == 0) {
            ++i;
            continue;
        }
        const std::string prefix = fields[i].second.first;
        std::vector<std::string> parts;
        size_t j = i;
        while (j < fields.size() && prefix == fields[j].second.first) {
            if ((wildcards & fields[j].first) != 0 && fields[j].second.second[0] != 0) {
                parts.emplace_back(fields[j].second.second);
            }
            ++j;
        }
        if (!s.empty()) s += ' ';
        if (parts.empty()) {
            s += prefix;
        } else if (parts.size() == 1) {
            s += prefix + "_" + parts[0];
        } else {
            s += prefix + "_{";
            for (size_t k = 0; k < parts.size(); ++k)
                s += (k > 0 ? "," : "") + parts[k];
            s += "}";
        }
        i = j;
    }
    return s;
}

}  // namespace

std::string format_table_stats(const std::vector<of13::TableStats>& stats) {
    std::vector<TableEntry> tables;
    tables.reserve(stats.size());
    for (const auto& t : stats)
        tables.push_back({t.table_id, "", t.active_count, t.lookup_count, t.matched_count, ""});
    return format_tables(tables);
}

std::string format_table_stats(const std::vector<of10::TableStats>& stats) {
    std::vector<TableEntry> tables;
    tables.reserve(stats.size());
    for (const auto& t : stats) {
        std::string features = "    max_entries=" + std::to_string(t.max_entries) + "\n";
        features +=
            "    matching:\n      exact match or wildcard: " + of10_matching(t.wildcards) + "\n";
        tables.push_back(
            {t.table_id, t.name, t.active_count, t.lookup_count, t.matched_count, features});
    }
    return format_tables(tables);
}

}  // namespace vs::ofctl
