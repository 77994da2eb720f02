// DbState: the committed contents of a database in memory, with what the commit-time checks
// need to stay incremental: how many strong references point at each row, and every unique
// index as a map from key to row. A transaction touches a few rows; it must not have to walk
// the whole database to learn whether a deleted row is still referenced or a name is taken.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ovsdb/schema.hpp"
#include "ovsdb/set_delta.hpp"
#include "ovsdb/transaction_condition.hpp"
#include "ovsdb/uuid.hpp"

namespace vs::ovsdb {

using TableRows = std::map<Uuid, RowState>;
using Tables = std::map<std::string, TableRows, std::less<>>;
// One schema index: key (index_key) -> the row holding it.
using IndexMap = std::unordered_map<std::string, Uuid>;

struct DbState {
    Tables tables;
    // Row -> number of strong references to it from other rows (a row's references to itself
    // do not keep it alive). Rows with none are absent. Row uuids are unique in a database.
    std::unordered_map<Uuid, int> strong_refs;
    // Table -> one IndexMap per entry of its schema's "indexes", in the same order.
    std::map<std::string, std::vector<IndexMap>, std::less<>> indexes;
    // Table -> a new row's columns, all at their defaults (made on first use: copying it is
    // cheaper than building 45 defaults for every inserted Interface).
    std::map<const TableSchema*, Store::Row> default_rows;
};

// Calls fn(ref_table, target) for every strong reference held by `row` of `table`, except
// references to the row itself.
template <class Fn>
void for_each_strong_ref(const TableSchema& table, const Uuid& self, const Store::Row& row,
                         Fn&& fn) {
    for (const ColumnSchema& column : table.columns) {
        const Type& type = column.type;
        const bool key_strong = type.key.is_ref() && type.key.ref_type == RefType::kStrong;
        const bool value_strong =
            type.value && type.value->is_ref() && type.value->ref_type == RefType::kStrong;
        if (!key_strong && !value_strong) continue;
        const auto found = row.find(column.name);
        if (found == row.end()) continue;
        const Datum& datum = found->second;
        for (std::size_t i = 0; i < datum.size(); ++i) {
            if (key_strong) {
                const Uuid& target = std::get<Uuid>(datum.keys[i]);
                if (target != self) fn(type.key.ref_table, target);
            }
            if (value_strong && i < datum.values.size()) {
                const Uuid& target = std::get<Uuid>(datum.values[i]);
                if (target != self) fn(type.value->ref_table, target);
            }
        }
    }
}

// The SetDelta of a column of the row being looked at, or null when the column was written
// some other way (then the two versions are compared).
using SetDeltaLookup = std::function<const SetDelta*(const ColumnSchema&)>;

// Calls fn(ref_table, target, +1 or -1) for each strong reference gained or lost when `before`
// becomes `after` (either may be null: insert, delete). Unchanged columns cost one comparison,
// and a set of references is diffed element by element, so adding one port to a bridge with a
// thousand is not a thousand reference updates.
template <class Fn>
void for_each_strong_ref_change(const TableSchema& table, const Uuid& self,
                                const Store::Row* before, const Store::Row* after,
                                const SetDeltaLookup& deltas, Fn&& fn) {
    if (before == nullptr || after == nullptr) {
        if (before != nullptr) {
            for_each_strong_ref(table, self, *before,
                                [&](const std::string& t, const Uuid& u) { fn(t, u, -1); });
        }
        if (after != nullptr) {
            for_each_strong_ref(table, self, *after,
                                [&](const std::string& t, const Uuid& u) { fn(t, u, +1); });
        }
        return;
    }
    for (const auto& column : table.columns) {
        const Type& type = column.type;
        const bool key_strong = type.key.is_ref() && type.key.ref_type == RefType::kStrong;
        const bool value_strong =
            type.value && type.value->is_ref() && type.value->ref_type == RefType::kStrong;
        if (!key_strong && !value_strong) continue;
        const auto old_it = before->find(column.name);
        const auto new_it = after->find(column.name);
        const Datum* old_datum = old_it == before->end() ? nullptr : &old_it->second;
        const Datum* new_datum = new_it == after->end() ? nullptr : &new_it->second;
        const bool ref_set =
            key_strong && !type.value && old_datum != nullptr && new_datum != nullptr;
        // A set changed only by insert/delete mutations: its difference is known, and neither
        // comparing nor walking a thousand-element set is needed.
        if (const SetDelta* delta = ref_set && deltas ? deltas(column) : nullptr) {
            for (const Uuid& target : delta->removed) {
                if (target != self) fn(type.key.ref_table, target, -1);
            }
            for (const Uuid& target : delta->added) {
                if (target != self) fn(type.key.ref_table, target, +1);
            }
            continue;
        }
        if (old_datum != nullptr && new_datum != nullptr && *old_datum == *new_datum) continue;
        if (!ref_set) {
            const auto each_ref = [&](const Datum* datum, int sign) {
                if (datum == nullptr) return;
                for (std::size_t i = 0; i < datum->size(); ++i) {
                    if (key_strong) {
                        const Uuid& target = std::get<Uuid>(datum->keys[i]);
                        if (target != self) fn(type.key.ref_table, target, sign);
                    }
                    if (value_strong && i < datum->values.size()) {
                        const Uuid& target = std::get<Uuid>(datum->values[i]);
                        if (target != self) fn(type.value->ref_table, target, sign);
                    }
                }
            };
            each_ref(old_datum, -1);
            each_ref(new_datum, +1);
            continue;
        }
        // A set of references: both sides are sorted, so walk them together.
        const auto& a = old_datum->keys;
        const auto& b = new_datum->keys;
        std::size_t i = 0, j = 0;
        while (i < a.size() || j < b.size()) {
            const Uuid* x = i < a.size() ? std::get_if<Uuid>(&a[i]) : nullptr;
            const Uuid* y = j < b.size() ? std::get_if<Uuid>(&b[j]) : nullptr;
            if (y == nullptr || (x != nullptr && *x < *y)) {
                if (*x != self) fn(type.key.ref_table, *x, -1);
                ++i;
            } else if (x == nullptr || *y < *x) {
                if (*y != self) fn(type.key.ref_table, *y, +1);
                ++j;
            } else {
                ++i;
                ++j;
            }
        }
    }
}

// The key of `row` in one index (the list of its column names), as comparable text.
[[nodiscard]] std::string index_key(const TableSchema& table, const std::vector<std::string>& index,
                                    const Uuid& uuid, const RowState& row);

// Recomputes strong_refs and indexes from tables (after loading a file).
void rebuild_derived_state(const DatabaseSchema& schema, DbState& state);

}  // namespace vs::ovsdb
