// Conditions of RFC 7047 section 5.1 ("where" clauses of select/update/mutate/delete/wait):
// parsed against a table's schema, evaluated on one in-memory row, `_uuid` and `_version`
// included. Used by Transaction.
#pragma once

#include <memory>
#include <vector>

#include "ovsdb/datum.hpp"
#include "ovsdb/schema.hpp"
#include "ovsdb/store.hpp"
#include "ovsdb/uuid.hpp"

namespace vs::ovsdb {

// One row in memory: its version and every column (implicit ones excepted). The columns are
// shared with a running transaction's saved copy and with reported changes; a shared row is
// never modified (Transaction copies it before its first change), so saving and reporting a
// row costs a pointer, not a copy of a bridge's thousand ports.
struct RowState {
    Uuid version;
    std::shared_ptr<Store::Row> row = std::make_shared<Store::Row>();
};

enum class Function {
    kLess,
    kLessEqual,
    kEqual,
    kNotEqual,
    kGreaterEqual,
    kGreater,
    kIncludes,
    kExcludes
};

struct Clause {
    const ColumnSchema* column = nullptr;
    Function function = Function::kEqual;
    Datum value;
};

// Parses a "where" array. Errors: "syntax error", "unknown column", datum errors.
[[nodiscard]] DbResult<std::vector<Clause>> parse_where(const Json& where, const TableSchema& table,
                                                        const SymbolTable* symbols);
// True when the row satisfies every clause.
[[nodiscard]] bool matches(const std::vector<Clause>& clauses, const Uuid& uuid,
                           const RowState& state);
// One clause on a row given by its columns (monitor conditions; `_version` reads as zero).
[[nodiscard]] bool holds(const Clause& clause, const Uuid& uuid, const Store::Row& row);
// The value of `column` in a row, `_uuid` and `_version` included.
[[nodiscard]] Datum column_datum(const ColumnSchema& column, const Uuid& uuid,
                                 const RowState& state);

}  // namespace vs::ovsdb
