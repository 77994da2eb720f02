// Transaction commit-time checks (RFC 7047 sections 3.2 and 4.1.3): strong references must point
// at existing rows, unreferenced non-root rows are garbage collected, dangling weak references
// are dropped, indexes stay unique and tables stay within maxRows; then the changed rows are
// listed with fresh versions.
#include <set>
#include <string>
#include <utility>

#include "ovsdb/transaction.hpp"

namespace vs::ovsdb {
namespace {

bool is_strong(const BaseType& base) {
    return base.is_ref() && base.ref_type == RefType::kStrong;
}
bool is_weak(const BaseType& base) {
    return base.is_ref() && base.ref_type == RefType::kWeak;
}

// Calls fn(ref_table, uuid) for every strong reference of `datum`.
template <class Fn>
void for_each_strong_ref(const Type& type, const Datum& datum, Fn&& fn) {
    for (std::size_t i = 0; i < datum.size(); ++i) {
        if (is_strong(type.key)) fn(type.key.ref_table, std::get<Uuid>(datum.keys[i]));
        if (type.value && is_strong(*type.value) && i < datum.values.size()) {
            fn(type.value->ref_table, std::get<Uuid>(datum.values[i]));
        }
    }
}

}  // namespace

DbResult<void> Transaction::check_commit() {
    if (working_.empty()) return {};
    if (auto ok = check_strong_refs(); !ok) return ok;
    collect_garbage();
    if (auto ok = remove_weak_refs(); !ok) return ok;
    return check_indexes_and_limits();
}

DbResult<void> Transaction::check_strong_refs() const {
    for (const auto& [table_name, table] : schema_.tables) {
        for (const auto& column : table.columns) {
            if (!is_strong(column.type.key) &&
                !(column.type.value && is_strong(*column.type.value))) {
                continue;
            }
            for (const auto& [uuid, state] : rows(table_name)) {
                const auto it = state.row.find(column.name);
                if (it == state.row.end()) continue;
                std::string missing;
                for_each_strong_ref(column.type, it->second,
                                    [&](const std::string& ref_table, const Uuid& target) {
                                        if (missing.empty() && !exists(ref_table, target)) {
                                            missing = ref_table + " row " + to_string(target);
                                        }
                                    });
                if (!missing.empty()) {
                    std::string details = table_name;
                    details += " row " + to_string(uuid) + " column " + column.name;
                    details += " refers to missing " + missing;
                    return db_fail("referential integrity violation", details);
                }
            }
        }
    }
    return {};
}

void Transaction::collect_garbage() {
    for (bool removed = true; removed;) {
        removed = false;
        std::set<std::pair<std::string, Uuid>> referenced;
        for (const auto& [table_name, table] : schema_.tables) {
            for (const auto& [uuid, state] : rows(table_name)) {
                const std::string& self_table = table_name;
                const Uuid& self = uuid;
                for (const auto& [name, datum] : state.row) {
                    const ColumnSchema* column = table.find_column(name);
                    if (column == nullptr) continue;
                    for_each_strong_ref(column->type, datum,
                                        [&](const std::string& ref_table, const Uuid& target) {
                                            if (ref_table == self_table && target == self) return;
                                            referenced.emplace(ref_table, target);
                                        });
                }
            }
        }
        for (const auto& [table_name, table] : schema_.tables) {
            if (table.is_root) continue;
            std::vector<Uuid> garbage;
            for (const auto& [uuid, state] : rows(table_name)) {
                if (!referenced.contains({table_name, uuid})) garbage.push_back(uuid);
            }
            if (garbage.empty()) continue;
            TableRows& all = writable(table_name);
            for (const auto& uuid : garbage)
                all.erase(uuid);
            removed = true;
        }
    }
}

DbResult<void> Transaction::remove_weak_refs() {
    for (const auto& [table_name, table] : schema_.tables) {
        for (const auto& column : table.columns) {
            const Type& type = column.type;
            const bool weak_key = is_weak(type.key);
            const bool weak_value = type.value && is_weak(*type.value);
            if (!weak_key && !weak_value) continue;
            auto dangling = [&](const Datum& datum, std::size_t i) {
                return (weak_key && !exists(type.key.ref_table, std::get<Uuid>(datum.keys[i]))) ||
                       (weak_value &&
                        !exists(type.value->ref_table, std::get<Uuid>(datum.values[i])));
            };
            std::vector<std::pair<Uuid, Datum>> fixed;
            for (const auto& [uuid, state] : rows(table_name)) {
                const auto it = state.row.find(column.name);
                if (it == state.row.end()) continue;
                Datum kept;
                for (std::size_t i = 0; i < it->second.size(); ++i) {
                    if (dangling(it->second, i)) continue;
                    kept.keys.push_back(it->second.keys[i]);
                    if (type.value) kept.values.push_back(it->second.values[i]);
                }
                if (kept.size() == it->second.size()) continue;
                if (kept.size() < type.min) {
                    return db_fail("constraint violation",
                                   table_name + " row " + to_string(uuid) + " column " +
                                       column.name + " lost a weak reference below its minimum");
                }
                fixed.emplace_back(uuid, std::move(kept));
            }
            if (fixed.empty()) continue;
            TableRows& all = writable(table_name);
            for (auto& [uuid, datum] : fixed)
                all.at(uuid).row[column.name] = std::move(datum);
        }
    }
    return {};
}

DbResult<void> Transaction::check_indexes_and_limits() const {
    for (const auto& [table_name, all] : working_) {
        const TableSchema* table = schema_.find_table(table_name);
        if (table == nullptr) continue;
        if (table->max_rows && all.size() > *table->max_rows) {
            return db_fail("constraint violation", "table " + table_name + " has more than " +
                                                       std::to_string(*table->max_rows) + " rows");
        }
        for (const auto& index : table->indexes) {
            std::set<std::string> seen;
            for (const auto& [uuid, state] : all) {
                Json key = Json::array();
                for (const auto& name : index) {
                    const ColumnSchema* column = table->find_column(name);
                    if (column == nullptr) continue;
                    key.push_back(datum_to_json(column_datum(*column, uuid, state), column->type));
                }
                if (!seen.insert(key.dump()).second) {
                    return db_fail("constraint violation",
                                   "rows of " + table_name + " share index values " + key.dump());
                }
            }
        }
    }
    return {};
}

std::vector<RowChange> Transaction::take_changes() {
    std::vector<RowChange> changes;
    static const TableRows empty_rows;
    for (auto& [table_name, all] : working_) {
        const auto committed = committed_.find(table_name);
        const TableRows& old_rows = committed == committed_.end() ? empty_rows : committed->second;
        for (auto& [uuid, state] : all) {
            const auto old = old_rows.find(uuid);
            if (old == old_rows.end()) {
                state.version = random_uuid();
                changes.push_back({table_name, uuid, std::nullopt, state.row});
            } else if (old->second.row != state.row) {
                state.version = random_uuid();
                changes.push_back({table_name, uuid, old->second.row, state.row});
            }
        }
        for (const auto& [uuid, state] : old_rows) {
            if (!all.contains(uuid)) changes.push_back({table_name, uuid, state.row, std::nullopt});
        }
    }
    return changes;
}

}  // namespace vs::ovsdb
