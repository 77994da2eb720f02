// FlowKey: the dense, fixed-layout flow key every packet is parsed into, and the mask type that
// says which of its bits a megaflow looks at. Sits between the parser (which fills it) and the
// caches and classifier (which hash and compare it 64 bits at a time).
//
// Layout rules: 128 bytes = 16 words of 64 bits, fields grouped so that a typical mask touches
// few words; every byte not named is padding that the parser leaves zero. Conventions follow Open
// vSwitch: ARP reuses nw_src/nw_dst (spa/tpa), nw_proto (opcode, low byte) and arp_sha/arp_tha;
// ICMPv4/ICMPv6 put type and code in tp_src/tp_dst; ND puts the target in nd_target and the
// source/target link-layer options in arp_sha/arp_tha. A VLAN tag's tci has kVlanPresent (the CFI
// bit) set when the tag exists, so "untagged" and "VID 0" differ. MPLS (eth_type 0x8847/0x8848)
// puts the top label stack entry in nw_src (host value label<<12 | tc<<9 | bos<<8 | ttl, kept in
// wire order) and nothing of what the stack carries; PBB (eth_type 0x88e7) puts its I-TAG there
// (PCP, DEI, UCA, I-SID in the low 24 bits) and nothing of the customer frame. IPv6 keeps
// OpenFlow's extension header flags (Ipv6ExtHdrBits) in ipv6_exthdr, zero for any other packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base/byte_order.hpp"

namespace vs {

using EthAddr = std::array<uint8_t, 6>;
using Ip6Addr = std::array<uint8_t, 16>;

struct VlanTag {
    Be16 tpid;  // 0x8100 or 0x88a8 as seen on the wire
    Be16 tci;   // PCP(3) | present(1) | VID(12)
};

inline constexpr uint16_t kVlanPresent = 0x1000;
inline constexpr uint16_t kVlanVidMask = 0x0fff;
inline constexpr uint16_t kVlanPcpMask = 0xe000;
inline constexpr int kMaxVlans = 2;

// The top MPLS label stack entry, as held in nw_src (host order).
inline constexpr uint32_t kMplsLabelMask = 0xfffff000;
inline constexpr uint32_t kMplsLabelShift = 12;
inline constexpr uint32_t kMplsTcMask = 0x00000e00;
inline constexpr uint32_t kMplsTcShift = 9;
inline constexpr uint32_t kMplsBos = 0x00000100;
inline constexpr uint32_t kMplsTtlMask = 0x000000ff;

// The I-SID in a PBB I-TAG, as held in nw_src (host order).
inline constexpr uint32_t kPbbIsidMask = 0x00ffffff;

// nw_frag bits.
inline constexpr uint8_t kFragAny = 0x01;    // a fragment of any kind
inline constexpr uint8_t kFragLater = 0x02;  // not the first fragment (no L4 header)

// ipv6_exthdr bits: OpenFlow 1.3's IPV6_EXTHDR pseudo-field (ofp_ipv6exthdr_flags), computed
// while walking the extension header chain. UNREP: a header type seen again (only Destination
// Options may appear twice, once before a Routing header and once at the end); UNSEQ: the chain
// is not in RFC 2460's recommended order (Hop-by-Hop, Destination, Routing, Fragment, AH, ESP,
// Destination).
enum Ipv6ExtHdrBits : uint16_t {
    kIpv6ExtNoNext = 1 << 0,  // No Next Header (59) reached
    kIpv6ExtEsp = 1 << 1,
    kIpv6ExtAuth = 1 << 2,
    kIpv6ExtDest = 1 << 3,  // one or two Destination Options headers
    kIpv6ExtFrag = 1 << 4,
    kIpv6ExtRouter = 1 << 5,
    kIpv6ExtHop = 1 << 6,
    kIpv6ExtUnrep = 1 << 7,
    kIpv6ExtUnseq = 1 << 8,
};
inline constexpr uint16_t kIpv6ExtHdrMask = 0x1ff;

// Which layers parsed validly; lets consumers tell a missing header from a zero-valued one.
enum LayerBits : uint8_t {
    kLayerL2 = 1 << 0,
    kLayerL3 = 1 << 1,
    kLayerL4 = 1 << 2,
};

// Keys are filled field by field and hashed, masked and compared 64 bits at a time; word access
// goes through this may_alias type so the compiler does not reorder it across field writes.
typedef uint64_t __attribute__((__may_alias__)) FlowKeyWord;

struct alignas(64) FlowKey {
    // w0-1: tunnel metadata (filled by tunnel pop; zero otherwise).
    uint64_t tun_id;
    Be32 tun_src;
    Be32 tun_dst;
    // w2
    uint32_t in_port;  // datapath port number
    Be16 eth_type;     // innermost Ethernet type (after VLAN tags); 0x05ff for 802.2 frames
    uint8_t layers;    // LayerBits: how deep the packet parsed validly
    uint8_t pad0;
    // w3-5
    EthAddr eth_dst;
    EthAddr eth_src;
    VlanTag vlans[kMaxVlans];  // vlans[0] is the outermost
    Be32 ipv6_label;           // low 20 bits
    // w6
    Be32 nw_src;  // IPv4 source, ARP spa
    Be32 nw_dst;  // IPv4 destination, ARP tpa
    // w7
    uint8_t nw_proto;  // IP protocol / IPv6 final next header / ARP opcode
    uint8_t nw_tos;    // DSCP << 2 | ECN (IPv4 TOS, IPv6 traffic class)
    uint8_t nw_ttl;    // TTL / hop limit
    uint8_t nw_frag;   // kFragAny | kFragLater
    Be16 tp_src;       // L4 source port, ICMP type
    Be16 tp_dst;       // L4 destination port, ICMP code
    // w8-9
    Be16 tcp_flags;        // low 12 bits
    EthAddr arp_sha;       // ARP sha, ND source link-layer address
    EthAddr arp_tha;       // ARP tha, ND target link-layer address
    uint16_t ipv6_exthdr;  // Ipv6ExtHdrBits of the extension header chain (host order)
    // w10-15
    Ip6Addr ipv6_src;
    Ip6Addr ipv6_dst;
    Ip6Addr nd_target;

    static constexpr size_t kWords = 16;
    const FlowKeyWord* words() const { return reinterpret_cast<const FlowKeyWord*>(this); }
    FlowKeyWord* words() { return reinterpret_cast<FlowKeyWord*>(this); }

    void clear() { std::memset(static_cast<void*>(this), 0, sizeof(*this)); }
    // Branch-free and inlined (a memcmp call costs more than the compare on the fast path).
    friend bool operator==(const FlowKey& a, const FlowKey& b) {
        uint64_t diff = 0;
        for (size_t i = 0; i < kWords; ++i)
            diff |= a.words()[i] ^ b.words()[i];
        return diff == 0;
    }
};

static_assert(sizeof(FlowKey) == 128, "FlowKey must stay two cache lines");
static_assert(offsetof(FlowKey, in_port) == 16);
static_assert(offsetof(FlowKey, eth_dst) == 24);
static_assert(offsetof(FlowKey, nw_src) == 48);
static_assert(offsetof(FlowKey, nw_proto) == 56);
static_assert(offsetof(FlowKey, tcp_flags) == 64);
static_assert(offsetof(FlowKey, ipv6_exthdr) == 78);
static_assert(offsetof(FlowKey, ipv6_src) == 80);
static_assert(offsetof(FlowKey, nd_target) == 112);

// A mask has the same layout: a 1 bit means "this bit of the key matters".
struct FlowMask : FlowKey {
    static FlowMask exact() {
        FlowMask m;
        std::memset(static_cast<void*>(&m), 0xff, sizeof(m));
        return m;
    }
    static FlowMask none() {
        FlowMask m;
        m.clear();
        return m;
    }
};
static_assert(sizeof(FlowMask) == sizeof(FlowKey));

// A 64-bit hash of a key's (or mask's) words, chained through `seed`: for the control thread's
// maps keyed by whole keys (the PMD path hashes with CRC32, flow_key_hash).
inline uint64_t key_words_hash64(const FlowKey& key, uint64_t seed) {
    uint64_t h = seed;
    for (size_t w = 0; w < FlowKey::kWords; ++w) {
        h = (h ^ key.words()[w]) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h;
}

// key & mask, word by word: the normal form stored in a megaflow.
inline FlowKey apply_mask(const FlowKey& key, const FlowMask& mask) {
    FlowKey out;
    for (size_t i = 0; i < FlowKey::kWords; ++i)
        out.words()[i] = key.words()[i] & mask.words()[i];
    return out;
}

// Byte offsets of the headers inside the frame, found by the parser and used by actions.
struct PacketOffsets {
    uint16_t l3 = 0;  // first byte after the Ethernet header and VLAN tags
    uint16_t l4 = 0;  // first byte of the L4 header (after IPv6 extension headers); 0 if none
};

}  // namespace vs
