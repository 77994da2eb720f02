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

Json Replica::fetch_ops() const {
    Json ops = Json::array();
    for (const auto& [name, table] : schema_.tables) {
        ops.push_back({{"op", "select"}, {"table", name}, {"where", Json::array()}});
    }
    return ops;
}

void Replica::load(const Json& results) {
    if (!results.is_array() || results.size() < schema_.tables.size()) {
        throw CommandError("unexpected reply to the database fetch");
    }
    size_t i = 0;
    for (const auto& [name, table] : schema_.tables) {
        const Json& result = results[i++];
        if (!result.is_object() || !result.contains("rows")) {
            throw CommandError("cannot read table " + name + ": " + result.dump());
        }
        for (const Json& json_row : result["rows"]) {
            const auto uuid = ovsdb::datum_from_json(json_row.value("_uuid", Json()),
                                                     ovsdb::make_scalar(ovsdb::AtomicType::kUuid));
            if (!uuid) throw CommandError("row of " + name + " without _uuid");
            Row row;
            for (const auto& column : table.columns) {
                if (ovsdb::is_implicit_column(column.name)) continue;
                const auto it = json_row.find(column.name);
                if (it == json_row.end()) {
                    row[column.name] = ovsdb::default_datum(column.type);
                    continue;
                }
                auto datum = ovsdb::datum_from_json(*it, column.type);
                if (!datum) {
                    throw CommandError("bad value in " + name + " column " + column.name + ": " +
                                       datum.error().details);
                }
                row[column.name] = std::move(*datum);
            }
            load_row(name, std::get<Uuid>(uuid->keys.at(0)), row);
        }
    }
}

void Replica::load_row(const std::string& table, const Uuid& uuid, const Row& row) {
    original_[table][uuid] = row;
    current_[table][uuid] = row;
}

Rows& Replica::rows(std::string_view table) {
    auto it = current_.find(table);
    if (it == current_.end()) it = current_.emplace(std::string(table), Rows{}).first;
    return it->second;
}

std::vector<Uuid> Replica::scan(std::string_view table) {
    scanned_.emplace(table);
    std::vector<Uuid> out;
    for (const auto& [uuid, row] : rows(table))
        out.push_back(uuid);
    return out;
}

bool Replica::exists(std::string_view table, const Uuid& uuid) const {
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
    Json ops = Json::array();
    for (const auto& name : scanned_) {
        const auto it = original_.find(name);
        const size_t n = it == original_.end() ? 0 : it->second.size();
        ops.push_back({{"op", "wait"},
                       {"table", name},
                       {"timeout", 0},
                       {"where", Json::array()},
                       {"until", "=="},
                       {"rows", Json(n, Json::object())}});
    }
    for (const auto& [name, by_row] : read_) {
        const auto& schema = table(name);
        const auto orig = original_.find(name);
        for (const auto& [uuid, columns] : by_row) {
            const Row& row = orig->second.at(uuid);
            Json expected = Json::object();
            Json names = Json::array();
            for (const auto& column : columns) {
                names.push_back(column);
                expected[column] =
                    ovsdb::datum_to_json(row.at(column), schema.find_column(column)->type);
            }
            ops.push_back({{"op", "wait"},
                           {"table", name},
                           {"timeout", 0},
                           {"where", uuid_where(uuid)},
                           {"columns", names},
                           {"until", "=="},
                           {"rows", Json::array({expected})}});
        }
    }
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
