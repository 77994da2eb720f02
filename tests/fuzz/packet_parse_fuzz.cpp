// libFuzzer target for the packet parser: any byte string must parse without reading out of
// bounds, and the key, offsets, hash and text form must satisfy the parser's invariants.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "datapath/packet/flow_format.hpp"
#include "datapath/packet/flow_parse.hpp"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vs;
    const auto len = static_cast<uint32_t>(size > 0xffff ? 0xffff : size);
    FlowKey key;
    PacketOffsets ofs;
    const ParseStatus status = parse_flow(data, len, 5, key, ofs);

    check(key.in_port == 5);
    check((status == ParseStatus::kRunt) == (len < 14));
    const uint8_t layers = key.layers;
    if (status == ParseStatus::kRunt) {
        check(layers == 0 && ofs.l3 == 0 && ofs.l4 == 0);
        return 0;
    }
    check(layers == kLayerL2 || layers == (kLayerL2 | kLayerL3) ||
          layers == (kLayerL2 | kLayerL3 | kLayerL4));
    check(ofs.l3 >= 14 && ofs.l3 <= len);
    if (ofs.l4 != 0) check(ofs.l4 > ofs.l3 && ofs.l4 < len && (layers & kLayerL3) != 0);
    if ((layers & kLayerL4) != 0) check(ofs.l4 != 0);
    if ((layers & kLayerL4) == 0) check(key.tp_src.raw == 0 && key.tp_dst.raw == 0);
    if ((key.nw_frag & kFragLater) != 0) check((layers & kLayerL4) == 0);
    check(key.pad0 == 0);
    check((key.ipv6_exthdr & ~kIpv6ExtHdrMask) == 0);
    if (key.eth_type.host() != kEthTypeIpv6) check(key.ipv6_exthdr == 0);

    // Deterministic: a second parse and the hash agree.
    FlowKey again;
    PacketOffsets ofs2;
    check(parse_flow(data, len, 5, again, ofs2) == status);
    check(again == key && ofs2.l3 == ofs.l3 && ofs2.l4 == ofs.l4);
    check(flow_key_hash(again) == flow_key_hash(key));

    // The text form, plain and under a mask taken from the input's tail.
    check(!flow_key_to_string(key).empty());
    FlowMask mask = FlowMask::none();
    std::memcpy(static_cast<void*>(&mask), data + size - (size < 128 ? size : 128),
                size < 128 ? size : 128);
    flow_key_to_string(apply_mask(key, mask), &mask);
    return 0;
}
