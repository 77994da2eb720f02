// Datum basics: canonical form, lookups, defaults and whole-datum constraint checks.
#include "ovsdb/datum.hpp"

#include <algorithm>
#include <numeric>

namespace vs::ovsdb {

Datum Datum::scalar(Atom atom) {
    Datum d;
    d.keys.push_back(std::move(atom));
    return d;
}

bool Datum::canonicalize() {
    std::vector<std::size_t> order(keys.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
    std::vector<Atom> sorted_keys;
    std::vector<Atom> sorted_values;
    sorted_keys.reserve(keys.size());
    sorted_values.reserve(values.size());
    bool unique = true;
    for (std::size_t i : order) {
        if (!sorted_keys.empty() && sorted_keys.back() == keys[i]) {
            unique = false;
            continue;
        }
        sorted_keys.push_back(std::move(keys[i]));
        if (!values.empty()) sorted_values.push_back(std::move(values[i]));
    }
    keys = std::move(sorted_keys);
    values = std::move(sorted_values);
    return unique;
}

std::optional<std::size_t> Datum::find(const Atom& key) const {
    auto it = std::lower_bound(keys.begin(), keys.end(), key);
    if (it == keys.end() || *it != key) return std::nullopt;
    return static_cast<std::size_t>(it - keys.begin());
}

Atom default_atom(AtomicType type) {
    switch (type) {
        case AtomicType::kInteger:
            return std::int64_t{0};
        case AtomicType::kReal:
            return 0.0;
        case AtomicType::kBoolean:
            return false;
        case AtomicType::kString:
            return std::string();
        case AtomicType::kUuid:
            return Uuid{};
    }
    return std::int64_t{0};
}

Datum default_datum(const Type& type) {
    Datum d;
    if (type.min == 0) return d;
    d.keys.push_back(default_atom(type.key.type));
    if (type.value) d.values.push_back(default_atom(type.value->type));
    return d;
}

DbResult<void> check_datum(const Datum& datum, const Type& type) {
    if (datum.size() < type.min || datum.size() > type.max) {
        std::string max =
            type.max == Type::kUnlimited ? std::string("unlimited") : std::to_string(type.max);
        return db_fail("constraint violation",
                       "Attempted to store " + std::to_string(datum.size()) +
                           " elements in a set of " + std::to_string(type.min) + " to " + max +
                           " elements");
    }
    if (datum.values.size() != (type.is_map() ? datum.keys.size() : 0)) {
        return db_fail("syntax error", "map/set shape does not match the column type");
    }
    for (std::size_t i = 0; i < datum.size(); ++i) {
        if (i > 0 && !(datum.keys[i - 1] < datum.keys[i])) {
            return db_fail("constraint violation", "keys are not sorted and unique");
        }
        if (auto r = check_atom(datum.keys[i], type.key); !r) return r;
        if (type.value) {
            if (auto r = check_atom(datum.values[i], *type.value); !r) return r;
        }
    }
    return {};
}

}  // namespace vs::ovsdb
