// Per-packet header edits behind the datapath's set-field, VLAN and TTL actions. Each edit changes
// the frame in place, fixes every checksum it affects incrementally (RFC 1624) and updates the
// packet's FlowKey and PacketOffsets so that a later action sees the edited packet.
//
// Thread: whichever thread owns the mbuf exclusively (refcnt 1), normally its PMD thread.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "datapath/packet/flow_key.hpp"

// Contract shared by every function here:
//  - `key` and `ofs` describe `m` as the parser left them (key.layers, eth_type, nw_proto,
//    nw_frag, vlans; ofs.l3/l4); all headers an edit touches are in the first segment.
//  - Returns false when the edit cannot be applied (pop of a missing tag, no headroom for a push,
//    headers shorter than the key claims, TTL that would reach 0): the executor then drops the
//    packet with DropReason::kActionFailed.
//  - A set-field for a header the packet does not have (set IPv4 on ARP, set port on ICMP or on a
//    later fragment, set VID without a tag, dec TTL on non-IP) is a no-op that returns true, as in
//    Open vSwitch; megaflows normally match on the protocol so this rarely happens.
//  - Checksums are treated as full software checksums, even when m->ol_flags asks for offload.
//  - No allocation, no locks, no exceptions.
namespace vs::edit {

bool set_eth_src(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac);
bool set_eth_dst(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac);

// On the outermost tag only; no-op without a tag.
bool set_vlan_vid(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t vid);
bool set_vlan_pcp(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t pcp);
// Inserts a tag (tpid, tci with DEI cleared) after the MAC addresses using the mbuf's headroom;
// the new tag becomes key.vlans[0]. False when there is no headroom.
bool push_vlan(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t tpid, uint16_t tci);
// Removes the outermost tag; false when the packet has none.
bool pop_vlan(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs);

bool set_ipv4_src(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, Be32 addr);
bool set_ipv4_dst(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, Be32 addr);
bool set_ipv6_src(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const Ip6Addr& addr);
bool set_ipv6_dst(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const Ip6Addr& addr);

// 6-bit DSCP into the IPv4 TOS / IPv6 traffic class, keeping the ECN bits.
bool set_dscp(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t dscp);
// IPv4 TTL / IPv6 hop limit.
bool set_ttl(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t ttl);
// False when the TTL is <= 1 (the packet must be dropped instead of forwarded).
bool dec_ttl(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs);

// TCP, UDP or SCTP port (host order). SCTP's CRC32c is recomputed over the whole SCTP packet;
// SCTP in an IP fragment is left alone (its CRC cannot be recomputed from one fragment).
bool set_tp_src(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t port);
bool set_tp_dst(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t port);

// 2-bit ECN into the IPv4 TOS / IPv6 traffic class, keeping the DSCP bits.
bool set_ecn(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t ecn);
// IPv6 flow label (low 20 bits of `label`); no-op on IPv4.
bool set_ipv6_label(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint32_t label);
// ICMPv4 or ICMPv6 type / code (key.tp_src / key.tp_dst), fixing the ICMP checksum.
bool set_icmp_type(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t type);
bool set_icmp_code(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t code);

// ARP (Ethernet/IPv4 ARP only, as parsed) opcode, sender/target protocol and hardware
// addresses; no-op on anything else.
bool set_arp_op(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t op);
bool set_arp_spa(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, Be32 addr);
bool set_arp_tpa(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, Be32 addr);
bool set_arp_sha(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac);
bool set_arp_tha(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac);

// IPv6 Neighbor Discovery (solicitation 135 / advertisement 136): the target address and the
// source / target link-layer address options, fixing the ICMPv6 checksum. A missing option is not
// added (no-op), as in Open vSwitch.
bool set_nd_target(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const Ip6Addr& addr);
bool set_nd_sll(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac);
bool set_nd_tll(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, const EthAddr& mac);

// MPLS (mpls_edit.cpp). The key of an MPLS packet holds its top label stack entry in nw_src.
// Push inserts an entry after the Ethernet header and VLAN tags: a copy of the current top entry
// with BoS cleared, or label 0, TC 0, BoS 1 and the IP TTL (0 for non-IP); the key becomes that of
// an MPLS packet. Pop removes the top entry, writes `eth_type`, pads a frame left shorter than
// 60 bytes with zeros and re-parses the packet, so edits after it see what the entry carried
// (no-op without MPLS).
bool push_mpls(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t eth_type);
bool pop_mpls(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t eth_type);
bool set_mpls_label(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint32_t label);
bool set_mpls_tc(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t tc);
bool set_mpls_bos(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t bos);
bool set_mpls_ttl(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint8_t ttl);
// False when the MPLS TTL is <= 1.
bool dec_mpls_ttl(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs);
// TTL between the top entry and the next-to-outermost header: the next entry, or the IPv4/IPv6
// header after the bottom of the stack (told apart by its version nibble); no-op otherwise.
bool copy_ttl_out(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs);
bool copy_ttl_in(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs);

// PBB (pbb_edit.cpp). Push puts a backbone Ethernet header (addresses copied from the frame's,
// `eth_type`, an I-TAG of zeros) before the whole frame; pop removes everything up to and
// including the I-TAG (padding a frame left under 60 bytes) and re-parses the customer frame.
// The key of a PBB frame holds its I-TAG in nw_src.
bool push_pbb(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint16_t eth_type);
bool pop_pbb(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs);
bool set_pbb_isid(rte_mbuf* m, FlowKey& key, PacketOffsets& ofs, uint32_t isid);

// SCTP checksum (CRC32c, init 0xffffffff, final xor) of `len` bytes of the mbuf chain from byte
// `off`, in host order; the caller stores it little-endian. Exposed for tests.
uint32_t sctp_crc32c(const rte_mbuf* m, uint32_t off, uint32_t len);

}  // namespace vs::edit
