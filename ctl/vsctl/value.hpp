// ovs-vsctl's text syntax for OVSDB values, both ways: atoms and datums parsed from command
// arguments ("5", "\"q:r\"", "{a=b, c=d}", "[1, 2]", "@name"), `column[:key]OP value`
// arguments, and values written as text (quoted only when needed), bare, or JSON.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ovsdb/datum.hpp"
#include "ovsdb/schema.hpp"
#include "ovsdb/types.hpp"

namespace vs::vsctl {

using ovsdb::Atom;
using ovsdb::Datum;

// "@name" row ids of one transaction (--id=@name on create, @name in values).
struct Symbol {
    ovsdb::Uuid uuid;
    bool created = false;
};
using Symbols = std::map<std::string, Symbol, std::less<>>;

// Text forms. to_string quotes strings that could read as something else.
[[nodiscard]] bool string_needs_quotes(std::string_view s);
[[nodiscard]] bool valid_utf8(std::string_view s);
[[nodiscard]] std::string atom_to_string(const Atom& atom);
[[nodiscard]] std::string atom_to_bare(const Atom& atom);
[[nodiscard]] std::string datum_to_string(const Datum& datum, const ovsdb::Type& type);
[[nodiscard]] std::string datum_to_bare(const Datum& datum, const ovsdb::Type& type);

// Parsing; throws CommandError with ovs-vsctl's wording. `symbols` may be null (no @names).
[[nodiscard]] Atom atom_from_string(std::string_view text, const ovsdb::BaseType& base,
                                    Symbols* symbols);
[[nodiscard]] Datum datum_from_string(std::string_view text, const ovsdb::Type& type,
                                      Symbols* symbols);

// A table or column named by its best partial match (exact, then ignoring case and -/_,
// then the longest unique prefix), as ovs-vsctl does.
[[nodiscard]] unsigned partial_match_score(std::string_view name, std::string_view s);
[[nodiscard]] const ovsdb::TableSchema& find_table(const ovsdb::DatabaseSchema& schema,
                                                   std::string_view name);
[[nodiscard]] const ovsdb::ColumnSchema& find_column(const ovsdb::TableSchema& table,
                                                     std::string_view name);

// `column[:key][OP value]`. With no operators allowed, the argument is only column[:key].
struct ColumnArg {
    const ovsdb::ColumnSchema* column = nullptr;
    std::optional<std::string> key;  // unparsed key text
    std::string op;
    std::optional<std::string> value;  // unparsed value text
};
[[nodiscard]] ColumnArg parse_column_arg(std::string_view arg, const ovsdb::TableSchema& table,
                                         std::span<const std::string_view> operators);

}  // namespace vs::vsctl
