// Test helpers for the action tests: a frame builder (Ethernet, VLAN tags, IPv4/IPv6, TCP, UDP,
// SCTP, ICMPv6) that fills PacketMeta by hand, and checksums recomputed from scratch so that the
// edits' incremental updates can be checked against them. Independent of the packet parser.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "datapath/packet/packet_meta.hpp"
#include "tests/support/test_eal.hpp"

namespace vs::test {

inline constexpr uint8_t kTcp = 6, kUdp = 17, kSctp = 132, kIcmpv6 = 58, kIcmp = 1;

struct PacketSpec {
    EthAddr eth_dst{0x02, 0, 0, 0, 0, 0x02};
    EthAddr eth_src{0x02, 0, 0, 0, 0, 0x01};
    std::vector<std::pair<uint16_t, uint16_t>> vlans;  // (tpid, tci on the wire), outermost first
    bool v6 = false;
    bool ip = true;  // false: an ARP-like frame (eth_type 0x0806, 28 zero bytes)
    uint8_t proto = kTcp;
    uint32_t src4 = 0x0a000001, dst4 = 0x0a000002;  // host order
    Ip6Addr src6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    Ip6Addr dst6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    uint16_t sport = 1234, dport = 80;
    uint8_t ttl = 64, tos = 0;
    size_t payload = 16;
    bool udp_zero_csum = false;
    bool later_fragment = false;  // IPv4 only: fragment offset != 0, no L4 header
    size_t pad_to = 0;            // Ethernet padding (bytes not covered by the IP length)
    uint32_t in_port = 1;
};

inline uint32_t sum16(const uint8_t* p, size_t n, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += static_cast<uint32_t>(p[n - 1] << 8);
    return sum;
}
inline uint16_t fold_not(uint32_t sum) {
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}
inline uint16_t get16(const std::vector<uint8_t>& b, size_t off) {
    return static_cast<uint16_t>(b[off] << 8 | b[off + 1]);
}
inline void put16(std::vector<uint8_t>& b, size_t off, uint16_t v) {
    b[off] = static_cast<uint8_t>(v >> 8);
    b[off + 1] = static_cast<uint8_t>(v);
}

// Bitwise CRC32c (Castagnoli, reflected polynomial 0x82f63b78), init ~0, final xor.
inline uint32_t crc32c_ref(const uint8_t* p, size_t n) {
    uint32_t crc = 0xffffffff;
    for (size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0x82f63b78 & (0u - (crc & 1)));
    }
    return ~crc;
}

inline size_t l3_of(const std::vector<uint8_t>& b) {
    size_t off = 12;
    while (get16(b, off) == 0x8100 || get16(b, off) == 0x88a8)
        off += 4;
    return off + 2;
}

// IPv4 header checksum computed from scratch (field taken as zero).
inline uint16_t ipv4_csum(std::vector<uint8_t> b, size_t l3) {
    size_t ihl = (b[l3] & 0xf) * 4u;
    put16(b, l3 + 10, 0);
    return fold_not(sum16(&b[l3], ihl));
}

// TCP/UDP/ICMPv6 checksum from scratch over pseudo-header + segment (field taken as zero).
inline uint16_t l4_csum(std::vector<uint8_t> b, size_t l3, size_t l4, bool v6, uint8_t proto) {
    size_t csum_off = proto == kTcp ? 16 : proto == kUdp ? 6 : 2;
    size_t ip_end = v6 ? l3 + 40 + get16(b, l3 + 4) : l3 + get16(b, l3 + 2);
    size_t len = ip_end - l4;
    put16(b, l4 + csum_off, 0);
    uint32_t s = v6 ? sum16(&b[l3 + 8], 32) : sum16(&b[l3 + 12], 8);
    s += proto + static_cast<uint32_t>(len);
    s = sum16(&b[l4], len, s);
    uint16_t c = fold_not(s);
    if (proto == kUdp && c == 0) c = 0xffff;
    return c;
}

inline uint32_t sctp_csum(const std::vector<uint8_t>& b, size_t l3, size_t l4, bool v6) {
    std::vector<uint8_t> c = b;
    size_t ip_end = v6 ? l3 + 40 + get16(b, l3 + 4) : l3 + get16(b, l3 + 2);
    std::memset(&c[l4 + 8], 0, 4);
    return crc32c_ref(&c[l4], ip_end - l4);
}
inline uint32_t sctp_stored(const std::vector<uint8_t>& b, size_t l4) {
    return b[l4 + 8] | b[l4 + 9] << 8 | b[l4 + 10] << 16 | static_cast<uint32_t>(b[l4 + 11]) << 24;
}

inline size_t l4_header_size(uint8_t proto) {
    return proto == kTcp ? 20 : proto == kUdp ? 8 : proto == kSctp ? 12 : 4;
}

// The frame, with every checksum correct.
inline std::vector<uint8_t> build_frame(const PacketSpec& s, size_t* l3_out = nullptr,
                                        size_t* l4_out = nullptr) {
    std::vector<uint8_t> b(s.eth_dst.begin(), s.eth_dst.end());
    b.insert(b.end(), s.eth_src.begin(), s.eth_src.end());
    for (auto [tpid, tci] : s.vlans) {
        b.resize(b.size() + 4);
        put16(b, b.size() - 4, tpid);
        put16(b, b.size() - 2, tci);
    }
    b.resize(b.size() + 2);
    put16(b, b.size() - 2, !s.ip ? 0x0806 : s.v6 ? 0x86dd : 0x0800);
    size_t l3 = b.size();
    if (!s.ip) {
        b.resize(b.size() + 28, 0);
        if (l3_out) *l3_out = l3;
        return b;
    }
    size_t ip_size = s.v6 ? 40 : 20;
    size_t l4_size = s.later_fragment ? 0 : l4_header_size(s.proto);
    b.resize(l3 + ip_size + l4_size + s.payload, 0);
    size_t l4 = l3 + ip_size;
    for (size_t i = l4 + l4_size; i < b.size(); ++i)
        b[i] = static_cast<uint8_t>((i - l4) * 7 + 3);  // independent of the L2 header size
    size_t l4_len = l4_size + s.payload;
    if (s.v6) {
        b[l3] = static_cast<uint8_t>(0x60 | s.tos >> 4);
        b[l3 + 1] = static_cast<uint8_t>((s.tos & 0xf) << 4 | 0x0a);  // flow label bits
        b[l3 + 3] = 0x5c;
        put16(b, l3 + 4, static_cast<uint16_t>(l4_len));
        b[l3 + 6] = s.proto;
        b[l3 + 7] = s.ttl;
        std::memcpy(&b[l3 + 8], s.src6.data(), 16);
        std::memcpy(&b[l3 + 24], s.dst6.data(), 16);
    } else {
        b[l3] = 0x45;
        b[l3 + 1] = s.tos;
        put16(b, l3 + 2, static_cast<uint16_t>(20 + l4_len));
        put16(b, l3 + 4, 0x1234);
        put16(b, l3 + 6, s.later_fragment ? 0x00b9 : 0x4000);
        b[l3 + 8] = s.ttl;
        b[l3 + 9] = s.proto;
        for (int i = 0; i < 4; ++i)
            b[l3 + 12 + i] = static_cast<uint8_t>(s.src4 >> (24 - 8 * i));
        for (int i = 0; i < 4; ++i)
            b[l3 + 16 + i] = static_cast<uint8_t>(s.dst4 >> (24 - 8 * i));
        put16(b, l3 + 10, ipv4_csum(b, l3));
    }
    if (!s.later_fragment) {
        if (s.proto == kTcp || s.proto == kUdp || s.proto == kSctp) {
            put16(b, l4, s.sport);
            put16(b, l4 + 2, s.dport);
        }
        if (s.proto == kTcp) b[l4 + 12] = 0x50;
        if (s.proto == kUdp) put16(b, l4 + 4, static_cast<uint16_t>(l4_len));
        if (s.proto == kIcmpv6 || s.proto == kIcmp) b[l4] = 128;  // echo request
        if (s.proto == kSctp) {
            uint32_t c = sctp_csum(b, l3, l4, s.v6);
            for (int i = 0; i < 4; ++i)
                b[l4 + 8 + i] = static_cast<uint8_t>(c >> (8 * i));
        } else if (s.proto != kIcmp && !(s.proto == kUdp && s.udp_zero_csum)) {
            size_t off = s.proto == kTcp ? 16 : s.proto == kUdp ? 6 : 2;
            put16(b, l4 + off, l4_csum(b, l3, l4, s.v6, s.proto));
        }
    }
    for (size_t i = b.size(); i < s.pad_to; ++i)
        b.push_back(0xee);
    if (l3_out) *l3_out = l3;
    if (l4_out) *l4_out = s.later_fragment ? 0 : l4;
    return b;
}

// What the parser would put in PacketMeta for this frame.
inline void fill_meta(rte_mbuf* m, const PacketSpec& s) {
    PacketMeta* meta = packet_meta(m);
    std::memset(static_cast<void*>(meta), 0, sizeof(*meta));
    FlowKey& k = meta->key;
    size_t l3 = 0, l4 = 0;
    build_frame(s, &l3, &l4);
    k.in_port = s.in_port;
    k.eth_dst = s.eth_dst;
    k.eth_src = s.eth_src;
    for (size_t i = 0; i < s.vlans.size() && i < kMaxVlans; ++i) {
        k.vlans[i].tpid = Be16::from_host(s.vlans[i].first);
        k.vlans[i].tci = Be16::from_host(s.vlans[i].second | kVlanPresent);
    }
    k.eth_type = Be16::from_host(!s.ip ? 0x0806 : s.v6 ? 0x86dd : 0x0800);
    k.layers = kLayerL2;
    meta->ofs.l3 = static_cast<uint16_t>(l3);
    if (!s.ip) return;
    k.layers |= kLayerL3;
    k.nw_proto = s.proto;
    k.nw_tos = s.tos;
    k.nw_ttl = s.ttl;
    if (s.v6) {
        k.ipv6_src = s.src6;
        k.ipv6_dst = s.dst6;
    } else {
        k.nw_src = Be32::from_host(s.src4);
        k.nw_dst = Be32::from_host(s.dst4);
    }
    if (s.later_fragment) {
        k.nw_frag = kFragAny | kFragLater;
        return;
    }
    k.layers |= kLayerL4;
    meta->ofs.l4 = static_cast<uint16_t>(l4);
    if (s.proto == kTcp || s.proto == kUdp || s.proto == kSctp) {
        k.tp_src = Be16::from_host(s.sport);
        k.tp_dst = Be16::from_host(s.dport);
    }
}

inline rte_mbuf* make_packet(const PacketSpec& s) {
    rte_mbuf* m = make_mbuf(build_frame(s));
    fill_meta(m, s);
    return m;
}

}  // namespace vs::test
