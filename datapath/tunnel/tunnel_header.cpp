// VXLAN and Geneve header encode/decode over DPDK's header structs (rte_vxlan.h, rte_geneve.h).
#include "datapath/tunnel/tunnel_header.hpp"

#include <rte_byteorder.h>
#include <rte_geneve.h>
#include <rte_vxlan.h>

#include <cstring>

namespace vs {

namespace {

static_assert(sizeof(rte_vxlan_hdr) == kTunnelHeaderSize);
static_assert(sizeof(rte_geneve_hdr) == kTunnelHeaderSize);

// RFC 7348 section 5: the I flag says the VNI is valid; every other flag bit is reserved.
constexpr uint32_t kVxlanFlagI = 0x08000000;

void encode_vxlan(uint32_t vni, uint8_t* out) {
    rte_vxlan_hdr h{};
    h.vx_flags = rte_cpu_to_be_32(kVxlanFlagI);
    h.vx_vni = rte_cpu_to_be_32(vni << 8);
    std::memcpy(out, &h, sizeof h);
}

void encode_geneve(uint32_t vni, uint8_t* out) {
    rte_geneve_hdr h{};
    h.ver = 0;
    h.opt_len = 0;
    h.proto = rte_cpu_to_be_16(RTE_GENEVE_TYPE_ETH);
    h.vni[0] = static_cast<uint8_t>(vni >> 16);
    h.vni[1] = static_cast<uint8_t>(vni >> 8);
    h.vni[2] = static_cast<uint8_t>(vni);
    std::memcpy(out, &h, sizeof h);
}

TunnelDecodeStatus decode_vxlan(const uint8_t* data, size_t size, TunnelHeaderInfo& info) {
    if (size < sizeof(rte_vxlan_hdr) + kEthernetHeaderSize) return TunnelDecodeStatus::kShort;
    rte_vxlan_hdr h;
    std::memcpy(&h, data, sizeof h);
    if ((rte_be_to_cpu_32(h.vx_flags) & kVxlanFlagI) == 0) return TunnelDecodeStatus::kBadFlags;
    info.vni = rte_be_to_cpu_32(h.vx_vni) >> 8;
    info.header_size = sizeof h;
    return TunnelDecodeStatus::kOk;
}

TunnelDecodeStatus decode_geneve(const uint8_t* data, size_t size, TunnelHeaderInfo& info) {
    if (size < sizeof(rte_geneve_hdr) + kEthernetHeaderSize) return TunnelDecodeStatus::kShort;
    rte_geneve_hdr h;
    std::memcpy(&h, data, sizeof h);
    if (h.ver != 0) return TunnelDecodeStatus::kBadVersion;
    // Options come in 4-byte units; we understand none, so they are skipped (RFC 8926 3.5).
    const size_t header_size = sizeof h + size_t{h.opt_len} * 4;
    if (size < header_size + kEthernetHeaderSize) return TunnelDecodeStatus::kShort;
    if (rte_be_to_cpu_16(h.proto) != RTE_GENEVE_TYPE_ETH) return TunnelDecodeStatus::kBadProtocol;
    if (h.oam) return TunnelDecodeStatus::kOam;
    if (h.critical) return TunnelDecodeStatus::kCritical;
    info.vni = (uint32_t{h.vni[0]} << 16) | (uint32_t{h.vni[1]} << 8) | h.vni[2];
    info.header_size = static_cast<uint16_t>(header_size);
    return TunnelDecodeStatus::kOk;
}

}  // namespace

std::string_view to_string(TunnelType type) {
    return type == TunnelType::kVxlan ? "vxlan" : "geneve";
}

uint16_t default_dst_port(TunnelType type) {
    return type == TunnelType::kVxlan ? RTE_VXLAN_DEFAULT_PORT : RTE_GENEVE_DEFAULT_PORT;
}

void encode_tunnel_header(TunnelType type, uint32_t vni, uint8_t* out) {
    if (type == TunnelType::kVxlan) {
        encode_vxlan(vni & kMaxVni, out);
    } else {
        encode_geneve(vni & kMaxVni, out);
    }
}

TunnelDecodeStatus decode_tunnel_header(TunnelType type, const uint8_t* data, size_t size,
                                        TunnelHeaderInfo& info) {
    return type == TunnelType::kVxlan ? decode_vxlan(data, size, info)
                                      : decode_geneve(data, size, info);
}

std::string_view to_string(TunnelDecodeStatus status) {
    switch (status) {
        case TunnelDecodeStatus::kOk:
            return "ok";
        case TunnelDecodeStatus::kShort:
            return "short";
        case TunnelDecodeStatus::kBadFlags:
            return "bad_flags";
        case TunnelDecodeStatus::kBadVersion:
            return "bad_version";
        case TunnelDecodeStatus::kBadProtocol:
            return "bad_protocol";
        case TunnelDecodeStatus::kOam:
            return "oam";
        case TunnelDecodeStatus::kCritical:
            return "critical_option";
        case TunnelDecodeStatus::kCount:
            break;
    }
    return "?";
}

}  // namespace vs
