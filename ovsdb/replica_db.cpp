// ReplicaDb: monitor replies and updates parsed against the schema, then applied.
#include "ovsdb/replica_db.hpp"

#include <optional>
#include <vector>

namespace vs::ovsdb {

namespace {

struct StagedRow {
    Store::Row* existing = nullptr;  // the row being modified, if any
    std::map<Uuid, Store::Row>* rows = nullptr;
    Uuid uuid;
    std::optional<Store::Row> row;  // nullopt: delete
};

DbResult<Store::Row> parse_row(const TableSchema& table, const Json& json, const Store::Row* base) {
    if (!json.is_object())
        return db_fail("syntax error", "row of " + table.name + " is not an object");
    Store::Row row;
    if (base != nullptr) row = *base;
    for (const ColumnSchema& column : table.columns) {
        if (is_implicit_column(column.name)) continue;
        auto it = json.find(column.name);
        if (it == json.end()) {
            if (base == nullptr) row.insert_or_assign(column.name, default_datum(column.type));
            continue;
        }
        auto datum = datum_from_json(*it, column.type);
        if (!datum) {
            return db_fail(datum.error().error,
                           table.name + "." + column.name + ": " + datum.error().details);
        }
        row.insert_or_assign(column.name, std::move(*datum));
    }
    return row;
}

}  // namespace

TransactResult ReplicaDb::transact(const Json& /*operations*/,
                                   const std::function<bool(std::string_view)>& /*holds_lock*/) {
    TransactResult result;
    result.results.push_back(
        {{"error", "not allowed"}, {"details", "a replica is changed only through its server"}});
    return result;
}

void ReplicaDb::for_each_row(std::string_view table,
                             const std::function<void(const Uuid&, const Store::Row&)>& fn) const {
    auto it = tables_.find(table);
    if (it == tables_.end()) return;
    for (const auto& [uuid, row] : it->second)
        fn(uuid, row);
}

Json ReplicaDb::monitor_requests() const {
    Json requests = Json::object();
    for (const auto& [name, table] : schema_.tables) {
        Json columns = Json::array();
        for (const ColumnSchema& column : table.columns) {
            if (!is_implicit_column(column.name)) columns.push_back(column.name);
        }
        requests[name] = {{"columns", std::move(columns)}};
    }
    return requests;
}

DbResult<void> ReplicaDb::apply(const Json& table_updates) {
    if (!table_updates.is_object())
        return db_fail("syntax error", "table updates are not an object");
    std::vector<StagedRow> staged;
    for (const auto& [table_name, rows_json] : table_updates.items()) {
        const TableSchema* table = schema_.find_table(table_name);
        if (table == nullptr) return db_fail("unknown table", "update names table " + table_name);
        if (!rows_json.is_object()) return db_fail("syntax error", "updates of " + table_name);
        auto& rows = tables_[table_name];
        for (const auto& [uuid_text, update] : rows_json.items()) {
            const auto uuid = parse_uuid(uuid_text);
            if (!uuid || !update.is_object()) {
                std::string what = "bad row update " + uuid_text;
                what += " in ";
                what += table_name;
                return db_fail("syntax error", std::move(what));
            }
            StagedRow s{nullptr, &rows, *uuid, std::nullopt};
            if (auto it = rows.find(*uuid); it != rows.end()) s.existing = &it->second;
            if (auto n = update.find("new"); n != update.end()) {
                auto row = parse_row(*table, *n, s.existing);
                if (!row) return tl::unexpected(row.error());
                s.row = std::move(*row);
            }
            staged.push_back(std::move(s));
        }
    }
    for (StagedRow& s : staged) {
        if (s.row) {
            (*s.rows)[s.uuid] = std::move(*s.row);
        } else {
            s.rows->erase(s.uuid);
        }
    }
    return {};
}

size_t ReplicaDb::n_rows() const {
    size_t n = 0;
    for (const auto& [name, rows] : tables_)
        n += rows.size();
    return n;
}

}  // namespace vs::ovsdb
