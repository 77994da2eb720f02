// Row lookup by id (ovs-vsctl's vsctl_tables row ids) and column assignment.
#include "ctl/vsctl/record.hpp"

#include <array>
#include <cctype>

#include "ctl/vsctl/bridge_model.hpp"
#include "ctl/vsctl/error.hpp"

namespace vs::vsctl {

namespace {

// A row of `table` is named by `name_column` of a row of `via` (empty: the single row, id
// "."), reached through `ref_column` of that row when set.
struct RowId {
    std::string_view table;
    std::string_view via;
    std::string_view name_column;
    std::string_view ref_column;
};

constexpr std::array kRowIds = {
    RowId{"Bridge", "Bridge", "name", ""},
    RowId{"Controller", "Bridge", "name", "controller"},
    RowId{"Interface", "Interface", "name", ""},
    RowId{"Mirror", "Mirror", "name", ""},
    RowId{"Manager", "Manager", "target", ""},
    RowId{"NetFlow", "Bridge", "name", "netflow"},
    RowId{"Open_vSwitch", "Open_vSwitch", "", ""},
    RowId{"Port", "Port", "name", ""},
    RowId{"QoS", "Port", "name", "qos"},
    RowId{"SSL", "Open_vSwitch", "", "ssl"},
    RowId{"sFlow", "Bridge", "name", "sflow"},
    RowId{"Flow_Table", "Flow_Table", "name", ""},
    RowId{"IPFIX", "Bridge", "name", "ipfix"},
    RowId{"AutoAttach", "Bridge", "name", "auto_attach"},
};

std::optional<Uuid> by_row_id(Context& ctx, const RowId& id, const std::string& name) {
    std::optional<Uuid> referrer;
    if (id.name_column.empty()) {
        if (name != ".") return std::nullopt;
        const auto rows = ctx.db.scan(id.via);
        if (rows.empty()) return std::nullopt;
        referrer = rows.front();
    } else {
        for (const auto& row : ctx.db.scan(id.via)) {
            if (string_column(ctx.db, id.via, row, id.name_column) != name) continue;
            if (referrer) {
                throw CommandError("multiple rows in " + std::string(id.via) + " match \"" + name +
                                   "\"");
            }
            referrer = row;
        }
    }
    if (!referrer || id.ref_column.empty()) return referrer;
    const auto refs = uuid_column(ctx.db, id.via, *referrer, id.ref_column);
    if (refs.size() != 1 || !ctx.db.exists(id.table, refs[0])) return std::nullopt;
    return refs[0];
}

bool is_partial_uuid(const std::string& id) {
    if (id.size() < 4 || id.size() > 36) return false;
    for (const char c : id) {
        if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    return true;
}

}  // namespace

std::optional<Uuid> find_row(Context& ctx, const ovsdb::TableSchema& table, const std::string& id,
                             bool must_exist) {
    std::optional<Uuid> found;
    if (auto uuid = ovsdb::parse_uuid(id); uuid && ctx.db.exists(table.name, *uuid)) {
        found = uuid;
    }
    if (!found && !id.empty() && id.front() == '@') {
        const auto it = ctx.symbols.find(id);
        if (it != ctx.symbols.end() && ctx.db.exists(table.name, it->second.uuid)) {
            found = it->second.uuid;
        }
    }
    for (const auto& row_id : kRowIds) {
        if (found) break;
        if (row_id.table == table.name) found = by_row_id(ctx, row_id, id);
    }
    if (!found && is_partial_uuid(id)) {
        for (const auto& row : ctx.db.scan(table.name)) {
            if (to_string(row).rfind(id, 0) != 0) continue;
            if (found) {
                throw CommandError(table.name + " contains 2 or more rows whose UUIDs begin with " +
                                   id + ": at least " + to_string(*found) + " and " +
                                   to_string(row));
            }
            found = row;
        }
    }
    if (!found && must_exist) {
        throw CommandError("no row \"" + id + "\" in table " + table.name);
    }
    return found;
}

void set_column(Context& ctx, const ovsdb::TableSchema& table, const Uuid& row,
                const std::string& arg) {
    static constexpr std::array<std::string_view, 1> kAssign = {"="};
    const ColumnArg parsed = parse_column_arg(arg, table, kAssign);
    const auto& column = *parsed.column;
    if (ovsdb::is_implicit_column(column.name)) {
        throw CommandError("cannot modify read-only column " + column.name + " in table " +
                           table.name);
    }
    if (parsed.key) {
        if (!column.type.is_map()) {
            throw CommandError("cannot specify key to set for non-map column " + column.name);
        }
        const Atom key = atom_from_string(*parsed.key, column.type.key, &ctx.symbols);
        const Atom value = atom_from_string(*parsed.value, *column.type.value, &ctx.symbols);
        Datum datum = ctx.db.get(table.name, row, column.name);
        if (auto i = datum.find(key)) {
            datum.values[*i] = value;
        } else {
            datum.keys.push_back(key);
            datum.values.push_back(value);
            (void)datum.canonicalize();
        }
        if (datum.size() > column.type.max) {
            throw CommandError("\"set\" operation would put " + std::to_string(datum.size()) +
                               " key-value pairs in column " + column.name + " of table " +
                               table.name + " but the maximum number is " +
                               std::to_string(column.type.max));
        }
        ctx.db.set(table.name, row, column.name, std::move(datum));
        return;
    }
    ctx.db.set(table.name, row, column.name,
               datum_from_string(*parsed.value, column.type, &ctx.symbols));
}

}  // namespace vs::vsctl
