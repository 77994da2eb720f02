// PBB (IEEE 802.1ah) edits: push and pop of the backbone Ethernet header with its I-TAG, and the
// I-SID set-field. See packet_edit.hpp for the contract shared with the other edits. A PBB frame's
// key holds its I-TAG in nw_src (flow_key.hpp); a pop leaves the customer frame, re-parsed.
#include <rte_byteorder.h>

#include <cstring>

#include "datapath/actions/edit_util.hpp"
#include "datapath/actions/packet_edit.hpp"
#include "datapath/packet/flow_parse.hpp"

namespace vs::edit {

namespace {

constexpr uint32_t kItagSize = 4;
constexpr uint32_t kEthMinFrame = 60;  // without the FCS

bool is_pbb(const FlowKey& key) {
    return key.eth_type.host() == kEthTypePbb && (key.layers & kLayerL3);
}

// Parses the frame again into key/ofs, keeping the tunnel metadata.
void reparse(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs) {
    const FlowKey old = key;
    (void)parse_flow_general(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m),
                             old.in_port, key, ofs);
    key.tun_id = old.tun_id;
    key.tun_src = old.tun_src;
    key.tun_dst = old.tun_dst;
}

}  // namespace

bool push_pbb(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t eth_type) {
    constexpr uint32_t kAdd = 12 + 2 + kItagSize;  // B-DA, B-SA, type, I-TAG
    if (!util::fits(m, 12)) return false;
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kAdd));
    if (!p) return false;
    std::memcpy(p, p + kAdd, 12);  // the backbone addresses start as the customer's
    util::store16(p + 12, rte_cpu_to_be_16(eth_type));
    std::memset(p + 14, 0, kItagSize);  // PCP 0, DEI 0, UCA 0, I-SID 0
    if (m->l2_len) m->l2_len = 14 + kItagSize;
    reparse(m, key, ofs);
    return true;
}

bool pop_pbb(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs) {
    if (!is_pbb(key)) return true;
    const uint32_t cut = ofs.l3 + kItagSize;  // backbone header, B-TAGs and I-TAG
    if (!util::fits(m, cut + 14)) return false;
    rte_pktmbuf_adj(m, static_cast<uint16_t>(cut));
    if (rte_pktmbuf_pkt_len(m) < kEthMinFrame) {
        const uint32_t n = kEthMinFrame - rte_pktmbuf_pkt_len(m);
        if (char* pad = rte_pktmbuf_append(m, static_cast<uint16_t>(n))) std::memset(pad, 0, n);
    }
    if (m->l2_len) m->l2_len = 14;
    reparse(m, key, ofs);
    return true;
}

bool set_pbb_isid(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint32_t isid) {
    if (!is_pbb(key)) return true;
    if (!util::fits(m, ofs.l3 + kItagSize)) return false;
    uint8_t* tag = util::bytes(m) + ofs.l3;
    tag[1] = static_cast<uint8_t>(isid >> 16);
    tag[2] = static_cast<uint8_t>(isid >> 8);
    tag[3] = static_cast<uint8_t>(isid);
    key.nw_src = Be32::from_host((key.nw_src.host() & ~kPbbIsidMask) | (isid & kPbbIsidMask));
    return true;
}

}  // namespace vs::edit
