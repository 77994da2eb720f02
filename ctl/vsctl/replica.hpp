// Replica: vsctl's in-memory copy of the Open_vSwitch database for one attempt. Commands read
// and change it; it remembers which columns were read (to verify them with "wait" operations)
// and turns the difference from what the server sent into one RFC 7047 transaction. Rows that
// commands insert get local UUIDs that travel as named-uuids.
// Thread: main thread only.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ovsdb/datum.hpp"
#include "ovsdb/schema.hpp"
#include "ovsdb/uuid.hpp"

namespace vs::vsctl {

using ovsdb::Datum;
using ovsdb::Uuid;
using Json = nlohmann::json;

using Row = std::map<std::string, Datum, std::less<>>;
using Rows = std::map<Uuid, Row>;

class Replica {
  public:
    explicit Replica(const ovsdb::DatabaseSchema& schema) : schema_(schema) {}

    // The "select" operations that fetch every table, and loading their results.
    [[nodiscard]] Json fetch_ops() const;
    void load(const Json& results);  // throws CommandError on a malformed reply
    // Adds rows directly (unit tests).
    void load_row(const std::string& table, const Uuid& uuid, const Row& row);

    [[nodiscard]] const ovsdb::DatabaseSchema& schema() const { return schema_; }
    [[nodiscard]] const ovsdb::TableSchema& table(std::string_view name) const;

    // Every row of a table in UUID order; the row count gets verified.
    [[nodiscard]] std::vector<Uuid> scan(std::string_view table);
    [[nodiscard]] bool exists(std::string_view table, const Uuid& uuid) const;
    // The value of a column; the column of a pre-existing row gets verified.
    [[nodiscard]] const Datum& get(std::string_view table, const Uuid& uuid,
                                   std::string_view column);
    void set(std::string_view table, const Uuid& uuid, std::string_view column, Datum value);
    // A new row with default values, under `uuid` when given (an @name's placeholder).
    Uuid insert(std::string_view table, std::optional<Uuid> uuid = std::nullopt);
    // Removes a row. Rows of non-root tables are left for the server to collect once
    // unreferenced, unless `explicit_delete` (destroy) asks for a delete operation.
    void erase(std::string_view table, const Uuid& uuid, bool explicit_delete = false);
    // Re-reads a column to be verified even if the value came from elsewhere.
    void verify(std::string_view table, const Uuid& uuid, std::string_view column);

    [[nodiscard]] bool changed() const;
    [[nodiscard]] bool is_new(const Uuid& uuid) const { return inserted_.contains(uuid); }
    // Waits that check what was read, then insert/update/delete operations.
    [[nodiscard]] Json transaction_ops() const;
    // The named-uuid a new row travels under.
    [[nodiscard]] static std::string symbol_name(const Uuid& uuid);

  private:
    [[nodiscard]] Rows& rows(std::string_view table);
    [[nodiscard]] Json value_json(const Datum& datum, const ovsdb::Type& type) const;
    [[nodiscard]] Json row_json(const ovsdb::TableSchema& table, const Row& row,
                                const Row* before) const;

    const ovsdb::DatabaseSchema& schema_;
    std::map<std::string, Rows, std::less<>> current_;
    std::map<std::string, Rows, std::less<>> original_;
    std::set<Uuid> inserted_;
    std::set<Uuid> destroyed_;
    std::map<std::string, std::map<Uuid, std::set<std::string>>, std::less<>> read_;
    std::set<std::string, std::less<>> scanned_;
};

}  // namespace vs::vsctl
