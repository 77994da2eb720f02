// Header edits for the datapath actions, with incremental checksum updates (RFC 1624, eqn. 3).
// See packet_edit.hpp for the contract. Fast path: no allocation, locks or exceptions.
#include "datapath/actions/packet_edit.hpp"

#include "datapath/actions/edit_util.hpp"

#include <rte_byteorder.h>

#include <array>
#include <cstring>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

namespace vs::edit {

namespace {

constexpr Be16 kEthIpv4 = Be16::from_host(0x0800);
constexpr Be16 kEthIpv6 = Be16::from_host(0x86dd);
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr uint8_t kProtoSctp = 132;
constexpr uint32_t kEthAddrsSize = 12;  // destination + source MAC
constexpr uint32_t kVlanSize = 4;
constexpr uint32_t kIpv4MinSize = 20;
constexpr uint32_t kIpv6Size = 40;

using util::bytes;
using util::fits;
using util::load16;
using util::store16;

bool is_ipv4(const FlowKey& k) {
    return k.eth_type == kEthIpv4 && (k.layers & kLayerL3);
}
bool is_ipv6(const FlowKey& k) {
    return k.eth_type == kEthIpv6 && (k.layers & kLayerL3);
}
bool has_l4(const FlowKey& k, const PacketOffsets& ofs) {
    return (k.layers & kLayerL4) && ofs.l4 != 0 && !(k.nw_frag & kFragLater);
}

using util::csum_replace;
using util::replace16;

// Offset of the L4 checksum that covers the IP pseudo-header, or 0 when there is none.
uint32_t pseudo_csum_offset(uint8_t proto, bool v6) {
    if (proto == kProtoTcp) return 16;
    if (proto == kProtoUdp) return 6;
    if (proto == kProtoIcmpv6 && v6) return 2;
    return 0;
}

// Fixes the TCP/UDP/ICMPv6 checksum after an address in the pseudo-header changed.
void update_pseudo_header(rte_mbuf* m, const FlowKey& key, const PacketOffsets& ofs, bool v6,
                          const void* old_addr, const void* new_addr, uint32_t size) {
    if (!has_l4(key, ofs)) return;
    uint32_t off = pseudo_csum_offset(key.nw_proto, v6);
    if (off == 0 || !fits(m, ofs.l4 + off + 2)) return;
    uint8_t* c = bytes(m) + ofs.l4 + off;
    uint16_t hc = load16(c);
    bool udp = key.nw_proto == kProtoUdp;
    if (udp && !v6 && hc == 0) return;  // UDP over IPv4 without a checksum stays so
    uint16_t r = csum_replace(hc, old_addr, new_addr, size);
    if (udp && r == 0) r = 0xffff;  // 0 means "no checksum" for UDP
    store16(c, r);
}

bool set_ipv4_addr(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, Be32 addr, uint32_t field,
                   Be32& key_field) {
    if (!is_ipv4(key)) return true;
    if (!fits(m, ofs.l3 + kIpv4MinSize)) return false;
    uint8_t* ip = bytes(m) + ofs.l3;
    uint32_t old;
    std::memcpy(&old, ip + field, 4);
    store16(ip + 10, csum_replace(load16(ip + 10), &old, &addr.raw, 4));
    update_pseudo_header(m, key, ofs, false, &old, &addr.raw, 4);
    std::memcpy(ip + field, &addr.raw, 4);
    key_field = addr;
    return true;
}

// True when an IPv6 routing header with segments left precedes L4: the pseudo-header then holds
// the final destination, not the IPv6 destination field, so changing that field must not touch
// the L4 checksum.
bool ipv6_routed(const rte_mbuf* m, const PacketOffsets& ofs) {
    const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
    uint32_t off = ofs.l3 + kIpv6Size;
    uint8_t nh = p[ofs.l3 + 6];
    while (off < ofs.l4 && fits(m, off + 8)) {
        switch (nh) {
            case 43:
                return p[off + 3] != 0;  // routing: segments left
            case 44:
                nh = p[off], off += 8;
                break;  // fragment
            case 51:
                nh = p[off], off += (p[off + 1] + 2u) * 4;
                break;  // AH
            case 0:
            case 60:
                nh = p[off], off += (p[off + 1] + 1u) * 8;
                break;  // hop-by-hop, dest opts
            default:
                return false;
        }
    }
    return false;
}

bool set_ipv6_addr(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const Ip6Addr& addr,
                   uint32_t field, Ip6Addr& key_field) {
    if (!is_ipv6(key)) return true;
    if (!fits(m, ofs.l3 + kIpv6Size)) return false;
    uint8_t* a = bytes(m) + ofs.l3 + field;
    bool skip_l4 = field == 24 && ofs.l4 > ofs.l3 + kIpv6Size && ipv6_routed(m, ofs);
    if (!skip_l4) update_pseudo_header(m, key, ofs, true, a, addr.data(), 16);
    std::memcpy(a, addr.data(), 16);
    key_field = addr;
    return true;
}

bool set_port(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t port, uint32_t field,
              Be16& key_field) {
    bool v4 = is_ipv4(key);
    if ((!v4 && !is_ipv6(key)) || !has_l4(key, ofs)) return true;
    uint8_t* l4 = bytes(m) + ofs.l4;
    uint16_t raw = rte_cpu_to_be_16(port);
    switch (key.nw_proto) {
        case kProtoTcp:
            if (!fits(m, ofs.l4 + 20u)) return false;
            replace16(l4 + field, raw, l4 + 16);
            break;
        case kProtoUdp: {
            if (!fits(m, ofs.l4 + 8u)) return false;
            uint16_t hc = load16(l4 + 6);
            if (v4 && hc == 0) {
                store16(l4 + field, raw);
                break;
            }
            replace16(l4 + field, raw, l4 + 6);
            if (load16(l4 + 6) == 0) store16(l4 + 6, 0xffff);
            break;
        }
        case kProtoSctp: {
            if (key.nw_frag & kFragAny) return true;
            if (!fits(m, ofs.l4 + 12u)) return false;
            const uint8_t* ip = bytes(m) + ofs.l3;
            uint32_t ip_end = v4 ? ofs.l3 + rte_be_to_cpu_16(load16(ip + 2))
                                 : ofs.l3 + kIpv6Size + rte_be_to_cpu_16(load16(ip + 4));
            if (ip_end < ofs.l4 + 12u || ip_end > rte_pktmbuf_pkt_len(m)) return false;
            store16(l4 + field, raw);
            std::memset(l4 + 8, 0, 4);
            uint32_t crc = rte_cpu_to_le_32(sctp_crc32c(m, ofs.l4, ip_end - ofs.l4));
            std::memcpy(l4 + 8, &crc, 4);
            break;
        }
        default:
            return true;  // ICMP and others have no ports
    }
    key_field = Be16{raw};
    return true;
}

// Writes a new IPv4 TTL / IPv6 hop limit; the caller has checked the header fits.
void write_ttl(rte_mbuf* m, FlowKey& key, const PacketOffsets& ofs, bool v4, uint8_t ttl) {
    uint8_t* ip = bytes(m) + ofs.l3;
    if (v4) {
        uint8_t word[2] = {ttl, ip[9]};  // TTL shares a checksum word with the protocol
        replace16(ip + 8, load16(word), ip + 10);
    } else {
        ip[7] = ttl;
    }
    key.nw_ttl = ttl;
}

// 0 when the packet is not IP, else the size its fixed IP header needs.
uint32_t ip_header_size(const FlowKey& key) {
    return is_ipv4(key) ? kIpv4MinSize : is_ipv6(key) ? kIpv6Size : 0;
}

// CRC32c (Castagnoli) update without the final xor. Not DPDK's rte_hash_crc: that one loads
// 8 bytes through a misaligned uint64_t pointer, which UBSan rejects; memcpy loads are free here.
#if defined(__SSE4_2__)
uint32_t crc32c_update(uint32_t crc, const uint8_t* p, uint32_t n) {
    uint64_t c = crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
    }
    crc = static_cast<uint32_t>(c);
    for (; n > 0; --n, ++p)
        crc = _mm_crc32_u8(crc, *p);
    return crc;
}
#else
constexpr std::array<uint32_t, 256> make_crc32c_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
        t[i] = c;
    }
    return t;
}
constexpr std::array<uint32_t, 256> kCrc32cTable = make_crc32c_table();

uint32_t crc32c_update(uint32_t crc, const uint8_t* p, uint32_t n) {
    for (; n > 0; --n, ++p)
        crc = kCrc32cTable[(crc ^ *p) & 0xff] ^ (crc >> 8);
    return crc;
}
#endif

}  // namespace

bool set_eth_src(rte_mbuf* m, FlowKey& key, PacketOffsets&, const EthAddr& mac) {
    if (!fits(m, kEthAddrsSize)) return false;
    std::memcpy(bytes(m) + 6, mac.data(), 6);
    key.eth_src = mac;
    return true;
}

bool set_eth_dst(rte_mbuf* m, FlowKey& key, PacketOffsets&, const EthAddr& mac) {
    if (!fits(m, kEthAddrsSize)) return false;
    std::memcpy(bytes(m), mac.data(), 6);
    key.eth_dst = mac;
    return true;
}

bool set_vlan_vid(rte_mbuf* m, FlowKey& key, PacketOffsets&, uint16_t vid) {
    uint16_t tci = key.vlans[0].tci.host();
    if (!(tci & kVlanPresent)) return true;
    if (!fits(m, kEthAddrsSize + kVlanSize)) return false;
    uint8_t* wire = bytes(m) + 14;
    uint16_t w = static_cast<uint16_t>((rte_be_to_cpu_16(load16(wire)) & ~kVlanVidMask) |
                                       (vid & kVlanVidMask));
    store16(wire, rte_cpu_to_be_16(w));
    key.vlans[0].tci = Be16::from_host((tci & ~kVlanVidMask) | (vid & kVlanVidMask));
    return true;
}

bool set_vlan_pcp(rte_mbuf* m, FlowKey& key, PacketOffsets&, uint8_t pcp) {
    uint16_t tci = key.vlans[0].tci.host();
    if (!(tci & kVlanPresent)) return true;
    if (!fits(m, kEthAddrsSize + kVlanSize)) return false;
    uint8_t* wire = bytes(m) + 14;
    uint16_t bits = static_cast<uint16_t>((pcp & 7) << 13);
    uint16_t w = static_cast<uint16_t>((rte_be_to_cpu_16(load16(wire)) & ~kVlanPcpMask) | bits);
    store16(wire, rte_cpu_to_be_16(w));
    key.vlans[0].tci = Be16::from_host((tci & ~kVlanPcpMask) | bits);
    return true;
}

bool push_vlan(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t tpid, uint16_t tci) {
    if (!fits(m, kEthAddrsSize)) return false;
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kVlanSize));
    if (!p) return false;
    std::memmove(p, p + kVlanSize, kEthAddrsSize);
    uint16_t wire_tci = static_cast<uint16_t>(tci & ~kVlanPresent);
    store16(p + 12, rte_cpu_to_be_16(tpid));
    store16(p + 14, rte_cpu_to_be_16(wire_tci));
    ofs.l3 = static_cast<uint16_t>(ofs.l3 + kVlanSize);
    if (ofs.l4) ofs.l4 = static_cast<uint16_t>(ofs.l4 + kVlanSize);
    if (m->l2_len) m->l2_len += kVlanSize;
    key.vlans[1] = key.vlans[0];
    key.vlans[0] = {Be16::from_host(tpid), Be16::from_host(wire_tci | kVlanPresent)};
    return true;
}

bool pop_vlan(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs) {
    if (!(key.vlans[0].tci.host() & kVlanPresent)) return false;
    if (!fits(m, kEthAddrsSize + kVlanSize) || ofs.l3 < kEthAddrsSize + kVlanSize + 2) {
        return false;
    }
    uint8_t* p = bytes(m);
    std::memmove(p + kVlanSize, p, kEthAddrsSize);
    rte_pktmbuf_adj(m, kVlanSize);
    ofs.l3 = static_cast<uint16_t>(ofs.l3 - kVlanSize);
    if (ofs.l4) ofs.l4 = static_cast<uint16_t>(ofs.l4 - kVlanSize);
    if (m->l2_len >= kVlanSize) m->l2_len -= kVlanSize;
    key.vlans[0] = key.vlans[1];
    key.vlans[1] = {};
    // The key holds at most two tags: a third one, still on the wire, becomes the second.
    if ((key.vlans[0].tci.host() & kVlanPresent) && ofs.l3 >= 14 + 2 * kVlanSize) {
        p = bytes(m);
        key.vlans[1].tpid = Be16{load16(p + 16)};
        key.vlans[1].tci = Be16::from_host(rte_be_to_cpu_16(load16(p + 18)) | kVlanPresent);
    }
    return true;
}

bool set_ipv4_src(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, Be32 addr) {
    return set_ipv4_addr(m, key, ofs, addr, 12, key.nw_src);
}
bool set_ipv4_dst(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, Be32 addr) {
    return set_ipv4_addr(m, key, ofs, addr, 16, key.nw_dst);
}
bool set_ipv6_src(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const Ip6Addr& addr) {
    return set_ipv6_addr(m, key, ofs, addr, 8, key.ipv6_src);
}
bool set_ipv6_dst(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const Ip6Addr& addr) {
    return set_ipv6_addr(m, key, ofs, addr, 24, key.ipv6_dst);
}

bool set_dscp(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t dscp) {
    uint32_t size = ip_header_size(key);
    if (size == 0) return true;
    if (!fits(m, ofs.l3 + size)) return false;
    uint8_t* ip = bytes(m) + ofs.l3;
    if (is_ipv4(key)) {
        uint8_t tos = static_cast<uint8_t>((dscp << 2) | (ip[1] & 0x3));
        uint8_t word[2] = {ip[0], tos};  // version/IHL and TOS share a checksum word
        replace16(ip, load16(word), ip + 10);
        key.nw_tos = tos;
    } else {
        // Version(4) | traffic class(8) | flow label(20): the class straddles bytes 0 and 1.
        uint8_t tc = static_cast<uint8_t>(((ip[0] & 0x0f) << 4) | (ip[1] >> 4));
        tc = static_cast<uint8_t>((dscp << 2) | (tc & 0x3));
        ip[0] = static_cast<uint8_t>((ip[0] & 0xf0) | (tc >> 4));
        ip[1] = static_cast<uint8_t>((ip[1] & 0x0f) | ((tc & 0x0f) << 4));
        key.nw_tos = tc;
    }
    return true;
}

bool set_ttl(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t ttl) {
    uint32_t size = ip_header_size(key);
    if (size == 0) return true;
    if (!fits(m, ofs.l3 + size)) return false;
    write_ttl(m, key, ofs, is_ipv4(key), ttl);
    return true;
}

bool dec_ttl(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs) {
    uint32_t size = ip_header_size(key);
    if (size == 0) return true;
    if (!fits(m, ofs.l3 + size)) return false;
    bool v4 = is_ipv4(key);
    uint8_t ttl = bytes(m)[ofs.l3 + (v4 ? 8 : 7)];
    if (ttl <= 1) return false;
    write_ttl(m, key, ofs, v4, static_cast<uint8_t>(ttl - 1));
    return true;
}

bool set_tp_src(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t port) {
    return set_port(m, key, ofs, port, 0, key.tp_src);
}
bool set_tp_dst(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t port) {
    return set_port(m, key, ofs, port, 2, key.tp_dst);
}

bool set_ecn(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t ecn) {
    uint32_t size = ip_header_size(key);
    if (size == 0) return true;
    if (!fits(m, ofs.l3 + size)) return false;
    uint8_t* ip = bytes(m) + ofs.l3;
    ecn &= 0x3;
    if (is_ipv4(key)) {
        uint8_t tos = static_cast<uint8_t>((ip[1] & 0xfc) | ecn);
        uint8_t word[2] = {ip[0], tos};
        replace16(ip, load16(word), ip + 10);
        key.nw_tos = tos;
    } else {
        // The traffic class's ECN bits are bits 4-5 of byte 1.
        ip[1] = static_cast<uint8_t>((ip[1] & ~0x30) | (ecn << 4));
        key.nw_tos = static_cast<uint8_t>((key.nw_tos & 0xfc) | ecn);
    }
    return true;
}

bool set_ipv6_label(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint32_t label) {
    if (!is_ipv6(key)) return true;
    if (!fits(m, ofs.l3 + kIpv6Size)) return false;
    uint8_t* ip = bytes(m) + ofs.l3;
    label &= 0xfffff;
    ip[1] = static_cast<uint8_t>((ip[1] & 0xf0) | (label >> 16));
    ip[2] = static_cast<uint8_t>(label >> 8);
    ip[3] = static_cast<uint8_t>(label);
    key.ipv6_label = Be32::from_host(label);
    return true;
}

namespace {

// The ICMP header of an ICMPv4 or ICMPv6 packet, or nullptr (no-op) when there is none.
uint8_t* icmp_header(rte_mbuf* m, const FlowKey& key, const PacketOffsets& ofs, bool& short_hdr) {
    short_hdr = false;
    const bool icmp4 = is_ipv4(key) && key.nw_proto == kProtoIcmp;
    const bool icmp6 = is_ipv6(key) && key.nw_proto == kProtoIcmpv6;
    if ((!icmp4 && !icmp6) || !has_l4(key, ofs)) return nullptr;
    if (!fits(m, ofs.l4 + 4u)) {
        short_hdr = true;
        return nullptr;
    }
    return bytes(m) + ofs.l4;
}

// Type and code share the first 16-bit word of the ICMP header; the checksum (bytes 2-3) covers
// it in both versions (ICMPv6's pseudo-header does not change).
bool set_icmp_byte(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint32_t index, uint8_t value) {
    bool short_hdr = false;
    uint8_t* icmp = icmp_header(m, key, ofs, short_hdr);
    if (icmp == nullptr) return !short_hdr;
    uint8_t word[2] = {icmp[0], icmp[1]};
    word[index] = value;
    replace16(icmp, load16(word), icmp + 2);
    (index == 0 ? key.tp_src : key.tp_dst) = Be16::from_host(value);
    return true;
}

constexpr uint32_t kArpSize = 28;

uint8_t* arp_header(rte_mbuf* m, const FlowKey& key, const PacketOffsets& ofs, bool& short_hdr) {
    short_hdr = false;
    if (key.eth_type != Be16::from_host(0x0806) || !(key.layers & kLayerL3)) return nullptr;
    if (!fits(m, ofs.l3 + kArpSize)) {
        short_hdr = true;
        return nullptr;
    }
    return bytes(m) + ofs.l3;
}

// The ICMPv6 header of an ND message, or nullptr.
uint8_t* nd_header(rte_mbuf* m, const FlowKey& key, const PacketOffsets& ofs, bool& short_hdr) {
    short_hdr = false;
    if (!is_ipv6(key) || key.nw_proto != kProtoIcmpv6 || !has_l4(key, ofs)) return nullptr;
    const uint16_t type = key.tp_src.host();
    if (type != 135 && type != 136) return nullptr;
    if (!fits(m, ofs.l4 + 24u)) {
        short_hdr = true;
        return nullptr;
    }
    return bytes(m) + ofs.l4;
}

// Writes `size` (even) bytes at `field` inside an ICMPv6 message at `icmp`, fixing its checksum.
void icmp6_write(uint8_t* icmp, uint8_t* field, const void* data, uint32_t size) {
    store16(icmp + 2, csum_replace(load16(icmp + 2), field, data, size));
    std::memcpy(field, data, size);
}

// The 8-byte link-layer address option of `type` (1 source, 2 target) in the ND message at
// ofs.l4 (which ends at the IPv6 payload end or the segment end), or nullptr.
uint8_t* nd_option(rte_mbuf* m, const PacketOffsets& ofs, uint8_t type) {
    const uint8_t* ip = bytes(m) + ofs.l3;
    uint32_t end = ofs.l3 + kIpv6Size + rte_be_to_cpu_16(load16(ip + 4));
    if (end > rte_pktmbuf_data_len(m)) end = rte_pktmbuf_data_len(m);
    for (uint32_t off = ofs.l4 + 24u; off + 8 <= end;) {
        uint8_t* opt = bytes(m) + off;
        const uint32_t size = opt[1] * 8u;
        if (size == 0) return nullptr;
        if (opt[0] == type && size == 8) return opt;
        off += size;
    }
    return nullptr;
}

bool set_nd_lla(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac, uint8_t type,
                EthAddr& key_field) {
    bool short_hdr = false;
    uint8_t* icmp = nd_header(m, key, ofs, short_hdr);
    if (icmp == nullptr) return !short_hdr;
    uint8_t* opt = nd_option(m, ofs, type);
    if (opt == nullptr) return true;
    icmp6_write(icmp, opt + 2, mac.data(), 6);
    key_field = mac;
    return true;
}

}  // namespace

bool set_icmp_type(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t type) {
    return set_icmp_byte(m, key, ofs, 0, type);
}
bool set_icmp_code(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t code) {
    return set_icmp_byte(m, key, ofs, 1, code);
}

bool set_arp_op(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t op) {
    bool short_hdr = false;
    uint8_t* arp = arp_header(m, key, ofs, short_hdr);
    if (arp == nullptr) return !short_hdr;
    store16(arp + 6, rte_cpu_to_be_16(op));
    key.nw_proto = op <= 0xff ? static_cast<uint8_t>(op) : 0;  // as the parser keeps it
    return true;
}

bool set_arp_spa(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, Be32 addr) {
    bool short_hdr = false;
    uint8_t* arp = arp_header(m, key, ofs, short_hdr);
    if (arp == nullptr) return !short_hdr;
    std::memcpy(arp + 14, &addr.raw, 4);
    key.nw_src = addr;
    return true;
}

bool set_arp_tpa(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, Be32 addr) {
    bool short_hdr = false;
    uint8_t* arp = arp_header(m, key, ofs, short_hdr);
    if (arp == nullptr) return !short_hdr;
    std::memcpy(arp + 24, &addr.raw, 4);
    key.nw_dst = addr;
    return true;
}

bool set_arp_sha(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac) {
    bool short_hdr = false;
    uint8_t* arp = arp_header(m, key, ofs, short_hdr);
    if (arp == nullptr) return !short_hdr;
    std::memcpy(arp + 8, mac.data(), 6);
    key.arp_sha = mac;
    return true;
}

bool set_arp_tha(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac) {
    bool short_hdr = false;
    uint8_t* arp = arp_header(m, key, ofs, short_hdr);
    if (arp == nullptr) return !short_hdr;
    std::memcpy(arp + 18, mac.data(), 6);
    key.arp_tha = mac;
    return true;
}

bool set_nd_target(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const Ip6Addr& addr) {
    bool short_hdr = false;
    uint8_t* icmp = nd_header(m, key, ofs, short_hdr);
    if (icmp == nullptr) return !short_hdr;
    icmp6_write(icmp, icmp + 8, addr.data(), 16);
    key.nd_target = addr;
    return true;
}

bool set_nd_sll(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac) {
    return set_nd_lla(m, key, ofs, mac, 1, key.arp_sha);
}
bool set_nd_tll(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac) {
    return set_nd_lla(m, key, ofs, mac, 2, key.arp_tha);
}

uint32_t sctp_crc32c(const rte_mbuf* m, uint32_t off, uint32_t len) {
    uint32_t crc = 0xffffffff;
    for (const rte_mbuf* s = m; s != nullptr && len > 0; s = s->next) {
        uint32_t seg_len = s->data_len;
        if (off >= seg_len) {
            off -= seg_len;
            continue;
        }
        uint32_t n = seg_len - off < len ? seg_len - off : len;
        crc = crc32c_update(crc, rte_pktmbuf_mtod_offset(s, const uint8_t*, off), n);
        len -= n;
        off = 0;
    }
    return ~crc;
}

}  // namespace vs::edit
