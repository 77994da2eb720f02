// The mutations of RFC 7047's "mutate" operation on one datum: arithmetic on integer/real scalars
// and sets (+= -= *= /= %=), insert into and delete from sets and maps.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "ovsdb/datum.hpp"

namespace vs::ovsdb {

namespace {

constexpr const char* kSyntax = "syntax error";
constexpr const char* kConstraint = "constraint violation";

bool is_arithmetic(Mutator m) {
    return m != Mutator::kInsert && m != Mutator::kDelete;
}

DbResult<std::int64_t> apply_integer(std::int64_t x, std::int64_t y, Mutator m) {
    std::int64_t out = 0;
    switch (m) {
        case Mutator::kAdd:
            if (__builtin_add_overflow(x, y, &out))
                return db_fail("range error", "integer overflow in +=");
            return out;
        case Mutator::kSubtract:
            if (__builtin_sub_overflow(x, y, &out))
                return db_fail("range error", "integer overflow in -=");
            return out;
        case Mutator::kMultiply:
            if (__builtin_mul_overflow(x, y, &out))
                return db_fail("range error", "integer overflow in *=");
            return out;
        case Mutator::kDivide:
        case Mutator::kModulo:
            if (y == 0) return db_fail("domain error", "division by zero");
            if (x == BaseType::kMinInteger && y == -1)
                return db_fail("range error", "integer overflow in /=");
            return m == Mutator::kDivide ? x / y : x % y;
        default:
            break;
    }
    return db_fail(kSyntax, "not an arithmetic mutator");
}

DbResult<double> apply_real(double x, double y, Mutator m) {
    double out = 0;
    switch (m) {
        case Mutator::kAdd:
            out = x + y;
            break;
        case Mutator::kSubtract:
            out = x - y;
            break;
        case Mutator::kMultiply:
            out = x * y;
            break;
        case Mutator::kDivide:
            if (y == 0) return db_fail("domain error", "division by zero");
            out = x / y;
            break;
        default:
            return db_fail(kConstraint, "%= may not be applied to real values");
    }
    if (!std::isfinite(out)) return db_fail("range error", "real result out of range");
    return out;
}

DbResult<Datum> arithmetic(const Datum& datum, const Type& type, Mutator m, const Json& argument) {
    const AtomicType t = type.key.type;
    if (type.is_map() || (t != AtomicType::kInteger && t != AtomicType::kReal)) {
        return db_fail(kConstraint,
                       "arithmetic mutators apply only to integer or real scalars and sets");
    }
    if (m == Mutator::kModulo && t != AtomicType::kInteger) {
        return db_fail(kConstraint, "%= applies only to integer values");
    }
    auto operand = atom_from_json(argument, make_base(t), nullptr);
    if (!operand) return tl::unexpected(operand.error());
    Datum out;
    for (const auto& key : datum.keys) {
        if (t == AtomicType::kInteger) {
            auto r =
                apply_integer(std::get<std::int64_t>(key), std::get<std::int64_t>(*operand), m);
            if (!r) return tl::unexpected(r.error());
            out.keys.emplace_back(*r);
        } else {
            auto r = apply_real(std::get<double>(key), std::get<double>(*operand), m);
            if (!r) return tl::unexpected(r.error());
            out.keys.emplace_back(*r);
        }
        if (auto r = check_atom(out.keys.back(), type.key); !r) return tl::unexpected(r.error());
    }
    if (!out.canonicalize())
        return db_fail(kConstraint, "mutation produced duplicate set elements");
    return out;
}

// The argument type of insert/delete: the column's type with any number of elements.
Type any_size(const Type& type, bool keep_constraints) {
    Type t = type;
    t.min = 0;
    t.max = Type::kUnlimited;
    if (!keep_constraints) {
        t.key = make_base(type.key.type);
        if (type.value) t.value = make_base(type.value->type);
    }
    return t;
}

// Both are canonical (sorted keys), so one merge keeps the result canonical: inserting into a
// large set costs a copy, not a sort.
Datum insert(const Datum& datum, const Datum& extra) {
    Datum out;
    out.keys.reserve(datum.size() + extra.size());
    const bool is_map = !datum.values.empty() || !extra.values.empty();
    if (is_map) out.values.reserve(datum.size() + extra.size());
    std::size_t i = 0;
    std::size_t j = 0;
    auto take = [&](const Datum& from, std::size_t k) {
        out.keys.push_back(from.keys[k]);
        if (is_map) out.values.push_back(from.values[k]);
    };
    while (i < datum.size() || j < extra.size()) {
        if (j == extra.size() || (i < datum.size() && datum.keys[i] < extra.keys[j])) {
            take(datum, i++);
        } else if (i == datum.size() || extra.keys[j] < datum.keys[i]) {
            take(extra, j++);
        } else {
            take(datum, i++);  // an existing map key keeps its value
            ++j;
        }
    }
    return out;
}

Datum erase(const Datum& datum, const Datum& removed, bool match_values) {
    Datum out;
    for (std::size_t i = 0; i < datum.size(); ++i) {
        auto j = removed.find(datum.keys[i]);
        bool drop = j.has_value() && (!match_values || removed.values[*j] == datum.values[i]);
        if (drop) continue;
        out.keys.push_back(datum.keys[i]);
        if (!datum.values.empty()) out.values.push_back(datum.values[i]);
    }
    return out;
}

// The argument of insert/delete, parsed: elements to add or remove, and for a map delete given
// as a map, whether values must match too.
struct SetArgument {
    Datum elements;
    bool match_values = false;
};

DbResult<SetArgument> parse_set_argument(const Type& type, Mutator m, const Json& argument,
                                         const SymbolTable* symbols) {
    const bool is_delete = m == Mutator::kDelete;
    SetArgument out;
    if (is_delete && type.is_map() &&
        !(argument.is_array() && argument.size() == 2 && argument[0] == "map")) {
        Type keys_type = any_size(type, false);
        keys_type.value.reset();
        auto keys = datum_from_json(argument, keys_type, symbols);
        if (!keys) return tl::unexpected(keys.error());
        out.elements = std::move(*keys);
        return out;
    }
    auto arg = datum_from_json(argument, any_size(type, !is_delete), symbols);
    if (!arg) return tl::unexpected(arg.error());
    out.elements = std::move(*arg);
    out.match_values = is_delete && type.is_map();
    return out;
}

DbResult<void> check_size(std::size_t size, const Type& type) {
    if (size < type.min || size > type.max) {
        std::string max =
            type.max == Type::kUnlimited ? std::string("unlimited") : std::to_string(type.max);
        return db_fail(kConstraint, "Attempted to store " + std::to_string(size) +
                                        " elements in a set of " + std::to_string(type.min) +
                                        " to " + max + " elements");
    }
    return {};
}

DbResult<Datum> insert_or_delete(const Datum& datum, const Type& type, Mutator m,
                                 const Json& argument, const SymbolTable* symbols) {
    auto arg = parse_set_argument(type, m, argument, symbols);
    if (!arg) return tl::unexpected(arg.error());
    Datum out = m == Mutator::kDelete ? erase(datum, arg->elements, arg->match_values)
                                      : insert(datum, arg->elements);
    if (auto ok = check_size(out.size(), type); !ok) return tl::unexpected(ok.error());
    return out;
}

// The same as insert_or_delete, applied to `datum` itself: a few elements added to or removed
// from a big set shift it instead of copying it. Unchanged on error.
DbResult<void> insert_or_delete_in_place(Datum& datum, const Type& type, Mutator m,
                                         const Json& argument, const SymbolTable* symbols,
                                         std::vector<Atom>* changed_keys) {
    auto arg = parse_set_argument(type, m, argument, symbols);
    if (!arg) return tl::unexpected(arg.error());
    const Datum& elements = arg->elements;
    const bool is_map = !datum.values.empty() || type.is_map();
    // Where each element goes (insert) or is (delete); SIZE_MAX when it changes nothing.
    std::vector<std::size_t> at(elements.size(), SIZE_MAX);
    std::size_t changed = 0;
    for (std::size_t i = 0; i < elements.size(); ++i) {
        const auto pos = std::lower_bound(datum.keys.begin(), datum.keys.end(), elements.keys[i]);
        const auto index = static_cast<std::size_t>(pos - datum.keys.begin());
        const bool present = pos != datum.keys.end() && *pos == elements.keys[i];
        if (m == Mutator::kInsert) {
            if (present) continue;  // an existing map key keeps its value
        } else if (!present || (arg->match_values && datum.values[index] != elements.values[i])) {
            continue;
        }
        at[i] = index;
        ++changed;
    }
    const std::size_t size =
        m == Mutator::kInsert ? datum.size() + changed : datum.size() - changed;
    if (auto ok = check_size(size, type); !ok) return ok;
    // Back to front, so the positions found above stay valid (elements are sorted too).
    for (std::size_t i = elements.size(); i-- > 0;) {
        if (at[i] == SIZE_MAX) continue;
        if (changed_keys != nullptr) changed_keys->push_back(elements.keys[i]);
        const auto offset = static_cast<std::ptrdiff_t>(at[i]);
        if (m == Mutator::kInsert) {
            datum.keys.insert(datum.keys.begin() + offset, elements.keys[i]);
            if (is_map) datum.values.insert(datum.values.begin() + offset, elements.values[i]);
        } else {
            datum.keys.erase(datum.keys.begin() + offset);
            if (is_map) datum.values.erase(datum.values.begin() + offset);
        }
    }
    return {};
}

}  // namespace

std::optional<Mutator> parse_mutator(std::string_view text) {
    if (text == "+=") return Mutator::kAdd;
    if (text == "-=") return Mutator::kSubtract;
    if (text == "*=") return Mutator::kMultiply;
    if (text == "/=") return Mutator::kDivide;
    if (text == "%=") return Mutator::kModulo;
    if (text == "insert") return Mutator::kInsert;
    if (text == "delete") return Mutator::kDelete;
    return std::nullopt;
}

DbResult<void> mutate_datum_in_place(Datum& datum, const Type& type, Mutator mutator,
                                     const Json& argument, const SymbolTable* symbols,
                                     std::vector<Atom>* changed) {
    try {
        if (!is_arithmetic(mutator)) {
            return insert_or_delete_in_place(datum, type, mutator, argument, symbols, changed);
        }
        auto result = arithmetic(datum, type, mutator, argument);
        if (!result) return tl::unexpected(result.error());
        datum = std::move(*result);
        return {};
    } catch (const std::exception& e) {
        return db_fail(kSyntax, std::string("bad mutation: ") + e.what());
    }
}

DbResult<Datum> mutate_datum(const Datum& datum, const Type& type, Mutator mutator,
                             const Json& argument, const SymbolTable* symbols) {
    try {
        if (is_arithmetic(mutator)) return arithmetic(datum, type, mutator, argument);
        return insert_or_delete(datum, type, mutator, argument, symbols);
    } catch (const std::exception& e) {
        return db_fail(kSyntax, std::string("bad mutation: ") + e.what());
    }
}

}  // namespace vs::ovsdb
