// Typed reads of one column of a DB row (Store::Row), as the daemon needs them: absent columns,
// empty optional values and atoms of another type read as "nothing".
// Thread: any.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ovsdb/store.hpp"

namespace vs::row {

using ovsdb::Datum;
using Row = ovsdb::Store::Row;

inline const Datum* column(const Row& row, std::string_view name) {
    auto it = row.find(name);
    return it == row.end() ? nullptr : &it->second;
}

template <class T>
std::optional<T> first_of(const Row& row, std::string_view name) {
    const Datum* d = column(row, name);
    if (!d || d->empty()) return std::nullopt;
    const T* v = std::get_if<T>(&d->keys[0]);
    return v ? std::optional<T>(*v) : std::nullopt;
}

inline std::string string_of(const Row& row, std::string_view name) {
    return first_of<std::string>(row, name).value_or(std::string());
}

inline std::optional<int64_t> int_of(const Row& row, std::string_view name) {
    return first_of<int64_t>(row, name);
}

inline bool bool_of(const Row& row, std::string_view name) {
    return first_of<bool>(row, name).value_or(false);
}

template <class T>
std::vector<T> all_of(const Row& row, std::string_view name) {
    std::vector<T> out;
    if (const Datum* d = column(row, name)) {
        for (const ovsdb::Atom& a : d->keys) {
            if (const T* v = std::get_if<T>(&a)) out.push_back(*v);
        }
    }
    return out;
}

inline std::map<std::string, std::string> string_map_of(const Row& row, std::string_view name) {
    std::map<std::string, std::string> out;
    const Datum* d = column(row, name);
    if (!d) return out;
    for (size_t i = 0; i < d->keys.size() && i < d->values.size(); ++i) {
        const auto* k = std::get_if<std::string>(&d->keys[i]);
        const auto* v = std::get_if<std::string>(&d->values[i]);
        if (k && v) out[*k] = *v;
    }
    return out;
}

}  // namespace vs::row
