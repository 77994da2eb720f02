// Schema parsing, validation and JSON output.
#include "ovsdb/schema.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace vs::ovsdb {

namespace {

constexpr const char* kSyntax = "syntax error";

bool is_identifier(std::string_view s) {
    if (s.empty()) return false;
    auto alpha = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    if (!alpha(s[0])) return false;
    for (char c : s) {
        if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
    }
    return true;
}

bool is_version(std::string_view s) {
    int parts = 0;
    std::size_t digits = 0;
    for (char c : s) {
        if (c >= '0' && c <= '9') {
            ++digits;
        } else if (c == '.' && digits > 0) {
            ++parts;
            digits = 0;
        } else {
            return false;
        }
    }
    return parts == 2 && digits > 0;
}

DbResult<void> check_members(const Json& json, std::initializer_list<const char*> known,
                             const std::string& where) {
    for (const auto& [key, unused] : json.items()) {
        bool ok = false;
        for (const char* k : known)
            ok = ok || key == k;
        if (!ok) {
            std::string details = where;
            details.append(": unknown member \"").append(key).append("\"");
            return db_fail(kSyntax, std::move(details));
        }
    }
    return {};
}

DbResult<ColumnSchema> parse_column(const std::string& name, const Json& json,
                                    const std::string& where) {
    if (!is_identifier(name) || name[0] == '_')
        return db_fail(kSyntax, where + ": bad column name");
    if (!json.is_object()) return db_fail(kSyntax, where + ": column must be an object");
    if (auto r = check_members(json, {"type", "ephemeral", "mutable"}, where); !r)
        return tl::unexpected(r.error());
    ColumnSchema column;
    column.name = name;
    auto type_it = json.find("type");
    if (type_it == json.end()) return db_fail(kSyntax, where + ": column needs a type");
    auto type = type_from_json(*type_it);
    if (!type) return db_fail(kSyntax, where + ": " + type.error().details);
    column.type = *type;
    for (auto [member, target] :
         {std::pair{"ephemeral", &column.ephemeral}, std::pair{"mutable", &column.is_mutable}}) {
        if (auto it = json.find(member); it != json.end()) {
            if (!it->is_boolean())
                return db_fail(kSyntax, where + ": " + member + " must be a boolean");
            *target = it->get<bool>();
        }
    }
    return column;
}

DbResult<TableSchema> parse_table(const std::string& name, const Json& json) {
    const std::string where = "table " + name;
    if (!is_identifier(name) || name[0] == '_') return db_fail(kSyntax, where + ": bad table name");
    if (!json.is_object()) return db_fail(kSyntax, where + ": must be an object");
    if (auto r = check_members(json, {"columns", "isRoot", "maxRows", "indexes"}, where); !r) {
        return tl::unexpected(r.error());
    }
    TableSchema table;
    table.name = name;
    table.columns.push_back({"_uuid", make_scalar(AtomicType::kUuid), false, false});
    table.columns.push_back({"_version", make_scalar(AtomicType::kUuid), false, false});
    auto cols = json.find("columns");
    if (cols == json.end() || !cols->is_object() || cols->empty()) {
        return db_fail(kSyntax, where + ": needs a non-empty \"columns\" object");
    }
    for (const auto& [col_name, col_json] : cols->items()) {
        std::string column_where = where;
        column_where.append(" column ").append(col_name);
        auto column = parse_column(col_name, col_json, column_where);
        if (!column) return tl::unexpected(column.error());
        table.columns.push_back(std::move(*column));
    }
    for (std::size_t i = 0; i < table.columns.size(); ++i)
        table.column_index.emplace(table.columns[i].name, i);
    if (auto it = json.find("isRoot"); it != json.end()) {
        if (!it->is_boolean()) return db_fail(kSyntax, where + ": isRoot must be a boolean");
        table.is_root = it->get<bool>();
    }
    if (auto it = json.find("maxRows"); it != json.end()) {
        if (!it->is_number_integer() || *it < 1)
            return db_fail(kSyntax, where + ": maxRows must be positive");
        table.max_rows = it->get<std::uint64_t>();
    }
    if (auto it = json.find("indexes"); it != json.end()) {
        if (!it->is_array()) return db_fail(kSyntax, where + ": indexes must be an array");
        for (const auto& index : *it) {
            if (!index.is_array() || index.empty()) return db_fail(kSyntax, where + ": bad index");
            std::vector<std::string> names;
            for (const auto& col : index) {
                if (!col.is_string())
                    return db_fail(kSyntax, where + ": index columns must be strings");
                const auto* column = table.find_column(col.get<std::string>());
                if (column == nullptr) {
                    return db_fail(kSyntax, where + ": index names unknown column " + col.dump());
                }
                if (column->ephemeral)
                    return db_fail(kSyntax, where + ": index on ephemeral column " + col.dump());
                names.push_back(col.get<std::string>());
            }
            table.indexes.push_back(std::move(names));
        }
    }
    return table;
}

DbResult<void> check_references(const DatabaseSchema& schema) {
    for (const auto& [name, table] : schema.tables) {
        for (const auto& column : table.columns) {
            for (const auto* base :
                 {&column.type.key, column.type.value ? &*column.type.value : nullptr}) {
                if (base != nullptr && base->is_ref() &&
                    schema.find_table(base->ref_table) == nullptr) {
                    return db_fail(kSyntax, "table " + name + " column " + column.name +
                                                " refers to undefined table " + base->ref_table);
                }
            }
        }
    }
    return {};
}

}  // namespace

const ColumnSchema* TableSchema::find_column(std::string_view column) const {
    if (column_index.size() == columns.size()) {
        const auto it = column_index.find(column);
        return it == column_index.end() ? nullptr : &columns[it->second];
    }
    for (const auto& c : columns) {
        if (c.name == column) return &c;
    }
    return nullptr;
}

const TableSchema* DatabaseSchema::find_table(std::string_view table) const {
    auto it = tables.find(table);
    return it == tables.end() ? nullptr : &it->second;
}

bool is_implicit_column(std::string_view name) {
    return name == "_uuid" || name == "_version";
}

DbResult<DatabaseSchema> parse_schema(const Json& json) {
    try {
        if (!json.is_object()) return db_fail(kSyntax, "schema must be an object");
        if (auto r = check_members(json, {"name", "version", "cksum", "tables"}, "schema"); !r) {
            return tl::unexpected(r.error());
        }
        DatabaseSchema schema;
        auto name = json.find("name");
        if (name == json.end() || !name->is_string() || !is_identifier(name->get<std::string>())) {
            return db_fail(kSyntax, "schema needs an identifier \"name\"");
        }
        schema.name = name->get<std::string>();
        auto version = json.find("version");
        if (version == json.end() || !version->is_string() ||
            !is_version(version->get<std::string>())) {
            return db_fail(kSyntax, "schema needs a \"version\" of the form N.N.N");
        }
        schema.version = version->get<std::string>();
        if (auto it = json.find("cksum"); it != json.end()) {
            if (!it->is_string()) return db_fail(kSyntax, "cksum must be a string");
            schema.cksum = it->get<std::string>();
        }
        auto tables = json.find("tables");
        if (tables == json.end() || !tables->is_object())
            return db_fail(kSyntax, "schema needs a \"tables\" object");
        for (const auto& [table_name, table_json] : tables->items()) {
            auto table = parse_table(table_name, table_json);
            if (!table) return tl::unexpected(table.error());
            schema.tables.emplace(table_name, std::move(*table));
        }
        if (auto r = check_references(schema); !r) return tl::unexpected(r.error());
        return schema;
    } catch (const std::exception& e) {
        return db_fail(kSyntax, std::string("bad schema: ") + e.what());
    }
}

Json schema_to_json(const DatabaseSchema& schema) {
    Json tables = Json::object();
    for (const auto& [name, table] : schema.tables) {
        Json columns = Json::object();
        for (const auto& column : table.columns) {
            if (is_implicit_column(column.name)) continue;
            Json c = {{"type", type_to_json(column.type)}};
            if (column.ephemeral) c["ephemeral"] = true;
            if (!column.is_mutable) c["mutable"] = false;
            columns[column.name] = c;
        }
        Json t = {{"columns", columns}};
        if (table.is_root) t["isRoot"] = true;
        if (table.max_rows) t["maxRows"] = *table.max_rows;
        if (!table.indexes.empty()) t["indexes"] = table.indexes;
        tables[name] = t;
    }
    Json out = {{"name", schema.name}, {"version", schema.version}, {"tables", tables}};
    if (schema.cksum) out["cksum"] = *schema.cksum;
    return out;
}

DbResult<DatabaseSchema> load_schema_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return db_fail("I/O error", "cannot open schema file " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    Json json = Json::parse(buffer.str(), nullptr, false);
    if (json.is_discarded()) return db_fail(kSyntax, path + ": not valid JSON");
    return parse_schema(json);
}

}  // namespace vs::ovsdb
