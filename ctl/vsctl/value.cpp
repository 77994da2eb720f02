// Text <-> OVSDB values in ovs-vsctl's syntax (Open vSwitch's ovsdb-data.c rules).
#include "ctl/vsctl/value.hpp"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "ctl/vsctl/error.hpp"

namespace vs::vsctl {

namespace {

using ovsdb::AtomicType;

bool is_delim(char c) {
    return c != '\0' && std::string_view(":=, []{}!<>").find(c) != std::string_view::npos;
}

std::string_view skip_spaces(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    return s;
}

// One token: up to the next delimiter outside double quotes, quotes kept, backslash escapes.
std::string parse_token(std::string_view& s) {
    const std::string_view start = s;
    std::string out;
    bool in_quotes = false;
    size_t i = 0;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\\') {
            if (in_quotes) out += '\\';
            if (i + 1 >= s.size()) {
                throw CommandError(std::string(start) + ": backslash at end of argument");
            }
            out += s[++i];
        } else if (!in_quotes && is_delim(c)) {
            break;
        } else {
            out += c;
            if (c == '"') in_quotes = !in_quotes;
        }
    }
    if (in_quotes) {
        throw CommandError(std::string(start) + ": quoted string extends past end of argument");
    }
    s.remove_prefix(i);
    return out;
}

std::string unquote(std::string_view text) {
    if (text.empty() || text.front() != '"') return std::string(text);
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_string()) {
        throw CommandError(std::string(text) + ": syntax error in quoted string");
    }
    return json.get<std::string>();
}

std::string format_real(double d) {
    std::array<char, 64> buf{};
    std::snprintf(buf.data(), buf.size(), "%.15g", d);
    return buf.data();
}

Atom atom_from_text(std::string_view text, const ovsdb::BaseType& base, Symbols* symbols) {
    const std::string s(text);
    switch (base.type) {
        case AtomicType::kInteger: {
            errno = 0;
            char* end = nullptr;
            const long long v = std::strtoll(s.c_str(), &end, 10);
            if (s.empty() || *end != '\0' || errno != 0) {
                throw CommandError("\"" + s + "\" is not a valid integer");
            }
            return static_cast<std::int64_t>(v);
        }
        case AtomicType::kReal: {
            errno = 0;
            char* end = nullptr;
            const double v = std::strtod(s.c_str(), &end);
            if (s.empty() || *end != '\0' || errno != 0) {
                throw CommandError("\"" + s + "\" is not a valid real number");
            }
            return v;
        }
        case AtomicType::kBoolean:
            if (s == "true") return true;
            if (s == "false") return false;
            throw CommandError("\"" + s + "\" is not a valid boolean (use \"true\" or \"false\")");
        case AtomicType::kString:
            if (!valid_utf8(s)) throw CommandError("\"" + s + "\": not a valid UTF-8 string");
            return unquote(s);
        case AtomicType::kUuid:
            if (!s.empty() && s.front() == '@') {
                if (symbols == nullptr) throw CommandError("\"" + s + "\" is not a valid UUID");
                auto it = symbols->find(s);
                if (it == symbols->end()) {
                    it = symbols->emplace(s, Symbol{ovsdb::random_uuid(), false}).first;
                }
                return it->second.uuid;
            }
            if (auto uuid = ovsdb::parse_uuid(s)) return *uuid;
            throw CommandError("\"" + s + "\" is not a valid UUID");
    }
    throw CommandError("bad atomic type");
}

}  // namespace

// Strings in the database are UTF-8 (RFC 7047); well-formed sequences only, as in RFC 3629.
bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        if (c < 0x80) {
            n = 1;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
        } else {
            return false;
        }
        if (i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
        }
        const auto c1 = static_cast<unsigned char>(n > 1 ? s[i + 1] : 0);
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) ||
            (c == 0xf4 && c1 > 0x8f)) {
            return false;
        }
        i += n;
    }
    return true;
}

bool string_needs_quotes(std::string_view s) {
    if (s.empty()) return true;
    const auto first = static_cast<unsigned char>(s.front());
    if (!std::isalpha(first) && first != '_') return true;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') return true;
    }
    return s == "true" || s == "false" || ovsdb::parse_uuid(s).has_value();
}

std::string atom_to_bare(const Atom& atom) {
    switch (ovsdb::atom_type(atom)) {
        case AtomicType::kInteger:
            return std::to_string(std::get<std::int64_t>(atom));
        case AtomicType::kReal:
            return format_real(std::get<double>(atom));
        case AtomicType::kBoolean:
            return std::get<bool>(atom) ? "true" : "false";
        case AtomicType::kString:
            return std::get<std::string>(atom);
        case AtomicType::kUuid:
            return to_string(std::get<ovsdb::Uuid>(atom));
    }
    return {};
}

std::string atom_to_string(const Atom& atom) {
    if (const auto* s = std::get_if<std::string>(&atom)) {
        if (!string_needs_quotes(*s)) return *s;
        return nlohmann::json(*s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return atom_to_bare(atom);
}

std::string datum_to_string(const Datum& datum, const ovsdb::Type& type) {
    const bool brackets = type.max > 1 || datum.empty();
    std::string out;
    if (brackets) out += type.is_map() ? '{' : '[';
    for (size_t i = 0; i < datum.size(); ++i) {
        if (i > 0) out += ", ";
        out += atom_to_string(datum.keys[i]);
        if (type.is_map()) {
            out += '=';
            out += atom_to_string(datum.values[i]);
        }
    }
    if (brackets) out += type.is_map() ? '}' : ']';
    return out;
}

std::string datum_to_bare(const Datum& datum, const ovsdb::Type& type) {
    std::string out;
    for (size_t i = 0; i < datum.size(); ++i) {
        if (i > 0) out += ' ';
        out += atom_to_bare(datum.keys[i]);
        if (type.is_map()) {
            out += '=';
            out += atom_to_bare(datum.values[i]);
        }
    }
    return out;
}

Atom atom_from_string(std::string_view text, const ovsdb::BaseType& base, Symbols* symbols) {
    Atom atom = atom_from_text(text, base, symbols);
    // Integer ranges in Open vSwitch's words; the other constraints in the model's.
    if (const auto* i = std::get_if<std::int64_t>(&atom)) {
        const bool has_min = base.min_integer != ovsdb::BaseType::kMinInteger;
        const bool has_max = base.max_integer != ovsdb::BaseType::kMaxInteger;
        const std::string v = std::to_string(*i);
        if (has_min && has_max && (*i < base.min_integer || *i > base.max_integer)) {
            throw CommandError("constraint violation: " + v + " is not in the valid range " +
                               std::to_string(base.min_integer) + " to " +
                               std::to_string(base.max_integer) + " (inclusive)");
        }
        if (has_min && *i < base.min_integer) {
            throw CommandError("constraint violation: " + v +
                               " is less than minimum allowed value " +
                               std::to_string(base.min_integer));
        }
        if (has_max && *i > base.max_integer) {
            throw CommandError("constraint violation: " + v +
                               " is greater than maximum allowed value " +
                               std::to_string(base.max_integer));
        }
    }
    if (auto ok = ovsdb::check_atom(atom, base); !ok) {
        throw CommandError(ok.error().error + ": " + ok.error().details);
    }
    return atom;
}

Datum datum_from_string(std::string_view text, const ovsdb::Type& type, Symbols* symbols) {
    const std::string whole(text);
    const bool is_map = type.is_map();
    std::string_view p = skip_spaces(text);
    char end_delim = '\0';
    if (!p.empty() && p.front() == (is_map ? '{' : '[')) {
        end_delim = is_map ? '}' : ']';
        p = skip_spaces(p.substr(1));
    } else if (p.empty()) {
        throw CommandError(is_map ? "use \"{}\" to specify the empty map"
                                  : "use \"[]\" to specify the empty set");
    }
    Datum datum;
    while (!p.empty() && p.front() != end_delim) {
        if (is_delim(p.front())) {
            throw CommandError(whole + ": unexpected \"" + p.front() + "\" parsing value");
        }
        datum.keys.push_back(atom_from_string(parse_token(p), type.key, symbols));
        if (is_map) {
            p = skip_spaces(p);
            if (p.empty() || p.front() != '=') {
                throw CommandError(whole + ": syntax error expecting \"=\"");
            }
            p = skip_spaces(p.substr(1));
            datum.values.push_back(atom_from_string(parse_token(p), *type.value, symbols));
        }
        p = skip_spaces(p);
        if (!p.empty() && p.front() == ',') p = skip_spaces(p.substr(1));
    }
    if (end_delim != '\0') {
        if (p.empty()) {
            throw CommandError(whole + ": missing \"" + end_delim + "\" at end of data");
        }
        if (!skip_spaces(p.substr(1)).empty()) {
            throw CommandError(whole + ": trailing garbage after \"" + end_delim + "\"");
        }
    }
    if (!datum.canonicalize()) {
        if (is_map) throw CommandError(whole + ": map contains duplicate key");
        Datum unique;
        for (const auto& key : datum.keys) {
            if (!unique.find(key)) unique.keys.push_back(key);
        }
        datum = std::move(unique);
        (void)datum.canonicalize();
    }
    if (datum.size() < type.min) {
        throw CommandError(whole + ": " + std::to_string(datum.size()) +
                           " values specified but the minimum number is " +
                           std::to_string(type.min));
    }
    if (datum.size() > type.max) {
        throw CommandError(whole + ": " + std::to_string(datum.size()) +
                           " values specified but the maximum number is " +
                           std::to_string(type.max));
    }
    return datum;
}

// How well `s` names `name` (Open vSwitch's score_partial_match): the highest for an exact
// match, then for a match ignoring case and '-' vs '_', else the length of a matching prefix.
unsigned partial_match_score(std::string_view name, std::string_view s) {
    if (name == s) return UINT_MAX;
    auto fold = [](char c) {
        return c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    };
    size_t i = 0;
    for (; i < name.size() && i < s.size(); ++i) {
        if (fold(name[i]) != fold(s[i])) return 0;
    }
    if (i == name.size() && i == s.size()) return UINT_MAX - 1;
    return i == s.size() ? static_cast<unsigned>(i) : 0;
}

const ovsdb::TableSchema& find_table(const ovsdb::DatabaseSchema& schema, std::string_view name) {
    const ovsdb::TableSchema* best = nullptr;
    unsigned best_score = 0;
    for (const auto& [table_name, table] : schema.tables) {
        const unsigned score = partial_match_score(table_name, name);
        if (score > best_score) {
            best = &table;
            best_score = score;
        } else if (score == best_score) {
            best = nullptr;
        }
    }
    if (best != nullptr) return *best;
    if (best_score > 0) {
        throw CommandError("multiple table names match \"" + std::string(name) + "\"");
    }
    throw CommandError("unknown table \"" + std::string(name) + "\"");
}

const ovsdb::ColumnSchema& find_column(const ovsdb::TableSchema& table, std::string_view name) {
    const ovsdb::ColumnSchema* best = nullptr;
    unsigned best_score = 0;
    for (const auto& column : table.columns) {
        if (column.name == "_version") continue;
        const unsigned score = partial_match_score(column.name, name);
        if (score > best_score) {
            best = &column;
            best_score = score;
        } else if (score == best_score) {
            best = nullptr;
        }
    }
    if (best != nullptr) return *best;
    if (best_score > 0) {
        throw CommandError(table.name + " contains more than one column whose name matches \"" +
                           std::string(name) + "\"");
    }
    throw CommandError(table.name + " does not contain a column whose name matches \"" +
                       std::string(name) + "\"");
}

ColumnArg parse_column_arg(std::string_view arg, const ovsdb::TableSchema& table,
                           std::span<const std::string_view> operators) {
    ColumnArg out;
    std::string_view p = arg;
    const std::string name = parse_token(p);
    if (name.empty()) {
        throw CommandError(std::string(arg) + ": missing column name");
    }
    out.column = &find_column(table, unquote(name));
    if (!p.empty() && p.front() == ':') {
        p.remove_prefix(1);
        out.key = parse_token(p);
    }
    if (operators.empty()) {
        if (!p.empty()) {
            throw CommandError(std::string(arg) + ": trailing garbage \"" + std::string(p) +
                               "\" in argument");
        }
        return out;
    }
    std::string_view best;
    for (const auto op : operators) {
        if (p.substr(0, op.size()) == op && op.size() > best.size()) best = op;
    }
    if (best.empty()) {
        if (operators.size() == 1) {
            throw CommandError(std::string(arg) + ": argument does not end in \"" +
                               std::string(operators[0]) + "\" followed by a value.");
        }
        throw CommandError(std::string(arg) +
                           ": argument does not end in one of the operators followed by a value.");
    }
    out.op = best;
    out.value = std::string(p.substr(best.size()));
    return out;
}

}  // namespace vs::vsctl
