// OXM <-> masked FlowKey. Fields whose key member holds the wire bytes (addresses, ports, Ethernet
// type) are copied byte for byte; the rest (VLAN VID/PCP inside the TCI, DSCP/ECN inside the TOS
// byte, the flow label, ICMP type/code, ARP opcode, tunnel ID, in_port) are placed by hand.
#include "vswitchd/ofproto/of_match.hpp"

#include <cstddef>
#include <cstring>
#include <set>

namespace vs {

namespace {

using of13::Oxm;
using of13::OxmField;
using Code = of13::BadMatchCode;

constexpr uint16_t kEthIp = 0x0800, kEthIpv6 = 0x86dd, kEthArp = 0x0806, kEthMpls = 0x8847,
                   kEthMplsMcast = 0x8848, kEthPbb = 0x88e7;
constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoSctp = 132,
                  kProtoIcmpv6 = 58;
constexpr uint16_t kVidPresent = 0x1000;

openflow::SpecError bad(Code code) {
    return {static_cast<uint16_t>(of13::ErrorType::kBadMatch), static_cast<uint16_t>(code)};
}

// Where a byte-copied field lives in the key.
struct Place {
    size_t offset;
    size_t width;
};

std::optional<Place> byte_place(OxmField f) {
    switch (f) {
        case OxmField::kEthDst:
            return Place{offsetof(FlowKey, eth_dst), 6};
        case OxmField::kEthSrc:
            return Place{offsetof(FlowKey, eth_src), 6};
        case OxmField::kEthType:
            return Place{offsetof(FlowKey, eth_type), 2};
        case OxmField::kIpv4Src:
        case OxmField::kArpSpa:
            return Place{offsetof(FlowKey, nw_src), 4};
        case OxmField::kIpv4Dst:
        case OxmField::kArpTpa:
            return Place{offsetof(FlowKey, nw_dst), 4};
        case OxmField::kTcpSrc:
        case OxmField::kUdpSrc:
        case OxmField::kSctpSrc:
            return Place{offsetof(FlowKey, tp_src), 2};
        case OxmField::kTcpDst:
        case OxmField::kUdpDst:
        case OxmField::kSctpDst:
            return Place{offsetof(FlowKey, tp_dst), 2};
        case OxmField::kArpSha:
        case OxmField::kIpv6NdSll:
            return Place{offsetof(FlowKey, arp_sha), 6};
        case OxmField::kArpTha:
        case OxmField::kIpv6NdTll:
            return Place{offsetof(FlowKey, arp_tha), 6};
        case OxmField::kIpv6Src:
            return Place{offsetof(FlowKey, ipv6_src), 16};
        case OxmField::kIpv6Dst:
            return Place{offsetof(FlowKey, ipv6_dst), 16};
        case OxmField::kIpv6NdTarget:
            return Place{offsetof(FlowKey, nd_target), 16};
        default:
            return std::nullopt;
    }
}

uint8_t* bytes(FlowKey& k) {
    return reinterpret_cast<uint8_t*>(&k);
}
const uint8_t* bytes(const FlowKey& k) {
    return reinterpret_cast<const uint8_t*>(&k);
}

// The value of a field the match fixes completely, if it does.
std::optional<uint64_t> fixed(const OfMatch& m, OxmField f) {
    switch (f) {
        case OxmField::kEthType:
            if (m.mask.eth_type.raw != 0xffff) return std::nullopt;
            return m.key.eth_type.host();
        case OxmField::kIpProto:
            if (m.mask.nw_proto != 0xff) return std::nullopt;
            return m.key.nw_proto;
        case OxmField::kIcmpv6Type:
            if (m.mask.tp_src.raw != 0xffff) return std::nullopt;
            return m.key.tp_src.host();
        default:
            return std::nullopt;
    }
}

// OpenFlow 1.3.5 table 12: what must be matched before each field may be.
bool prerequisites_hold(const OfMatch& m, OxmField f) {
    // 0 stands for "not fixed": no Ethernet type or IP protocol used here is 0.
    const uint64_t eth = fixed(m, OxmField::kEthType).value_or(0);
    const uint64_t proto = fixed(m, OxmField::kIpProto).value_or(0);
    const bool ip = eth == kEthIp || eth == kEthIpv6;
    switch (f) {
        case OxmField::kVlanPcp:
            return (m.mask.vlans[0].tci.host() & kVidPresent) &&
                   (m.key.vlans[0].tci.host() & kVidPresent);
        case OxmField::kIpDscp:
        case OxmField::kIpEcn:
        case OxmField::kIpProto:
            return ip;
        case OxmField::kIpv4Src:
        case OxmField::kIpv4Dst:
            return eth == kEthIp;
        case OxmField::kTcpSrc:
        case OxmField::kTcpDst:
            return ip && proto == kProtoTcp;
        case OxmField::kUdpSrc:
        case OxmField::kUdpDst:
            return ip && proto == kProtoUdp;
        case OxmField::kSctpSrc:
        case OxmField::kSctpDst:
            return ip && proto == kProtoSctp;
        case OxmField::kIcmpv4Type:
        case OxmField::kIcmpv4Code:
            return eth == kEthIp && proto == kProtoIcmp;
        case OxmField::kArpOp:
        case OxmField::kArpSpa:
        case OxmField::kArpTpa:
        case OxmField::kArpSha:
        case OxmField::kArpTha:
            return eth == kEthArp;
        case OxmField::kIpv6Src:
        case OxmField::kIpv6Dst:
        case OxmField::kIpv6Flabel:
        case OxmField::kIpv6Exthdr:
            return eth == kEthIpv6;
        case OxmField::kMplsLabel:
        case OxmField::kMplsTc:
        case OxmField::kMplsBos:
            return eth == kEthMpls || eth == kEthMplsMcast;
        case OxmField::kPbbIsid:
            return eth == kEthPbb;
        case OxmField::kIcmpv6Type:
        case OxmField::kIcmpv6Code:
            return eth == kEthIpv6 && proto == kProtoIcmpv6;
        case OxmField::kIpv6NdTarget: {
            const uint64_t type = fixed(m, OxmField::kIcmpv6Type).value_or(0);
            return eth == kEthIpv6 && proto == kProtoIcmpv6 && (type == 135 || type == 136);
        }
        case OxmField::kIpv6NdSll:
            return eth == kEthIpv6 && proto == kProtoIcmpv6 &&
                   fixed(m, OxmField::kIcmpv6Type) == 135;
        case OxmField::kIpv6NdTll:
            return eth == kEthIpv6 && proto == kProtoIcmpv6 &&
                   fixed(m, OxmField::kIcmpv6Type) == 136;
        default:
            return true;
    }
}

// Sets `value`/`mask` (host numbers, already in the field's bit position) into a 16-bit key
// member kept in wire order.
void put16(Be16& key, Be16& mask, uint16_t value, uint16_t m) {
    key = Be16::from_host(static_cast<uint16_t>((key.host() & ~m) | (value & m)));
    mask = Be16::from_host(static_cast<uint16_t>(mask.host() | m));
}

}  // namespace

bool OfMatch::matches(const FlowKey& packet, uint64_t packet_metadata) const {
    for (size_t i = 0; i < FlowKey::kWords; ++i) {
        if ((packet.words()[i] & mask.words()[i]) != key.words()[i]) return false;
    }
    return (packet_metadata & metadata_mask) == metadata;
}

bool OfMatch::covers(const OfMatch& other) const {
    for (size_t i = 0; i < FlowKey::kWords; ++i) {
        // Every bit we fix, `other` fixes too, to the same value.
        if ((mask.words()[i] & ~other.mask.words()[i]) != 0) return false;
        if ((other.key.words()[i] & mask.words()[i]) != key.words()[i]) return false;
    }
    return (metadata_mask & ~other.metadata_mask) == 0 &&
           (other.metadata & metadata_mask) == metadata;
}

bool operator==(const OfMatch& a, const OfMatch& b) {
    return a.key == b.key && a.mask == b.mask && a.metadata == b.metadata &&
           a.metadata_mask == b.metadata_mask;
}

tl::expected<OfMatch, openflow::SpecError> match_from_oxm(const of13::Match& match,
                                                          const OfPortMap& ports) {
    OfMatch m;
    std::set<uint8_t> seen;
    for (const Oxm& oxm : match.fields) {
        if (oxm.oxm_class != of13::kOxmClassBasic) return tl::unexpected(bad(Code::kBadField));
        if (!seen.insert(oxm.field).second) return tl::unexpected(bad(Code::kDupField));
        const auto f = static_cast<OxmField>(oxm.field);
        if (oxm.has_mask && !of13::oxm_maskable(f)) return tl::unexpected(bad(Code::kBadMask));
        const uint64_t v = oxm.value.size() <= 8 ? oxm.value_uint() : 0;
        const uint64_t mk = oxm.has_mask && oxm.mask.size() <= 8 ? oxm.mask_uint() : ~0ULL;
        if (auto place = byte_place(f)) {
            uint8_t* k = bytes(m.key) + place->offset;
            uint8_t* km = bytes(m.mask) + place->offset;
            for (size_t i = 0; i < place->width; ++i) {
                const uint8_t bm = oxm.has_mask ? oxm.mask[i] : 0xff;
                k[i] = oxm.value[i] & bm;
                km[i] = bm;
            }
            continue;
        }
        switch (f) {
            case OxmField::kInPort:
                m.key.in_port = ports.to_datapath(static_cast<uint32_t>(v)).value_or(0xffffffffU);
                m.mask.in_port = 0xffffffff;
                break;
            case OxmField::kMetadata:
                m.metadata = v & mk;
                m.metadata_mask = mk;
                break;
            case OxmField::kTunnelId:
                m.key.tun_id = v & mk;
                m.mask.tun_id = mk;
                break;
            case OxmField::kVlanVid:
                put16(m.key.vlans[0].tci, m.mask.vlans[0].tci, static_cast<uint16_t>(v & 0x1fff),
                      static_cast<uint16_t>(mk & 0x1fff));
                break;
            case OxmField::kVlanPcp:
                put16(m.key.vlans[0].tci, m.mask.vlans[0].tci, static_cast<uint16_t>((v & 7) << 13),
                      0xe000);
                break;
            case OxmField::kIpDscp:
                m.key.nw_tos = static_cast<uint8_t>((m.key.nw_tos & 0x03) | ((v & 0x3f) << 2));
                m.mask.nw_tos |= 0xfc;
                break;
            case OxmField::kIpEcn:
                m.key.nw_tos = static_cast<uint8_t>((m.key.nw_tos & 0xfc) | (v & 0x03));
                m.mask.nw_tos |= 0x03;
                break;
            case OxmField::kIpProto:
            case OxmField::kArpOp:
                if (f == OxmField::kArpOp && v > 0xff) return tl::unexpected(bad(Code::kBadValue));
                m.key.nw_proto = static_cast<uint8_t>(v);
                m.mask.nw_proto = 0xff;
                break;
            case OxmField::kIcmpv4Type:
            case OxmField::kIcmpv6Type:
                m.key.tp_src = Be16::from_host(static_cast<uint16_t>(v));
                m.mask.tp_src = Be16::from_host(0xffff);
                break;
            case OxmField::kIcmpv4Code:
            case OxmField::kIcmpv6Code:
                m.key.tp_dst = Be16::from_host(static_cast<uint16_t>(v));
                m.mask.tp_dst = Be16::from_host(0xffff);
                break;
            case OxmField::kIpv6Flabel:
                m.key.ipv6_label = Be32::from_host(static_cast<uint32_t>(v & mk & 0xfffff));
                m.mask.ipv6_label = Be32::from_host(static_cast<uint32_t>(mk & 0xfffff));
                break;
            case OxmField::kMplsLabel:
            case OxmField::kMplsTc:
            case OxmField::kMplsBos: {
                // The top label stack entry is in nw_src (flow_key.hpp).
                const bool label = f == OxmField::kMplsLabel, tc = f == OxmField::kMplsTc;
                const uint32_t max = label ? 0xfffff : tc ? 7 : 1;
                if (v > max) return tl::unexpected(bad(Code::kBadValue));
                const uint32_t shift = label ? kMplsLabelShift : tc ? kMplsTcShift : 8;
                const uint32_t bits = label ? kMplsLabelMask : tc ? kMplsTcMask : kMplsBos;
                m.key.nw_src = Be32::from_host((m.key.nw_src.host() & ~bits) |
                                               (static_cast<uint32_t>(v) << shift));
                m.mask.nw_src = Be32::from_host(m.mask.nw_src.host() | bits);
                break;
            }
            case OxmField::kPbbIsid: {
                // The I-TAG is in nw_src (flow_key.hpp).
                const uint32_t im = static_cast<uint32_t>(mk) & kPbbIsidMask;
                m.key.nw_src = Be32::from_host((m.key.nw_src.host() & ~kPbbIsidMask) |
                                               (static_cast<uint32_t>(v) & im));
                m.mask.nw_src = Be32::from_host(m.mask.nw_src.host() | im);
                break;
            }
            case OxmField::kIpv6Exthdr:
                // The parser's flags (flow_key.hpp) are OpenFlow's ofp_ipv6exthdr_flags.
                if ((v & ~uint64_t{kIpv6ExtHdrMask}) != 0)
                    return tl::unexpected(bad(Code::kBadValue));
                m.key.ipv6_exthdr = static_cast<uint16_t>(v & mk & kIpv6ExtHdrMask);
                m.mask.ipv6_exthdr = static_cast<uint16_t>(mk & kIpv6ExtHdrMask);
                break;
            default:
                return tl::unexpected(bad(Code::kBadField));
        }
    }
    for (uint8_t field : seen) {
        if (!prerequisites_hold(m, static_cast<OxmField>(field))) {
            return tl::unexpected(bad(Code::kBadPrereq));
        }
    }
    return m;
}

namespace {

// Appends the byte-copied field `f` when the match looks at any of its bits.
void emit_bytes(const OfMatch& m, OxmField f, of13::Match& out) {
    const Place place = *byte_place(f);
    const uint8_t* k = bytes(m.key) + place.offset;
    const uint8_t* km = bytes(m.mask) + place.offset;
    bool any = false, all = true;
    for (size_t i = 0; i < place.width; ++i) {
        any = any || km[i] != 0;
        all = all && km[i] == 0xff;
    }
    if (!any) return;
    out.fields.push_back(Oxm::make_bytes(
        f, {k, place.width}, all ? std::span<const uint8_t>() : std::span(km, place.width)));
}

}  // namespace

of13::Match match_to_oxm(const OfMatch& m, const OfPortMap& ports) {
    of13::Match out;
    if (m.mask.in_port)
        out.fields.push_back(Oxm::make(OxmField::kInPort, ports.to_openflow(m.key.in_port)));
    if (m.metadata_mask) {
        out.fields.push_back(
            m.metadata_mask == ~0ULL
                ? Oxm::make(OxmField::kMetadata, m.metadata)
                : Oxm::make_masked(OxmField::kMetadata, m.metadata, m.metadata_mask));
    }
    emit_bytes(m, OxmField::kEthDst, out);
    emit_bytes(m, OxmField::kEthSrc, out);
    emit_bytes(m, OxmField::kEthType, out);
    const uint16_t tci = m.key.vlans[0].tci.host(), tci_mask = m.mask.vlans[0].tci.host();
    if (tci_mask & 0x1fff) {
        const uint16_t vm = tci_mask & 0x1fff;
        out.fields.push_back(vm == 0x1fff ? Oxm::make(OxmField::kVlanVid, tci & 0x1fff)
                                          : Oxm::make_masked(OxmField::kVlanVid, tci & 0x1fff, vm));
    }
    if (tci_mask & 0xe000) out.fields.push_back(Oxm::make(OxmField::kVlanPcp, tci >> 13));
    const uint64_t eth = fixed(m, OxmField::kEthType).value_or(0);
    if (m.mask.nw_tos & 0xfc) out.fields.push_back(Oxm::make(OxmField::kIpDscp, m.key.nw_tos >> 2));
    if (m.mask.nw_tos & 0x03) out.fields.push_back(Oxm::make(OxmField::kIpEcn, m.key.nw_tos & 3));
    if (m.mask.nw_proto) {
        out.fields.push_back(
            Oxm::make(eth == kEthArp ? OxmField::kArpOp : OxmField::kIpProto, m.key.nw_proto));
    }
    const uint64_t proto = fixed(m, OxmField::kIpProto).value_or(0);
    if (eth == kEthArp) {
        emit_bytes(m, OxmField::kArpSpa, out);
        emit_bytes(m, OxmField::kArpTpa, out);
        emit_bytes(m, OxmField::kArpSha, out);
        emit_bytes(m, OxmField::kArpTha, out);
    } else if (eth == kEthMpls || eth == kEthMplsMcast) {
        const uint32_t lse = m.key.nw_src.host(), lm = m.mask.nw_src.host();
        if (lm & kMplsLabelMask)
            out.fields.push_back(Oxm::make(OxmField::kMplsLabel, lse >> kMplsLabelShift));
        if (lm & kMplsTcMask)
            out.fields.push_back(Oxm::make(OxmField::kMplsTc, (lse & kMplsTcMask) >> kMplsTcShift));
        if (lm & kMplsBos) out.fields.push_back(Oxm::make(OxmField::kMplsBos, (lse >> 8) & 1));
    } else if (eth == kEthPbb) {
        const uint32_t tag = m.key.nw_src.host() & kPbbIsidMask;
        const uint32_t tm = m.mask.nw_src.host() & kPbbIsidMask;
        if (tm) {
            out.fields.push_back(tm == kPbbIsidMask
                                     ? Oxm::make(OxmField::kPbbIsid, tag)
                                     : Oxm::make_masked(OxmField::kPbbIsid, tag, tm));
        }
    } else {
        emit_bytes(m, OxmField::kIpv4Src, out);
        emit_bytes(m, OxmField::kIpv4Dst, out);
    }
    if (proto == kProtoIcmp || proto == kProtoIcmpv6) {
        const bool v6 = proto == kProtoIcmpv6;
        if (m.mask.tp_src.raw) {
            out.fields.push_back(
                Oxm::make(v6 ? OxmField::kIcmpv6Type : OxmField::kIcmpv4Type, m.key.tp_src.host()));
        }
        if (m.mask.tp_dst.raw) {
            out.fields.push_back(
                Oxm::make(v6 ? OxmField::kIcmpv6Code : OxmField::kIcmpv4Code, m.key.tp_dst.host()));
        }
    } else if (proto == kProtoTcp || proto == kProtoUdp || proto == kProtoSctp) {
        const bool tcp = proto == kProtoTcp, udp = proto == kProtoUdp;
        emit_bytes(m, tcp ? OxmField::kTcpSrc : udp ? OxmField::kUdpSrc : OxmField::kSctpSrc, out);
        emit_bytes(m, tcp ? OxmField::kTcpDst : udp ? OxmField::kUdpDst : OxmField::kSctpDst, out);
    }
    emit_bytes(m, OxmField::kIpv6Src, out);
    emit_bytes(m, OxmField::kIpv6Dst, out);
    if (m.mask.ipv6_label.raw) {
        const uint32_t lm = m.mask.ipv6_label.host();
        out.fields.push_back(
            lm == 0xfffff ? Oxm::make(OxmField::kIpv6Flabel, m.key.ipv6_label.host())
                          : Oxm::make_masked(OxmField::kIpv6Flabel, m.key.ipv6_label.host(), lm));
    }
    if (m.mask.ipv6_exthdr != 0) {
        const uint16_t em = m.mask.ipv6_exthdr;
        out.fields.push_back(em == kIpv6ExtHdrMask
                                 ? Oxm::make(OxmField::kIpv6Exthdr, m.key.ipv6_exthdr)
                                 : Oxm::make_masked(OxmField::kIpv6Exthdr, m.key.ipv6_exthdr, em));
    }
    emit_bytes(m, OxmField::kIpv6NdTarget, out);
    if (eth != kEthArp) {
        emit_bytes(m, OxmField::kIpv6NdSll, out);
        emit_bytes(m, OxmField::kIpv6NdTll, out);
    }
    if (m.mask.tun_id) {
        out.fields.push_back(
            m.mask.tun_id == ~0ULL
                ? Oxm::make(OxmField::kTunnelId, m.key.tun_id)
                : Oxm::make_masked(OxmField::kTunnelId, m.key.tun_id, m.mask.tun_id));
    }
    return out;
}

}  // namespace vs
