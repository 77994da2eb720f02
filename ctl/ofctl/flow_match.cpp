// The match half of ovs-ofctl's flow syntax (see flow_match.hpp).
#include "ctl/ofctl/flow_match.hpp"

#include <arpa/inet.h>

#include <array>
#include <map>
#include <string>

#include "ctl/ofctl/flow_syntax.hpp"

namespace vs::ofctl {

namespace {

using of13::Oxm;
using of13::OxmField;

constexpr uint16_t kIp = 0x0800;
constexpr uint16_t kArp = 0x0806;
constexpr uint16_t kRarp = 0x8035;
constexpr uint16_t kIpv6 = 0x86dd;
constexpr uint16_t kMpls = 0x8847;
constexpr uint16_t kMplsMcast = 0x8848;
constexpr uint8_t kIcmp = 1;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmp6 = 58;
constexpr uint8_t kSctp = 132;

struct Shorthand {
    std::string_view name;
    uint16_t dl_type;
    int nw_proto;  // -1: none
};

constexpr std::array<Shorthand, 15> kShorthands{{
    {"ip", kIp, -1},
    {"ipv4", kIp, -1},
    {"icmp", kIp, kIcmp},
    {"tcp", kIp, kTcp},
    {"udp", kIp, kUdp},
    {"sctp", kIp, kSctp},
    {"arp", kArp, -1},
    {"rarp", kRarp, -1},
    {"ipv6", kIpv6, -1},
    {"icmp6", kIpv6, kIcmp6},
    {"tcp6", kIpv6, kTcp},
    {"udp6", kIpv6, kUdp},
    {"sctp6", kIpv6, kSctp},
    {"mpls", kMpls, -1},
    {"mplsm", kMplsMcast, -1},
}};

struct NamedField {
    std::string_view name;
    OxmField field;
};

// Names that always mean one OXM field (set_field uses these too).
constexpr std::array<NamedField, 46> kFields{{
    {"in_port", OxmField::kInPort},         {"in_port_oxm", OxmField::kInPort},
    {"metadata", OxmField::kMetadata},      {"dl_dst", OxmField::kEthDst},
    {"eth_dst", OxmField::kEthDst},         {"dl_src", OxmField::kEthSrc},
    {"eth_src", OxmField::kEthSrc},         {"dl_type", OxmField::kEthType},
    {"eth_type", OxmField::kEthType},       {"vlan_vid", OxmField::kVlanVid},
    {"vlan_pcp", OxmField::kVlanPcp},       {"dl_vlan_pcp", OxmField::kVlanPcp},
    {"ip_dscp", OxmField::kIpDscp},         {"nw_ecn", OxmField::kIpEcn},
    {"ip_ecn", OxmField::kIpEcn},           {"nw_proto", OxmField::kIpProto},
    {"ip_proto", OxmField::kIpProto},       {"nw_src", OxmField::kIpv4Src},
    {"ip_src", OxmField::kIpv4Src},         {"nw_dst", OxmField::kIpv4Dst},
    {"ip_dst", OxmField::kIpv4Dst},         {"tcp_src", OxmField::kTcpSrc},
    {"tcp_dst", OxmField::kTcpDst},         {"udp_src", OxmField::kUdpSrc},
    {"udp_dst", OxmField::kUdpDst},         {"sctp_src", OxmField::kSctpSrc},
    {"sctp_dst", OxmField::kSctpDst},       {"icmpv4_type", OxmField::kIcmpv4Type},
    {"icmpv4_code", OxmField::kIcmpv4Code}, {"arp_op", OxmField::kArpOp},
    {"arp_spa", OxmField::kArpSpa},         {"arp_tpa", OxmField::kArpTpa},
    {"arp_sha", OxmField::kArpSha},         {"arp_tha", OxmField::kArpTha},
    {"ipv6_src", OxmField::kIpv6Src},       {"ipv6_dst", OxmField::kIpv6Dst},
    {"ipv6_label", OxmField::kIpv6Flabel},  {"icmpv6_type", OxmField::kIcmpv6Type},
    {"icmpv6_code", OxmField::kIcmpv6Code}, {"nd_target", OxmField::kIpv6NdTarget},
    {"nd_sll", OxmField::kIpv6NdSll},       {"nd_tll", OxmField::kIpv6NdTll},
    {"mpls_label", OxmField::kMplsLabel},   {"mpls_tc", OxmField::kMplsTc},
    {"mpls_bos", OxmField::kMplsBos},       {"tun_id", OxmField::kTunnelId},
}};

// Names whose field depends on the rest of the match (dl_type, nw_proto).
constexpr std::array<std::string_view, 7> kContextNames{
    "tp_src", "tp_dst", "icmp_type", "icmp_code", "nw_tos", "dl_vlan", "vlan_tci"};

// Whether v holds a or b (one test, which clang-tidy reads right, unlike v == a || v == b).
bool either(std::optional<uint16_t> v, uint16_t a, uint16_t b) {
    return v.has_value() && (*v == a || *v == b);
}

std::string str(std::string_view v) {
    return std::string(v);
}

bool is_ipv4_field(OxmField f) {
    return f == OxmField::kIpv4Src || f == OxmField::kIpv4Dst || f == OxmField::kArpSpa ||
           f == OxmField::kArpTpa;
}

bool is_mac_field(OxmField f) {
    return f == OxmField::kEthSrc || f == OxmField::kEthDst || f == OxmField::kArpSha ||
           f == OxmField::kArpTha || f == OxmField::kIpv6NdSll || f == OxmField::kIpv6NdTll;
}

bool is_ipv6_field(OxmField f) {
    return f == OxmField::kIpv6Src || f == OxmField::kIpv6Dst || f == OxmField::kIpv6NdTarget;
}

std::vector<uint8_t> parse_mac(std::string_view text, std::string_view name) {
    std::vector<uint8_t> out;
    size_t at = 0;
    for (int i = 0; i < 6; ++i) {
        const size_t end = i == 5 ? text.size() : text.find(':', at);
        if (end == std::string_view::npos || end == at || end - at > 2) {
            throw ParseError(str(text) + ": invalid Ethernet address for " + str(name));
        }
        out.push_back(
            static_cast<uint8_t>(parse_number("0x" + str(text.substr(at, end - at)), 0xff, name)));
        at = end + 1;
    }
    return out;
}

std::vector<uint8_t> parse_ip(std::string_view text, int family, std::string_view name) {
    std::array<uint8_t, 16> buf{};
    const std::string s(text);
    if (inet_pton(family, s.c_str(), buf.data()) != 1) {
        throw ParseError(s + ": invalid IP address for " + str(name));
    }
    return {buf.begin(), buf.begin() + (family == AF_INET ? 4 : 16)};
}

std::vector<uint8_t> prefix_mask(size_t width, uint64_t bits) {
    std::vector<uint8_t> mask(width, 0);
    for (size_t i = 0; i < bits; ++i)
        mask[i / 8] |= static_cast<uint8_t>(0x80U >> (i % 8));
    return mask;
}

std::vector<uint8_t> be_bytes(uint64_t v, size_t width) {
    std::vector<uint8_t> out(width);
    for (size_t i = 0; i < width; ++i)
        out[width - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
    return out;
}

std::vector<uint8_t> parse_bytes(OxmField f, std::string_view text, std::string_view name,
                                 bool is_mask) {
    const size_t width = of13::oxm_width(f);
    if (is_mac_field(f)) return parse_mac(text, name);
    if (is_ipv4_field(f) || is_ipv6_field(f)) {
        const int family = is_ipv4_field(f) ? AF_INET : AF_INET6;
        if (is_mask && text.find_first_of(".:") == std::string_view::npos) {
            return prefix_mask(width, parse_number(text, width * 8, name));
        }
        return parse_ip(text, family, name);
    }
    if (f == OxmField::kInPort && !is_mask) return be_bytes(parse_port(text), width);
    uint64_t max = width >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1;
    if (f == OxmField::kVlanVid) max = 0x1fff;
    if (f == OxmField::kVlanPcp || f == OxmField::kMplsTc) max = 7;
    if (f == OxmField::kIpDscp) max = 63;
    if (f == OxmField::kIpEcn) max = 3;
    if (f == OxmField::kMplsBos) max = 1;
    if (f == OxmField::kIpv6Flabel) max = 0xfffff;
    if (f == OxmField::kMplsLabel) max = 0xfffff;
    const uint64_t v = parse_number(text, ~uint64_t{0}, name);
    if (v > max) {
        throw ParseError(str(text) + ": value too large for " + std::to_string(width) +
                         "-byte field " + str(name));
    }
    return be_bytes(v, width);
}

bool all_ones(const std::vector<uint8_t>& bytes, OxmField f) {
    if (f == OxmField::kIpv6Flabel) return bytes == be_bytes(0xfffff, 4);
    if (f == OxmField::kVlanVid) return bytes == be_bytes(0x1fff, 2);
    for (uint8_t b : bytes)
        if (b != 0xff) return false;
    return true;
}

bool all_zero(const std::vector<uint8_t>& bytes) {
    for (uint8_t b : bytes)
        if (b != 0) return false;
    return true;
}

// Whether field f may stand in a match with this dl_type and nw_proto (OpenFlow 1.3's
// prerequisites, table 12 of the specification).
bool prerequisites_met(OxmField f, std::optional<uint16_t> dl, std::optional<uint8_t> proto) {
    const bool ip4 = dl == kIp;
    const bool ip6 = dl == kIpv6;
    const auto ip_with = [&](uint8_t p) { return (ip4 || ip6) && proto == p; };
    switch (f) {
        case OxmField::kIpDscp:
        case OxmField::kIpEcn:
        case OxmField::kIpProto:
            return ip4 || ip6;
        case OxmField::kIpv4Src:
        case OxmField::kIpv4Dst:
            return ip4;
        case OxmField::kTcpSrc:
        case OxmField::kTcpDst:
            return ip_with(kTcp);
        case OxmField::kUdpSrc:
        case OxmField::kUdpDst:
            return ip_with(kUdp);
        case OxmField::kSctpSrc:
        case OxmField::kSctpDst:
            return ip_with(kSctp);
        case OxmField::kIcmpv4Type:
        case OxmField::kIcmpv4Code:
            return ip4 && proto == kIcmp;
        case OxmField::kArpOp:
        case OxmField::kArpSpa:
        case OxmField::kArpTpa:
        case OxmField::kArpSha:
        case OxmField::kArpTha:
            return either(dl, kArp, kRarp);
        case OxmField::kIpv6Src:
        case OxmField::kIpv6Dst:
        case OxmField::kIpv6Flabel:
        case OxmField::kIpv6Exthdr:
            return ip6;
        case OxmField::kIcmpv6Type:
        case OxmField::kIcmpv6Code:
        case OxmField::kIpv6NdTarget:
        case OxmField::kIpv6NdSll:
        case OxmField::kIpv6NdTll:
            return ip6 && proto == kIcmp6;
        case OxmField::kMplsLabel:
        case OxmField::kMplsTc:
        case OxmField::kMplsBos:
            return either(dl, kMpls, kMplsMcast);
        default:
            return true;
    }
}

// The field a context-dependent name means for this dl_type and nw_proto (nullopt: the
// name means nothing here and ovs-ofctl's normalisation drops it).
std::optional<OxmField> resolve(std::string_view name, std::optional<uint16_t> dl,
                                std::optional<uint8_t> proto) {
    const bool arp = either(dl, kArp, kRarp);
    if (name == "nw_src" || name == "ip_src") {
        return arp ? OxmField::kArpSpa : OxmField::kIpv4Src;
    }
    if (name == "nw_dst" || name == "ip_dst") {
        return arp ? OxmField::kArpTpa : OxmField::kIpv4Dst;
    }
    if (name == "nw_proto" || name == "ip_proto")
        return arp ? OxmField::kArpOp : OxmField::kIpProto;
    const bool src = name == "tp_src";
    if (src || name == "tp_dst") {
        if (proto == kTcp) return src ? OxmField::kTcpSrc : OxmField::kTcpDst;
        if (proto == kUdp) return src ? OxmField::kUdpSrc : OxmField::kUdpDst;
        if (proto == kSctp) return src ? OxmField::kSctpSrc : OxmField::kSctpDst;
        if (proto == kIcmp && dl == kIp) {
            return src ? OxmField::kIcmpv4Type : OxmField::kIcmpv4Code;
        }
        if (proto == kIcmp6 && dl == kIpv6) {
            return src ? OxmField::kIcmpv6Type : OxmField::kIcmpv6Code;
        }
        return std::nullopt;
    }
    if (name == "icmp_type" || name == "icmp_code") {
        const bool type = name == "icmp_type";
        if (dl == kIpv6) return type ? OxmField::kIcmpv6Type : OxmField::kIcmpv6Code;
        return type ? OxmField::kIcmpv4Type : OxmField::kIcmpv4Code;
    }
    return field_by_name(name);
}

void put(std::map<uint8_t, Oxm>& out, Oxm oxm) {
    out[oxm.field] = std::move(oxm);
}

// dl_vlan, vlan_tci, dl_vlan_pcp: OVS's 802.1Q TCI terms onto OXM VLAN_VID/VLAN_PCP.
void add_vlan_tci(std::map<uint8_t, Oxm>& out, std::string_view value, std::string_view name) {
    const size_t slash = value.find('/');
    const auto tci = static_cast<uint16_t>(parse_number(value.substr(0, slash), 0xffff, name));
    const auto mask =
        slash == std::string_view::npos
            ? uint16_t{0xffff}
            : static_cast<uint16_t>(parse_number(value.substr(slash + 1), 0xffff, name));
    if ((mask & 0x1000) == 0) {
        if ((mask & 0xefff) != 0) {
            throw ParseError(str(value) + ": vlan_tci mask without the CFI bit is not supported");
        }
        return;
    }
    if ((tci & 0x1000) == 0) {  // no 802.1Q header
        put(out, Oxm::make(OxmField::kVlanVid, 0));
        return;
    }
    const uint16_t vid_mask = mask & 0x0fff;
    if (vid_mask == 0x0fff) {
        put(out, Oxm::make(OxmField::kVlanVid, (tci & 0x0fff) | 0x1000U));
    } else {
        put(out,
            Oxm::make_masked(OxmField::kVlanVid, (tci & vid_mask) | 0x1000U, vid_mask | 0x1000U));
    }
    if ((mask & 0xe000) == 0xe000) put(out, Oxm::make(OxmField::kVlanPcp, tci >> 13U));
}

}  // namespace

std::optional<OxmField> field_by_name(std::string_view name) {
    if (name == "tunnel_id") return OxmField::kTunnelId;
    if (name == "icmp_type") return OxmField::kIcmpv4Type;  // as set_field prints them
    if (name == "icmp_code") return OxmField::kIcmpv4Code;
    for (const auto& nf : kFields)
        if (nf.name == name) return nf.field;
    return std::nullopt;
}

Oxm parse_field_value(OxmField f, std::string_view text, std::string_view name) {
    const size_t slash = text.find('/');
    std::vector<uint8_t> value = parse_bytes(f, text.substr(0, slash), name, false);
    if (slash == std::string_view::npos) return Oxm::make_bytes(f, value);
    std::vector<uint8_t> mask = parse_bytes(f, text.substr(slash + 1), name, true);
    if (all_ones(mask, f)) return Oxm::make_bytes(f, value);
    if (!of13::oxm_maskable(f)) {
        throw ParseError(str(name) + ": field does not support masking in OpenFlow 1.3");
    }
    for (size_t i = 0; i < value.size(); ++i)
        value[i] &= mask[i];
    return Oxm::make_bytes(f, value, mask);
}

bool MatchBuilder::add(std::string_view name, std::optional<std::string_view> value) {
    if (!value) {
        for (const auto& s : kShorthands) {
            if (s.name != name) continue;
            dl_type_ = s.dl_type;
            if (s.nw_proto >= 0) nw_proto_ = static_cast<uint8_t>(s.nw_proto);
            return true;
        }
        return false;
    }
    bool known = field_by_name(name).has_value();
    for (auto n : kContextNames)
        known = known || n == name;
    if (!known) return false;
    if (name == "dl_type" || name == "eth_type") {
        dl_type_ = static_cast<uint16_t>(parse_number(*value, 0xffff, name));
        return true;
    }
    if (name == "nw_proto" || name == "ip_proto") {
        nw_proto_ = static_cast<uint8_t>(parse_number(*value, 0xff, name));
    }
    fields_.emplace_back(name, *value);
    return true;
}

of13::Match MatchBuilder::build() const {
    std::map<uint8_t, Oxm> out;
    const bool arp = dl_type_ == kArp || dl_type_ == kRarp;
    for (const auto& [name, value] : fields_) {
        if (name == "dl_vlan" || name == "vlan_vid") {
            const uint64_t vid = parse_number(value, 0xffff, name);
            if (vid == 0xffff) {
                put(out, Oxm::make(OxmField::kVlanVid, 0));
            } else if (vid > 0x0fff) {
                throw ParseError(str(value) + ": value too large for " + str(name));
            } else {
                put(out, Oxm::make(OxmField::kVlanVid, vid | 0x1000U));
            }
            continue;
        }
        if (name == "vlan_tci") {
            add_vlan_tci(out, value, name);
            continue;
        }
        if (name == "nw_tos") {
            const uint64_t tos = parse_number(value, 0xff, name);
            if (!arp) put(out, Oxm::make(OxmField::kIpDscp, tos >> 2U));
            continue;
        }
        if ((name == "nw_proto" || name == "ip_proto") && !arp) continue;  // from nw_proto_
        const auto f = resolve(name, dl_type_, nw_proto_);
        if (!f) continue;
        Oxm oxm = parse_field_value(*f, value, name);
        if (oxm.has_mask && all_zero(oxm.mask)) continue;  // a /0 mask matches everything
        put(out, std::move(oxm));
    }
    if (out.contains(static_cast<uint8_t>(OxmField::kVlanPcp)) &&
        !out.contains(static_cast<uint8_t>(OxmField::kVlanVid))) {
        put(out, Oxm::make_masked(OxmField::kVlanVid, 0x1000, 0x1000));
    }
    if (dl_type_) put(out, Oxm::make(OxmField::kEthType, *dl_type_));
    if (nw_proto_ && (dl_type_ == kIp || dl_type_ == kIpv6)) {
        put(out, Oxm::make(OxmField::kIpProto, *nw_proto_));
    }
    of13::Match match;
    for (auto& [num, oxm] : out) {
        if (prerequisites_met(static_cast<OxmField>(num), dl_type_, nw_proto_)) {
            match.fields.push_back(std::move(oxm));
        }
    }
    return match;
}

}  // namespace vs::ofctl
