// Datum: the value of one column (RFC 7047 section 5.1), always in canonical form — keys sorted
// and unique, one value per key for maps. JSON conversion in RFC 7047 notation with full
// constraint checking, defaults, and the mutations of the "mutate" operation.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ovsdb/db_error.hpp"
#include "ovsdb/types.hpp"
#include "ovsdb/uuid.hpp"

namespace vs::ovsdb {

// Resolves a "named-uuid" name to the UUID it stands for; nullopt when unknown.
using SymbolTable = std::function<std::optional<Uuid>(std::string_view)>;

struct Datum {
    std::vector<Atom> keys;    // sorted, unique
    std::vector<Atom> values;  // parallel to keys for maps, empty otherwise

    [[nodiscard]] std::size_t size() const { return keys.size(); }
    [[nodiscard]] bool empty() const { return keys.empty(); }
    bool operator==(const Datum&) const = default;

    [[nodiscard]] static Datum scalar(Atom atom);
    // Sorts keys (and values along) and reports whether every key was unique.
    [[nodiscard]] bool canonicalize();
    // Index of `key`, or nullopt.
    [[nodiscard]] std::optional<std::size_t> find(const Atom& key) const;
};

// Atom <-> JSON ("uuid"/"named-uuid" pairs for UUIDs). Checks the base type's constraints.
[[nodiscard]] DbResult<Atom> atom_from_json(const Json& json, const BaseType& base,
                                            const SymbolTable* symbols);
[[nodiscard]] Json atom_to_json(const Atom& atom);

// Parses a datum of `type`; every constraint is checked (RFC 7047 error tags).
[[nodiscard]] DbResult<Datum> datum_from_json(const Json& json, const Type& type,
                                              const SymbolTable* symbols = nullptr);
// The shortest RFC 7047 form: a one-element set as a bare atom, maps as ["map", ...].
[[nodiscard]] Json datum_to_json(const Datum& datum, const Type& type);
// The same as datum_to_json(datum, type).dump() (invalid UTF-8 replaced), written straight into
// text: what the store writes for every changed set or map column, so it must be cheap.
void append_datum_json(std::string& out, const Datum& datum, const Type& type);
// The value of a new row's column: empty when min is 0, else the type's default atom(s).
[[nodiscard]] Datum default_datum(const Type& type);
[[nodiscard]] Atom default_atom(AtomicType type);
// Checks size and every atom of an already-built datum against `type`.
[[nodiscard]] DbResult<void> check_datum(const Datum& datum, const Type& type);

enum class Mutator { kAdd, kSubtract, kMultiply, kDivide, kModulo, kInsert, kDelete };

[[nodiscard]] std::optional<Mutator> parse_mutator(std::string_view text);
// Applies one RFC 7047 mutation with its JSON argument to `datum` of column type `type`.
// Errors: "constraint violation" (result outside constraints), "domain error" (division by
// zero, overflow), "syntax error" (bad argument).
[[nodiscard]] DbResult<Datum> mutate_datum(const Datum& datum, const Type& type, Mutator mutator,
                                           const Json& argument,
                                           const SymbolTable* symbols = nullptr);
// The same, applied to `datum` itself (unchanged on error): inserting into a big set shifts it
// instead of copying it.
// With `changed`, an insert or delete appends the keys it really added or removed.
[[nodiscard]] DbResult<void> mutate_datum_in_place(Datum& datum, const Type& type, Mutator mutator,
                                                   const Json& argument,
                                                   const SymbolTable* symbols = nullptr,
                                                   std::vector<Atom>* changed = nullptr);

}  // namespace vs::ovsdb
