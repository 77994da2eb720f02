// DbServer monitors (RFC 7047 4.1.5-4.1.7): the initial contents in the reply, then "update"
// notifications with old/new rows for every committed change a monitor selected.
#include "ovsdb/server/db_server.hpp"
#include "ovsdb/server/db_session.hpp"

namespace vs::ovsdb {

namespace {

Json row_json(const TableSchema& table, const Store::Row& row,
              const std::vector<std::string>& columns) {
    Json out = Json::object();
    for (const std::string& name : columns) {
        const ColumnSchema* column = table.find_column(name);
        auto it = row.find(name);
        if (column && it != row.end()) out[name] = datum_to_json(it->second, column->type);
    }
    return out;
}

// Columns whose values differ between two versions of a row, among `columns`.
std::vector<std::string> changed_columns(const Store::Row& old_row, const Store::Row& new_row,
                                         const std::vector<std::string>& columns) {
    std::vector<std::string> out;
    for (const std::string& name : columns) {
        auto a = old_row.find(name), b = new_row.find(name);
        const bool a_has = a != old_row.end(), b_has = b != new_row.end();
        if (a_has != b_has || (a_has && !(a->second == b->second))) out.push_back(name);
    }
    return out;
}

}  // namespace

Json DbServer::monitor(const std::shared_ptr<Session>& session, const Json& params) {
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
                }
            } else {
                for (const ColumnSchema& c : table->columns) {
                    if (!is_implicit_column(c.name)) spec.columns.push_back(c.name);
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
    Json initial = Json::object();
    for (auto& [table_name, spec] : m.tables) {
        if (!spec.initial) continue;
        const TableSchema* table = db_.schema().find_table(table_name);
        Json rows = Json::object();
        const std::vector<std::string>& columns = spec.columns;  // lambdas can't capture bindings
        db_.for_each_row(table_name, [&](const Uuid& uuid, const Store::Row& row) {
            rows[to_string(uuid)] = {{"new", row_json(*table, row, columns)}};
        });
        if (!rows.empty()) initial[table_name] = std::move(rows);
    }
    session->monitors[key] = std::move(m);
    return initial;
}

void DbServer::publish(const std::vector<RowChange>& changes) {
    for (auto& weak : sessions_) {
        auto session = weak.lock();
        if (!session || session->closed()) continue;
        for (auto& [key, m] : session->monitors) {
            Json updates = Json::object();
            for (const RowChange& c : changes) {
                auto spec_it = m.tables.find(c.table);
                if (spec_it == m.tables.end()) continue;
                const Monitor::TableSpec& spec = spec_it->second;
                const TableSchema* table = db_.schema().find_table(c.table);
                Json update;
                if (!c.old_row && c.new_row) {
                    if (!spec.insert) continue;
                    update = {{"new", row_json(*table, *c.new_row, spec.columns)}};
                } else if (c.old_row && !c.new_row) {
                    if (!spec.remove) continue;
                    update = {{"old", row_json(*table, *c.old_row, spec.columns)}};
                } else if (c.old_row && c.new_row) {
                    if (!spec.modify) continue;
                    const auto changed = changed_columns(*c.old_row, *c.new_row, spec.columns);
                    if (changed.empty()) continue;
                    update = {{"old", row_json(*table, *c.old_row, changed)},
                              {"new", row_json(*table, *c.new_row, spec.columns)}};
                } else {
                    continue;
                }
                updates[c.table][to_string(c.uuid)] = std::move(update);
            }
            if (!updates.empty()) {
                session->send({{"id", nullptr},
                               {"method", "update"},
                               {"params", Json::array({m.id, updates})}});
            }
        }
    }
}

}  // namespace vs::ovsdb
