// Transaction: one RFC 7047 "transact" request (section 4.1.3) run against a copy-on-write view
// of the in-memory tables: the operations of section 5.2, then the commit-time checks (strong
// references, garbage collection of non-root rows, weak references, indexes, maxRows). The
// committed tables are never touched here; the caller installs working() once the Store agreed.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ovsdb/database.hpp"
#include "ovsdb/datum.hpp"
#include "ovsdb/schema.hpp"
#include "ovsdb/store.hpp"
#include "ovsdb/transaction_condition.hpp"
#include "ovsdb/uuid.hpp"

namespace vs::ovsdb {

using TableRows = std::map<Uuid, RowState>;
using Tables = std::map<std::string, TableRows, std::less<>>;

// Thread: the database thread; lives for one transact call.
class Transaction {
  public:
    Transaction(const DatabaseSchema& schema, const Tables& committed,
                const std::function<bool(std::string_view)>& holds_lock);

    // Runs every operation, appending one result per operation to `results`, or the error at
    // the failing operation and stopping there. False on an error or a blocked "wait".
    [[nodiscard]] bool execute(const Json& operations, Json& results);
    [[nodiscard]] bool blocked() const { return blocked_; }
    // The commit-time checks; they may delete (garbage) and modify (weak references) rows.
    [[nodiscard]] DbResult<void> check_commit();
    // Every row that really changed, with new versions assigned in the working tables.
    [[nodiscard]] std::vector<RowChange> take_changes();
    // The tables this transaction copied (and maybe changed): table name -> all its rows.
    [[nodiscard]] Tables& working() { return working_; }

  private:
    [[nodiscard]] DbResult<Json> run(const Json& op, std::size_t index);
    [[nodiscard]] DbResult<Json> op_insert(const Json& op, const TableSchema& table,
                                           std::size_t index);
    [[nodiscard]] DbResult<Json> op_select(const Json& op, const TableSchema& table);
    [[nodiscard]] DbResult<Json> op_update(const Json& op, const TableSchema& table);
    [[nodiscard]] DbResult<Json> op_mutate(const Json& op, const TableSchema& table);
    [[nodiscard]] DbResult<Json> op_delete(const Json& op, const TableSchema& table);
    [[nodiscard]] DbResult<Json> op_wait(const Json& op, const TableSchema& table);
    [[nodiscard]] DbResult<Json> op_control(const Json& op, std::string_view name);

    [[nodiscard]] DbResult<Store::Row> parse_row(const Json& row, const TableSchema& table,
                                                 bool for_update) const;
    [[nodiscard]] DbResult<std::vector<Uuid>> matching(const Json& op,
                                                       const TableSchema& table) const;
    void collect_symbols(const Json& operations);

    // Commit checks (transaction_commit.cpp).
    [[nodiscard]] DbResult<void> check_strong_refs() const;
    void collect_garbage();
    [[nodiscard]] DbResult<void> remove_weak_refs();
    [[nodiscard]] DbResult<void> check_indexes_and_limits() const;

    [[nodiscard]] const TableRows& rows(std::string_view table) const;
    [[nodiscard]] TableRows& writable(std::string_view table);
    [[nodiscard]] bool exists(std::string_view table, const Uuid& uuid) const;

    const DatabaseSchema& schema_;
    const Tables& committed_;
    const std::function<bool(std::string_view)>& holds_lock_;
    Tables working_;
    // uuid-name -> (uuid, index of the insert that declares it)
    std::map<std::string, std::pair<Uuid, std::size_t>, std::less<>> symbols_;
    SymbolTable symbol_lookup_;
    bool blocked_ = false;
};

}  // namespace vs::ovsdb
