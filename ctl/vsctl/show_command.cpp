// show: the tree Open_vSwitch -> Manager, Bridge -> Controller, Port -> Interface, printed
// like ovs-vsctl's cmd_show (non-default columns only, referenced rows nested, in UUID order).
#include <array>
#include <set>

#include "ctl/vsctl/commands.hpp"
#include "ctl/vsctl/value.hpp"

namespace vs::vsctl {

namespace {

struct ShowTable {
    std::string_view table;
    std::string_view name_column;  // empty: the row is shown by UUID
    std::array<std::string_view, 4> columns;
};

constexpr std::array kShowTables = {
    ShowTable{"Open_vSwitch", "", {"manager_options", "bridges", "ovs_version", ""}},
    ShowTable{"Bridge", "name", {"controller", "fail_mode", "datapath_type", "ports"}},
    ShowTable{"Port", "name", {"tag", "trunks", "interfaces", ""}},
    ShowTable{"Interface", "name", {"type", "options", "error", ""}},
    ShowTable{"Controller", "target", {"is_connected", "", "", ""}},
    ShowTable{"Manager", "target", {"is_connected", "", "", ""}},
};

const ShowTable* show_table(std::string_view name) {
    for (const auto& t : kShowTables) {
        if (t.table == name) return &t;
    }
    return nullptr;
}

void show_row(Context& ctx, const ShowTable& show, const Uuid& row, int level,
              std::set<std::string_view>& shown) {
    const auto& schema = ctx.db.table(show.table);
    ctx.out.append(static_cast<size_t>(level) * 4, ' ');
    if (!show.name_column.empty()) {
        const auto& type = schema.find_column(show.name_column)->type;
        ctx.out += std::string(show.table) + " " +
                   datum_to_string(ctx.db.get(show.table, row, show.name_column), type) + "\n";
    } else {
        ctx.out += to_string(row) + "\n";
    }
    if (shown.contains(show.table)) return;
    shown.insert(show.table);
    for (const auto column : show.columns) {
        if (column.empty()) break;
        const auto* col = schema.find_column(column);
        if (col == nullptr) continue;
        const Datum& datum = ctx.db.get(show.table, row, column);
        if (col->type.key.is_ref()) {
            if (const auto* ref = show_table(col->type.key.ref_table)) {
                for (const auto& atom : datum.keys) {
                    const auto& uuid = std::get<Uuid>(atom);
                    if (ctx.db.exists(ref->table, uuid)) {
                        show_row(ctx, *ref, uuid, level + 1, shown);
                    }
                }
                continue;
            }
        }
        if (datum != ovsdb::default_datum(col->type)) {
            ctx.out.append(static_cast<size_t>(level + 1) * 4, ' ');
            ctx.out += std::string(column) + ": " + datum_to_string(datum, col->type) + "\n";
        }
    }
    shown.erase(show.table);
}

}  // namespace

void cmd_show(Context& ctx) {
    std::vector<std::pair<std::string, std::vector<std::string>>> wanted;
    for (const auto& t : kShowTables) {
        auto& columns = wanted.emplace_back(std::string(t.table), std::vector<std::string>{});
        if (!t.name_column.empty()) columns.second.emplace_back(t.name_column);
        for (const auto column : t.columns) {
            if (!column.empty()) columns.second.emplace_back(column);
        }
    }
    ctx.db.prefetch(wanted);
    std::set<std::string_view> shown;
    for (const auto& row : ctx.db.scan("Open_vSwitch"))
        show_row(ctx, kShowTables[0], row, 0, shown);
}

}  // namespace vs::vsctl
