// libFuzzer target for the tunnel header decoder: the first byte picks VXLAN or Geneve, the rest
// is a UDP payload. Decoding must never read past it, an accepted header must leave a whole
// Ethernet header behind it, and re-encoding the VNI must decode to the same VNI.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "datapath/tunnel/tunnel_header.hpp"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vs;
    if (size == 0) return 0;
    const TunnelType type = data[0] & 1 ? TunnelType::kGeneve : TunnelType::kVxlan;
    // A copy of exactly the payload, so reading past it is caught by ASan.
    const std::vector<uint8_t> payload(data + 1, data + size);
    TunnelHeaderInfo info;
    const TunnelDecodeStatus status =
        decode_tunnel_header(type, payload.data(), payload.size(), info);
    check(static_cast<int>(status) < kNumTunnelDecodeStatus);
    if (payload.size() < kTunnelHeaderSize + kEthernetHeaderSize) {
        check(status == TunnelDecodeStatus::kShort);
    }
    if (status != TunnelDecodeStatus::kOk) return 0;
    check(info.vni <= kMaxVni);
    check(info.header_size >= kTunnelHeaderSize);
    check(size_t{info.header_size} + kEthernetHeaderSize <= payload.size());
    check(type == TunnelType::kGeneve || info.header_size == kTunnelHeaderSize);

    std::vector<uint8_t> again(payload);
    encode_tunnel_header(type, info.vni, again.data());
    TunnelHeaderInfo info2;
    check(decode_tunnel_header(type, again.data(), again.size(), info2) == TunnelDecodeStatus::kOk);
    check(info2.vni == info.vni && info2.header_size == kTunnelHeaderSize);
    return 0;
}
