// Packet parser: turns the bytes of one Ethernet frame into a FlowKey and the header offsets.
// First stage of the PMD loop (parse → exact-match → megaflow → ...).
//
// Design: one straight-line function, no allocation, no exceptions, never reads past data+len.
// A frame that is cut or malformed inside some header yields kPartial and a key holding every
// field of the layers above that header (key.layers says which); unparsed fields stay zero, so a
// partial key is still a valid, deterministic lookup key. Thread: any (pure function).
#pragma once

#include <cstdint>

#include "datapath/packet/flow_key.hpp"

namespace vs {

enum class ParseStatus : uint8_t {
    kOk,       // every header the parser understands was complete and well formed
    kPartial,  // a header was truncated or malformed; the key stops at the deepest valid layer
    kRunt,     // shorter than an Ethernet header; the caller drops it
};

inline constexpr uint16_t kEthTypeIpv4 = 0x0800;
inline constexpr uint16_t kEthTypeArp = 0x0806;
inline constexpr uint16_t kEthTypeRarp = 0x8035;
inline constexpr uint16_t kEthTypeIpv6 = 0x86dd;
inline constexpr uint16_t kEthTypeMpls = 0x8847;
inline constexpr uint16_t kEthTypeMplsMcast = 0x8848;
inline constexpr uint16_t kEthTypePbb = 0x88e7;  // 802.1ah I-TAG
inline constexpr uint16_t kEthTypeVlan = 0x8100;
inline constexpr uint16_t kEthTypeQinQ = 0x88a8;
inline constexpr uint16_t kEthTypeQinQOld = 0x9100;
inline constexpr uint16_t kEthTypeMin = 0x0600;     // below: an 802.3 length field
inline constexpr uint16_t kEthTypeNotEth = 0x05ff;  // OVS's eth_type for 802.2 frames

inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr uint8_t kIpProtoIcmpv6 = 58;
inline constexpr uint8_t kIpProtoSctp = 132;

inline constexpr uint8_t kIcmpv6NdSolicit = 135;
inline constexpr uint8_t kIcmpv6NdAdvert = 136;

// Parses `len` bytes at `data` received on datapath port `in_port`. Clears `key` first.
// `ofs.l3` is the first byte after Ethernet and VLAN tags; `ofs.l4` is set (non-zero, < len)
// when the IP header and its extension headers are valid, the packet is not a later fragment and
// at least one byte follows them. kLayerL4 in key.layers says whether that L4 header parsed.
// The common case (untagged IPv4 without options or fragmentation, carrying TCP or UDP) takes a
// fast path that writes the key a word at a time; everything else goes through the general
// parser. Both give the same key, offsets and status (tested differentially).
ParseStatus parse_flow(const uint8_t* data, uint32_t len, uint32_t in_port, FlowKey& key,
                       PacketOffsets& ofs);
// The general parser alone (for tests and benchmarks of the fast path).
ParseStatus parse_flow_general(const uint8_t* data, uint32_t len, uint32_t in_port, FlowKey& key,
                               PacketOffsets& ofs);

// Hash of all 16 words of the key (CRC32-C), used to index the exact-match cache.
uint32_t flow_key_hash(const FlowKey& key);

}  // namespace vs
