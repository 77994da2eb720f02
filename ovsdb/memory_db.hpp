// MemoryDb: the Database implementation — every row held in memory (table -> uuid -> version and
// columns), loaded once from the Store; each transact runs a Transaction in place and, when every
// check passed, writes the changed rows through to the Store in one SQLite transaction before
// committing in memory. A failure rolls back memory and file to what they were.
#pragma once

#include <memory>
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

  private:
    MemoryDb(DatabaseSchema schema, std::unique_ptr<Store> store);
    [[nodiscard]] DbResult<void> load();
    [[nodiscard]] DbResult<void> write_through(const std::vector<RowChange>& changes, bool durable);

    DatabaseSchema schema_;
    std::unique_ptr<Store> store_;
    DbState state_;
};

}  // namespace vs::ovsdb
