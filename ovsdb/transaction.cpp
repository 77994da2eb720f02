// Transaction: the operations of RFC 7047 section 5.2 (insert, select, update, mutate, delete,
// wait, commit, abort, comment, assert) on a copy-on-write view of the tables. Commit-time checks
// live in transaction_commit.cpp.
#include "ovsdb/transaction.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace vs::ovsdb {
namespace {

Json error_json(const DbError& error) {
    return Json{{"error", error.error}, {"details", error.details}};
}

const std::string* string_member(const Json& op, const char* name) {
    const auto it = op.find(name);
    if (it == op.end() || !it->is_string()) return nullptr;
    return &it->get_ref<const std::string&>();
}

Json row_to_json(const TableSchema& table, const Uuid& uuid, const RowState& state,
                 const std::vector<const ColumnSchema*>& columns) {
    Json out = Json::object();
    for (const auto* column : columns) {
        out[column->name] = datum_to_json(column_datum(*column, uuid, state), column->type);
    }
    (void)table;
    return out;
}

DbResult<std::vector<const ColumnSchema*>> parse_columns(const Json& op, const TableSchema& table) {
    std::vector<const ColumnSchema*> columns;
    const auto it = op.find("columns");
    if (it == op.end()) {
        for (const auto& column : table.columns)
            columns.push_back(&column);
        return columns;
    }
    if (!it->is_array()) return db_fail("syntax error", "\"columns\" must be an array");
    for (const auto& name : *it) {
        if (!name.is_string()) return db_fail("syntax error", "column names are strings");
        const auto* column = table.find_column(name.get_ref<const std::string&>());
        if (column == nullptr) {
            return db_fail("unknown column", "no column " + name.dump() + " in " + table.name);
        }
        columns.push_back(column);
    }
    return columns;
}

}  // namespace

Transaction::Transaction(const DatabaseSchema& schema, DbState& state,
                         const std::function<bool(std::string_view)>& holds_lock)
    : schema_(schema), state_(state), holds_lock_(holds_lock) {
    symbol_lookup_ = [this](std::string_view name) -> std::optional<Uuid> {
        const auto it = symbols_.find(name);
        if (it == symbols_.end()) return std::nullopt;
        return it->second.first;
    };
}

Transaction::~Transaction() {
    if (!finished_) rollback();
}

const TableRows& Transaction::rows(std::string_view table) const {
    static const TableRows empty_rows;
    const auto it = state_.tables.find(table);
    return it == state_.tables.end() ? empty_rows : it->second;
}

const RowState* Transaction::find_row(std::string_view table, const Uuid& uuid) const {
    const TableRows& all = rows(table);
    const auto it = all.find(uuid);
    return it == all.end() ? nullptr : &it->second;
}

void Transaction::save(const TableSchema& table, const Uuid& uuid) {
    Touched& touched = touched_[&table];
    if (touched.contains(uuid)) return;
    const RowState* before = find_row(table.name, uuid);
    touched.emplace(uuid, before == nullptr ? std::nullopt : std::optional<RowState>(*before));
}

RowState& Transaction::row_for_write(const TableSchema& table, const Uuid& uuid) {
    save(table, uuid);
    RowState& live = state_.tables[table.name].at(uuid);
    const auto& before = touched_[&table].at(uuid);
    // First change in this transaction: the columns are shared with the saved copy (and maybe
    // with changes reported earlier), so this transaction gets its own.
    if (before && before->row == live.row) live.row = std::make_shared<Store::Row>(*live.row);
    return live;
}

void Transaction::put_row(const TableSchema& table, const Uuid& uuid, RowState row) {
    save(table, uuid);
    state_.tables[table.name][uuid] = std::move(row);
}

void Transaction::erase_row(const TableSchema& table, const Uuid& uuid) {
    save(table, uuid);
    state_.tables[table.name].erase(uuid);
}

void Transaction::note_set_change(const Uuid& uuid, const ColumnSchema& column, bool inserted,
                                  const std::vector<Atom>& elements) {
    SetDelta& delta = set_deltas_[{uuid, &column}];
    auto& gained = inserted ? delta.added : delta.removed;
    auto& undone = inserted ? delta.removed : delta.added;
    for (const Atom& atom : elements) {
        const Uuid& element = std::get<Uuid>(atom);
        if (undone.erase(element) == 0) gained.insert(element);
    }
}

const SetDelta* Transaction::set_delta(const Uuid& uuid, const ColumnSchema& column) const {
    if (rewritten_.contains({uuid, &column})) return nullptr;
    const auto it = set_deltas_.find({uuid, &column});
    return it == set_deltas_.end() ? nullptr : &it->second;
}

SetDeltas Transaction::set_deltas_of(const TableSchema& table, const Uuid& uuid) const {
    SetDeltas out;
    for (auto it = set_deltas_.lower_bound({uuid, nullptr});
         it != set_deltas_.end() && it->first.first == uuid; ++it) {
        const ColumnSchema* column = it->first.second;
        if (table.find_column(column->name) == column && !rewritten_.contains(it->first)) {
            out.emplace(column->name, it->second);
        }
    }
    return out;
}

void Transaction::rollback() {
    for (auto& [table, touched] : touched_) {
        TableRows& all = state_.tables[table->name];
        for (auto& [uuid, before] : touched) {
            if (before) {
                all[uuid] = std::move(*before);
            } else {
                all.erase(uuid);
            }
        }
    }
    finished_ = true;  // the transaction is over: nothing of it is used again
}

void Transaction::collect_symbols(const Json& operations) {
    for (std::size_t i = 0; i < operations.size(); ++i) {
        const Json& op = operations[i];
        if (!op.is_object()) continue;
        const auto* kind = string_member(op, "op");
        const auto* name = string_member(op, "uuid-name");
        if (kind != nullptr && *kind == "insert" && name != nullptr && !symbols_.contains(*name)) {
            symbols_.emplace(*name, std::make_pair(random_uuid(), i));
        }
    }
}

bool Transaction::execute(const Json& operations, Json& results) {
    if (!operations.is_array()) {
        results.push_back(error_json({"syntax error", "operations must be an array"}));
        return false;
    }
    collect_symbols(operations);
    for (std::size_t i = 0; i < operations.size(); ++i) {
        DbResult<Json> result = db_fail("syntax error", "");
        try {
            result = run(operations[i], i);
        } catch (const Json::exception& e) {
            result = db_fail("syntax error", e.what());
        }
        if (blocked_) return false;
        if (!result) {
            results.push_back(error_json(result.error()));
            return false;
        }
        results.push_back(std::move(*result));
    }
    return true;
}

DbResult<Json> Transaction::run(const Json& op, std::size_t index) {
    if (!op.is_object()) return db_fail("syntax error", "an operation must be an object");
    const auto* name = string_member(op, "op");
    if (name == nullptr) return db_fail("syntax error", "an operation needs an \"op\" string");
    const bool on_table = *name == "insert" || *name == "select" || *name == "update" ||
                          *name == "mutate" || *name == "delete" || *name == "wait";
    if (!on_table) return op_control(op, *name);
    const auto* table_name = string_member(op, "table");
    if (table_name == nullptr) return db_fail("syntax error", *name + " needs a \"table\"");
    const TableSchema* table = schema_.find_table(*table_name);
    if (table == nullptr) return db_fail("unknown table", "no table " + *table_name);
    if (*name == "insert") return op_insert(op, *table, index);
    if (*name == "select") return op_select(op, *table);
    if (*name == "update") return op_update(op, *table);
    if (*name == "mutate") return op_mutate(op, *table);
    if (*name == "delete") return op_delete(op, *table);
    return op_wait(op, *table);
}

DbResult<Json> Transaction::op_control(const Json& op, std::string_view name) {
    if (name == "commit") {
        const auto it = op.find("durable");
        if (it == op.end() || !it->is_boolean()) {
            return db_fail("syntax error", "commit needs a boolean \"durable\"");
        }
        durable_ = durable_ || it->get<bool>();
        return Json::object();
    }
    if (name == "abort") return db_fail("aborted", "aborted by request");
    if (name == "comment") {
        if (string_member(op, "comment") == nullptr) {
            return db_fail("syntax error", "comment needs a \"comment\" string");
        }
        return Json::object();
    }
    if (name == "assert") {
        const auto* lock = string_member(op, "lock");
        if (lock == nullptr) return db_fail("syntax error", "assert needs a \"lock\" string");
        if (!holds_lock_ || !holds_lock_(*lock)) {
            return db_fail("not owner", "lock " + *lock + " is not held");
        }
        return Json::object();
    }
    return db_fail("unknown operation", "unknown operation " + std::string(name));
}

DbResult<Store::Row> Transaction::parse_row(const Json& row, const TableSchema& table,
                                            bool for_update) const {
    if (!row.is_object()) return db_fail("syntax error", "\"row\" must be an object");
    Store::Row out;
    for (const auto& [name, value] : row.items()) {
        const ColumnSchema* column = table.find_column(name);
        if (column == nullptr) {
            return db_fail("unknown column", "no column " + name + " in table " + table.name);
        }
        if (is_implicit_column(name)) {
            return db_fail("constraint violation", "column " + name + " cannot be written");
        }
        if (for_update && !column->is_mutable) {
            return db_fail("constraint violation", "column " + name + " is immutable");
        }
        auto datum = datum_from_json(value, column->type, &symbol_lookup_);
        if (!datum) return tl::unexpected(datum.error());
        out[name] = std::move(*datum);
    }
    return out;
}

DbResult<std::vector<Uuid>> Transaction::matching(const Json& op, const TableSchema& table) const {
    const auto it = op.find("where");
    if (it == op.end()) return db_fail("syntax error", "missing \"where\"");
    auto clauses = parse_where(*it, table, &symbol_lookup_);
    if (!clauses) return tl::unexpected(clauses.error());
    std::vector<Uuid> out;
    // Clients name most rows by _uuid: look those up instead of scanning the table.
    for (const auto& clause : *clauses) {
        if (clause.function != Function::kEqual || clause.column->name != "_uuid" ||
            clause.value.size() != 1) {
            continue;
        }
        const Uuid& uuid = std::get<Uuid>(clause.value.keys[0]);
        const RowState* state = find_row(table.name, uuid);
        if (state != nullptr && matches(*clauses, uuid, *state)) out.push_back(uuid);
        return out;
    }
    for (const auto& [uuid, state] : rows(table.name)) {
        if (matches(*clauses, uuid, state)) out.push_back(uuid);
    }
    return out;
}

DbResult<Json> Transaction::op_insert(const Json& op, const TableSchema& table, std::size_t index) {
    Uuid uuid = random_uuid();
    if (op.contains("uuid-name")) {
        const auto* name = string_member(op, "uuid-name");
        if (name == nullptr) return db_fail("syntax error", "\"uuid-name\" must be a string");
        const auto& symbol = symbols_.at(*name);
        if (symbol.second != index) {
            return db_fail("duplicate uuid-name", "uuid-name " + *name + " is declared twice");
        }
        uuid = symbol.first;
    }
    const auto it = op.find("row");
    auto given = parse_row(it == op.end() ? Json::object() : *it, table, false);
    if (!given) return tl::unexpected(given.error());
    auto [defaults, made] = state_.default_rows.try_emplace(&table);
    if (made) {
        for (const auto& column : table.columns) {
            if (!is_implicit_column(column.name))
                defaults->second.emplace(column.name, default_datum(column.type));
        }
    }
    RowState state{Uuid{}, std::make_shared<Store::Row>(defaults->second)};
    for (auto& [name, datum] : *given)
        (*state.row)[name] = std::move(datum);
    put_row(table, uuid, std::move(state));
    return Json{{"uuid", Json::array({"uuid", to_string(uuid)})}};
}

DbResult<Json> Transaction::op_select(const Json& op, const TableSchema& table) {
    auto uuids = matching(op, table);
    if (!uuids) return tl::unexpected(uuids.error());
    auto columns = parse_columns(op, table);
    if (!columns) return tl::unexpected(columns.error());
    Json out = Json::array();
    const TableRows& all = rows(table.name);
    for (const auto& uuid : *uuids)
        out.push_back(row_to_json(table, uuid, all.at(uuid), *columns));
    return Json{{"rows", std::move(out)}};
}

DbResult<Json> Transaction::op_update(const Json& op, const TableSchema& table) {
    const auto it = op.find("row");
    if (it == op.end()) return db_fail("syntax error", "update needs a \"row\"");
    auto changes = parse_row(*it, table, true);
    if (!changes) return tl::unexpected(changes.error());
    auto uuids = matching(op, table);
    if (!uuids) return tl::unexpected(uuids.error());
    for (const auto& uuid : *uuids) {
        RowState& state = row_for_write(table, uuid);
        for (const auto& [name, datum] : *changes) {
            (*state.row)[name] = datum;
            rewritten_.emplace(uuid, table.find_column(name));
        }
    }
    return Json{{"count", uuids->size()}};
}

DbResult<Json> Transaction::op_mutate(const Json& op, const TableSchema& table) {
    const auto it = op.find("mutations");
    if (it == op.end() || !it->is_array()) {
        return db_fail("syntax error", "mutate needs a \"mutations\" array");
    }
    struct Mutation {
        const ColumnSchema* column;
        Mutator mutator;
        const Json* argument;
    };
    std::vector<Mutation> mutations;
    for (const auto& json : *it) {
        if (!json.is_array() || json.size() != 3 || !json[0].is_string() || !json[1].is_string()) {
            return db_fail("syntax error", "a mutation is [column, mutator, value]");
        }
        const auto& name = json[0].get_ref<const std::string&>();
        const ColumnSchema* column = table.find_column(name);
        if (column == nullptr) return db_fail("unknown column", "no column " + name);
        if (is_implicit_column(name) || !column->is_mutable) {
            return db_fail("constraint violation", "column " + name + " cannot be mutated");
        }
        const auto mutator = parse_mutator(json[1].get_ref<const std::string&>());
        if (!mutator) return db_fail("syntax error", "unknown mutator " + json[1].dump());
        mutations.push_back({column, *mutator, &json[2]});
    }
    auto uuids = matching(op, table);
    if (!uuids) return tl::unexpected(uuids.error());
    for (const auto& uuid : *uuids) {
        RowState& state = row_for_write(table, uuid);
        for (const auto& m : mutations) {
            // Mutable columns are stored in every row: mutate in place. A failure fails the
            // whole transaction, which puts the row back.
            const auto current = state.row->find(m.column->name);
            const Type& type = m.column->type;
            const bool ref_set = type.key.is_ref() && !type.value &&
                                 (m.mutator == Mutator::kInsert || m.mutator == Mutator::kDelete);
            if (current != state.row->end()) {
                std::vector<Atom> changed;
                auto ok = mutate_datum_in_place(current->second, type, m.mutator, *m.argument,
                                                &symbol_lookup_, ref_set ? &changed : nullptr);
                if (!ok) return tl::unexpected(ok.error());
                if (ref_set) {
                    note_set_change(uuid, *m.column, m.mutator == Mutator::kInsert, changed);
                } else {
                    rewritten_.emplace(uuid, m.column);
                }
                continue;
            }
            rewritten_.emplace(uuid, m.column);
            auto result = mutate_datum(column_datum(*m.column, uuid, state), m.column->type,
                                       m.mutator, *m.argument, &symbol_lookup_);
            if (!result) return tl::unexpected(result.error());
            (*state.row)[m.column->name] = std::move(*result);
        }
    }
    return Json{{"count", uuids->size()}};
}

DbResult<Json> Transaction::op_delete(const Json& op, const TableSchema& table) {
    auto uuids = matching(op, table);
    if (!uuids) return tl::unexpected(uuids.error());
    for (const auto& uuid : *uuids)
        erase_row(table, uuid);
    return Json{{"count", uuids->size()}};
}

DbResult<Json> Transaction::op_wait(const Json& op, const TableSchema& table) {
    const auto until = string_member(op, "until");
    const auto rows_it = op.find("rows");
    if (until == nullptr || (*until != "==" && *until != "!=") || rows_it == op.end() ||
        !rows_it->is_array()) {
        return db_fail("syntax error", "wait needs until (== or !=) and rows");
    }
    const auto timeout = op.find("timeout");
    if (timeout != op.end() && !timeout->is_number_integer()) {
        return db_fail("syntax error", "\"timeout\" must be an integer");
    }
    // Without "columns" (as Open vSwitch's clients send it) only the number of rows counts.
    DbResult<std::vector<const ColumnSchema*>> columns = std::vector<const ColumnSchema*>{};
    if (op.contains("columns")) columns = parse_columns(op, table);
    if (!columns) return tl::unexpected(columns.error());
    auto uuids = matching(op, table);
    if (!uuids) return tl::unexpected(uuids.error());
    // Rows compared as datums, as multisets (order does not matter): ovs-vsctl verifies a
    // bridge's whole port set this way, so no JSON is built for it.
    using Values = std::vector<Datum>;
    const TableRows& all = rows(table.name);
    auto actual_matches = [&](const Uuid& uuid, const Values& wanted) {
        const RowState& row = all.at(uuid);
        for (std::size_t i = 0; i < columns->size(); ++i) {
            const ColumnSchema& column = *(*columns)[i];
            const auto stored = row.row->find(column.name);
            const bool same = stored != row.row->end()
                                  ? stored->second == wanted[i]
                                  : column_datum(column, uuid, row) == wanted[i];
            if (!same) return false;
        }
        return true;
    };
    std::vector<Values> expected;
    for (const auto& json : *rows_it) {
        auto given = parse_row(json, table, false);
        if (!given) return tl::unexpected(given.error());
        Values values;
        for (const auto* column : *columns) {
            const auto found = given->find(column->name);
            values.push_back(found == given->end() ? default_datum(column->type) : found->second);
        }
        expected.push_back(std::move(values));
    }
    bool same = uuids->size() == expected.size();
    std::vector<bool> used(uuids->size(), false);
    for (std::size_t i = 0; same && i < expected.size(); ++i) {
        same = false;
        for (std::size_t j = 0; j < uuids->size() && !same; ++j) {
            if (!used[j] && actual_matches((*uuids)[j], expected[i])) used[j] = same = true;
        }
    }
    const bool holds = same == (*until == "==");
    if (holds) return Json::object();
    if (timeout != op.end() && timeout->get<std::int64_t>() == 0) {
        return db_fail("timed out", "wait condition not met");
    }
    blocked_ = true;
    return db_fail("blocked", "wait condition not met yet");
}

}  // namespace vs::ovsdb
