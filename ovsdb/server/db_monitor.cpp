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

// An initial or inserted row for update2: columns equal to their type's default are left out.
void append_row_without_defaults(std::string& out, const Store::Row& row,
                                 const std::vector<const ColumnSchema*>& columns) {
    std::vector<const ColumnSchema*> set;
    for (const ColumnSchema* column : columns) {
        const auto it = row.find(column->name);
        if (it == row.end()) continue;
        // The default of a column with min 0 is empty: no default datum to build per row.
        const Type& type = column->type;
        const bool is_default =
            type.min == 0 ? it->second.empty() : it->second == default_datum(type);
        if (!is_default) set.push_back(column);
    }
    append_row(out, row, set);
}

// What update2's "modify" carries for one column: the new value of a scalar, the elements in
// only one of two sets, and for maps the pairs whose key is in only one of them plus the new
// pairs of keys whose value changed.
Datum column_difference(const Datum& old_value, const Datum& new_value, const Type& type) {
    if (type.is_scalar()) return new_value;
    Datum out;
    std::size_t i = 0;
    std::size_t j = 0;
    const bool map = type.is_map();
    while (i < old_value.size() || j < new_value.size()) {
        if (j == new_value.size() ||
            (i < old_value.size() && old_value.keys[i] < new_value.keys[j])) {
            out.keys.push_back(old_value.keys[i]);
            if (map) out.values.push_back(old_value.values[i]);
            ++i;
        } else if (i == old_value.size() || new_value.keys[j] < old_value.keys[i]) {
            out.keys.push_back(new_value.keys[j]);
            if (map) out.values.push_back(new_value.values[j]);
            ++j;
        } else {
            if (map && old_value.values[i] != new_value.values[j]) {
                out.keys.push_back(new_value.keys[j]);
                out.values.push_back(new_value.values[j]);
            }
            ++i;
            ++j;
        }
    }
    return out;
}

void append_row_difference(std::string& out, const Store::Row& old_row, const Store::Row& new_row,
                           const std::vector<const ColumnSchema*>& columns) {
    out += '{';
    bool first = true;
    for (const ColumnSchema* column : columns) {
        const auto a = old_row.find(column->name);
        const auto b = new_row.find(column->name);
        const Datum none = default_datum(column->type);
        const Datum& old_value = a == old_row.end() ? none : a->second;
        const Datum& new_value = b == new_row.end() ? none : b->second;
        if (!first) out += ',';
        first = false;
        out += '"';
        out += column->name;
        out += "\":";
        append_datum_json(out, column_difference(old_value, new_value, column->type), column->type);
    }
    out += '}';
}

// monitor_cond's "where": conditions and booleans; a row is selected when any holds, and an
// absent or empty array selects every row.
DbResult<void> parse_monitor_where(const Json& where, const TableSchema& table, bool& all_rows,
                                   std::vector<Clause>& any_of) {
    if (!where.is_array()) return db_fail("syntax error", "\"where\" must be an array");
    all_rows = where.empty();
    any_of.clear();
    for (const Json& condition : where) {
        if (condition.is_boolean()) {
            all_rows = all_rows || condition.get<bool>();
            continue;
        }
        auto clauses = parse_where(Json::array({condition}), table, nullptr);
        if (!clauses) return tl::unexpected(clauses.error());
        any_of.push_back(std::move(clauses->front()));
    }
    return {};
}

void append_uuid_key(std::string& out, const Uuid& uuid) {
    out += '"';
    out += to_string(uuid);
    out += "\":";
}

}  // namespace

bool DbServer::Monitor::TableSpec::selects(const Uuid& uuid, const Store::Row* row) const {
    if (row == nullptr) return false;
    if (all_rows) return true;
    for (const Clause& clause : any_of) {
        if (holds(clause, uuid, *row)) return true;
    }
    return false;
}

Json DbServer::monitor(const std::shared_ptr<Session>& session, const Json& params, const Json& id,
                       bool cond, bool& replied) {
    if (params.size() != 3 || !params[2].is_object()) {
        return {{"error", "syntax error"}, {"details", "monitor takes [db, id, requests]"}};
    }
    const std::string key = params[1].dump();
    if (session->monitors.count(key)) return {{"error", "duplicate monitor"}};
    Monitor m;
    m.id = params[1];
    m.cond = cond;
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
            if (auto where = r.find("where"); cond && where != r.end()) {
                if (auto ok = parse_monitor_where(*where, *table, spec.all_rows, spec.any_of);
                    !ok) {
                    return {{"error", ok.error().error}, {"details", ok.error().details}};
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
        const Monitor::TableSpec& selection = spec;
        db_.for_each_row(table_name, [&](const Uuid& uuid, const Store::Row& row) {
            if (cond && !selection.selects(uuid, &row)) return;
            if (!first_row) text += ',';
            first_row = false;
            append_uuid_key(text, uuid);
            if (cond) {
                text += "{\"initial\":";
                append_row_without_defaults(text, row, columns);
            } else {
                text += "{\"new\":";
                append_row(text, row, columns);
            }
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
                if (m.cond) {
                    const bool was = spec.selects(c.uuid, c.old_row.get());
                    const bool is = spec.selects(c.uuid, c.new_row.get());
                    if (!was && is) {
                        if (!spec.insert) continue;
                        update = "{\"insert\":";
                        append_row_without_defaults(update, *c.new_row, spec.schemas);
                    } else if (was && !is) {
                        if (!spec.remove) continue;
                        update = "{\"delete\":null";
                    } else if (was && is) {
                        if (!spec.modify) continue;
                        const auto changed = changed_columns(*c.old_row, *c.new_row, spec.schemas);
                        if (changed.empty()) continue;
                        update = "{\"modify\":";
                        append_row_difference(update, *c.old_row, *c.new_row, changed);
                    } else {
                        continue;
                    }
                } else if (!c.old_row && c.new_row) {
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
            session->send_text(std::string("{\"id\":null,\"method\":\"") +
                               (m.cond ? "update2" : "update") + "\",\"params\":[" + m.id.dump() +
                               ",{" + updates + "}]}");
        }
    }
}

// monitor_cond_change [old-id, new-id, {table: [{"where": [...]}]}]: new conditions; the reply is
// {}, then one update2 under the new id with the rows that entered (insert) and left (delete)
// the selection.
Json DbServer::monitor_cond_change(const std::shared_ptr<Session>& session, const Json& params,
                                   const Json& id, bool& replied) {
    if (params.size() != 3 || !params[2].is_object()) {
        return {{"error", "syntax error"},
                {"details", "monitor_cond_change takes [id, new-id, requests]"}};
    }
    const auto found = session->monitors.find(params[0].dump());
    if (found == session->monitors.end() || !found->second.cond) {
        return {{"error", "unknown monitor"}};
    }
    const std::string new_key = params[1].dump();
    if (new_key != found->first && session->monitors.count(new_key)) {
        return {{"error", "duplicate monitor"}};
    }
    Monitor m = found->second;
    std::map<std::string, Monitor::TableSpec, std::less<>> before = m.tables;
    for (const auto& [table_name, requests] : params[2].items()) {
        const auto spec = m.tables.find(table_name);
        const TableSchema* table = db_.schema().find_table(table_name);
        if (spec == m.tables.end() || table == nullptr) {
            return {{"error", "syntax error"}, {"details", table_name + " is not monitored"}};
        }
        for (const Json& request : requests.is_array() ? requests : Json::array({requests})) {
            const auto where = request.find("where");
            if (!request.is_object() || where == request.end()) continue;
            if (auto ok =
                    parse_monitor_where(*where, *table, spec->second.all_rows, spec->second.any_of);
                !ok) {
                return {{"error", ok.error().error}, {"details", ok.error().details}};
            }
        }
    }
    m.id = params[1];
    std::string updates;
    for (const auto& [table_name, table_spec] : m.tables) {
        const Monitor::TableSpec& old_spec = before.at(table_name);
        const Monitor::TableSpec& spec = table_spec;  // lambdas can't capture bindings
        std::string rows;
        db_.for_each_row(table_name, [&](const Uuid& uuid, const Store::Row& row) {
            const bool was = old_spec.selects(uuid, &row);
            const bool is = spec.selects(uuid, &row);
            if (was == is || (is && !spec.insert) || (was && !spec.remove)) return;
            if (!rows.empty()) rows += ',';
            append_uuid_key(rows, uuid);
            if (is) {
                rows += "{\"insert\":";
                append_row_without_defaults(rows, row, spec.schemas);
                rows += '}';
            } else {
                rows += "{\"delete\":null}";
            }
        });
        if (rows.empty()) continue;
        if (!updates.empty()) updates += ',';
        updates += '"';
        updates += table_name;
        updates += "\":{";
        updates += rows;
        updates += '}';
    }
    session->monitors.erase(found);
    session->monitors[new_key] = m;
    if (!id.is_null()) {
        session->send_text("{\"id\":" + id.dump() + ",\"result\":{},\"error\":null}");
    }
    if (!updates.empty()) {
        session->send_text("{\"id\":null,\"method\":\"update2\",\"params\":[" + m.id.dump() + ",{" +
                           updates + "}]}");
    }
    replied = true;
    return nullptr;
}

}  // namespace vs::ovsdb
