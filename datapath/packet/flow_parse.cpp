// Packet parser implementation: Ethernet/VLAN → ARP | IPv4 | IPv6 (+extension headers) →
// TCP | UDP | SCTP | ICMP | ICMPv6 (+ND). Every read is preceded by a length check against the
// end of the frame, or of the IP packet once its length is known.
#include "datapath/packet/flow_parse.hpp"

#include <cstring>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

namespace vs {
namespace {

constexpr uint32_t kEthHeaderSize = 14;
constexpr uint32_t kVlanHeaderSize = 4;
constexpr uint32_t kArpSize = 28;
constexpr uint32_t kIpv4MinSize = 20;
constexpr uint32_t kIpv6HeaderSize = 40;
constexpr uint32_t kTcpMinSize = 20;
constexpr uint32_t kUdpSize = 8;
constexpr uint32_t kSctpSize = 12;
constexpr uint32_t kIcmpSize = 8;
constexpr uint32_t kNdTargetEnd = 24;  // ICMPv6 header (8) + target address (16)

constexpr uint8_t kIp6HopByHop = 0;
constexpr uint8_t kIp6Routing = 43;
constexpr uint8_t kIp6Fragment = 44;
constexpr uint8_t kIp6Esp = 50;
constexpr uint8_t kIp6Ah = 51;
constexpr uint8_t kIp6NoNext = 59;
constexpr uint8_t kIp6DestOpts = 60;

constexpr uint8_t kNdOptSourceLla = 1;
constexpr uint8_t kNdOptTargetLla = 2;

inline uint16_t load_host16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof(v));
    return __builtin_bswap16(v);
}

inline Be16 load_be16(const uint8_t* p) {
    Be16 v;
    std::memcpy(&v.raw, p, sizeof(v.raw));
    return v;
}

inline Be32 load_be32(const uint8_t* p) {
    Be32 v;
    std::memcpy(&v.raw, p, sizeof(v.raw));
    return v;
}

inline bool is_vlan_tpid(uint16_t type, int depth) {
    // 0x9100 is a pre-standard outer tag; inside a tag it would be a protocol nobody uses.
    return type == kEthTypeVlan || type == kEthTypeQinQ || (depth == 0 && type == kEthTypeQinQOld);
}

// Ethernet header and up to kMaxVlans tags. Sets `l3` to the first byte after the complete
// tags. Returns false when a tag is cut: eth_type then holds that tag's TPID, as it would for a
// frame carrying a VLAN type with no tag, so the key stays self-consistent.
inline bool parse_l2(const uint8_t* data, uint32_t len, FlowKey& key, uint32_t& l3) {
    std::memcpy(key.eth_dst.data(), data, 6);
    std::memcpy(key.eth_src.data(), data + 6, 6);
    key.layers = kLayerL2;
    uint32_t off = kEthHeaderSize;
    uint16_t type = load_host16(data + 12);
    for (int i = 0; i < kMaxVlans && is_vlan_tpid(type, i); ++i) {
        if (len - off < kVlanHeaderSize) {
            key.eth_type = Be16::from_host(type);
            l3 = off;
            return false;
        }
        key.vlans[i].tpid = Be16::from_host(type);
        key.vlans[i].tci = Be16::from_host(load_host16(data + off) | kVlanPresent);
        type = load_host16(data + off + 2);
        off += kVlanHeaderSize;
    }
    key.eth_type = Be16::from_host(type < kEthTypeMin ? kEthTypeNotEth : type);
    l3 = off;
    return true;
}

// Only Ethernet/IPv4 ARP has the fields the key can hold; anything else is left at L2.
inline ParseStatus parse_arp(const uint8_t* p, uint32_t n, FlowKey& key) {
    if (n < kArpSize) return ParseStatus::kPartial;
    if (load_host16(p) != 1 || load_host16(p + 2) != kEthTypeIpv4 || p[4] != 6 || p[5] != 4) {
        return ParseStatus::kPartial;
    }
    // As OVS: only opcodes that fit the 8-bit field are kept, so 0x0101 cannot alias 1.
    const uint16_t op = load_host16(p + 6);
    key.nw_proto = op <= 0xff ? static_cast<uint8_t>(op) : 0;
    std::memcpy(key.arp_sha.data(), p + 8, 6);
    key.nw_src = load_be32(p + 14);
    std::memcpy(key.arp_tha.data(), p + 18, 6);
    key.nw_dst = load_be32(p + 24);
    key.layers |= kLayerL3;
    return ParseStatus::kOk;
}

// Where the L4 header starts and where the IP packet ends (padding excluded). l4 == 0 means
// "do not parse L4".
struct L4Span {
    uint32_t l4 = 0;
    uint32_t end = 0;
};

inline ParseStatus parse_ipv4(const uint8_t* data, uint32_t len, uint32_t l3, FlowKey& key,
                              L4Span& span) {
    const uint8_t* p = data + l3;
    const uint32_t n = len - l3;
    if (n < kIpv4MinSize || (p[0] >> 4) != 4) return ParseStatus::kPartial;
    const uint32_t ihl = (p[0] & 0x0fu) * 4;
    const uint32_t total = load_host16(p + 2);
    if (ihl < kIpv4MinSize || ihl > n || total < ihl) return ParseStatus::kPartial;

    key.nw_tos = p[1];
    const uint16_t frag = load_host16(p + 6);
    const bool more_fragments = (frag & 0x2000) != 0;
    const bool later = (frag & 0x1fff) != 0;
    if (more_fragments || later) key.nw_frag = kFragAny | (later ? kFragLater : 0);
    key.nw_ttl = p[8];
    key.nw_proto = p[9];
    key.nw_src = load_be32(p + 12);
    key.nw_dst = load_be32(p + 16);
    key.layers |= kLayerL3;

    if (total > n) return ParseStatus::kPartial;
    if (!later) span = L4Span{l3 + ihl, l3 + total};
    return ParseStatus::kOk;
}

// The extension header flags of OpenFlow's IPV6_EXTHDR field (flow_key.hpp), gathered while the
// chain is walked. Each header type has its rank in RFC 2460's recommended order; a rank lower
// than the previous header's means out of order (UNSEQ), a rank seen before a repeat (UNREP).
// Destination Options ranks before Routing when nothing from Routing on came before it, after
// ESP otherwise, so the two places it may take are two ranks.
class ExtHdrFlags {
  public:
    // Accounts for header `nh`; returns false when it is not an extension header.
    bool see(uint8_t nh) {
        uint16_t bit = 0;
        uint8_t rank = 0;
        switch (nh) {
            case kIp6HopByHop:
                bit = kIpv6ExtHop;
                rank = kRankHop;
                break;
            case kIp6DestOpts:
                bit = kIpv6ExtDest;
                rank = last_ < kRankRouting ? kRankDest1 : kRankDest2;
                break;
            case kIp6Routing:
                bit = kIpv6ExtRouter;
                rank = kRankRouting;
                break;
            case kIp6Fragment:
                bit = kIpv6ExtFrag;
                rank = kRankFrag;
                break;
            case kIp6Ah:
                bit = kIpv6ExtAuth;
                rank = kRankAuth;
                break;
            case kIp6Esp:
                bit = kIpv6ExtEsp;
                rank = kRankEsp;
                break;
            default:
                return false;
        }
        const auto rank_bit = static_cast<uint8_t>(1U << rank);
        if ((ranks_ & rank_bit) != 0) flags_ |= kIpv6ExtUnrep;
        if (rank < last_) flags_ |= kIpv6ExtUnseq;
        ranks_ |= rank_bit;
        last_ = rank;
        flags_ |= bit;
        return true;
    }
    void no_next() { flags_ |= kIpv6ExtNoNext; }
    uint16_t flags() const { return flags_; }

  private:
    enum Rank : uint8_t {
        kRankHop,
        kRankDest1,
        kRankRouting,
        kRankFrag,
        kRankAuth,
        kRankEsp,
        kRankDest2,
    };
    uint16_t flags_ = 0;
    uint8_t ranks_ = 0;  // 1 << Rank for each rank seen
    uint8_t last_ = 0;
};

// Walks the extension headers between `off` and `end`; on return nw_proto holds the last next
// header seen (the one that could not be parsed, when the result is kPartial) and ipv6_exthdr
// the flags of the headers walked (all of them named by a next header field, a cut one too).
// ESP ends the walk (what follows it is encrypted), as does a later fragment.
inline ParseStatus parse_ipv6_ext_chain(const uint8_t* data, uint32_t off, uint32_t end,
                                        FlowKey& key, L4Span& span, ExtHdrFlags& ext) {
    uint8_t nh = key.nw_proto;
    for (;;) {
        if (!ext.see(nh) || nh == kIp6Esp) break;
        if (nh == kIp6Fragment) {
            if (end - off < 8) return ParseStatus::kPartial;
            const bool later = (load_host16(data + off + 2) & 0xfff8) != 0;
            key.nw_frag = kFragAny | (later ? kFragLater : 0);
            nh = data[off];
            off += 8;
            if (later) {
                key.nw_proto = nh;
                return ParseStatus::kOk;
            }
        } else {
            if (end - off < 8) return ParseStatus::kPartial;
            const uint32_t size =
                nh == kIp6Ah ? (data[off + 1] + 2u) * 4 : (data[off + 1] + 1u) * 8;
            if (size > end - off) return ParseStatus::kPartial;
            nh = data[off];
            off += size;
        }
        key.nw_proto = nh;
    }
    if (nh == kIp6NoNext) ext.no_next();
    key.nw_proto = nh;
    span = L4Span{off, end};
    return ParseStatus::kOk;
}

inline ParseStatus parse_ipv6_ext(const uint8_t* data, uint32_t off, uint32_t end, FlowKey& key,
                                  L4Span& span) {
    ExtHdrFlags ext;
    const ParseStatus status = parse_ipv6_ext_chain(data, off, end, key, span, ext);
    key.ipv6_exthdr = ext.flags();
    return status;
}

inline ParseStatus parse_ipv6(const uint8_t* data, uint32_t len, uint32_t l3, FlowKey& key,
                              L4Span& span) {
    const uint8_t* p = data + l3;
    const uint32_t n = len - l3;
    if (n < kIpv6HeaderSize || (p[0] >> 4) != 6) return ParseStatus::kPartial;
    const uint32_t vtcfl = load_host16(p) << 16 | load_host16(p + 2);
    key.nw_tos = static_cast<uint8_t>(vtcfl >> 20);
    key.ipv6_label = Be32::from_host(vtcfl & 0xfffff);
    key.nw_proto = p[6];
    key.nw_ttl = p[7];
    std::memcpy(key.ipv6_src.data(), p + 8, 16);
    std::memcpy(key.ipv6_dst.data(), p + 24, 16);
    key.layers |= kLayerL3;

    const uint32_t payload = load_host16(p + 4);
    if (payload > n - kIpv6HeaderSize) return ParseStatus::kPartial;
    return parse_ipv6_ext(data, l3 + kIpv6HeaderSize, l3 + kIpv6HeaderSize + payload, key, span);
}

// The link-layer address options after the ND target; false when malformed.
inline bool parse_nd_options(const uint8_t* p, uint32_t n, FlowKey& key) {
    bool have_sll = false;
    bool have_tll = false;
    uint32_t off = kNdTargetEnd;
    // Stricter than OVS, which ignores a tail shorter than 8 bytes: the message is bounded by the
    // IPv6 payload length, so leftover bytes there mean a cut or malformed option.
    while (off < n) {
        if (n - off < 2) return false;
        const uint8_t type = p[off];
        const uint32_t size = p[off + 1] * 8u;
        if (size == 0 || size > n - off) return false;
        if (size == 8 && type == kNdOptSourceLla) {
            if (have_sll) return false;
            std::memcpy(key.arp_sha.data(), p + off + 2, 6);
            have_sll = true;
        } else if (size == 8 && type == kNdOptTargetLla) {
            if (have_tll) return false;
            std::memcpy(key.arp_tha.data(), p + off + 2, 6);
            have_tll = true;
        }
        off += size;
    }
    return true;
}

// Neighbor Discovery target and link-layer address options. A malformed message zeroes all three
// ND fields (as OVS does) so a half-parsed option list never reaches a flow; the ICMPv6 type and
// code stay, since that header itself was valid.
inline ParseStatus parse_nd(const uint8_t* p, uint32_t n, FlowKey& key) {
    if (n < kNdTargetEnd) return ParseStatus::kPartial;
    std::memcpy(key.nd_target.data(), p + 8, 16);
    if (parse_nd_options(p, n, key)) return ParseStatus::kOk;
    key.nd_target = {};
    key.arp_sha = {};
    key.arp_tha = {};
    return ParseStatus::kPartial;
}

inline void set_icmp_type_code(const uint8_t* p, FlowKey& key) {
    key.tp_src = Be16::from_host(p[0]);
    key.tp_dst = Be16::from_host(p[1]);
    key.layers |= kLayerL4;
}

inline ParseStatus parse_l4(const uint8_t* p, uint32_t n, bool ipv6, FlowKey& key) {
    switch (key.nw_proto) {
        case kIpProtoTcp: {
            if (n < kTcpMinSize) return ParseStatus::kPartial;
            const uint16_t off_flags = load_host16(p + 12);
            const uint32_t data_offset = (off_flags >> 12) * 4u;
            if (data_offset < kTcpMinSize || data_offset > n) return ParseStatus::kPartial;
            key.tp_src = load_be16(p);
            key.tp_dst = load_be16(p + 2);
            key.tcp_flags = Be16::from_host(off_flags & 0x0fff);
            key.layers |= kLayerL4;
            return ParseStatus::kOk;
        }
        case kIpProtoUdp:
        case kIpProtoSctp: {
            if (n < (key.nw_proto == kIpProtoUdp ? kUdpSize : kSctpSize)) {
                return ParseStatus::kPartial;
            }
            key.tp_src = load_be16(p);
            key.tp_dst = load_be16(p + 2);
            key.layers |= kLayerL4;
            return ParseStatus::kOk;
        }
        case kIpProtoIcmp:
            if (ipv6) return ParseStatus::kOk;
            if (n < kIcmpSize) return ParseStatus::kPartial;
            set_icmp_type_code(p, key);
            return ParseStatus::kOk;
        case kIpProtoIcmpv6:
            if (!ipv6) return ParseStatus::kOk;
            if (n < kIcmpSize) return ParseStatus::kPartial;
            set_icmp_type_code(p, key);
            if ((p[0] == kIcmpv6NdSolicit || p[0] == kIcmpv6NdAdvert) && p[1] == 0)
                return parse_nd(p, n, key);
            return ParseStatus::kOk;
        default:
            return ParseStatus::kOk;
    }
}

inline uint64_t load_raw64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

inline uint64_t load_raw32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

inline uint64_t load_raw16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

// Untagged IPv4 with a 20-byte header, not a fragment, carrying a complete TCP or UDP header:
// the whole key in 16 word stores (no memset, no narrow stores to merge). Returns false when the
// frame is anything else; the general parser then decides. The word layout is FlowKey's, on a
// little-endian machine.
inline bool parse_ipv4_l4_fast(const uint8_t* data, uint32_t len, uint32_t in_port, FlowKey& key,
                               PacketOffsets& ofs) {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
    if (len < kEthHeaderSize + kIpv4MinSize + kUdpSize || len > 0xffff) return false;
    if (data[12] != 0x08 || data[13] != 0x00 || data[14] != 0x45) return false;
    const uint8_t* ip = data + kEthHeaderSize;
    const uint32_t total = load_host16(ip + 2);
    if (total > len - kEthHeaderSize || (load_host16(ip + 6) & 0x3fff) != 0) return false;
    const uint8_t proto = ip[9];
    const uint8_t* l4 = ip + kIpv4MinSize;
    const uint32_t l4_len = total < kIpv4MinSize ? 0 : total - kIpv4MinSize;
    uint64_t tcp_flags = 0;
    if (proto == kIpProtoTcp) {
        if (l4_len < kTcpMinSize) return false;
        const uint16_t off_flags = load_host16(l4 + 12);
        const uint32_t data_offset = (off_flags >> 12) * 4u;
        if (data_offset < kTcpMinSize || data_offset > l4_len) return false;
        tcp_flags = Be16::from_host(off_flags & 0x0fff).raw;
    } else if (proto != kIpProtoUdp || l4_len < kUdpSize) {
        return false;
    }
    FlowKeyWord* w = key.words();
    w[0] = 0;
    w[1] = 0;
    w[2] = in_port | load_raw16(data + 12) << 32 | uint64_t{kLayerL2 | kLayerL3 | kLayerL4} << 48;
    w[3] = load_raw64(data);      // eth_dst, first two bytes of eth_src
    w[4] = load_raw32(data + 8);  // rest of eth_src; no VLAN tag
    w[5] = 0;
    w[6] = load_raw64(ip + 12);  // nw_src, nw_dst
    w[7] = uint64_t{proto} | uint64_t{ip[1]} << 8 | uint64_t{ip[8]} << 16 | load_raw16(l4) << 32 |
           load_raw16(l4 + 2) << 48;
    w[8] = tcp_flags;
    for (size_t i = 9; i < FlowKey::kWords; ++i)
        w[i] = 0;
    ofs.l3 = kEthHeaderSize;
    ofs.l4 = kEthHeaderSize + kIpv4MinSize;
    return true;
}

}  // namespace

ParseStatus parse_flow(const uint8_t* data, uint32_t len, uint32_t in_port, FlowKey& key,
                       PacketOffsets& ofs) {
    if (parse_ipv4_l4_fast(data, len, in_port, key, ofs)) return ParseStatus::kOk;
    return parse_flow_general(data, len, in_port, key, ofs);
}

ParseStatus parse_flow_general(const uint8_t* data, uint32_t len, uint32_t in_port, FlowKey& key,
                               PacketOffsets& ofs) {
    key.clear();
    key.in_port = in_port;
    ofs = PacketOffsets{};
    if (len < kEthHeaderSize) return ParseStatus::kRunt;
    // Offsets are 16-bit (an mbuf segment is at most 64 KiB); parsing a prefix stays in bounds.
    if (len > 0xffff) len = 0xffff;

    uint32_t l3 = 0;
    const bool l2_ok = parse_l2(data, len, key, l3);
    ofs.l3 = static_cast<uint16_t>(l3);
    if (!l2_ok) return ParseStatus::kPartial;

    L4Span span;
    ParseStatus status;
    bool ipv6 = false;
    switch (key.eth_type.host()) {
        case kEthTypeIpv4:
            status = parse_ipv4(data, len, l3, key, span);
            break;
        case kEthTypeIpv6:
            ipv6 = true;
            status = parse_ipv6(data, len, l3, key, span);
            break;
        case kEthTypeArp:
        case kEthTypeRarp:
            return parse_arp(data + l3, len - l3, key);
        case kEthTypePbb:  // the I-TAG only, like the top MPLS entry
        case kEthTypeMpls:
        case kEthTypeMplsMcast:
            // The top label stack entry only; what it carries is parsed after a pop.
            if (len - l3 < 4) return ParseStatus::kPartial;
            key.nw_src = load_be32(data + l3);
            key.layers |= kLayerL3;
            return ParseStatus::kOk;
        default:
            return ParseStatus::kOk;
    }
    if (status != ParseStatus::kOk || span.l4 == 0) return status;
    if (span.l4 < span.end) ofs.l4 = static_cast<uint16_t>(span.l4);
    return parse_l4(data + span.l4, span.end - span.l4, ipv6, key);
}

uint32_t flow_key_hash(const FlowKey& key) {
    const FlowKeyWord* w = key.words();
#if defined(__SSE4_2__)
    // Four independent CRC chains hide the instruction's 3-cycle latency.
    uint64_t a = 0x9e3779b9, b = 0x7f4a7c15, c = 0x85ebca6b, d = 0xc2b2ae35;
    for (size_t i = 0; i < FlowKey::kWords; i += 4) {
        a = _mm_crc32_u64(a, w[i]);
        b = _mm_crc32_u64(b, w[i + 1]);
        c = _mm_crc32_u64(c, w[i + 2]);
        d = _mm_crc32_u64(d, w[i + 3]);
    }
    return static_cast<uint32_t>(_mm_crc32_u64(_mm_crc32_u64(a, b << 32 | c), d));
#else
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < FlowKey::kWords; ++i) {
        h = (h ^ w[i]) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    return static_cast<uint32_t>(h ^ (h >> 32));
#endif
}

}  // namespace vs
