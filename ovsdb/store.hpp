// Store: the durable copy of one OVSDB database in a SQLite file. One SQLite table per schema
// table (same name), with `_uuid` and `_version` TEXT columns and one column per OVSDB column:
// scalars and optional scalars as native SQLite values (NULL when an optional is empty), sets of
// references as link tables named "Table.column" with one (_uuid, ref) row per element, other
// sets and maps as TEXT holding their RFC 7047 JSON, so the file reads well with the sqlite3
// tool (SELECT p.name FROM "Bridge.ports" l JOIN Port p ON p._uuid = l.ref). A `_meta` table
// keeps the schema JSON and the layout version; opening with a different one is refused.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "ovsdb/datum.hpp"
#include "ovsdb/db_error.hpp"
#include "ovsdb/schema.hpp"
#include "ovsdb/set_delta.hpp"
#include "ovsdb/uuid.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace vs::ovsdb {

// Design: the server keeps every row in memory (loaded once with load()) and writes each change
// through here; one OVSDB transaction is one SQLite transaction (begin/commit/rollback, BEGIN
// IMMEDIATE). WAL journal with synchronous=NORMAL: a commit that returned is in the file and
// survives kill -9 of the process; commit(true) also syncs it to the disk (power loss). Prepared
// statements are cached per (operation, table, columns); SQL text only ever contains quoted
// identifiers from the validated schema, values are always bound.
// Thread: one thread at a time (the database thread); not thread-safe.
class Store {
  public:
    // Column name -> value; `_uuid` and `_version` are not in it.
    using Row = std::map<std::string, Datum, std::less<>>;
    using LoadedRow = std::tuple<Uuid, Uuid, Row>;  // uuid, version, columns

    // Opens (or creates) the file at `path` for `schema`. Errors: "I/O error",
    // "schema mismatch" (the file was written with another schema).
    [[nodiscard]] static DbResult<std::unique_ptr<Store>> open(const std::string& path,
                                                               const DatabaseSchema& schema);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;
    Store(Store&&) = delete;
    Store& operator=(Store&&) = delete;

    // `durable`: the commit also waits for the disk (RFC 7047 "commit" with "durable": true).
    [[nodiscard]] DbResult<void> begin(bool durable = false);
    [[nodiscard]] DbResult<void> commit();
    [[nodiscard]] DbResult<void> rollback();
    // A savepoint inside the open transaction (group commit: one per RFC 7047 transaction).
    [[nodiscard]] DbResult<void> savepoint();
    [[nodiscard]] DbResult<void> release_savepoint();
    // Undoes what was written since savepoint() and releases it.
    [[nodiscard]] DbResult<void> rollback_to_savepoint();

    // A new row; columns missing from `row` get their type's default. A duplicate uuid is a
    // "constraint violation".
    [[nodiscard]] DbResult<void> insert(std::string_view table, const Uuid& uuid,
                                        const Uuid& version, const Row& row);
    // Writes the new version of an existing row and its columns in `changed_columns` — with
    // `before` (the row's previous columns), only those that differ from it, and sets of
    // references as the difference (taken from `deltas` when it has the column).
    [[nodiscard]] DbResult<void> update(std::string_view table, const Uuid& uuid,
                                        const Uuid& version, const Row& changed_columns,
                                        const Row* before = nullptr,
                                        const SetDeltas* deltas = nullptr);
    [[nodiscard]] DbResult<void> erase(std::string_view table, const Uuid& uuid);
    // Every row of `table` with every column, in no particular order.
    [[nodiscard]] DbResult<std::vector<LoadedRow>> load(std::string_view table);

    [[nodiscard]] const DatabaseSchema& schema() const { return schema_; }

  private:
    struct StmtDeleter {
        void operator()(sqlite3_stmt* stmt) const;
    };
    using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

    Store(sqlite3* db, DatabaseSchema schema);

    [[nodiscard]] DbResult<void> exec(const char* sql);
    [[nodiscard]] DbResult<void> init_schema();
    [[nodiscard]] DbResult<void> check_meta();
    [[nodiscard]] DbResult<sqlite3_stmt*> prepared(const std::string& key, const std::string& sql);
    [[nodiscard]] DbResult<void> step_done(sqlite3_stmt* stmt);
    [[nodiscard]] DbResult<const TableSchema*> table_of(std::string_view table) const;
    [[nodiscard]] DbError sqlite_error(int code) const;
    // Link tables ("Table.column", one row per element of a set of references).
    [[nodiscard]] DbResult<void> link_step(const char* what, std::string_view table,
                                           std::string_view column, const Uuid& uuid,
                                           const Atom* ref);
    [[nodiscard]] DbResult<void> write_links(std::string_view table, std::string_view column,
                                             const Uuid& uuid, const Datum& before,
                                             const Datum& after);
    [[nodiscard]] DbResult<void> write_link_delta(std::string_view table, std::string_view column,
                                                  const Uuid& uuid, const SetDelta& delta);
    [[nodiscard]] DbResult<void> load_links(const TableSchema& table, std::vector<LoadedRow>& rows);

    void end_durable();
    [[nodiscard]] DbResult<void> run_cached(const char* sql);

    // What insert() needs of a table, made once: its statement, the columns it binds in
    // order, the JSON text of each non-native column when empty, and its link columns.
    struct InsertPlan {
        sqlite3_stmt* stmt = nullptr;
        std::vector<const ColumnSchema*> columns;
        std::vector<std::string> empty_text;  // parallel to columns; "" for native columns
        std::vector<const ColumnSchema*> links;
    };
    [[nodiscard]] DbResult<const InsertPlan*> insert_plan(std::string_view table);
    std::map<std::string, InsertPlan, std::less<>> insert_plans_;

    sqlite3* db_ = nullptr;
    bool durable_ = false;
    DatabaseSchema schema_;
    std::map<std::string, Stmt, std::less<>> statements_;
};

}  // namespace vs::ovsdb
