// MemoryDb: the Database implementation — every row held in memory (table -> uuid -> version and
// columns), loaded once from the Store; each transact runs a Transaction in place and, when every
// check passed, writes the changed rows through to the Store in one SQLite transaction before
// committing in memory. A failure rolls back memory and file to what they were.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ovsdb/database.hpp"
#include "ovsdb/transaction.hpp"

namespace vs::ovsdb {

// Thread: the database thread only.
class MemoryDb final : public Database {
  public:
    [[nodiscard]] static DbResult<std::unique_ptr<MemoryDb>> open(const std::string& path,
                                                                  DatabaseSchema schema);

    [[nodiscard]] const DatabaseSchema& schema() const override { return schema_; }
    [[nodiscard]] TransactResult transact(
        const Json& operations, const std::function<bool(std::string_view)>& holds_lock) override;
    void for_each_row(std::string_view table,
                      const std::function<void(const Uuid&, const Store::Row&)>& fn) const override;
    void begin_batch() override { batch_ = true; }
    [[nodiscard]] DbResult<void> end_batch() override;

  private:
    MemoryDb(DatabaseSchema schema, std::unique_ptr<Store> store);
    [[nodiscard]] DbResult<void> load();
    [[nodiscard]] DbResult<void> write_through(const std::vector<RowChange>& changes, bool durable);
    // In a batch: the changes inside a savepoint of the batch's open SQLite transaction.
    [[nodiscard]] DbResult<void> write_batched(const std::vector<RowChange>& changes, bool durable);
    [[nodiscard]] DbResult<void> write_rows(const std::vector<RowChange>& changes);
    [[nodiscard]] DbResult<void> close_batch();

    DatabaseSchema schema_;
    std::unique_ptr<Store> store_;
    DbState state_;
    bool batch_ = false;                  // between begin_batch() and end_batch()
    bool batch_open_ = false;             // the batch's SQLite transaction is open
    std::optional<DbError> batch_error_;  // the batch failed: nothing more is written
};

}  // namespace vs::ovsdb
