// Uuid: the 128-bit row identifier of OVSDB (RFC 7047 <uuid>), random v4 generation and the
// 8-4-4-4-12 text form.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vs::ovsdb {

struct Uuid {
    std::array<std::uint8_t, 16> bytes{};

    auto operator<=>(const Uuid&) const = default;
    bool operator==(const Uuid&) const = default;
    [[nodiscard]] bool is_zero() const;
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
