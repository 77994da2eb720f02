// Replica: vsctl's in-memory copy of the Open_vSwitch database for one attempt. Columns are
// fetched from the server when first needed (a "select" of that column over the whole table,
// or several at once with prefetch), so a command pays only for what it touches. Commands read
// and change the replica; it remembers which columns were read (verified at commit by one
// "wait" per table) and turns the difference from what the server sent into one RFC 7047
// transaction. Rows that commands insert get local UUIDs that travel as named-uuids.
// Thread: main thread only.
#pragma once

#include <functional>
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
    // Runs "select" operations on the server and returns their results (a transact).
    using Fetch = std::function<Json(const Json& operations)>;

    // Without `fetch` the replica holds only what load_row() puts in it (unit tests).
    explicit Replica(const ovsdb::DatabaseSchema& schema, Fetch fetch = nullptr)
        : schema_(schema), fetch_(std::move(fetch)) {}

    // Fetches the given columns (empty: every column) of several tables in one round trip.
    void prefetch(const std::vector<std::pair<std::string, std::vector<std::string>>>& wanted);
    // Adds a complete row directly (unit tests); marks its table as fully loaded.
    void load_row(const std::string& table, const Uuid& uuid, const Row& row);

    [[nodiscard]] const ovsdb::DatabaseSchema& schema() const { return schema_; }
    [[nodiscard]] const ovsdb::TableSchema& table(std::string_view name) const;

    // Every row of a table in UUID order; the row count gets verified.
    [[nodiscard]] std::vector<Uuid> scan(std::string_view table);
    [[nodiscard]] bool exists(std::string_view table, const Uuid& uuid);
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
    // Makes sure `columns` of `table` (and its set of rows) came from the server.
    void ensure(std::string_view table, const std::vector<std::string>& columns);
    void merge(const ovsdb::TableSchema& table, const std::vector<std::string>& columns,
               const Json& result);
    [[nodiscard]] Json wait_ops() const;    // verify what was read
    [[nodiscard]] Json change_ops() const;  // insert, update, delete
    [[nodiscard]] Json value_json(const Datum& datum, const ovsdb::Type& type) const;
    [[nodiscard]] Json row_json(const ovsdb::TableSchema& table, const Row& row,
                                const Row* before) const;

    const ovsdb::DatabaseSchema& schema_;
    Fetch fetch_;
    std::map<std::string, std::set<std::string>, std::less<>> loaded_;  // table -> columns
    std::set<Uuid> erased_;
    std::map<std::string, Rows, std::less<>> current_;
    std::map<std::string, Rows, std::less<>> original_;
    std::set<Uuid> inserted_;
    std::set<Uuid> destroyed_;
    std::map<std::string, std::map<Uuid, std::set<std::string>>, std::less<>> read_;
    std::set<std::string, std::less<>> scanned_;
};

}  // namespace vs::vsctl
