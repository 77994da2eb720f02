// find/wait-until condition evaluation (db-ctl-base's evaluate_relop).
#include "ctl/vsctl/condition.hpp"

#include <array>

#include "ctl/vsctl/error.hpp"

namespace vs::vsctl {

namespace {

constexpr std::array<std::string_view, 12> kOperators = {
    "=", "!=", "<", ">", "<=", ">=", "{=}", "{!=}", "{<}", "{>}", "{<=}", "{>=}"};

int compare_atoms(const Atom& a, const Atom& b) {
    if (a < b) return -1;
    return b < a ? 1 : 0;
}

bool evaluate(const Datum& a, const Datum& b, const std::string& op) {
    if (op == "=" || op == "{=}") return compare_datums(a, b) == 0;
    if (op == "!=" || op == "{!=}") return compare_datums(a, b) != 0;
    if (op == "<") return compare_datums(a, b) < 0;
    if (op == ">") return compare_datums(a, b) > 0;
    if (op == "<=") return compare_datums(a, b) <= 0;
    if (op == ">=") return compare_datums(a, b) >= 0;
    if (op == "{<}") return b.size() > a.size() && includes_all(a, b);
    if (op == "{>}") return a.size() > b.size() && includes_all(b, a);
    if (op == "{<=}") return includes_all(a, b);
    if (op == "{>=}") return includes_all(b, a);
    throw CommandError("unknown operator " + op);
}

}  // namespace

int compare_datums(const Datum& a, const Datum& b) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    for (size_t i = 0; i < a.size(); ++i) {
        if (int c = compare_atoms(a.keys[i], b.keys[i])) return c;
    }
    for (size_t i = 0; i < a.values.size() && i < b.values.size(); ++i) {
        if (int c = compare_atoms(a.values[i], b.values[i])) return c;
    }
    return 0;
}

bool includes_all(const Datum& a, const Datum& b) {
    for (size_t i = 0; i < a.size(); ++i) {
        const auto at = b.find(a.keys[i]);
        if (!at) return false;
        if (!a.values.empty() && !(b.values[*at] == a.values[i])) return false;
    }
    return true;
}

bool condition_holds(Context& ctx, const ovsdb::TableSchema& table, const Uuid& row,
                     const std::string& arg) {
    const ColumnArg parsed = parse_column_arg(arg, table, kOperators);
    const auto& column = *parsed.column;
    const Datum have =
        column.name == "_uuid" ? Datum::scalar(row) : ctx.db.get(table.name, row, column.name);
    const bool set_op = parsed.op.front() == '{';
    if (parsed.key) {
        if (!column.type.is_map()) {
            throw CommandError("cannot specify key to check for non-map column " + column.name);
        }
        const Atom key = atom_from_string(*parsed.key, column.type.key, &ctx.symbols);
        ovsdb::Type value_type;
        value_type.key = *column.type.value;
        value_type.min = 0;
        value_type.max = set_op ? ovsdb::Type::kUnlimited : 1;
        const Datum want = datum_from_string(*parsed.value, value_type, &ctx.symbols);
        const auto at = have.find(key);
        if (!at && !set_op) return false;
        const Datum actual = at ? Datum::scalar(have.values[*at]) : Datum{};
        return evaluate(actual, want, parsed.op);
    }
    ovsdb::Type type = column.type;
    if (set_op) {
        type.min = 0;
        type.max = ovsdb::Type::kUnlimited;
    }
    return evaluate(have, datum_from_string(*parsed.value, type, &ctx.symbols), parsed.op);
}

}  // namespace vs::vsctl
