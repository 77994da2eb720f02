// Column types: schema JSON parsing (short and long forms), constraint checks, JSON output.
#include "ovsdb/types.hpp"

#include <cmath>

#include "ovsdb/datum.hpp"

namespace vs::ovsdb {

namespace {

constexpr const char* kSyntax = "syntax error";
constexpr const char* kConstraint = "constraint violation";

// Number of Unicode code points of a UTF-8 string (continuation bytes are not counted).
std::int64_t utf8_length(const std::string& s) {
    std::int64_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xc0) != 0x80) ++n;
    }
    return n;
}

DbResult<std::int64_t> json_integer(const Json& json, const char* what) {
    if (json.is_number_integer() && !json.is_number_unsigned()) return json.get<std::int64_t>();
    if (json.is_number_unsigned() &&
        json.get<std::uint64_t>() <= static_cast<std::uint64_t>(BaseType::kMaxInteger)) {
        return static_cast<std::int64_t>(json.get<std::uint64_t>());
    }
    return db_fail(kSyntax, std::string(what) + " must be an integer");
}

DbResult<double> json_real(const Json& json, const char* what) {
    if (json.is_number()) return json.get<double>();
    return db_fail(kSyntax, std::string(what) + " must be a number");
}

DbResult<void> parse_constraints(const Json& json, BaseType& base) {
    auto allowed = [&](const char* key, bool ok) -> DbResult<void> {
        if (json.contains(key) && !ok) {
            return db_fail(kSyntax, std::string(key) + " is not allowed for type " +
                                        std::string(atomic_type_name(base.type)));
        }
        return {};
    };
    const bool is_int = base.type == AtomicType::kInteger;
    const bool is_real = base.type == AtomicType::kReal;
    const bool is_str = base.type == AtomicType::kString;
    const bool is_uuid = base.type == AtomicType::kUuid;
    for (auto [key, ok] : {std::pair{"minInteger", is_int}, std::pair{"maxInteger", is_int},
                           std::pair{"minReal", is_real}, std::pair{"maxReal", is_real},
                           std::pair{"minLength", is_str}, std::pair{"maxLength", is_str},
                           std::pair{"refTable", is_uuid}, std::pair{"refType", is_uuid}}) {
        if (auto r = allowed(key, ok); !r) return r;
    }
    struct IntField {
        const char* name;
        std::int64_t* target;
    };
    for (auto f :
         {IntField{"minInteger", &base.min_integer}, IntField{"maxInteger", &base.max_integer},
          IntField{"minLength", &base.min_length}, IntField{"maxLength", &base.max_length}}) {
        if (auto it = json.find(f.name); it != json.end()) {
            auto v = json_integer(*it, f.name);
            if (!v) return tl::unexpected(v.error());
            *f.target = *v;
        }
    }
    if (auto it = json.find("minReal"); it != json.end()) {
        auto v = json_real(*it, "minReal");
        if (!v) return tl::unexpected(v.error());
        base.min_real = *v;
    }
    if (auto it = json.find("maxReal"); it != json.end()) {
        auto v = json_real(*it, "maxReal");
        if (!v) return tl::unexpected(v.error());
        base.max_real = *v;
    }
    if (base.min_integer > base.max_integer || base.min_real > base.max_real ||
        base.min_length > base.max_length || base.min_length < 0) {
        return db_fail(kSyntax, "minimum exceeds maximum (or negative length) in type constraints");
    }
    if (auto it = json.find("refTable"); it != json.end()) {
        if (!it->is_string() || it->get<std::string>().empty()) {
            return db_fail(kSyntax, "refTable must be a table name");
        }
        base.ref_table = it->get<std::string>();
    }
    if (auto it = json.find("refType"); it != json.end()) {
        if (base.ref_table.empty()) return db_fail(kSyntax, "refType requires refTable");
        if (*it == "strong") {
            base.ref_type = RefType::kStrong;
        } else if (*it == "weak") {
            base.ref_type = RefType::kWeak;
        } else {
            return db_fail(kSyntax, "refType must be \"strong\" or \"weak\"");
        }
    }
    return {};
}

DbResult<void> parse_enum(const Json& json, BaseType& base) {
    auto it = json.find("enum");
    if (it == json.end()) return {};
    Type set_type;
    set_type.key = base;
    set_type.min = 1;
    set_type.max = Type::kUnlimited;
    auto datum = datum_from_json(*it, set_type, nullptr);
    if (!datum) return db_fail(kSyntax, "bad enum: " + datum.error().details);
    base.enum_values = std::move(datum->keys);
    return {};
}

}  // namespace

std::string_view atomic_type_name(AtomicType type) {
    switch (type) {
        case AtomicType::kInteger:
            return "integer";
        case AtomicType::kReal:
            return "real";
        case AtomicType::kBoolean:
            return "boolean";
        case AtomicType::kString:
            return "string";
        case AtomicType::kUuid:
            return "uuid";
    }
    return "?";
}

std::optional<AtomicType> parse_atomic_type(std::string_view name) {
    for (auto t : {AtomicType::kInteger, AtomicType::kReal, AtomicType::kBoolean,
                   AtomicType::kString, AtomicType::kUuid}) {
        if (atomic_type_name(t) == name) return t;
    }
    return std::nullopt;
}

AtomicType atom_type(const Atom& atom) {
    return static_cast<AtomicType>(atom.index());
}

bool BaseType::has_constraints() const {
    return enum_values || min_integer != kMinInteger || max_integer != kMaxInteger ||
           !std::isinf(min_real) || !std::isinf(max_real) || min_length != 0 ||
           max_length != kMaxLength || !ref_table.empty();
}

BaseType make_base(AtomicType type) {
    BaseType base;
    base.type = type;
    return base;
}

Type make_scalar(AtomicType type) {
    Type t;
    t.key = make_base(type);
    return t;
}

DbResult<void> check_atom(const Atom& atom, const BaseType& base) {
    if (atom_type(atom) != base.type) {
        return db_fail(kSyntax, "expected " + std::string(atomic_type_name(base.type)));
    }
    if (base.enum_values) {
        bool found = false;
        for (const auto& e : *base.enum_values)
            found = found || e == atom;
        if (!found) {
            Json allowed = Json::array();
            for (const auto& e : *base.enum_values)
                allowed.push_back(atom_to_json(e));
            return db_fail(kConstraint, atom_to_json(atom).dump() +
                                            " is not one of the allowed values " + allowed.dump());
        }
    }
    if (const auto* i = std::get_if<std::int64_t>(&atom)) {
        if (*i < base.min_integer || *i > base.max_integer) {
            return db_fail(kConstraint, std::to_string(*i) + " is not in the valid range " +
                                            std::to_string(base.min_integer) + " to " +
                                            std::to_string(base.max_integer));
        }
    } else if (const auto* r = std::get_if<double>(&atom)) {
        if (*r < base.min_real || *r > base.max_real) {
            return db_fail(kConstraint, Json(*r).dump() + " is not in the valid real range");
        }
    } else if (const auto* s = std::get_if<std::string>(&atom)) {
        auto n = utf8_length(*s);
        if (n < base.min_length || n > base.max_length) {
            return db_fail(kConstraint, "\"" + *s + "\" length " + std::to_string(n) +
                                            " is not in the range " +
                                            std::to_string(base.min_length) + " to " +
                                            std::to_string(base.max_length));
        }
    }
    return {};
}

namespace {

DbResult<BaseType> parse_base_type(const Json& json) {
    if (json.is_string()) {
        auto t = parse_atomic_type(json.get<std::string>());
        if (!t) return db_fail(kSyntax, "unknown atomic type " + json.dump());
        return make_base(*t);
    }
    if (!json.is_object()) return db_fail(kSyntax, "base type must be a string or an object");
    auto type_it = json.find("type");
    if (type_it == json.end() || !type_it->is_string()) {
        return db_fail(kSyntax, "base type object needs a \"type\" string");
    }
    auto t = parse_atomic_type(type_it->get<std::string>());
    if (!t) return db_fail(kSyntax, "unknown atomic type " + type_it->dump());
    for (const auto& [key, unused] : json.items()) {
        static constexpr const char* kKnown[] = {"type",     "enum",    "minInteger", "maxInteger",
                                                 "minReal",  "maxReal", "minLength",  "maxLength",
                                                 "refTable", "refType"};
        bool known = false;
        for (const char* k : kKnown)
            known = known || key == k;
        if (!known) return db_fail(kSyntax, "unknown member \"" + key + "\" in base type");
    }
    BaseType base = make_base(*t);
    if (auto r = parse_constraints(json, base); !r) return tl::unexpected(r.error());
    if (auto r = parse_enum(json, base); !r) return tl::unexpected(r.error());
    return base;
}

DbResult<Type> parse_type(const Json& json) {
    Type type;
    if (json.is_string()) {
        auto base = base_type_from_json(json);
        if (!base) return tl::unexpected(base.error());
        type.key = *base;
        return type;
    }
    if (!json.is_object()) return db_fail(kSyntax, "type must be a string or an object");
    for (const auto& [key, unused] : json.items()) {
        if (key != "key" && key != "value" && key != "min" && key != "max") {
            return db_fail(kSyntax, "unknown member \"" + key + "\" in type");
        }
    }
    auto key_it = json.find("key");
    if (key_it == json.end()) return db_fail(kSyntax, "type object needs \"key\"");
    auto key = base_type_from_json(*key_it);
    if (!key) return tl::unexpected(key.error());
    type.key = *key;
    if (auto it = json.find("value"); it != json.end()) {
        auto value = base_type_from_json(*it);
        if (!value) return tl::unexpected(value.error());
        type.value = *value;
    }
    if (auto it = json.find("min"); it != json.end()) {
        if (!it->is_number_integer() || (*it != 0 && *it != 1)) {
            return db_fail(kSyntax, "min must be 0 or 1");
        }
        type.min = it->get<std::uint64_t>();
    }
    if (auto it = json.find("max"); it != json.end()) {
        if (*it == "unlimited") {
            type.max = Type::kUnlimited;
        } else if (it->is_number_integer() && *it >= 1) {
            type.max = it->get<std::uint64_t>();
        } else {
            return db_fail(kSyntax, "max must be a positive integer or \"unlimited\"");
        }
    }
    if (type.min > type.max) return db_fail(kSyntax, "min exceeds max");
    return type;
}

}  // namespace

DbResult<BaseType> base_type_from_json(const Json& json) {
    try {
        return parse_base_type(json);
    } catch (const std::exception& e) {
        return db_fail(kSyntax, std::string("bad base type: ") + e.what());
    }
}

DbResult<Type> type_from_json(const Json& json) {
    try {
        return parse_type(json);
    } catch (const std::exception& e) {
        return db_fail(kSyntax, std::string("bad type: ") + e.what());
    }
}

Json base_type_to_json(const BaseType& base) {
    if (!base.has_constraints()) return std::string(atomic_type_name(base.type));
    Json out = {{"type", atomic_type_name(base.type)}};
    if (base.enum_values) {
        Json set = Json::array();
        for (const auto& a : *base.enum_values)
            set.push_back(atom_to_json(a));
        out["enum"] = set.size() == 1 ? set[0] : Json::array({"set", set});
    }
    if (base.min_integer != BaseType::kMinInteger) out["minInteger"] = base.min_integer;
    if (base.max_integer != BaseType::kMaxInteger) out["maxInteger"] = base.max_integer;
    if (!std::isinf(base.min_real)) out["minReal"] = base.min_real;
    if (!std::isinf(base.max_real)) out["maxReal"] = base.max_real;
    if (base.min_length != 0) out["minLength"] = base.min_length;
    if (base.max_length != BaseType::kMaxLength) out["maxLength"] = base.max_length;
    if (!base.ref_table.empty()) {
        out["refTable"] = base.ref_table;
        if (base.ref_type == RefType::kWeak) out["refType"] = "weak";
    }
    return out;
}

Json type_to_json(const Type& type) {
    if (type.is_scalar() && !type.key.has_constraints()) return base_type_to_json(type.key);
    Json out = {{"key", base_type_to_json(type.key)}};
    if (type.value) out["value"] = base_type_to_json(*type.value);
    if (type.min != 1) out["min"] = type.min;
    if (type.max == Type::kUnlimited) {
        out["max"] = "unlimited";
    } else if (type.max != 1) {
        out["max"] = type.max;
    }
    return out;
}

}  // namespace vs::ovsdb
