// ovs-ofctl's way of writing flows (see flow_print.hpp).
#include "ctl/ofctl/flow_print.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdio>
#include <optional>

#include "ctl/ofctl/flow_syntax.hpp"

namespace vs::ofctl {

namespace {

using namespace vs::of13;

std::string hex(uint64_t v, int width = 0) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "0x%0*llx", width, static_cast<unsigned long long>(v));
    return buf.data();
}

std::string mac(const std::vector<uint8_t>& b) {
    std::array<char, 24> buf{};
    if (b.size() != 6) return "?";
    std::snprintf(buf.data(), buf.size(), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
                  b[4], b[5]);
    return buf.data();
}

std::string ip(const std::vector<uint8_t>& b) {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    const int family = b.size() == 4 ? AF_INET : AF_INET6;
    if ((b.size() != 4 && b.size() != 16) ||
        inet_ntop(family, b.data(), buf.data(), buf.size()) == nullptr) {
        return "?";
    }
    return buf.data();
}

// The prefix length of a CIDR mask, or -1.
int prefix_len(const std::vector<uint8_t>& mask) {
    int bits = 0;
    bool ended = false;
    for (uint8_t byte : mask) {
        for (int i = 7; i >= 0; --i) {
            const bool set = ((byte >> i) & 1U) != 0;
            if (set && ended) return -1;
            if (set) ++bits;
            ended = ended || !set;
        }
    }
    return bits;
}

bool is_mac(OxmField f) {
    return f == OxmField::kEthSrc || f == OxmField::kEthDst || f == OxmField::kArpSha ||
           f == OxmField::kArpTha || f == OxmField::kIpv6NdSll || f == OxmField::kIpv6NdTll;
}

bool is_ip(OxmField f) {
    return f == OxmField::kIpv4Src || f == OxmField::kIpv4Dst || f == OxmField::kArpSpa ||
           f == OxmField::kArpTpa || f == OxmField::kIpv6Src || f == OxmField::kIpv6Dst ||
           f == OxmField::kIpv6NdTarget;
}

bool is_hex(OxmField f) {
    return f == OxmField::kMetadata || f == OxmField::kTunnelId || f == OxmField::kEthType ||
           f == OxmField::kIpv6Flabel || f == OxmField::kPbbIsid || f == OxmField::kIpv6Exthdr;
}

std::string value_text(const Oxm& o, bool mask) {
    const auto f = static_cast<OxmField>(o.field);
    const std::vector<uint8_t>& b = mask ? o.mask : o.value;
    if (is_mac(f)) return mac(b);
    if (is_ip(f)) {
        if (mask) {
            const int len = prefix_len(b);
            if (len >= 0) return std::to_string(len);
        }
        return ip(b);
    }
    const uint64_t v = mask ? o.mask_uint() : o.value_uint();
    if (f == OxmField::kIpv6Flabel) return hex(v, 5);
    if (f == OxmField::kEthType) return hex(v, 4);
    if (is_hex(f) || mask) return hex(v);
    if (f == OxmField::kInPort) return format_port(static_cast<uint32_t>(v));
    return std::to_string(v);
}

// ovs-ofctl's (mf) name of a field in set_field.
const char* set_field_name(OxmField f) {
    switch (f) {
        case OxmField::kIpv4Src:
            return "ip_src";
        case OxmField::kIpv4Dst:
            return "ip_dst";
        case OxmField::kIpEcn:
            return "nw_ecn";
        case OxmField::kIpProto:
            return "nw_proto";
        case OxmField::kIcmpv4Type:
            return "icmp_type";
        case OxmField::kIcmpv4Code:
            return "icmp_code";
        case OxmField::kIpv6Flabel:
            return "ipv6_label";
        case OxmField::kTunnelId:
            return "tun_id";
        case OxmField::kIpv6NdTarget:
            return "nd_target";
        case OxmField::kIpv6NdSll:
            return "nd_sll";
        case OxmField::kIpv6NdTll:
            return "nd_tll";
        default:
            return oxm_name(f) != nullptr ? oxm_name(f) : "?";
    }
}

class MatchPrinter {
  public:
    explicit MatchPrinter(const Match& m) : m_(m) {}

    std::string run(uint16_t priority) {
        if (priority != kDefaultPriority) add("priority=" + std::to_string(priority));
        const std::optional<uint64_t> dl = get_value(OxmField::kEthType);
        const std::optional<uint64_t> proto = get_value(OxmField::kIpProto);
        const char* shorthand = protocol(dl, proto);
        bool proto_done = false;
        if (shorthand != nullptr) {
            add(shorthand);
            done(OxmField::kEthType);
            proto_done = proto.has_value() && std::string_view(shorthand) != "ip" &&
                         std::string_view(shorthand) != "ipv6";
            if (proto_done) done(OxmField::kIpProto);
        }
        field("tun_id", OxmField::kTunnelId);
        field("metadata", OxmField::kMetadata);
        field("in_port", OxmField::kInPort);
        vlan();
        field("dl_src", OxmField::kEthSrc);
        field("dl_dst", OxmField::kEthDst);
        field("dl_type", OxmField::kEthType);
        field("ipv6_src", OxmField::kIpv6Src);
        field("ipv6_dst", OxmField::kIpv6Dst);
        field("ipv6_label", OxmField::kIpv6Flabel);
        field("nw_src", OxmField::kIpv4Src);
        field("nw_dst", OxmField::kIpv4Dst);
        field("arp_spa", OxmField::kArpSpa);
        field("arp_tpa", OxmField::kArpTpa);
        field("nw_proto", OxmField::kIpProto);
        if (const Oxm* dscp = take(OxmField::kIpDscp)) {
            add("nw_tos=" + std::to_string(dscp->value_uint() << 2U));
        }
        field("nw_ecn", OxmField::kIpEcn);
        field("mpls_label", OxmField::kMplsLabel);
        field("mpls_tc", OxmField::kMplsTc);
        field("mpls_bos", OxmField::kMplsBos);
        field("arp_op", OxmField::kArpOp);
        field("arp_sha", OxmField::kArpSha);
        field("arp_tha", OxmField::kArpTha);
        field("icmp_type", OxmField::kIcmpv4Type);
        field("icmp_code", OxmField::kIcmpv4Code);
        field("icmp_type", OxmField::kIcmpv6Type);
        field("icmp_code", OxmField::kIcmpv6Code);
        field("nd_target", OxmField::kIpv6NdTarget);
        field("nd_sll", OxmField::kIpv6NdSll);
        field("nd_tll", OxmField::kIpv6NdTll);
        for (auto f : {OxmField::kTcpSrc, OxmField::kUdpSrc, OxmField::kSctpSrc})
            field("tp_src", f);
        for (auto f : {OxmField::kTcpDst, OxmField::kUdpDst, OxmField::kSctpDst})
            field("tp_dst", f);
        for (size_t i = 0; i < m_.fields.size(); ++i) {
            if (used_[i]) continue;
            const Oxm& o = m_.fields[i];
            const char* name =
                o.oxm_class == kOxmClassBasic ? oxm_name(static_cast<OxmField>(o.field)) : nullptr;
            if (name == nullptr) {
                add("oxm_" + hex(o.oxm_class) + "_" + std::to_string(o.field));
                continue;
            }
            add(std::string(name) + "=" + value_text(o, false) +
                (o.has_mask ? "/" + value_text(o, true) : ""));
        }
        return out_;
    }

  private:
    static const char* protocol(std::optional<uint64_t> dl, std::optional<uint64_t> proto) {
        if (dl.has_value() && (*dl == 0x0800 || *dl == 0x86dd)) {
            const bool v6 = dl == 0x86dd;
            if (proto == 1 && !v6) return "icmp";
            if (proto == 58 && v6) return "icmp6";
            if (proto == 6) return v6 ? "tcp6" : "tcp";
            if (proto == 17) return v6 ? "udp6" : "udp";
            if (proto == 132) return v6 ? "sctp6" : "sctp";
            return v6 ? "ipv6" : "ip";
        }
        if (dl == 0x0806) return "arp";
        if (dl == 0x8035) return "rarp";
        if (dl == 0x8847) return "mpls";
        if (dl == 0x8848) return "mplsm";
        return nullptr;
    }

    void add(const std::string& s) {
        if (!out_.empty()) out_ += ',';
        out_ += s;
    }

    const Oxm* take(OxmField f) {
        for (size_t i = 0; i < m_.fields.size(); ++i) {
            if (!used_[i] && m_.fields[i].is(f)) {
                used_[i] = true;
                return &m_.fields[i];
            }
        }
        return nullptr;
    }

    void done(OxmField f) { (void)take(f); }

    std::optional<uint64_t> get_value(OxmField f) const {
        const Oxm* o = find_oxm(m_.fields, f);
        if (o == nullptr || o->has_mask) return std::nullopt;
        return o->value_uint();
    }

    void field(const char* name, OxmField f) {
        const Oxm* o = take(f);
        if (o == nullptr) return;
        std::string s = std::string(name) + "=" + value_text(*o, false);
        if (o->has_mask) s += "/" + value_text(*o, true);
        add(s);
    }

    // VLAN_VID/VLAN_PCP back into ovs-ofctl's TCI terms.
    void vlan() {
        const Oxm* vid = take(OxmField::kVlanVid);
        const Oxm* pcp = take(OxmField::kVlanPcp);
        if (vid == nullptr && pcp == nullptr) return;
        uint16_t tci = 0;
        uint16_t mask = 0;
        if (vid != nullptr) {
            const auto vm = static_cast<uint16_t>(vid->has_mask ? vid->mask_uint() : 0x1fff);
            tci |= static_cast<uint16_t>(vid->value_uint() & vm & 0x1fff);
            mask |= static_cast<uint16_t>(vm & 0x1fff);
        }
        if (pcp != nullptr) {
            tci |= static_cast<uint16_t>((pcp->value_uint() & 7) << 13U) | 0x1000U;
            mask |= 0xf000;
        }
        const uint16_t vid_mask = mask & 0x0fff;
        const uint16_t pcp_mask = mask & 0xe000;
        if ((mask & 0x1000) != 0 && (tci & 0x1000) != 0 && (vid_mask == 0 || vid_mask == 0x0fff) &&
            (pcp_mask == 0 || pcp_mask == 0xe000) && (vid_mask != 0 || pcp_mask != 0)) {
            if (vid_mask != 0) add("dl_vlan=" + std::to_string(tci & 0x0fff));
            if (pcp_mask != 0) add("dl_vlan_pcp=" + std::to_string(tci >> 13U));
        } else if (mask == 0xffff) {
            add("vlan_tci=" + hex(tci, 4));
        } else {
            add("vlan_tci=" + hex(tci, 4) + "/" + hex(mask, 4));
        }
    }

    const Match& m_;
    std::vector<bool> used_ = std::vector<bool>(m_.fields.size(), false);
    std::string out_;
};

std::string format_action(const Action& a) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, ActionOutput>) {
                if (v.port == port_no::kController)
                    return "CONTROLLER:" + std::to_string(v.max_len);
                if (v.port >= port_no::kMax && v.port != port_no::kAny) return format_port(v.port);
                return "output:" + format_port(v.port);
            } else if constexpr (std::is_same_v<T, ActionCopyTtlOut>) {
                return "copy_ttl_out";
            } else if constexpr (std::is_same_v<T, ActionCopyTtlIn>) {
                return "copy_ttl_in";
            } else if constexpr (std::is_same_v<T, ActionSetMplsTtl>) {
                return "set_mpls_ttl(" + std::to_string(v.mpls_ttl) + ")";
            } else if constexpr (std::is_same_v<T, ActionDecMplsTtl>) {
                return "dec_mpls_ttl";
            } else if constexpr (std::is_same_v<T, ActionPushVlan>) {
                return "push_vlan:" + hex(v.ethertype, 4);
            } else if constexpr (std::is_same_v<T, ActionPopVlan>) {
                return "pop_vlan";
            } else if constexpr (std::is_same_v<T, ActionPushMpls>) {
                return "push_mpls:" + hex(v.ethertype, 4);
            } else if constexpr (std::is_same_v<T, ActionPopMpls>) {
                return "pop_mpls:" + hex(v.ethertype, 4);
            } else if constexpr (std::is_same_v<T, ActionSetQueue>) {
                return "set_queue:" + std::to_string(v.queue_id);
            } else if constexpr (std::is_same_v<T, ActionGroup>) {
                return "group:" + std::to_string(v.group_id);
            } else if constexpr (std::is_same_v<T, ActionSetNwTtl>) {
                return "mod_nw_ttl:" + std::to_string(v.nw_ttl);
            } else if constexpr (std::is_same_v<T, ActionDecNwTtl>) {
                return "dec_ttl";
            } else if constexpr (std::is_same_v<T, ActionSetField>) {
                const auto f = static_cast<OxmField>(v.field.field);
                return "set_field:" + format_oxm_value(v.field) + "->" + set_field_name(f);
            } else if constexpr (std::is_same_v<T, ActionPushPbb>) {
                return "push_pbb:" + hex(v.ethertype, 4);
            } else if constexpr (std::is_same_v<T, ActionPopPbb>) {
                return "pop_pbb";
            } else {
                return "experimenter:" + hex(v.experimenter);
            }
        },
        a);
}

std::string join_actions(const std::vector<Action>& actions) {
    std::string out;
    for (const auto& a : actions) {
        if (!out.empty()) out += ',';
        out += format_action(a);
    }
    return out;
}

}  // namespace

std::string format_port(uint32_t port) {
    switch (port) {
        case port_no::kInPort:
            return "IN_PORT";
        case port_no::kTable:
            return "TABLE";
        case port_no::kNormal:
            return "NORMAL";
        case port_no::kFlood:
            return "FLOOD";
        case port_no::kAll:
            return "ALL";
        case port_no::kController:
            return "CONTROLLER";
        case port_no::kLocal:
            return "LOCAL";
        case port_no::kAny:
            return "ANY";
        default:
            return std::to_string(port);
    }
}

std::string format_match(const Match& match, uint16_t priority) {
    return MatchPrinter(match).run(priority);
}

std::string format_oxm_value(const Oxm& oxm) {
    std::string s = value_text(oxm, false);
    if (oxm.has_mask) s += "/" + value_text(oxm, true);
    return s;
}

std::string format_actions(const std::vector<Action>& actions) {
    return actions.empty() ? "drop" : join_actions(actions);
}

std::string format_instructions(const std::vector<Instruction>& instructions) {
    std::string out;
    const auto add = [&out](const std::string& s) {
        if (!out.empty()) out += ',';
        out += s;
    };
    for (const auto& i : instructions) {
        std::visit(
            [&](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, InstructionApplyActions>) {
                    if (!v.actions.empty()) add(join_actions(v.actions));
                } else if constexpr (std::is_same_v<T, InstructionWriteActions>) {
                    add("write_actions(" + join_actions(v.actions) + ")");
                } else if constexpr (std::is_same_v<T, InstructionClearActions>) {
                    add("clear_actions");
                } else if constexpr (std::is_same_v<T, InstructionWriteMetadata>) {
                    std::string s = "write_metadata:" + hex(v.metadata);
                    if (v.metadata_mask != ~uint64_t{0}) s += "/" + hex(v.metadata_mask);
                    add(s);
                } else if constexpr (std::is_same_v<T, InstructionGotoTable>) {
                    add("goto_table:" + std::to_string(v.table_id));
                } else if constexpr (std::is_same_v<T, InstructionMeter>) {
                    add("meter:" + std::to_string(v.meter_id));
                } else {
                    add("experimenter:" + hex(v.experimenter));
                }
            },
            i);
    }
    return out.empty() ? "drop" : out;
}

std::string format_duration(uint32_t sec, uint32_t nsec) {
    std::string s = std::to_string(sec);
    if (nsec > 0) {
        std::array<char, 16> buf{};
        const uint32_t msec = nsec / 1000000;
        if (msec * 1000000 == nsec) {
            std::snprintf(buf.data(), buf.size(), ".%03u", msec);
            s += buf.data();
        } else {
            std::snprintf(buf.data(), buf.size(), ".%09u", nsec);
            std::string frac = buf.data();
            while (frac.back() == '0')
                frac.pop_back();
            s += frac;
        }
    }
    return s + "s";
}

std::string format_flow_flags(uint16_t flags) {
    std::string s;
    if ((flags & flow_mod_flags::kSendFlowRem) != 0) s += "send_flow_rem ";
    if ((flags & flow_mod_flags::kCheckOverlap) != 0) s += "check_overlap ";
    if ((flags & flow_mod_flags::kResetCounts) != 0) s += "reset_counts ";
    if ((flags & flow_mod_flags::kNoPktCounts) != 0) s += "no_packet_counts ";
    if ((flags & flow_mod_flags::kNoBytCounts) != 0) s += "no_byte_counts ";
    return s;
}

std::string format_flow_stats(const FlowStats& fs, const FlowLineOptions& options) {
    std::string s = " ";
    if (!options.no_stats || fs.cookie != 0) s += "cookie=" + hex(fs.cookie) + ", ";
    if (!options.no_stats)
        s += "duration=" + format_duration(fs.duration_sec, fs.duration_nsec) + ", ";
    if (!options.no_stats || fs.table_id != 0) s += "table=" + std::to_string(fs.table_id) + ", ";
    if (!options.no_stats) {
        s += "n_packets=" + std::to_string(fs.packet_count) + ", ";
        s += "n_bytes=" + std::to_string(fs.byte_count) + ", ";
    }
    if (fs.idle_timeout != 0) s += "idle_timeout=" + std::to_string(fs.idle_timeout) + ", ";
    if (fs.hard_timeout != 0) s += "hard_timeout=" + std::to_string(fs.hard_timeout) + ", ";
    s += format_flow_flags(fs.flags);
    s += format_match(fs.match, fs.priority);
    if (s.back() != ' ') s += ' ';
    s += "actions=" + format_instructions(fs.instructions);
    return s;
}

}  // namespace vs::ofctl
