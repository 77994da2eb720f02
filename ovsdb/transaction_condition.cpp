// Conditions of RFC 7047 section 5.1: parsing of [column, function, value] clauses and their
// evaluation on a row (ordering on integer/real scalars, includes/excludes on sets and maps,
// equality on anything).
#include "ovsdb/transaction_condition.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace vs::ovsdb {
namespace {

std::optional<Function> parse_function(std::string_view text) {
    if (text == "<") return Function::kLess;
    if (text == "<=") return Function::kLessEqual;
    if (text == "==") return Function::kEqual;
    if (text == "!=") return Function::kNotEqual;
    if (text == ">=") return Function::kGreaterEqual;
    if (text == ">") return Function::kGreater;
    if (text == "includes") return Function::kIncludes;
    if (text == "excludes") return Function::kExcludes;
    return std::nullopt;
}

bool is_ordering(Function function) {
    return function == Function::kLess || function == Function::kLessEqual ||
           function == Function::kGreaterEqual || function == Function::kGreater;
}

// True when pair `index` of `part` is in `whole` (keys only for sets).
bool contains_entry(const Datum& whole, const Datum& part, std::size_t index) {
    const auto found = whole.find(part.keys[index]);
    if (!found) return false;
    if (part.values.empty()) return true;
    return whole.values[*found] == part.values[index];
}

bool includes(const Datum& whole, const Datum& part) {
    for (std::size_t i = 0; i < part.size(); ++i) {
        if (!contains_entry(whole, part, i)) return false;
    }
    return true;
}

bool excludes(const Datum& whole, const Datum& part) {
    for (std::size_t i = 0; i < part.size(); ++i) {
        if (contains_entry(whole, part, i)) return false;
    }
    return true;
}

bool compare_ordered(const Atom& left, const Atom& right, Function function) {
    int order = 0;
    if (const auto* l = std::get_if<std::int64_t>(&left)) {
        const auto r = std::get<std::int64_t>(right);
        order = *l < r ? -1 : (*l > r ? 1 : 0);
    } else {
        const double l2 = std::get<double>(left);
        const double r = std::get<double>(right);
        order = l2 < r ? -1 : (l2 > r ? 1 : 0);
    }
    switch (function) {
        case Function::kLess:
            return order < 0;
        case Function::kLessEqual:
            return order <= 0;
        case Function::kGreaterEqual:
            return order >= 0;
        case Function::kGreater:
            return order > 0;
        default:
            return false;
    }
}

bool evaluate(const Clause& clause, const Datum& actual) {
    switch (clause.function) {
        case Function::kEqual:
            return actual == clause.value;
        case Function::kNotEqual:
            return actual != clause.value;
        case Function::kIncludes:
            return includes(actual, clause.value);
        case Function::kExcludes:
            return excludes(actual, clause.value);
        default:
            if (actual.empty() || clause.value.empty()) return false;
            return compare_ordered(actual.keys[0], clause.value.keys[0], clause.function);
    }
}

DbResult<Clause> parse_clause(const Json& json, const TableSchema& table,
                              const SymbolTable* symbols) {
    if (!json.is_array() || json.size() != 3 || !json[0].is_string() || !json[1].is_string()) {
        return db_fail("syntax error", "a condition is [column, function, value]: " + json.dump());
    }
    const auto& name = json[0].get_ref<const std::string&>();
    const ColumnSchema* column = table.find_column(name);
    if (column == nullptr) {
        return db_fail("unknown column", "no column " + name + " in table " + table.name);
    }
    const auto function = parse_function(json[1].get_ref<const std::string&>());
    if (!function) return db_fail("syntax error", "unknown function " + json[1].dump());
    Type type = column->type;
    if (is_ordering(*function)) {
        const bool numeric =
            type.key.type == AtomicType::kInteger || type.key.type == AtomicType::kReal;
        if (!numeric || !(type.is_scalar() || type.is_optional_scalar())) {
            return db_fail("syntax error", json[1].dump() + " needs an integer or real column");
        }
        type.min = 1;
    } else if (*function == Function::kIncludes || *function == Function::kExcludes) {
        type.min = 0;
    }
    auto value = datum_from_json(json[2], type, symbols);
    if (!value) return tl::unexpected(value.error());
    return Clause{column, *function, std::move(*value)};
}

}  // namespace

DbResult<std::vector<Clause>> parse_where(const Json& where, const TableSchema& table,
                                          const SymbolTable* symbols) {
    if (!where.is_array()) return db_fail("syntax error", "\"where\" must be an array");
    std::vector<Clause> clauses;
    for (const auto& json : where) {
        auto clause = parse_clause(json, table, symbols);
        if (!clause) return tl::unexpected(clause.error());
        clauses.push_back(std::move(*clause));
    }
    return clauses;
}

Datum column_datum(const ColumnSchema& column, const Uuid& uuid, const RowState& state) {
    if (column.name == "_uuid") return Datum::scalar(uuid);
    if (column.name == "_version") return Datum::scalar(state.version);
    const auto it = state.row->find(column.name);
    return it == state.row->end() ? default_datum(column.type) : it->second;
}

bool holds(const Clause& clause, const Uuid& uuid, const Store::Row& row) {
    const ColumnSchema& column = *clause.column;
    if (column.name == "_uuid") return evaluate(clause, Datum::scalar(uuid));
    if (column.name == "_version") return evaluate(clause, Datum::scalar(Uuid{}));
    const auto it = row.find(column.name);
    return evaluate(clause, it == row.end() ? default_datum(column.type) : it->second);
}

bool matches(const std::vector<Clause>& clauses, const Uuid& uuid, const RowState& state) {
    for (const auto& clause : clauses) {
        if (!evaluate(clause, column_datum(*clause.column, uuid, state))) return false;
    }
    return true;
}

}  // namespace vs::ovsdb
