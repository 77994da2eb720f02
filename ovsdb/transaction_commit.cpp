// Transaction commit-time checks (RFC 7047 sections 3.2 and 4.1.3) over the touched rows only:
// strong references must point at existing rows and a deleted row must not be referenced any
// more, unreferenced non-root rows are garbage collected, weak references to deleted rows are
// dropped, indexes stay unique and tables stay within maxRows; then the changed rows are listed
// with fresh versions, and commit() folds the reference and index changes into DbState.
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "ovsdb/transaction.hpp"

namespace vs::ovsdb {
namespace {

bool is_weak(const BaseType& base) {
    return base.is_ref() && base.ref_type == RefType::kWeak;
}

std::string row_name(const std::string& table, const Uuid& uuid) {
    return table + " row " + to_string(uuid);
}

}  // namespace

int Transaction::ref_count(const Uuid& uuid) const {
    int count = 0;
    if (const auto it = state_.strong_refs.find(uuid); it != state_.strong_refs.end()) {
        count += it->second;
    }
    if (const auto it = ref_deltas_.find(uuid); it != ref_deltas_.end()) count += it->second;
    return count;
}

DbResult<void> Transaction::check_commit() {
    if (touched_.empty()) return {};
    if (auto ok = check_strong_refs(); !ok) return ok;
    collect_garbage();
    if (auto ok = remove_weak_refs(); !ok) return ok;
    if (auto ok = check_limits(); !ok) return ok;
    return check_indexes();
}

DbResult<void> Transaction::check_strong_refs() {
    for (const auto& [table, touched] : touched_) {
        for (const auto& [uuid, before] : touched) {
            const RowState* now = find_row(table->name, uuid);
            std::string missing;
            for_each_strong_ref_change(
                *table, uuid, before ? before->row.get() : nullptr, now ? now->row.get() : nullptr,
                [&, id = uuid](const ColumnSchema& column) { return set_delta(id, column); },
                [&](const std::string& ref_table, const Uuid& target, int delta) {
                    ref_deltas_[target] += delta;
                    if (delta > 0 && missing.empty() && find_row(ref_table, target) == nullptr) {
                        missing = row_name(ref_table, target);
                    }
                });
            if (!missing.empty()) {
                return db_fail("referential integrity violation",
                               row_name(table->name, uuid) + " refers to missing " + missing);
            }
        }
    }
    for (const auto& [table, touched] : touched_) {
        for (const auto& [uuid, before] : touched) {
            if (!before || find_row(table->name, uuid) != nullptr) continue;
            if (const int refs = ref_count(uuid); refs > 0) {
                return db_fail("referential integrity violation",
                               "cannot delete " + row_name(table->name, uuid) + " because of " +
                                   std::to_string(refs) + " remaining reference(s)");
            }
        }
    }
    return {};
}

void Transaction::collect_garbage() {
    // Candidates: touched non-root rows and every row that lost a reference.
    std::vector<std::pair<const TableSchema*, Uuid>> work;
    for (const auto& [table, touched] : touched_) {
        if (table->is_root) continue;
        for (const auto& [uuid, before] : touched)
            work.emplace_back(table, uuid);
    }
    std::set<Uuid> lost_refs;
    for (const auto& [uuid, delta] : ref_deltas_) {
        if (delta < 0) lost_refs.insert(uuid);
    }
    // Reference counts are kept by row alone; find the (non-root) table each row is in.
    for (const auto& uuid : lost_refs) {
        for (const auto& [name, table] : schema_.tables) {
            if (!table.is_root && find_row(name, uuid) != nullptr) work.emplace_back(&table, uuid);
        }
    }
    while (!work.empty()) {
        const auto [table, uuid] = work.back();
        work.pop_back();
        const RowState* row = find_row(table->name, uuid);
        if (row == nullptr || ref_count(uuid) > 0) continue;
        std::vector<std::pair<const TableSchema*, Uuid>> released;
        for_each_strong_ref(*table, uuid, *row->row,
                            [&](const std::string& ref_table, const Uuid& target) {
                                --ref_deltas_[target];
                                const TableSchema* target_table = schema_.find_table(ref_table);
                                if (target_table != nullptr && !target_table->is_root) {
                                    released.emplace_back(target_table, target);
                                }
                            });
        erase_row(*table, uuid);
        work.insert(work.end(), released.begin(), released.end());
    }
}

DbResult<void> Transaction::remove_weak_refs() {
    // Deleted rows by table, and rows that now exist but were changed (their new weak
    // references may name rows that are gone).
    std::map<std::string_view, std::set<Uuid>> deleted;
    std::vector<std::pair<const TableSchema*, Uuid>> to_check;
    for (const auto& [table, touched] : touched_) {
        for (const auto& [uuid, before] : touched) {
            if (find_row(table->name, uuid) == nullptr) {
                if (before) deleted[table->name].insert(uuid);
            } else {
                to_check.emplace_back(table, uuid);
            }
        }
    }
    for (const auto& [name, table] : schema_.tables) {
        for (const auto& column : table.columns) {
            const Type& type = column.type;
            const bool weak_key = is_weak(type.key);
            const bool weak_value = type.value && is_weak(*type.value);
            if (!weak_key && !weak_value) continue;
            const bool any_deleted = (weak_key && deleted.contains(type.key.ref_table)) ||
                                     (weak_value && deleted.contains(type.value->ref_table));
            std::vector<Uuid> candidates;
            if (any_deleted) {
                for (const auto& [uuid, row] : rows(name))
                    candidates.push_back(uuid);
            } else {
                for (const auto& [table_ptr, uuid] : to_check) {
                    if (table_ptr == &table) candidates.push_back(uuid);
                }
            }
            auto dangling = [&](const Datum& datum, std::size_t i) {
                return (weak_key &&
                        find_row(type.key.ref_table, std::get<Uuid>(datum.keys[i])) == nullptr) ||
                       (weak_value && find_row(type.value->ref_table,
                                               std::get<Uuid>(datum.values[i])) == nullptr);
            };
            for (const auto& uuid : candidates) {
                const RowState* row = find_row(name, uuid);
                const auto it = row->row->find(column.name);
                if (it == row->row->end()) continue;
                Datum kept;
                for (std::size_t i = 0; i < it->second.size(); ++i) {
                    if (dangling(it->second, i)) continue;
                    kept.keys.push_back(it->second.keys[i]);
                    if (type.value) kept.values.push_back(it->second.values[i]);
                }
                if (kept.size() == it->second.size()) continue;
                if (kept.size() < type.min) {
                    return db_fail("constraint violation",
                                   row_name(name, uuid) + " column " + column.name +
                                       " lost a weak reference below its minimum");
                }
                (*row_for_write(table, uuid).row)[column.name] = std::move(kept);
                rewritten_.emplace(uuid, &column);
            }
        }
    }
    return {};
}

DbResult<void> Transaction::check_limits() const {
    for (const auto& [table, touched] : touched_) {
        if (table->max_rows && rows(table->name).size() > *table->max_rows) {
            return db_fail("constraint violation", "table " + table->name + " has more than " +
                                                       std::to_string(*table->max_rows) + " rows");
        }
    }
    return {};
}

DbResult<void> Transaction::check_indexes() {
    for (const auto& [table, touched] : touched_) {
        const auto committed = state_.indexes.find(table->name);
        for (std::size_t i = 0; i < table->indexes.size(); ++i) {
            const auto& index = table->indexes[i];
            IndexChange change{&table->name, i, {}, {}};
            for (const auto& [uuid, before] : touched) {
                std::optional<std::string> old_key, new_key;
                if (before) old_key = index_key(*table, index, uuid, *before);
                if (const RowState* now = find_row(table->name, uuid)) {
                    new_key = index_key(*table, index, uuid, *now);
                }
                if (old_key == new_key) continue;
                if (old_key) change.removed.push_back(*old_key);
                if (new_key) change.added.emplace_back(*new_key, uuid);
            }
            const std::set<std::string> removed(change.removed.begin(), change.removed.end());
            std::set<std::string> added;
            for (const auto& [key, uuid] : change.added) {
                const bool taken = committed != state_.indexes.end() &&
                                   committed->second[i].contains(key) && !removed.contains(key);
                if (taken || !added.insert(key).second) {
                    return db_fail("constraint violation",
                                   "rows of " + table->name + " share index values " + key);
                }
            }
            if (!change.removed.empty() || !change.added.empty()) {
                index_changes_.push_back(std::move(change));
            }
        }
    }
    return {};
}

std::vector<RowChange> Transaction::take_changes() {
    std::vector<RowChange> changes;
    for (const auto& [table, touched] : touched_) {
        TableRows& all = state_.tables[table->name];
        for (const auto& [uuid, before] : touched) {
            const auto now = all.find(uuid);
            if (now == all.end()) {
                if (before) changes.push_back({table->name, uuid, before->row, nullptr});
            } else if (!before) {
                now->second.version = random_uuid();
                changes.push_back({table->name, uuid, nullptr, now->second.row});
            } else if (before->row != now->second.row) {
                // A set that gained or lost elements is a change: no need to compare the rows
                // (a bridge's thousand ports) to know it.
                SetDeltas deltas = set_deltas_of(*table, uuid);
                const bool grew_or_shrank =
                    std::any_of(deltas.begin(), deltas.end(), [](const auto& d) {
                        return !d.second.added.empty() || !d.second.removed.empty();
                    });
                if (!grew_or_shrank && *before->row == *now->second.row) continue;
                now->second.version = random_uuid();
                changes.push_back(
                    {table->name, uuid, before->row, now->second.row, std::move(deltas)});
            }
        }
    }
    return changes;
}

void Transaction::commit() {
    for (const auto& [uuid, delta] : ref_deltas_) {
        if (delta == 0) continue;
        const int count = (state_.strong_refs[uuid] += delta);
        if (count <= 0) state_.strong_refs.erase(uuid);
    }
    for (const auto& change : index_changes_) {
        std::vector<IndexMap>& maps = state_.indexes[*change.table];
        if (maps.size() <= change.index) maps.resize(change.index + 1);
        IndexMap& map = maps[change.index];
        for (const auto& key : change.removed)
            map.erase(key);
        for (const auto& [key, uuid] : change.added)
            map[key] = uuid;
    }
    finished_ = true;  // the transaction is over: nothing of it is used again
}

}  // namespace vs::ovsdb
