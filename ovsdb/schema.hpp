// Database schema (RFC 7047 section 3.2): tables, columns with their types, root/maxRows/indexes.
// parse_schema() checks names, references and indexes; schema_to_json() round-trips it (the
// implicit _uuid and _version columns, added on parse, are left out).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ovsdb/db_error.hpp"
#include "ovsdb/types.hpp"

namespace vs::ovsdb {

struct ColumnSchema {
    std::string name;
    Type type;
    bool ephemeral = false;
    bool is_mutable = true;  // the schema's "mutable" member
};

struct TableSchema {
    std::string name;
    std::vector<ColumnSchema> columns;  // _uuid, _version, then the schema's order
    bool is_root = false;
    std::optional<std::uint64_t> max_rows;
    std::vector<std::vector<std::string>> indexes;
    // Column name -> position in `columns`, made by parse_schema (find_column is on every
    // row's path; a table built by hand without it is scanned instead).
    std::map<std::string, std::size_t, std::less<>> column_index;

    [[nodiscard]] const ColumnSchema* find_column(std::string_view column) const;
};

struct DatabaseSchema {
    std::string name;
    std::string version;
    std::optional<std::string> cksum;
    std::map<std::string, TableSchema, std::less<>> tables;

    [[nodiscard]] const TableSchema* find_table(std::string_view table) const;
};

[[nodiscard]] bool is_implicit_column(std::string_view name);
[[nodiscard]] DbResult<DatabaseSchema> parse_schema(const Json& json);
[[nodiscard]] Json schema_to_json(const DatabaseSchema& schema);
[[nodiscard]] DbResult<DatabaseSchema> load_schema_file(const std::string& path);

}  // namespace vs::ovsdb
