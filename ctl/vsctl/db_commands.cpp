// Database commands on any table: list, find, get, set, add, remove, clear, create, destroy,
// wait-until (ovs-vsctl's db-ctl-base semantics and messages).
#include <algorithm>
#include <array>

#include "ctl/vsctl/commands.hpp"
#include "ctl/vsctl/condition.hpp"
#include "ctl/vsctl/error.hpp"
#include "ctl/vsctl/record.hpp"

namespace vs::vsctl {

namespace {

const ovsdb::TableSchema& table_arg(Context& ctx) {
    return find_table(ctx.db.schema(), ctx.cmd.args[0]);
}

ovsdb::Type uuid_type() {
    return ovsdb::make_scalar(ovsdb::AtomicType::kUuid);
}

// The columns a list or find prints: --columns, else _uuid and every column by name.
std::vector<const ovsdb::ColumnSchema*> output_columns(Context& ctx,
                                                       const ovsdb::TableSchema& table) {
    std::vector<const ovsdb::ColumnSchema*> out;
    const std::string spec = ctx.cmd.option("--columns");
    if (ctx.cmd.has("--columns")) {
        size_t start = 0;
        while (start <= spec.size()) {
            const size_t comma = std::min(spec.find(',', start), spec.size());
            out.push_back(&find_column(table, spec.substr(start, comma - start)));
            start = comma + 1;
        }
        return out;
    }
    for (const auto& column : table.columns) {
        if (column.name != "_version") out.push_back(&column);
    }
    std::sort(out.begin() + 1, out.end(),
              [](const auto* a, const auto* b) { return a->name < b->name; });
    return out;
}

std::string list_rows(Context& ctx, const ovsdb::TableSchema& table,
                      const std::vector<Uuid>& rows) {
    TableOutput t;
    const auto columns = output_columns(ctx, table);
    std::vector<std::string> names;
    names.reserve(columns.size());
    for (const auto* column : columns)
        names.push_back(column->name);
    ctx.db.prefetch({{table.name, names}});
    for (const auto* column : columns)
        t.headings.push_back(column->name);
    for (const auto& row : rows) {
        auto& cells = t.rows.emplace_back();
        for (const auto* column : columns) {
            if (column->name == "_uuid") {
                cells.push_back({Datum::scalar(row), uuid_type()});
            } else {
                cells.push_back({ctx.db.get(table.name, row, column->name), column->type});
            }
        }
    }
    return t.render(ctx.global.style);
}

void cmd_list(Context& ctx) {
    const auto& table = table_arg(ctx);
    std::vector<Uuid> rows;
    if (ctx.cmd.args.size() == 1) {
        rows = ctx.db.scan(table.name);
    } else {
        for (size_t i = 1; i < ctx.cmd.args.size(); ++i) {
            if (auto row = find_row(ctx, table, ctx.cmd.args[i], !ctx.cmd.has("--if-exists"))) {
                rows.push_back(*row);
            }
        }
    }
    ctx.out += list_rows(ctx, table, rows);
}

void cmd_find(Context& ctx) {
    const auto& table = table_arg(ctx);
    std::vector<Uuid> rows;
    ctx.db.prefetch({{table.name, {}}});
    for (const auto& row : ctx.db.scan(table.name)) {
        bool all = true;
        for (size_t i = 1; i < ctx.cmd.args.size() && all; ++i)
            all = condition_holds(ctx, table, row, ctx.cmd.args[i]);
        if (all) rows.push_back(row);
    }
    ctx.out += list_rows(ctx, table, rows);
}

void cmd_get(Context& ctx) {
    const auto& table = table_arg(ctx);
    const bool if_exists = ctx.cmd.has("--if-exists");
    const auto row = find_row(ctx, table, ctx.cmd.args[1], !if_exists);
    if (!row) return;
    if (ctx.cmd.has("--id")) {
        const std::string id = ctx.cmd.option("--id");
        if (id.empty() || id.front() != '@') {
            throw CommandError("row id \"" + id + "\" does not begin with \"@\"");
        }
        auto [it, fresh] = ctx.symbols.emplace(id, Symbol{*row, true});
        if (!fresh) {
            throw CommandError("row id \"" + id +
                               "\" specified on \"get\" command was used before it was defined");
        }
    }
    for (size_t i = 2; i < ctx.cmd.args.size(); ++i) {
        const ColumnArg arg = parse_column_arg(ctx.cmd.args[i], table, {});
        const auto& column = *arg.column;
        const Datum datum = column.name == "_uuid" ? Datum::scalar(*row)
                                                   : ctx.db.get(table.name, *row, column.name);
        if (arg.key) {
            if (!column.type.is_map()) {
                throw CommandError("cannot specify key to get for non-map column " + column.name);
            }
            const Atom key = atom_from_string(*arg.key, column.type.key, &ctx.symbols);
            if (auto idx = datum.find(key)) {
                ctx.out += atom_to_string(datum.values[*idx]);
            } else if (!if_exists) {
                throw CommandError("no key \"" + *arg.key + "\" in " + table.name + " record \"" +
                                   ctx.cmd.args[1] + "\" column " + column.name);
            }
        } else {
            ctx.out += datum_to_string(datum, column.type);
        }
        ctx.out += '\n';
    }
}

void cmd_set(Context& ctx) {
    const auto& table = table_arg(ctx);
    const auto row = find_row(ctx, table, ctx.cmd.args[1], !ctx.cmd.has("--if-exists"));
    if (!row) return;
    for (size_t i = 2; i < ctx.cmd.args.size(); ++i)
        set_column(ctx, table, *row, ctx.cmd.args[i]);
}

// The column's type with any number of elements, for add and remove arguments.
ovsdb::Type unbounded(ovsdb::Type type) {
    type.min = 0;
    type.max = ovsdb::Type::kUnlimited;
    return type;
}

const ovsdb::ColumnSchema& plain_column(const ovsdb::TableSchema& table, const std::string& arg) {
    const ColumnArg parsed = parse_column_arg(arg, table, {});
    if (parsed.key) {
        throw CommandError("cannot specify key for column " + parsed.column->name);
    }
    return *parsed.column;
}

std::string element_word(const ovsdb::Type& type, size_t n) {
    if (type.is_map()) return n == 1 ? "key-value pair" : "key-value pairs";
    return n == 1 ? "value" : "values";
}

void cmd_add(Context& ctx) {
    const auto& table = table_arg(ctx);
    const auto row = find_row(ctx, table, ctx.cmd.args[1], !ctx.cmd.has("--if-exists"));
    if (!row) return;
    const auto& column = plain_column(table, ctx.cmd.args[2]);
    Datum datum = ctx.db.get(table.name, *row, column.name);
    for (size_t i = 3; i < ctx.cmd.args.size(); ++i) {
        const Datum more = datum_from_string(ctx.cmd.args[i], unbounded(column.type), &ctx.symbols);
        for (size_t k = 0; k < more.size(); ++k) {
            if (datum.find(more.keys[k])) continue;  // maps keep an existing key's value
            datum.keys.push_back(more.keys[k]);
            if (column.type.is_map()) datum.values.push_back(more.values[k]);
        }
        (void)datum.canonicalize();
    }
    if (datum.size() > column.type.max) {
        throw CommandError("\"add\" operation would put " + std::to_string(datum.size()) + " " +
                           element_word(column.type, datum.size()) + " in column " + column.name +
                           " of table " + table.name + " but the maximum number is " +
                           std::to_string(column.type.max));
    }
    ctx.db.set(table.name, *row, column.name, std::move(datum));
}

void remove_matching(Datum& datum, const Datum& gone, bool keys_only) {
    Datum kept;
    for (size_t i = 0; i < datum.size(); ++i) {
        const auto at = gone.find(datum.keys[i]);
        const bool drop =
            at && (keys_only || gone.values.empty() || gone.values[*at] == datum.values[i]);
        if (drop) continue;
        kept.keys.push_back(datum.keys[i]);
        if (!datum.values.empty()) kept.values.push_back(datum.values[i]);
    }
    datum = std::move(kept);
}

void cmd_remove(Context& ctx) {
    const auto& table = table_arg(ctx);
    const auto row = find_row(ctx, table, ctx.cmd.args[1], !ctx.cmd.has("--if-exists"));
    if (!row) return;
    const auto& column = plain_column(table, ctx.cmd.args[2]);
    Datum datum = ctx.db.get(table.name, *row, column.name);
    for (size_t i = 3; i < ctx.cmd.args.size(); ++i) {
        const ovsdb::Type type = unbounded(column.type);
        try {
            remove_matching(datum, datum_from_string(ctx.cmd.args[i], type, &ctx.symbols), false);
        } catch (const CommandError&) {
            if (!column.type.is_map()) throw;
            ovsdb::Type keys = type;
            keys.value.reset();
            remove_matching(datum, datum_from_string(ctx.cmd.args[i], keys, &ctx.symbols), true);
        }
    }
    if (datum.size() < column.type.min) {
        throw CommandError("\"remove\" operation would put " + std::to_string(datum.size()) + " " +
                           element_word(column.type, datum.size()) + " in column " + column.name +
                           " of table " + table.name + " but the minimum number is " +
                           std::to_string(column.type.min));
    }
    ctx.db.set(table.name, *row, column.name, std::move(datum));
}

void cmd_clear(Context& ctx) {
    const auto& table = table_arg(ctx);
    const auto row = find_row(ctx, table, ctx.cmd.args[1], !ctx.cmd.has("--if-exists"));
    if (!row) return;
    for (size_t i = 2; i < ctx.cmd.args.size(); ++i) {
        const auto& column = plain_column(table, ctx.cmd.args[i]);
        if (column.type.min > 0) {
            throw CommandError("\"clear\" operation cannot be applied to column " + column.name +
                               " of table " + table.name + ", which is not allowed to be empty");
        }
        ctx.db.set(table.name, *row, column.name, Datum{});
    }
}

void cmd_create(Context& ctx) {
    const auto& table = table_arg(ctx);
    std::optional<Uuid> uuid;
    if (ctx.cmd.has("--id")) {
        const std::string id = ctx.cmd.option("--id");
        if (id.empty() || id.front() != '@') {
            throw CommandError("row id \"" + id + "\" does not begin with \"@\"");
        }
        auto it = ctx.symbols.find(id);
        if (it != ctx.symbols.end() && it->second.created) {
            throw CommandError("row id \"" + id + "\" may only be specified on one --id option");
        }
        if (it == ctx.symbols.end()) {
            it = ctx.symbols.emplace(id, Symbol{ovsdb::random_uuid(), false}).first;
        }
        it->second.created = true;
        uuid = it->second.uuid;
    } else if (!table.is_root) {
        std::fprintf(stderr,
                     "vsctl: warning: applying \"create\" command to table %s without --id "
                     "option will have no effect\n",
                     table.name.c_str());
    }
    const Uuid row = ctx.db.insert(table.name, uuid);
    for (size_t i = 1; i < ctx.cmd.args.size(); ++i)
        set_column(ctx, table, row, ctx.cmd.args[i]);
    ctx.out += to_string(row) + "\n";
}

void cmd_destroy(Context& ctx) {
    const auto& table = table_arg(ctx);
    const bool all = ctx.cmd.has("--all");
    if (all && ctx.cmd.args.size() > 1) {
        throw CommandError("--all and records argument should not be specified together");
    }
    if (!all && ctx.cmd.args.size() < 2) {
        throw CommandError("either --all or records argument should be specified");
    }
    std::vector<Uuid> rows;
    if (all) {
        rows = ctx.db.scan(table.name);
    } else {
        for (size_t i = 1; i < ctx.cmd.args.size(); ++i) {
            if (auto row = find_row(ctx, table, ctx.cmd.args[i], !ctx.cmd.has("--if-exists"))) {
                rows.push_back(*row);
            }
        }
    }
    for (const auto& row : rows)
        ctx.db.erase(table.name, row, true);
}

void cmd_wait_until(Context& ctx) {
    const auto& table = table_arg(ctx);
    const auto row = find_row(ctx, table, ctx.cmd.args[1], false);
    if (!row) {
        ctx.try_again = true;
        return;
    }
    for (size_t i = 2; i < ctx.cmd.args.size(); ++i) {
        if (!condition_holds(ctx, table, *row, ctx.cmd.args[i])) {
            ctx.try_again = true;
            return;
        }
    }
}

}  // namespace

const std::vector<CommandEntry>& db_commands() {
    static const std::vector<CommandEntry> commands = {
        {"list", cmd_list},       {"find", cmd_find},
        {"get", cmd_get},         {"set", cmd_set},
        {"add", cmd_add},         {"remove", cmd_remove},
        {"clear", cmd_clear},     {"create", cmd_create},
        {"destroy", cmd_destroy}, {"wait-until", cmd_wait_until},
    };
    return commands;
}

}  // namespace vs::vsctl
