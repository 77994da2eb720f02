// Uuid: the 128-bit row identifier of OVSDB (RFC 7047 <uuid>), random v4 generation and the
// 8-4-4-4-12 text form.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace vs::ovsdb {

struct Uuid {
    std::array<std::uint8_t, 16> bytes{};

    // Byte order (as the text form sorts), compared as two big-endian words: row maps and
    // sorted sets of references compare uuids constantly, and a memcmp call per compare shows.
    std::strong_ordering operator<=>(const Uuid& other) const {
        const auto [a_hi, a_lo] = words();
        const auto [b_hi, b_lo] = other.words();
        if (a_hi != b_hi) return a_hi <=> b_hi;
        return a_lo <=> b_lo;
    }
    bool operator==(const Uuid& other) const { return words() == other.words(); }
    [[nodiscard]] bool is_zero() const;

  private:
    [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> words() const {
        std::uint64_t hi = 0;
        std::uint64_t lo = 0;
        std::memcpy(&hi, bytes.data(), sizeof hi);
        std::memcpy(&lo, bytes.data() + sizeof hi, sizeof lo);
        if constexpr (std::endian::native == std::endian::little) {
            hi = __builtin_bswap64(hi);
            lo = __builtin_bswap64(lo);
        }
        return {hi, lo};
    }
};

// A random version-4 UUID. Thread-safe (one generator per thread, seeded from random_device).
[[nodiscard]] Uuid random_uuid();
// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits in either case).
[[nodiscard]] std::optional<Uuid> parse_uuid(std::string_view text);
// Lower-case 8-4-4-4-12 form.
[[nodiscard]] std::string to_string(const Uuid& uuid);

struct UuidHash {
    std::size_t operator()(const Uuid& uuid) const noexcept;
};

}  // namespace vs::ovsdb

template <>
struct std::hash<vs::ovsdb::Uuid> {
    std::size_t operator()(const vs::ovsdb::Uuid& uuid) const noexcept {
        return vs::ovsdb::UuidHash{}(uuid);
    }
};
