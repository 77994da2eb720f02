// Network-byte-order value types, so that a wire-order number never mixes with a host-order one.
#pragma once

#include <cstdint>

namespace vs {

struct Be16 {
    uint16_t raw = 0;  // as on the wire
    static constexpr Be16 from_host(uint16_t v) { return Be16{__builtin_bswap16(v)}; }
    constexpr uint16_t host() const { return __builtin_bswap16(raw); }
    friend constexpr bool operator==(Be16, Be16) = default;
};

struct Be32 {
    uint32_t raw = 0;  // as on the wire
    static constexpr Be32 from_host(uint32_t v) { return Be32{__builtin_bswap32(v)}; }
    constexpr uint32_t host() const { return __builtin_bswap32(raw); }
    friend constexpr bool operator==(Be32, Be32) = default;
};

static_assert(sizeof(Be16) == 2 && sizeof(Be32) == 4);

}  // namespace vs
