// MemoryDb: loading from the Store, running transactions, and writing committed changes through
// to the Store in one SQLite transaction (only changed columns of modified rows).
#include "ovsdb/memory_db.hpp"

#include <utility>

namespace vs::ovsdb {

MemoryDb::MemoryDb(DatabaseSchema schema, std::unique_ptr<Store> store)
    : schema_(std::move(schema)), store_(std::move(store)) {}

DbResult<std::unique_ptr<MemoryDb>> MemoryDb::open(const std::string& path, DatabaseSchema schema) {
    auto store = Store::open(path, schema);
    if (!store) return tl::unexpected(store.error());
    std::unique_ptr<MemoryDb> db(new MemoryDb(std::move(schema), std::move(*store)));
    if (auto ok = db->load(); !ok) return tl::unexpected(ok.error());
    return db;
}

DbResult<void> MemoryDb::load() {
    for (const auto& [name, table] : schema_.tables) {
        auto rows = store_->load(name);
        if (!rows) return tl::unexpected(rows.error());
        TableRows& all = state_.tables[name];
        for (auto& [uuid, version, row] : *rows)
            all[uuid] = RowState{version, std::make_shared<Store::Row>(std::move(row))};
    }
    rebuild_derived_state(schema_, state_);
    return {};
}

TransactResult MemoryDb::transact(const Json& operations,
                                  const std::function<bool(std::string_view)>& holds_lock) {
    TransactResult result;
    Transaction txn(schema_, state_, holds_lock);  // rolls back unless committed
    if (!txn.execute(operations, result.results)) {
        if (txn.blocked()) {
            result.results = Json::array();
            result.blocked = true;
        }
        return result;
    }
    if (auto ok = txn.check_commit(); !ok) {
        result.results.push_back(
            Json{{"error", ok.error().error}, {"details", ok.error().details}});
        return result;
    }
    auto changes = txn.take_changes();
    if (!changes.empty()) {
        auto ok =
            batch_ ? write_batched(changes, txn.durable()) : write_through(changes, txn.durable());
        if (!ok) {
            result.results.push_back(Json{{"error", "I/O error"}, {"details", ok.error().details}});
            return result;
        }
    }
    txn.commit();
    result.changes = std::move(changes);
    return result;
}

DbResult<void> MemoryDb::write_through(const std::vector<RowChange>& changes, bool durable) {
    if (auto ok = store_->begin(durable); !ok) return ok;
    DbResult<void> status = write_rows(changes);
    if (status) status = store_->commit();
    if (!status) {
        (void)store_->rollback();
        return status;
    }
    return {};
}

DbResult<void> MemoryDb::write_batched(const std::vector<RowChange>& changes, bool durable) {
    if (batch_error_) return tl::unexpected(*batch_error_);
    if (durable) {
        // The disk sync is chosen when the SQLite transaction begins: what the batch holds so
        // far is committed first (early, which is safe), then this one alone.
        if (batch_open_) {
            if (auto ok = close_batch(); !ok) return ok;
        }
        return write_through(changes, true);
    }
    if (!batch_open_) {
        // The first of the batch needs no savepoint: on failure the SQLite transaction holds
        // nothing else, and is rolled back whole.
        if (auto ok = store_->begin(false); !ok) return ok;
        DbResult<void> status = write_rows(changes);
        if (!status) {
            (void)store_->rollback();
            return status;
        }
        batch_open_ = true;
        return {};
    }
    if (auto ok = store_->savepoint(); !ok) return ok;
    DbResult<void> status = write_rows(changes);
    if (!status) {
        (void)store_->rollback_to_savepoint();
        return status;
    }
    return store_->release_savepoint();
}

DbResult<void> MemoryDb::close_batch() {
    batch_open_ = false;
    auto ok = store_->commit();
    if (!ok) {
        (void)store_->rollback();
        batch_error_ = ok.error();
    }
    return ok;
}

DbResult<void> MemoryDb::end_batch() {
    batch_ = false;
    if (batch_open_) (void)close_batch();
    if (!batch_error_) return {};
    // Memory holds the batch's transactions, the file does not: go back to the file.
    DbError error = *batch_error_;
    batch_error_.reset();
    state_ = DbState{};
    if (auto ok = load(); !ok)
        error.details += "; reloading the file failed: " + ok.error().details;
    return tl::unexpected(std::move(error));
}

DbResult<void> MemoryDb::write_rows(const std::vector<RowChange>& changes) {
    DbResult<void> status;
    for (const auto& change : changes) {
        if (!change.new_row) {
            status = store_->erase(change.table, change.uuid);
        } else {
            const Uuid& version = state_.tables.find(change.table)->second.at(change.uuid).version;
            if (!change.old_row) {
                status = store_->insert(change.table, change.uuid, version, *change.new_row);
            } else {
                status = store_->update(change.table, change.uuid, version, *change.new_row,
                                        change.old_row.get(), &change.set_deltas);
            }
        }
        if (!status) break;
    }
    return status;
}

void MemoryDb::for_each_row(std::string_view table,
                            const std::function<void(const Uuid&, const Store::Row&)>& fn) const {
    const auto it = state_.tables.find(table);
    if (it == state_.tables.end()) return;
    for (const auto& [uuid, state] : it->second)
        fn(uuid, *state.row);
}

}  // namespace vs::ovsdb
