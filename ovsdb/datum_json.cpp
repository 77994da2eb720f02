// Datum <-> JSON in RFC 7047 notation: atoms, ["uuid", ...], ["named-uuid", ...], ["set", [...]],
// ["map", [[k, v], ...]], with constraint checks on the way in and the shortest form on the way
// out.
#include <string>

#include "ovsdb/datum.hpp"

namespace vs::ovsdb {

namespace {

constexpr const char* kSyntax = "syntax error";
constexpr const char* kConstraint = "constraint violation";

DbResult<Atom> uuid_from_json(const Json& json, const SymbolTable* symbols) {
    if (!json.is_array() || json.size() != 2 || !json[0].is_string() || !json[1].is_string()) {
        return db_fail(kSyntax,
                       "expected [\"uuid\", ...] or [\"named-uuid\", ...], got " + json.dump());
    }
    const auto& tag = json[0].get_ref<const std::string&>();
    const auto& text = json[1].get_ref<const std::string&>();
    if (tag == "uuid") {
        auto uuid = parse_uuid(text);
        if (!uuid) return db_fail(kSyntax, "\"" + text + "\" is not a valid UUID");
        return Atom{*uuid};
    }
    if (tag == "named-uuid") {
        std::optional<Uuid> uuid = symbols != nullptr && *symbols ? (*symbols)(text) : std::nullopt;
        if (!uuid) return db_fail(kSyntax, "named-uuid \"" + text + "\" is not defined");
        return Atom{*uuid};
    }
    return db_fail(kSyntax, "expected \"uuid\" or \"named-uuid\", got " + json[0].dump());
}

DbResult<Atom> untyped_atom_from_json(const Json& json, AtomicType type,
                                      const SymbolTable* symbols) {
    switch (type) {
        case AtomicType::kInteger:
            if (json.is_number_integer() && !json.is_number_unsigned())
                return Atom{json.get<std::int64_t>()};
            if (json.is_number_unsigned() &&
                json.get<std::uint64_t>() <= static_cast<std::uint64_t>(BaseType::kMaxInteger)) {
                return Atom{static_cast<std::int64_t>(json.get<std::uint64_t>())};
            }
            break;
        case AtomicType::kReal:
            if (json.is_number()) return Atom{json.get<double>()};
            break;
        case AtomicType::kBoolean:
            if (json.is_boolean()) return Atom{json.get<bool>()};
            break;
        case AtomicType::kString:
            if (json.is_string()) return Atom{json.get<std::string>()};
            break;
        case AtomicType::kUuid:
            return uuid_from_json(json, symbols);
    }
    return db_fail(kSyntax, json.dump() + " is not a valid " + std::string(atomic_type_name(type)));
}

bool is_tagged(const Json& json, const char* tag) {
    return json.is_array() && json.size() == 2 && json[0] == tag && json[1].is_array();
}

DbResult<void> finish(Datum& datum, const Type& type) {
    if (!datum.canonicalize()) {
        return db_fail(kConstraint, type.is_map() ? "map contains duplicate keys"
                                                  : "set contains duplicate values");
    }
    if (datum.size() < type.min || datum.size() > type.max) {
        std::string max =
            type.max == Type::kUnlimited ? std::string("unlimited") : std::to_string(type.max);
        return db_fail(kConstraint, "Attempted to store " + std::to_string(datum.size()) +
                                        " elements in a set of " + std::to_string(type.min) +
                                        " to " + max + " elements");
    }
    return {};
}

DbResult<Datum> map_from_json(const Json& json, const Type& type, const SymbolTable* symbols) {
    if (!is_tagged(json, "map"))
        return db_fail(kSyntax, "expected [\"map\", [...]], got " + json.dump());
    Datum datum;
    for (const auto& pair : json[1]) {
        if (!pair.is_array() || pair.size() != 2)
            return db_fail(kSyntax, "map entries must be [key, value] pairs");
        auto key = atom_from_json(pair[0], type.key, symbols);
        if (!key) return tl::unexpected(key.error());
        auto value = atom_from_json(pair[1], *type.value, symbols);
        if (!value) return tl::unexpected(value.error());
        datum.keys.push_back(std::move(*key));
        datum.values.push_back(std::move(*value));
    }
    if (auto r = finish(datum, type); !r) return tl::unexpected(r.error());
    return datum;
}

}  // namespace

DbResult<Atom> atom_from_json(const Json& json, const BaseType& base, const SymbolTable* symbols) {
    auto atom = untyped_atom_from_json(json, base.type, symbols);
    if (!atom) return atom;
    if (auto r = check_atom(*atom, base); !r) return tl::unexpected(r.error());
    return atom;
}

Json atom_to_json(const Atom& atom) {
    switch (atom_type(atom)) {
        case AtomicType::kInteger:
            return std::get<std::int64_t>(atom);
        case AtomicType::kReal:
            return std::get<double>(atom);
        case AtomicType::kBoolean:
            return std::get<bool>(atom);
        case AtomicType::kString:
            return std::get<std::string>(atom);
        case AtomicType::kUuid:
            return Json::array({"uuid", to_string(std::get<Uuid>(atom))});
    }
    return nullptr;
}

DbResult<Datum> datum_from_json(const Json& json, const Type& type, const SymbolTable* symbols) {
    try {
        if (type.is_map()) return map_from_json(json, type, symbols);
        Datum datum;
        if (is_tagged(json, "set")) {
            for (const auto& element : json[1]) {
                auto atom = atom_from_json(element, type.key, symbols);
                if (!atom) return tl::unexpected(atom.error());
                datum.keys.push_back(std::move(*atom));
            }
        } else {
            auto atom = atom_from_json(json, type.key, symbols);
            if (!atom) return tl::unexpected(atom.error());
            datum.keys.push_back(std::move(*atom));
        }
        if (auto r = finish(datum, type); !r) return tl::unexpected(r.error());
        return datum;
    } catch (const std::exception& e) {
        return db_fail(kSyntax, std::string("bad datum: ") + e.what());
    }
}

Json datum_to_json(const Datum& datum, const Type& type) {
    if (type.is_map()) {
        Json pairs = Json::array();
        for (std::size_t i = 0; i < datum.size() && i < datum.values.size(); ++i) {
            pairs.push_back(
                Json::array({atom_to_json(datum.keys[i]), atom_to_json(datum.values[i])}));
        }
        return Json::array({"map", pairs});
    }
    if (datum.size() == 1) return atom_to_json(datum.keys[0]);
    Json elements = Json::array();
    for (const auto& key : datum.keys)
        elements.push_back(atom_to_json(key));
    return Json::array({"set", elements});
}

namespace {

void append_uuid(std::string& out, const Uuid& uuid) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < uuid.bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kDigits[uuid.bytes[i] >> 4]);
        out.push_back(kDigits[uuid.bytes[i] & 0x0f]);
    }
}

void append_atom_json(std::string& out, const Atom& atom) {
    switch (atom_type(atom)) {
        case AtomicType::kInteger:
            out += std::to_string(std::get<std::int64_t>(atom));
            return;
        case AtomicType::kBoolean:
            out += std::get<bool>(atom) ? "true" : "false";
            return;
        case AtomicType::kUuid:
            out += "[\"uuid\",\"";
            append_uuid(out, std::get<Uuid>(atom));
            out += "\"]";
            return;
        case AtomicType::kReal:
        case AtomicType::kString:
            // Escaping and number formatting exactly as the JSON library does them.
            out += atom_to_json(atom).dump(-1, ' ', false, Json::error_handler_t::replace);
            return;
    }
}

}  // namespace

void append_datum_json(std::string& out, const Datum& datum, const Type& type) {
    if (type.is_map()) {
        out += "[\"map\",[";
        for (std::size_t i = 0; i < datum.size() && i < datum.values.size(); ++i) {
            if (i != 0) out.push_back(',');
            out.push_back('[');
            append_atom_json(out, datum.keys[i]);
            out.push_back(',');
            append_atom_json(out, datum.values[i]);
            out.push_back(']');
        }
        out += "]]";
        return;
    }
    if (datum.size() == 1) {
        append_atom_json(out, datum.keys[0]);
        return;
    }
    out += "[\"set\",[";
    for (std::size_t i = 0; i < datum.size(); ++i) {
        if (i != 0) out.push_back(',');
        append_atom_json(out, datum.keys[i]);
    }
    out += "]]";
}

}  // namespace vs::ovsdb
