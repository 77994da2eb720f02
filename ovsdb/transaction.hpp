// Transaction: one RFC 7047 "transact" request (section 4.1.3) run in place on the committed
// rows: every row it touches is saved first, so rollback() puts the tables back exactly as they
// were. Then the commit-time checks (strong references, garbage collection of non-root rows,
// weak references, indexes, maxRows) look only at the touched rows, helped by the reference
// counts and index maps of DbState. The caller writes the changes to the Store and then calls
// commit(), or rollback() on any failure (the destructor rolls back what was not committed).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ovsdb/database.hpp"
#include "ovsdb/datum.hpp"
#include "ovsdb/db_state.hpp"
#include "ovsdb/schema.hpp"
#include "ovsdb/store.hpp"
#include "ovsdb/transaction_condition.hpp"
#include "ovsdb/uuid.hpp"

namespace vs::ovsdb {

// Thread: the database thread; lives for one transact call.
class Transaction {
  public:
    Transaction(const DatabaseSchema& schema, DbState& state,
                const std::function<bool(std::string_view)>& holds_lock);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    // Runs every operation, appending one result per operation to `results`, or the error at
    // the failing operation and stopping there. False on an error or a blocked "wait".
    [[nodiscard]] bool execute(const Json& operations, Json& results);
    [[nodiscard]] bool blocked() const { return blocked_; }
    // A "commit" operation asked for "durable": true.
    [[nodiscard]] bool durable() const { return durable_; }
    // The commit-time checks; they may delete (garbage) and modify (weak references) rows.
    [[nodiscard]] DbResult<void> check_commit();
    // Every row that really changed, with new versions assigned in the tables.
    [[nodiscard]] std::vector<RowChange> take_changes();
    // Makes the changes permanent in memory (reference counts and indexes included).
    void commit();
    // Puts every touched row back as it was before the transaction.
    void rollback();

  private:
    using Touched = std::map<Uuid, std::optional<RowState>>;  // row -> before (nullopt: absent)

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
    [[nodiscard]] DbResult<void> check_strong_refs();
    void collect_garbage();
    [[nodiscard]] DbResult<void> remove_weak_refs();
    [[nodiscard]] DbResult<void> check_limits() const;
    [[nodiscard]] DbResult<void> check_indexes();
    [[nodiscard]] int ref_count(const Uuid& uuid) const;

    // Every change to a row goes through these, which save the row first.
    [[nodiscard]] RowState& row_for_write(const TableSchema& table, const Uuid& uuid);
    void put_row(const TableSchema& table, const Uuid& uuid, RowState state);
    void erase_row(const TableSchema& table, const Uuid& uuid);
    void save(const TableSchema& table, const Uuid& uuid);

    [[nodiscard]] const TableRows& rows(std::string_view table) const;
    [[nodiscard]] const RowState* find_row(std::string_view table, const Uuid& uuid) const;

    const DatabaseSchema& schema_;
    DbState& state_;
    const std::function<bool(std::string_view)>& holds_lock_;
    // Table -> rows touched, as they were before; table pointers are the schema's.
    std::map<const TableSchema*, Touched> touched_;
    // Sets of references changed only by insert/delete mutations, and the (row, column) pairs
    // written some other way (their SetDelta, if any, no longer tells the whole change).
    std::map<std::pair<Uuid, const ColumnSchema*>, SetDelta> set_deltas_;
    std::set<std::pair<Uuid, const ColumnSchema*>> rewritten_;
    void note_set_change(const Uuid& uuid, const ColumnSchema& column, bool inserted,
                         const std::vector<Atom>& elements);
    [[nodiscard]] const SetDelta* set_delta(const Uuid& uuid, const ColumnSchema& column) const;
    [[nodiscard]] SetDeltas set_deltas_of(const TableSchema& table, const Uuid& uuid) const;
    // Computed by check_commit, applied by commit().
    std::unordered_map<Uuid, int> ref_deltas_;
    struct IndexChange {
        const std::string* table;
        std::size_t index;
        std::vector<std::string> removed;
        std::vector<std::pair<std::string, Uuid>> added;
    };
    std::vector<IndexChange> index_changes_;
    bool finished_ = false;
    // uuid-name -> (uuid, index of the insert that declares it)
    std::map<std::string, std::pair<Uuid, std::size_t>, std::less<>> symbols_;
    SymbolTable symbol_lookup_;
    bool blocked_ = false;
    bool durable_ = false;
};

}  // namespace vs::ovsdb
