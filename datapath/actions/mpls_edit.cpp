// MPLS header edits: push and pop of a label stack entry, its fields, its TTL, and the TTL copies
// between the top entry and what it carries. See packet_edit.hpp for the contract shared with the
// other edits. An MPLS packet's key holds its top label stack entry in nw_src (flow_key.hpp) and
// no inner fields; a pop that exposes a packet re-parses it, so later edits see its headers.
#include <rte_byteorder.h>

#include <cstring>

#include "datapath/actions/edit_util.hpp"
#include "datapath/actions/packet_edit.hpp"
#include "datapath/packet/flow_parse.hpp"

namespace vs::edit {

namespace {

constexpr uint32_t kLseSize = 4;
constexpr uint32_t kEthMinFrame = 60;  // without the FCS

bool is_mpls(const FlowKey& key) {
    const uint16_t t = key.eth_type.host();
    return (t == kEthTypeMpls || t == kEthTypeMplsMcast) && (key.layers & kLayerL3);
}

uint32_t load32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return rte_be_to_cpu_32(v);
}
void store32(uint8_t* p, uint32_t host) {
    const uint32_t v = rte_cpu_to_be_32(host);
    std::memcpy(p, &v, 4);
}

// Writes the top entry (host order) to the packet and the key.
void write_lse(rte_mbuf* m, FlowKey& key, const PacketOffsets& ofs, uint32_t lse) {
    store32(util::bytes(m) + ofs.l3, lse);
    key.nw_src = Be32::from_host(lse);
}

// Replaces bits `mask` of the top entry by `bits`; no-op on a packet without MPLS.
bool set_lse_bits(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint32_t mask, uint32_t bits) {
    if (!is_mpls(key)) return true;
    if (!util::fits(m, ofs.l3 + kLseSize)) return false;
    const uint32_t lse = load32(util::bytes(m) + ofs.l3);
    write_lse(m, key, ofs, (lse & ~mask) | (bits & mask));
    return true;
}

// What follows the top entry: 4 (IPv4), 6 (IPv6), 1 (another entry) or 0 (anything else).
int inner_kind(const rte_mbuf* m, const PacketOffsets& ofs, uint32_t lse) {
    if (!(lse & kMplsBos)) return util::fits(m, ofs.l3 + 2 * kLseSize) ? 1 : 0;
    const uint32_t inner = ofs.l3 + kLseSize;
    const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
    if (util::fits(m, inner + 20) && (p[inner] >> 4) == 4) return 4;
    if (util::fits(m, inner + 40) && (p[inner] >> 4) == 6) return 6;
    return 0;
}

}  // namespace

bool push_mpls(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t ethertype) {
    if (!util::fits(m, ofs.l3)) return false;
    uint32_t lse;
    if (is_mpls(key)) {
        lse = key.nw_src.host() & ~kMplsBos;  // the new entry copies the old top one
    } else {
        const uint16_t t = key.eth_type.host();
        const bool ip = (t == kEthTypeIpv4 || t == kEthTypeIpv6) && (key.layers & kLayerL3);
        lse = kMplsBos | (ip ? key.nw_ttl : 0);  // label 0, TC 0, TTL from IP
    }
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kLseSize));
    if (!p) return false;
    std::memmove(p, p + kLseSize, ofs.l3);
    util::store16(p + ofs.l3 - 2, rte_cpu_to_be_16(ethertype));
    if (m->l2_len) m->l2_len = ofs.l3;
    // The key becomes what the parser makes of an MPLS packet: L2 fields and the top entry.
    const FlowKey old = key;
    key.clear();
    key.tun_id = old.tun_id;
    key.tun_src = old.tun_src;
    key.tun_dst = old.tun_dst;
    key.in_port = old.in_port;
    key.eth_dst = old.eth_dst;
    key.eth_src = old.eth_src;
    std::memcpy(static_cast<void*>(key.vlans), old.vlans, sizeof key.vlans);
    key.eth_type = Be16::from_host(ethertype);
    key.layers = kLayerL2 | kLayerL3;
    ofs.l4 = 0;
    write_lse(m, key, ofs, lse);
    return true;
}

bool pop_mpls(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t ethertype) {
    if (!is_mpls(key)) return true;
    if (!util::fits(m, ofs.l3 + kLseSize) || ofs.l3 < 14) return false;
    uint8_t* p = util::bytes(m);
    util::store16(p + ofs.l3 - 2, rte_cpu_to_be_16(ethertype));
    std::memmove(p + kLseSize, p, ofs.l3);
    rte_pktmbuf_adj(m, kLseSize);
    // A frame the pop made shorter than Ethernet's minimum is padded with zeros, as a NIC pads on
    // transmit (virtual ports do not).
    if (rte_pktmbuf_pkt_len(m) < kEthMinFrame) {
        const uint32_t n = kEthMinFrame - rte_pktmbuf_pkt_len(m);
        if (char* pad = rte_pktmbuf_append(m, static_cast<uint16_t>(n))) std::memset(pad, 0, n);
    }
    // What the entry carried is now the packet: parse it for the edits that follow.
    const FlowKey old = key;
    (void)parse_flow_general(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m),
                             old.in_port, key, ofs);
    key.tun_id = old.tun_id;
    key.tun_src = old.tun_src;
    key.tun_dst = old.tun_dst;
    return true;
}

bool set_mpls_label(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint32_t label) {
    return set_lse_bits(m, key, ofs, kMplsLabelMask, label << kMplsLabelShift);
}
bool set_mpls_tc(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t tc) {
    return set_lse_bits(m, key, ofs, kMplsTcMask, uint32_t{tc} << kMplsTcShift);
}
bool set_mpls_bos(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t bos) {
    return set_lse_bits(m, key, ofs, kMplsBos, bos ? kMplsBos : 0);
}
bool set_mpls_ttl(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t ttl) {
    return set_lse_bits(m, key, ofs, kMplsTtlMask, ttl);
}

bool dec_mpls_ttl(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs) {
    if (!is_mpls(key)) return true;
    if (!util::fits(m, ofs.l3 + kLseSize)) return false;
    const uint32_t lse = load32(util::bytes(m) + ofs.l3);
    if ((lse & kMplsTtlMask) <= 1) return false;
    write_lse(m, key, ofs, lse - 1);
    return true;
}

bool copy_ttl_out(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs) {
    if (!is_mpls(key)) return true;
    if (!util::fits(m, ofs.l3 + kLseSize)) return false;
    const uint8_t* p = util::bytes(m);
    const uint32_t lse = load32(p + ofs.l3);
    const uint32_t inner = ofs.l3 + kLseSize;
    uint8_t ttl;
    switch (inner_kind(m, ofs, lse)) {
        case 1:
            ttl = p[inner + 3];
            break;
        case 4:
            ttl = p[inner + 8];
            break;
        case 6:
            ttl = p[inner + 7];
            break;
        default:
            return true;
    }
    write_lse(m, key, ofs, (lse & ~kMplsTtlMask) | ttl);
    return true;
}

bool copy_ttl_in(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs) {
    if (!is_mpls(key)) return true;
    if (!util::fits(m, ofs.l3 + kLseSize)) return false;
    uint8_t* p = util::bytes(m);
    const uint32_t lse = load32(p + ofs.l3);
    const auto ttl = static_cast<uint8_t>(lse & kMplsTtlMask);
    uint8_t* inner = p + ofs.l3 + kLseSize;
    switch (inner_kind(m, ofs, lse)) {
        case 1:
            inner[3] = ttl;
            break;
        case 4: {
            uint8_t word[2] = {ttl, inner[9]};  // TTL shares a checksum word with the protocol
            util::replace16(inner + 8, util::load16(word), inner + 10);
            break;
        }
        case 6:
            inner[7] = ttl;
            break;
        default:
            break;
    }
    return true;  // the key holds nothing of the inner headers
}

}  // namespace vs::edit
