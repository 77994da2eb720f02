// Small helpers shared by the header edits (packet_edit.cpp, mpls_edit.cpp): bounds checks on the
// first segment, unaligned 16-bit access and the incremental one's-complement checksum update of
// RFC 1624 (eqn. 3). Internal to datapath/actions. Thread: any; no allocation.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>

namespace vs::edit::util {

inline uint8_t* bytes(rte_mbuf* m) {
    return rte_pktmbuf_mtod(m, uint8_t*);
}
inline bool fits(const rte_mbuf* m, uint32_t end) {
    return end <= rte_pktmbuf_data_len(m);
}

inline uint16_t load16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}
inline void store16(uint8_t* p, uint16_t v) {
    std::memcpy(p, &v, 2);
}

// HC' = ~(~HC + ~m + m') over `size` bytes (even) of old and new data, all in wire order: a
// one's-complement sum does not depend on byte order as long as every term uses the same one.
inline uint16_t csum_replace(uint16_t hc, const void* old_data, const void* new_data,
                             uint32_t size) {
    const auto* o = static_cast<const uint8_t*>(old_data);
    const auto* n = static_cast<const uint8_t*>(new_data);
    uint32_t sum = static_cast<uint16_t>(~hc);
    for (uint32_t i = 0; i < size; i += 2) {
        sum += static_cast<uint16_t>(~load16(o + i));
        sum += load16(n + i);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

// Replaces one 16-bit checksum-covered word at `field` and fixes the checksum at `csum`.
inline void replace16(uint8_t* field, uint16_t new_raw, uint8_t* csum) {
    uint16_t old_raw = load16(field);
    store16(csum, csum_replace(load16(csum), &old_raw, &new_raw, 2));
    store16(field, new_raw);
}

}  // namespace vs::edit::util
