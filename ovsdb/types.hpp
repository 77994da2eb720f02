// OVSDB column types (RFC 7047 section 3.2): atomic types, base types with their constraints
// (enum, integer/real ranges, string lengths, references) and full column types (key, optional
// value, min/max set size). Parsed from schema JSON and written back for get_schema.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ovsdb/db_error.hpp"
#include "ovsdb/uuid.hpp"

namespace vs::ovsdb {

using Json = nlohmann::json;

enum class AtomicType { kInteger, kReal, kBoolean, kString, kUuid };

// One value of an atomic type. The variant index matches AtomicType's order.
using Atom = std::variant<std::int64_t, double, bool, std::string, Uuid>;

[[nodiscard]] std::string_view atomic_type_name(AtomicType type);
[[nodiscard]] std::optional<AtomicType> parse_atomic_type(std::string_view name);
[[nodiscard]] AtomicType atom_type(const Atom& atom);

enum class RefType { kStrong, kWeak };

struct BaseType {
    static constexpr std::int64_t kMinInteger = std::numeric_limits<std::int64_t>::min();
    static constexpr std::int64_t kMaxInteger = std::numeric_limits<std::int64_t>::max();
    static constexpr std::int64_t kMaxLength = std::numeric_limits<std::uint32_t>::max();

    AtomicType type = AtomicType::kString;
    std::optional<std::vector<Atom>> enum_values;  // sorted, unique
    std::int64_t min_integer = kMinInteger;
    std::int64_t max_integer = kMaxInteger;
    double min_real = -std::numeric_limits<double>::infinity();
    double max_real = std::numeric_limits<double>::infinity();
    std::int64_t min_length = 0;
    std::int64_t max_length = kMaxLength;
    std::string ref_table;  // empty: not a reference
    RefType ref_type = RefType::kStrong;

    [[nodiscard]] bool has_constraints() const;
    [[nodiscard]] bool is_ref() const { return !ref_table.empty(); }
    bool operator==(const BaseType&) const = default;
};

struct Type {
    static constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

    BaseType key;
    std::optional<BaseType> value;
    std::uint64_t min = 1;  // 0 or 1
    std::uint64_t max = 1;  // >= 1, or kUnlimited

    [[nodiscard]] bool is_scalar() const { return !value && min == 1 && max == 1; }
    [[nodiscard]] bool is_optional_scalar() const { return !value && min == 0 && max == 1; }
    [[nodiscard]] bool is_set() const { return !value && !is_scalar(); }
    [[nodiscard]] bool is_map() const { return value.has_value(); }
    bool operator==(const Type&) const = default;
};

// A base type with just an atomic type and no constraints.
[[nodiscard]] BaseType make_base(AtomicType type);
// A scalar (min 1, max 1) of an unconstrained atomic type.
[[nodiscard]] Type make_scalar(AtomicType type);

// Checks one atom against the base type's constraints ("constraint violation" on failure).
[[nodiscard]] DbResult<void> check_atom(const Atom& atom, const BaseType& base);

[[nodiscard]] DbResult<BaseType> base_type_from_json(const Json& json);
[[nodiscard]] DbResult<Type> type_from_json(const Json& json);
[[nodiscard]] Json base_type_to_json(const BaseType& base);
[[nodiscard]] Json type_to_json(const Type& type);

}  // namespace vs::ovsdb
