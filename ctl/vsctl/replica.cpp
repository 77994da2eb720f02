// Replica: loading select results, tracked reads and writes, the commit transaction.
#include "ctl/vsctl/replica.hpp"

#include <algorithm>

#include "ctl/vsctl/error.hpp"

namespace vs::vsctl {

namespace {

const Datum& empty_datum() {
    static const Datum empty;
    return empty;
}

Json uuid_where(const Uuid& uuid) {
    return Json::array({Json::array({"_uuid", "==", Json::array({"uuid", to_string(uuid)})})});
}

}  // namespace

const ovsdb::TableSchema& Replica::table(std::string_view name) const {
    const auto* t = schema_.find_table(name);
    if (t == nullptr) throw CommandError("unknown table \"" + std::string(name) + "\"");
    return *t;
}

void Replica::prefetch(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& wanted) {
    if (!fetch_) return;
    Json ops = Json::array();
    std::vector<std::pair<const ovsdb::TableSchema*, std::vector<std::string>>> asked;
    for (const auto& [name, columns] : wanted) {
        const auto& schema = table(name);
        std::vector<std::string> missing;
        const auto& have = loaded_[schema.name];
        if (columns.empty()) {
            for (const auto& column : schema.columns) {
                if (!ovsdb::is_implicit_column(column.name) && !have.contains(column.name)) {
                    missing.push_back(column.name);
                }
            }
        } else {
            for (const auto& column : columns) {
                if (column != "_uuid" && !have.contains(column)) missing.push_back(column);
            }
        }
        if (missing.empty() && !have.empty()) continue;
        Json select_columns = Json::array({"_uuid"});
        for (const auto& column : missing)
            select_columns.push_back(column);
        ops.push_back({{"op", "select"},
                       {"table", schema.name},
                       {"where", Json::array()},
                       {"columns", select_columns}});
        asked.emplace_back(&schema, std::move(missing));
    }
    if (ops.empty()) return;
    const Json results = fetch_(ops);
    if (!results.is_array() || results.size() < asked.size()) {
        throw CommandError("unexpected reply to a select: " + results.dump());
    }
    for (size_t i = 0; i < asked.size(); ++i)
        merge(*asked[i].first, asked[i].second, results[i]);
}

void Replica::ensure(std::string_view table, const std::vector<std::string>& columns) {
    const auto it = loaded_.find(table);
    if (it != loaded_.end() && !it->second.empty()) {
        bool all = true;
        for (const auto& column : columns)
            all = all && it->second.contains(column);
        if (all) return;
    }
    prefetch({{std::string(table), columns.empty() ? std::vector<std::string>{"_uuid"} : columns}});
}

void Replica::merge(const ovsdb::TableSchema& table, const std::vector<std::string>& columns,
                    const Json& result) {
    if (!result.is_object() || !result.contains("rows")) {
        throw CommandError("cannot read table " + table.name + ": " + result.dump());
    }
    auto& loaded = loaded_[table.name];
    const bool first = loaded.empty();
    loaded.insert("_uuid");
    auto& original = original_[table.name];
    auto& current = rows(table.name);
    for (const Json& json_row : result["rows"]) {
        const auto uuid = ovsdb::datum_from_json(json_row.value("_uuid", Json()),
                                                 ovsdb::make_scalar(ovsdb::AtomicType::kUuid));
        if (!uuid) throw CommandError("row of " + table.name + " without _uuid");
        const Uuid id = std::get<Uuid>(uuid->keys.at(0));
        if (!first && !original.contains(id)) continue;  // appeared since: the waits notice
        Row& orig = original[id];
        Row* cur = erased_.contains(id) ? nullptr : &current[id];
        for (const auto& name : columns) {
            const auto* column = table.find_column(name);
            if (column == nullptr || ovsdb::is_implicit_column(name)) continue;
            const auto it = json_row.find(name);
            auto datum = it == json_row.end() ? ovsdb::DbResult<Datum>(default_datum(column->type))
                                              : ovsdb::datum_from_json(*it, column->type);
            if (!datum) {
                throw CommandError("bad value in " + table.name + " column " + name + ": " +
                                   datum.error().details);
            }
            orig[name] = *datum;
            if (cur != nullptr) (*cur)[name] = std::move(*datum);
        }
    }
    for (const auto& name : columns)
        loaded.insert(name);
}

void Replica::load_row(const std::string& table, const Uuid& uuid, const Row& row) {
    original_[table][uuid] = row;
    current_[table][uuid] = row;
    auto& loaded = loaded_[table];
    loaded.insert("_uuid");
    for (const auto& column : this->table(table).columns)
        loaded.insert(column.name);
}

Rows& Replica::rows(std::string_view table) {
    auto it = current_.find(table);
    if (it == current_.end()) it = current_.emplace(std::string(table), Rows{}).first;
    return it->second;
}

std::vector<Uuid> Replica::scan(std::string_view table) {
    ensure(table, {});
    scanned_.emplace(table);
    std::vector<Uuid> out;
    for (const auto& [uuid, row] : rows(table))
        out.push_back(uuid);
    return out;
}

bool Replica::exists(std::string_view table, const Uuid& uuid) {
    ensure(table, {});
    const auto it = current_.find(table);
    return it != current_.end() && it->second.contains(uuid);
}

void Replica::verify(std::string_view table, const Uuid& uuid, std::string_view column) {
    if (inserted_.contains(uuid)) return;
    auto it = read_.find(table);
    if (it == read_.end()) it = read_.emplace(std::string(table), decltype(it->second){}).first;
    it->second[uuid].emplace(column);
}

const Datum& Replica::get(std::string_view table, const Uuid& uuid, std::string_view column) {
    if (!inserted_.contains(uuid)) ensure(table, {std::string(column)});
    auto& all = rows(table);
    const auto row = all.find(uuid);
    if (row == all.end()) return empty_datum();
    const auto value = row->second.find(column);
    if (value == row->second.end()) return empty_datum();
    verify(table, uuid, column);
    return value->second;
}

void Replica::set(std::string_view table, const Uuid& uuid, std::string_view column, Datum value) {
    auto& all = rows(table);
    const auto row = all.find(uuid);
    if (row == all.end()) return;
    row->second[std::string(column)] = std::move(value);
}

Uuid Replica::insert(std::string_view table, std::optional<Uuid> wanted) {
    const auto& schema = this->table(table);
    const Uuid uuid = wanted ? *wanted : ovsdb::random_uuid();
    Row row;
    for (const auto& column : schema.columns) {
        if (!ovsdb::is_implicit_column(column.name)) {
            row[column.name] = ovsdb::default_datum(column.type);
        }
    }
    rows(table)[uuid] = std::move(row);
    inserted_.insert(uuid);
    return uuid;
}

void Replica::erase(std::string_view table, const Uuid& uuid, bool explicit_delete) {
    rows(table).erase(uuid);
    erased_.insert(uuid);
    if (explicit_delete) destroyed_.insert(uuid);
}

bool Replica::changed() const {
    for (const auto& [name, current] : current_) {
        const auto it = original_.find(name);
        if (it == original_.end()) {
            if (!current.empty()) return true;
        } else if (it->second != current) {
            return true;
        }
    }
    return false;
}

std::string Replica::symbol_name(const Uuid& uuid) {
    std::string text = "row" + to_string(uuid);
    std::replace(text.begin(), text.end(), '-', '_');
    return text;
}

Json Replica::value_json(const Datum& datum, const ovsdb::Type& type) const {
    Json json = ovsdb::datum_to_json(datum, type);
    // New rows are named, not known by UUID, until the server creates them.
    auto rename = [this](Json& atom) {
        if (atom.is_array() && atom.size() == 2 && atom[0] == "uuid") {
            const auto uuid = ovsdb::parse_uuid(atom[1].get<std::string>());
            if (uuid && inserted_.contains(*uuid)) atom = {"named-uuid", symbol_name(*uuid)};
        }
    };
    if (json.is_array() && json.size() == 2 && (json[0] == "set" || json[0] == "map")) {
        for (Json& element : json[1]) {
            if (json[0] == "map") {
                rename(element[0]);
                rename(element[1]);
            } else {
                rename(element);
            }
        }
    } else {
        rename(json);
    }
    return json;
}

Json Replica::row_json(const ovsdb::TableSchema& table, const Row& row, const Row* before) const {
    Json out = Json::object();
    for (const auto& column : table.columns) {
        if (ovsdb::is_implicit_column(column.name)) continue;
        const auto it = row.find(column.name);
        if (it == row.end()) continue;
        if (before != nullptr) {
            const auto old = before->find(column.name);
            if (old != before->end() && old->second == it->second) continue;
        } else if (it->second == ovsdb::default_datum(column.type)) {
            continue;
        }
        out[column.name] = value_json(it->second, column.type);
    }
    return out;
}

Json Replica::transaction_ops() const {
    Json ops = wait_ops();
    for (auto& op : change_ops())
        ops.push_back(std::move(op));
    return ops;
}

Json Replica::wait_ops() const {
    Json ops = Json::array();
    // One wait per table read: the same rows with the same values in the columns read (only
    // the row count when no column was read), so any concurrent change makes it fail.
    std::set<std::string, std::less<>> waited = scanned_;
    for (const auto& [name, by_row] : read_)
        waited.insert(name);
    for (const auto& name : waited) {
        const auto& schema = table(name);
        std::set<std::string> columns;
        if (const auto it = read_.find(name); it != read_.end()) {
            for (const auto& [uuid, read] : it->second)
                columns.insert(read.begin(), read.end());
        }
        Json rows = Json::array();
        if (const auto orig = original_.find(name); orig != original_.end()) {
            for (const auto& [uuid, row] : orig->second) {
                Json values = Json::object();
                for (const auto& column : columns) {
                    const auto value = row.find(column);
                    if (value != row.end()) {
                        values[column] =
                            ovsdb::datum_to_json(value->second, schema.find_column(column)->type);
                    }
                }
                rows.push_back(std::move(values));
            }
        }
        // "columns" even when empty: without it a server may compare every column.
        ops.push_back({{"op", "wait"},
                       {"table", name},
                       {"timeout", 0},
                       {"where", Json::array()},
                       {"columns", Json(columns)},
                       {"until", "=="},
                       {"rows", std::move(rows)}});
    }
    return ops;
}

Json Replica::change_ops() const {
    Json ops = Json::array();
    for (const auto& [name, current] : current_) {
        const auto& schema = table(name);
        const auto orig = original_.find(name);
        for (const auto& [uuid, row] : current) {
            if (inserted_.contains(uuid)) {
                ops.push_back({{"op", "insert"},
                               {"table", name},
                               {"uuid-name", symbol_name(uuid)},
                               {"row", row_json(schema, row, nullptr)}});
                continue;
            }
            const Row& before = orig->second.at(uuid);
            if (before == row) continue;
            ops.push_back({{"op", "update"},
                           {"table", name},
                           {"where", uuid_where(uuid)},
                           {"row", row_json(schema, row, &before)}});
        }
        // Rows of non-root tables go when nothing refers to them (the server collects them)
        // unless destroyed explicitly.
        if (orig == original_.end()) continue;
        for (const auto& [uuid, row] : orig->second) {
            if (!current.contains(uuid) && (schema.is_root || destroyed_.contains(uuid))) {
                ops.push_back({{"op", "delete"}, {"table", name}, {"where", uuid_where(uuid)}});
            }
        }
    }
    return ops;
}

}  // namespace vs::vsctl
