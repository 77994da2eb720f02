// Tunnel headers: the VXLAN (RFC 7348) and Geneve (RFC 8926) headers that follow the outer UDP
// header, encoded and decoded as pure functions over bytes (no sockets, no mbufs), so they are
// unit tested and fuzzed on their own. Thread: any (no state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vs {

enum class TunnelType : uint8_t { kVxlan, kGeneve };

inline constexpr uint32_t kMaxVni = (1u << 24) - 1;
// Both headers are 8 bytes without Geneve options; we never send options.
inline constexpr size_t kTunnelHeaderSize = 8;
inline constexpr size_t kEthernetHeaderSize = 14;

std::string_view to_string(TunnelType type);
uint16_t default_dst_port(TunnelType type);

// Writes the header for `vni` (at most kMaxVni) into out[0..kTunnelHeaderSize).
void encode_tunnel_header(TunnelType type, uint32_t vni, uint8_t* out);

// Why a datagram was not accepted; kOk when it was.
enum class TunnelDecodeStatus : uint8_t {
    kOk,
    kShort,        // shorter than the header (with its options) plus an Ethernet header
    kBadFlags,     // VXLAN without the I flag
    kBadVersion,   // Geneve version other than 0
    kBadProtocol,  // Geneve payload other than Ethernet (0x6558)
    kOam,          // Geneve control (O bit) packet: not for the bridge
    kCritical,     // Geneve critical options (C bit) we do not understand: must drop
    kCount,
};
inline constexpr int kNumTunnelDecodeStatus = static_cast<int>(TunnelDecodeStatus::kCount);
std::string_view to_string(TunnelDecodeStatus status);

struct TunnelHeaderInfo {
    uint32_t vni = 0;
    uint16_t header_size = 0;  // bytes before the inner Ethernet frame (Geneve options included)
};

// Validates the header at the start of a UDP payload of `size` bytes; on kOk fills `info`.
// Reserved fields are ignored on receipt, as both RFCs ask.
TunnelDecodeStatus decode_tunnel_header(TunnelType type, const uint8_t* data, size_t size,
                                        TunnelHeaderInfo& info);

}  // namespace vs
