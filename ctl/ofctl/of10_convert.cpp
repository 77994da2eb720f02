// OpenFlow 1.3 terms to and from OpenFlow 1.0 for ofctl (see of10_convert.hpp).
#include "ctl/ofctl/of10_convert.hpp"

#include <algorithm>
#include <bit>

namespace vs::ofctl {

namespace {

using of13::Oxm;
using of13::OxmField;
namespace w = of10::wildcards;

[[noreturn]] void inexpressible(const std::string& what) {
    throw ParseError(what + " cannot be expressed in OpenFlow 1.0");
}

openflow::MacAddr to_mac(const std::vector<uint8_t>& v) {
    openflow::MacAddr m{};
    std::copy_n(v.begin(), std::min<size_t>(v.size(), 6), m.begin());
    return m;
}

// Wildcard bits of an IPv4 mask (32 - prefix length); inexpressible when not a prefix.
uint32_t ip_wildcard_bits(const Oxm& o) {
    if (!o.has_mask) return 0;
    const auto mask = static_cast<uint32_t>(o.mask_uint());
    const uint32_t inverted = ~mask;
    if ((inverted & (inverted + 1)) != 0) inexpressible("a non-CIDR IPv4 mask");
    return static_cast<uint32_t>(32 - std::popcount(mask));
}

void set_ip(of10::Match& m, const Oxm& o, bool src) {
    const uint32_t bits = ip_wildcard_bits(o);
    const uint32_t shift = src ? w::kNwSrcShift : w::kNwDstShift;
    const uint32_t field_mask = src ? w::kNwSrcMask : w::kNwDstMask;
    m.wildcards = (m.wildcards & ~field_mask) | (bits << shift);
    (src ? m.nw_src : m.nw_dst) = static_cast<uint32_t>(o.value_uint());
}

void add_vlan(of10::Match& m, const Oxm& o) {
    const uint64_t v = o.value_uint();
    if (o.has_mask) {
        if (o.mask_uint() == 0x1000 && v == 0x1000) return;  // "any VLAN": pcp says the rest
        inexpressible("a masked VLAN ID");
    }
    m.wildcards &= ~w::kDlVlan;
    m.dl_vlan = (v & 0x1000) != 0 ? static_cast<uint16_t>(v & 0x0fff) : 0xffff;
}

void add_field(of10::Match& m, const Oxm& o) {
    const auto f = static_cast<OxmField>(o.field);
    const bool maskable_here = f == OxmField::kIpv4Src || f == OxmField::kIpv4Dst ||
                               f == OxmField::kArpSpa || f == OxmField::kArpTpa ||
                               f == OxmField::kVlanVid;
    if (o.oxm_class != of13::kOxmClassBasic) inexpressible("a non-basic OXM field");
    if (o.has_mask && !maskable_here) inexpressible(std::string("a masked ") + of13::oxm_name(f));
    const uint64_t v = o.value_uint();
    switch (f) {
        case OxmField::kInPort:
            m.wildcards &= ~w::kInPort;
            m.in_port = to_of10_port(static_cast<uint32_t>(v));
            break;
        case OxmField::kEthSrc:
            m.wildcards &= ~w::kDlSrc;
            m.dl_src = to_mac(o.value);
            break;
        case OxmField::kEthDst:
            m.wildcards &= ~w::kDlDst;
            m.dl_dst = to_mac(o.value);
            break;
        case OxmField::kEthType:
            m.wildcards &= ~w::kDlType;
            m.dl_type = static_cast<uint16_t>(v);
            break;
        case OxmField::kVlanVid:
            add_vlan(m, o);
            break;
        case OxmField::kVlanPcp:
            m.wildcards &= ~w::kDlVlanPcp;
            m.dl_vlan_pcp = static_cast<uint8_t>(v);
            break;
        case OxmField::kIpDscp:
            m.wildcards &= ~w::kNwTos;
            m.nw_tos = static_cast<uint8_t>(v << 2U);
            break;
        case OxmField::kIpProto:
        case OxmField::kArpOp:
            m.wildcards &= ~w::kNwProto;
            m.nw_proto = static_cast<uint8_t>(v);
            break;
        case OxmField::kIpv4Src:
        case OxmField::kArpSpa:
            set_ip(m, o, true);
            break;
        case OxmField::kIpv4Dst:
        case OxmField::kArpTpa:
            set_ip(m, o, false);
            break;
        case OxmField::kTcpSrc:
        case OxmField::kUdpSrc:
        case OxmField::kIcmpv4Type:
            m.wildcards &= ~w::kTpSrc;
            m.tp_src = static_cast<uint16_t>(v);
            break;
        case OxmField::kTcpDst:
        case OxmField::kUdpDst:
        case OxmField::kIcmpv4Code:
            m.wildcards &= ~w::kTpDst;
            m.tp_dst = static_cast<uint16_t>(v);
            break;
        default:
            inexpressible(std::string("field ") + of13::oxm_name(f));
    }
}

of10::Action to_of10_set_field(const Oxm& o) {
    const uint64_t v = o.value_uint();
    switch (static_cast<OxmField>(o.field)) {
        case OxmField::kEthSrc:
            return of10::ActionSetDlSrc{to_mac(o.value)};
        case OxmField::kEthDst:
            return of10::ActionSetDlDst{to_mac(o.value)};
        case OxmField::kIpv4Src:
            return of10::ActionSetNwSrc{static_cast<uint32_t>(v)};
        case OxmField::kIpv4Dst:
            return of10::ActionSetNwDst{static_cast<uint32_t>(v)};
        case OxmField::kIpDscp:
            return of10::ActionSetNwTos{static_cast<uint8_t>(v << 2U)};
        case OxmField::kTcpSrc:
        case OxmField::kUdpSrc:
            return of10::ActionSetTpSrc{static_cast<uint16_t>(v)};
        case OxmField::kTcpDst:
        case OxmField::kUdpDst:
            return of10::ActionSetTpDst{static_cast<uint16_t>(v)};
        case OxmField::kVlanVid:
            return of10::ActionSetVlanVid{static_cast<uint16_t>(v & 0x0fff)};
        case OxmField::kVlanPcp:
            return of10::ActionSetVlanPcp{static_cast<uint8_t>(v)};
        default:
            inexpressible(std::string("set_field of ") +
                          of13::oxm_name(static_cast<OxmField>(o.field)));
    }
}

std::string mac_text(const openflow::MacAddr& m) {
    std::string s;
    openflow::put_mac(s, m);
    return s;
}

std::string ip_text(uint32_t v) {
    return std::to_string(v >> 24U) + "." + std::to_string((v >> 16U) & 0xff) + "." +
           std::to_string((v >> 8U) & 0xff) + "." + std::to_string(v & 0xff);
}

}  // namespace

uint16_t to_of10_port(uint32_t port) {
    if (port >= of13::port_no::kMax) return static_cast<uint16_t>(port & 0xffff);
    if (port >= of10::port_no::kMax) inexpressible("port " + std::to_string(port));
    return static_cast<uint16_t>(port);
}

uint32_t from_of10_port(uint16_t port) {
    return port >= of10::port_no::kMax ? 0xffff0000U | port : port;
}

of10::Match to_of10_match(const of13::Match& match) {
    of10::Match m;
    m.wildcards = w::kAll;
    for (const Oxm& o : match.fields)
        add_field(m, o);
    return m;
}

of13::Match from_of10_match(const of10::Match& m) {
    std::vector<Oxm> out;
    const uint32_t wc = m.wildcards;
    const bool arp = (wc & w::kDlType) == 0 && m.dl_type == 0x0806;
    const bool ip = (wc & w::kDlType) == 0 && m.dl_type == 0x0800;
    if ((wc & w::kInPort) == 0)
        out.push_back(Oxm::make(OxmField::kInPort, from_of10_port(m.in_port)));
    if ((wc & w::kDlDst) == 0) out.push_back(Oxm::make_bytes(OxmField::kEthDst, m.dl_dst));
    if ((wc & w::kDlSrc) == 0) out.push_back(Oxm::make_bytes(OxmField::kEthSrc, m.dl_src));
    if ((wc & w::kDlType) == 0) out.push_back(Oxm::make(OxmField::kEthType, m.dl_type));
    if ((wc & w::kDlVlan) == 0) {
        out.push_back(Oxm::make(OxmField::kVlanVid,
                                m.dl_vlan == 0xffff ? 0U : (m.dl_vlan & 0x0fffU) | 0x1000U));
    }
    if ((wc & w::kDlVlanPcp) == 0 && !((wc & w::kDlVlan) == 0 && m.dl_vlan == 0xffff)) {
        if ((wc & w::kDlVlan) != 0)
            out.push_back(Oxm::make_masked(OxmField::kVlanVid, 0x1000, 0x1000));
        out.push_back(Oxm::make(OxmField::kVlanPcp, m.dl_vlan_pcp));
    }
    if ((wc & w::kNwTos) == 0 && ip) out.push_back(Oxm::make(OxmField::kIpDscp, m.nw_tos >> 2U));
    if ((wc & w::kNwProto) == 0 && (ip || arp)) {
        out.push_back(Oxm::make(arp ? OxmField::kArpOp : OxmField::kIpProto, m.nw_proto));
    }
    for (const bool src : {true, false}) {
        const uint32_t bits =
            std::min<uint32_t>(32, (wc >> (src ? w::kNwSrcShift : w::kNwDstShift)) & 0x3f);
        if (bits >= 32 || !(ip || arp)) continue;
        const OxmField f = arp ? (src ? OxmField::kArpSpa : OxmField::kArpTpa)
                               : (src ? OxmField::kIpv4Src : OxmField::kIpv4Dst);
        const uint32_t value = src ? m.nw_src : m.nw_dst;
        const uint32_t mask = bits == 0 ? 0xffffffffU : ~((1U << bits) - 1);
        out.push_back(bits == 0 ? Oxm::make(f, value) : Oxm::make_masked(f, value & mask, mask));
    }
    const bool proto_known = (wc & w::kNwProto) == 0 && ip;
    if (proto_known) {
        const uint8_t p = m.nw_proto;
        const OxmField src = p == 6    ? OxmField::kTcpSrc
                             : p == 17 ? OxmField::kUdpSrc
                                       : OxmField::kIcmpv4Type;
        const OxmField dst = p == 6    ? OxmField::kTcpDst
                             : p == 17 ? OxmField::kUdpDst
                                       : OxmField::kIcmpv4Code;
        if (p == 6 || p == 17 || p == 1) {
            if ((wc & w::kTpSrc) == 0) out.push_back(Oxm::make(src, m.tp_src));
            if ((wc & w::kTpDst) == 0) out.push_back(Oxm::make(dst, m.tp_dst));
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Oxm& a, const Oxm& b) { return a.field < b.field; });
    return of13::Match{out};
}

std::vector<of10::Action> to_of10_actions(const std::vector<of13::Action>& actions) {
    std::vector<of10::Action> out;
    for (size_t i = 0; i < actions.size(); ++i) {
        const of13::Action& a = actions[i];
        const of13::Action* next = i + 1 < actions.size() ? &actions[i + 1] : nullptr;
        if (const auto* o = std::get_if<of13::ActionOutput>(&a)) {
            out.emplace_back(of10::ActionOutput{to_of10_port(o->port), o->max_len});
        } else if (std::holds_alternative<of13::ActionPushVlan>(a)) {
            const auto* sf = next == nullptr ? nullptr : std::get_if<of13::ActionSetField>(next);
            if (sf == nullptr ||
                (!sf->field.is(OxmField::kVlanVid) && !sf->field.is(OxmField::kVlanPcp))) {
                inexpressible("push_vlan without mod_vlan_vid");
            }
        } else if (std::holds_alternative<of13::ActionPopVlan>(a)) {
            out.emplace_back(of10::ActionStripVlan{});
        } else if (const auto* sf = std::get_if<of13::ActionSetField>(&a)) {
            out.push_back(to_of10_set_field(sf->field));
        } else if (const auto* q = std::get_if<of13::ActionSetQueue>(&a)) {
            const auto* o = next == nullptr ? nullptr : std::get_if<of13::ActionOutput>(next);
            if (o == nullptr) inexpressible("set_queue without an output");
            out.emplace_back(of10::ActionEnqueue{to_of10_port(o->port), q->queue_id});
            ++i;
        } else {
            inexpressible("an action other than output, strip_vlan, mod_* and enqueue");
        }
    }
    return out;
}

std::string format_of10_actions(const std::vector<of10::Action>& actions) {
    std::string out;
    for (const auto& a : actions) {
        if (!out.empty()) out += ',';
        out += std::visit(
            [](const auto& v) -> std::string {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, of10::ActionOutput>) {
                    const uint32_t port = from_of10_port(v.port);
                    if (port == of13::port_no::kController)
                        return "CONTROLLER:" + std::to_string(v.max_len);
                    if (port >= of13::port_no::kMax) return format_port(port);
                    return "output:" + std::to_string(port);
                } else if constexpr (std::is_same_v<T, of10::ActionSetVlanVid>) {
                    return "mod_vlan_vid:" + std::to_string(v.vlan_vid);
                } else if constexpr (std::is_same_v<T, of10::ActionSetVlanPcp>) {
                    return "mod_vlan_pcp:" + std::to_string(v.vlan_pcp);
                } else if constexpr (std::is_same_v<T, of10::ActionStripVlan>) {
                    return "strip_vlan";
                } else if constexpr (std::is_same_v<T, of10::ActionSetDlSrc>) {
                    return "mod_dl_src:" + mac_text(v.dl_addr);
                } else if constexpr (std::is_same_v<T, of10::ActionSetDlDst>) {
                    return "mod_dl_dst:" + mac_text(v.dl_addr);
                } else if constexpr (std::is_same_v<T, of10::ActionSetNwSrc>) {
                    return "mod_nw_src:" + ip_text(v.nw_addr);
                } else if constexpr (std::is_same_v<T, of10::ActionSetNwDst>) {
                    return "mod_nw_dst:" + ip_text(v.nw_addr);
                } else if constexpr (std::is_same_v<T, of10::ActionSetNwTos>) {
                    return "mod_nw_tos:" + std::to_string(v.nw_tos);
                } else if constexpr (std::is_same_v<T, of10::ActionSetTpSrc>) {
                    return "mod_tp_src:" + std::to_string(v.tp_port);
                } else if constexpr (std::is_same_v<T, of10::ActionSetTpDst>) {
                    return "mod_tp_dst:" + std::to_string(v.tp_port);
                } else if constexpr (std::is_same_v<T, of10::ActionEnqueue>) {
                    return "enqueue:" + format_port(from_of10_port(v.port)) + ":" +
                           std::to_string(v.queue_id);
                } else {
                    return "vendor:" + std::to_string(v.vendor);
                }
            },
            a);
    }
    return out.empty() ? "drop" : out;
}

of10::FlowMod to_of10_flow_mod(const FlowSpec& spec, of10::FlowModCommand command) {
    if (spec.table_id != of13::table_id::kAll && spec.table_id != 0) {
        inexpressible("a table other than 0");
    }
    if (spec.cookie_mask != 0 && spec.cookie_mask != ~uint64_t{0}) inexpressible("a cookie mask");
    if ((spec.flags & ~uint16_t{of10::flow_mod_flags::kSendFlowRem |
                                of10::flow_mod_flags::kCheckOverlap}) != 0) {
        inexpressible("flags other than send_flow_rem and check_overlap");
    }
    of10::FlowMod fm;
    fm.match = to_of10_match(spec.match);
    fm.cookie = spec.cookie;
    fm.command = command;
    fm.idle_timeout = spec.idle_timeout;
    fm.hard_timeout = spec.hard_timeout;
    fm.priority = spec.priority;
    fm.buffer_id = of10::misc::kNoBuffer;
    fm.out_port = to_of10_port(spec.out_port);
    fm.flags = spec.flags;
    for (const auto& i : spec.instructions) {
        const auto* apply = std::get_if<of13::InstructionApplyActions>(&i);
        if (apply == nullptr) inexpressible("an instruction other than actions");
        fm.actions = to_of10_actions(apply->actions);
    }
    return fm;
}

of10::FlowStatsRequest to_of10_flow_stats_request(const FlowSpec& spec) {
    if (spec.cookie_mask != 0) inexpressible("a cookie match");
    of10::FlowStatsRequest r;
    r.match = to_of10_match(spec.match);
    r.table_id = spec.table_id;
    r.out_port = to_of10_port(spec.out_port);
    return r;
}

std::string format_of10_flow_stats(const of10::FlowStats& fs, const FlowLineOptions& options) {
    of13::FlowStats as13;
    as13.table_id = fs.table_id;
    as13.duration_sec = fs.duration_sec;
    as13.duration_nsec = fs.duration_nsec;
    as13.priority = fs.priority;
    as13.idle_timeout = fs.idle_timeout;
    as13.hard_timeout = fs.hard_timeout;
    as13.cookie = fs.cookie;
    as13.packet_count = fs.packet_count;
    as13.byte_count = fs.byte_count;
    as13.match = from_of10_match(fs.match);
    std::string line = format_flow_stats(as13, options);
    line.resize(line.size() - std::string_view("drop").size());
    // 1.0's "no VLAN" also says PCP 0, so its TCI mask is all ones (ovs-ofctl: no "/0x1fff").
    const std::string_view none13 = "vlan_tci=0x0000/0x1fff";
    if (const size_t at = line.find(none13); at != std::string::npos) {
        line.replace(at, none13.size(), "vlan_tci=0x0000");
    }
    return line + format_of10_actions(fs.actions);
}

}  // namespace vs::ofctl
