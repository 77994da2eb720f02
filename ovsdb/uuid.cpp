// Uuid generation, parsing and formatting.
#include "ovsdb/uuid.hpp"

#include <cstring>
#include <random>

namespace vs::ovsdb {

namespace {

constexpr std::size_t kTextLength = 36;

bool is_dash_position(std::size_t i) {
    return i == 8 || i == 13 || i == 18 || i == 23;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

bool Uuid::is_zero() const {
    for (auto b : bytes) {
        if (b != 0) return false;
    }
    return true;
}

Uuid random_uuid() {
    thread_local std::mt19937_64 generator = [] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device(),
                           device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }();
    Uuid uuid;
    std::uint64_t high = generator();
    std::uint64_t low = generator();
    std::memcpy(uuid.bytes.data(), &high, sizeof high);
    std::memcpy(uuid.bytes.data() + 8, &low, sizeof low);
    uuid.bytes[6] = static_cast<std::uint8_t>((uuid.bytes[6] & 0x0f) | 0x40);  // version 4
    uuid.bytes[8] = static_cast<std::uint8_t>((uuid.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return uuid;
}

std::optional<Uuid> parse_uuid(std::string_view text) {
    if (text.size() != kTextLength) return std::nullopt;
    Uuid uuid;
    std::size_t nibble = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (is_dash_position(i)) {
            if (text[i] != '-') return std::nullopt;
            continue;
        }
        int v = hex_value(text[i]);
        if (v < 0) return std::nullopt;
        auto& byte = uuid.bytes[nibble / 2];
        byte = static_cast<std::uint8_t>(nibble % 2 == 0 ? v << 4 : byte | v);
        ++nibble;
    }
    return uuid;
}

std::string to_string(const Uuid& uuid) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(kTextLength);
    for (std::size_t i = 0; i < uuid.bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kDigits[uuid.bytes[i] >> 4]);
        out.push_back(kDigits[uuid.bytes[i] & 0x0f]);
    }
    return out;
}

std::size_t UuidHash::operator()(const Uuid& uuid) const noexcept {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, uuid.bytes.data(), sizeof a);
    std::memcpy(&b, uuid.bytes.data() + 8, sizeof b);
    return static_cast<std::size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));
}

}  // namespace vs::ovsdb
