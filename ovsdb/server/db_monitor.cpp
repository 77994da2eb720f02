// DbServer monitors (RFC 7047 4.1.5-4.1.7): the initial contents in the reply, then "update"
// notifications with old/new rows for every committed change a monitor selected.
#include <map>
#include <string>
#include <string_view>

#include "ovsdb/server/db_server.hpp"
#include "ovsdb/server/db_session.hpp"

namespace vs::ovsdb {

namespace {

// {"column": value, ...} for the given columns of a row, written straight as JSON text (column
// names are identifiers: nothing to escape). A monitor of a thousand-port bridge sends every
// port row; building a JSON tree for it first would cost more than the rest of the request.
void append_row(std::string& out, const Store::Row& row,
                const std::vector<const ColumnSchema*>& columns) {
    out += '{';
    bool first = true;
    for (const ColumnSchema* column : columns) {
        const auto it = row.find(column->name);
        if (it == row.end()) continue;
        if (!first) out += ',';
        first = false;
        out += '"';
        out += column->name;
        out += "\":";
        append_datum_json(out, it->second, column->type);
    }
    out += '}';
}

// Columns whose values differ between two versions of a row, among `columns`.
std::vector<const ColumnSchema*> changed_columns(const Store::Row& old_row,
                                                 const Store::Row& new_row,
                                                 const std::vector<const ColumnSchema*>& columns) {
    std::vector<const ColumnSchema*> out;
    for (const ColumnSchema* column : columns) {
        auto a = old_row.find(column->name), b = new_row.find(column->name);
        const bool a_has = a != old_row.end(), b_has = b != new_row.end();
        if (a_has != b_has || (a_has && !(a->second == b->second))) out.push_back(column);
    }
    return out;
}

void append_uuid_key(std::string& out, const Uuid& uuid) {
    out += '"';
    out += to_string(uuid);
    out += "\":";
}

}  // namespace

Json DbServer::monitor(const std::shared_ptr<Session>& session, const Json& params, const Json& id,
                       bool& replied) {
    if (params.size() != 3 || !params[2].is_object()) {
        return {{"error", "syntax error"}, {"details", "monitor takes [db, id, requests]"}};
    }
    const std::string key = params[1].dump();
    if (session->monitors.count(key)) return {{"error", "duplicate monitor"}};
    Monitor m;
    m.id = params[1];
    for (auto& [table_name, request] : params[2].items()) {
        const TableSchema* table = db_.schema().find_table(table_name);
        if (!table) return {{"error", "unknown table"}, {"details", table_name}};
        Monitor::TableSpec spec;
        const Json requests = request.is_array() ? request : Json::array({request});
        for (const Json& r : requests) {
            if (!r.is_object()) return {{"error", "syntax error"}};
            auto cols = r.find("columns");
            if (cols != r.end()) {
                if (!cols->is_array()) return {{"error", "syntax error"}};
                for (const Json& c : *cols) {
                    if (!c.is_string() || !table->find_column(c.get<std::string>())) {
                        return {{"error", "unknown column"}, {"details", c.dump()}};
                    }
                    spec.columns.push_back(c.get<std::string>());
                    spec.schemas.push_back(table->find_column(c.get<std::string>()));
                }
            } else {
                for (const ColumnSchema& c : table->columns) {
                    if (is_implicit_column(c.name)) continue;
                    spec.columns.push_back(c.name);
                    spec.schemas.push_back(&c);
                }
            }
            auto select = r.find("select");
            if (select != r.end() && select->is_object()) {
                spec.initial = select->value("initial", true);
                spec.insert = select->value("insert", true);
                spec.remove = select->value("delete", true);
                spec.modify = select->value("modify", true);
            }
        }
        m.tables[table_name] = std::move(spec);
    }
    std::string text = "{\"id\":" + id.dump() + ",\"result\":{";
    bool first_table = true;
    for (auto& [table_name, spec] : m.tables) {
        if (!spec.initial) continue;
        const std::size_t table_start = text.size();
        text += (first_table ? "\"" : ",\"") + table_name + "\":{";
        bool first_row = true;
        const std::vector<const ColumnSchema*>& columns = spec.schemas;
        db_.for_each_row(table_name, [&](const Uuid& uuid, const Store::Row& row) {
            if (!first_row) text += ',';
            first_row = false;
            append_uuid_key(text, uuid);
            text += "{\"new\":";
            append_row(text, row, columns);
            text += '}';
        });
        if (first_row) {
            text.resize(table_start);  // tables without rows are left out
        } else {
            text += '}';
            first_table = false;
        }
    }
    text += "},\"error\":null}";
    session->monitors[key] = std::move(m);
    if (!id.is_null()) session->send_text(std::move(text));
    replied = true;
    return nullptr;
}

void DbServer::publish(const std::vector<RowChange>& changes) {
    for (auto& weak : sessions_) {
        auto session = weak.lock();
        if (!session || session->closed()) continue;
        for (auto& [key, m] : session->monitors) {
            // {"Table": {"uuid": {"old": ..., "new": ...}, ...}, ...}
            std::map<std::string_view, std::string> by_table;
            for (const RowChange& c : changes) {
                auto spec_it = m.tables.find(c.table);
                if (spec_it == m.tables.end()) continue;
                const Monitor::TableSpec& spec = spec_it->second;
                std::string update;
                if (!c.old_row && c.new_row) {
                    if (!spec.insert) continue;
                    update = "{\"new\":";
                    append_row(update, *c.new_row, spec.schemas);
                } else if (c.old_row && !c.new_row) {
                    if (!spec.remove) continue;
                    update = "{\"old\":";
                    append_row(update, *c.old_row, spec.schemas);
                } else if (c.old_row && c.new_row) {
                    if (!spec.modify) continue;
                    const auto changed = changed_columns(*c.old_row, *c.new_row, spec.schemas);
                    if (changed.empty()) continue;
                    update = "{\"old\":";
                    append_row(update, *c.old_row, changed);
                    update += ",\"new\":";
                    append_row(update, *c.new_row, spec.schemas);
                } else {
                    continue;
                }
                update += '}';
                std::string& rows = by_table[c.table];
                if (!rows.empty()) rows += ',';
                append_uuid_key(rows, c.uuid);
                rows += update;
            }
            if (by_table.empty()) continue;
            std::string updates;
            for (const auto& [table, rows] : by_table) {
                if (!updates.empty()) updates += ',';
                updates += '"';
                updates += table;
                updates += "\":{" + rows + '}';
            }
            session->send_text("{\"id\":null,\"method\":\"update\",\"params\":[" + m.id.dump() +
                               ",{" + updates + "}]}");
        }
    }
}

}  // namespace vs::ovsdb
