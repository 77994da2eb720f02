// Database: one OVSDB database held in memory and written through to its SQLite Store; runs RFC
// 7047 "transact" requests atomically (all operations or none, one SQLite transaction) and
// reports what each committed transaction changed, for monitors.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ovsdb/datum.hpp"
#include "ovsdb/db_error.hpp"
#include "ovsdb/schema.hpp"
#include "ovsdb/set_delta.hpp"
#include "ovsdb/store.hpp"
#include "ovsdb/uuid.hpp"

namespace vs::ovsdb {

// One row's change in a committed transaction (RFC 7047 monitor semantics: old for deletes and
// modifications, new for inserts and modifications).
struct RowChange {
    std::string table;
    Uuid uuid;
    // Shared, immutable snapshots of the row before and after.
    std::shared_ptr<const Store::Row> old_row;  // null for an insert
    std::shared_ptr<const Store::Row> new_row;  // null for a delete
    // A modified row's sets of references that changed only by insert/delete mutations, as
    // element differences (the store writes just those).
    SetDeltas set_deltas;
};

struct TransactResult {
    // The "result" member of the transact reply: one element per operation, or an error object
    // at the failing operation (and nothing after it), as RFC 7047 section 4.1.3 says.
    Json results = Json::array();
    // What the transaction changed, when it committed; empty if it failed or changed nothing.
    std::vector<RowChange> changes;
    // A "wait" with a non-zero timeout did not hold: nothing was done, and the caller may run
    // the same request again after the next change (until the timeout passes).
    bool blocked = false;
};

// Thread: one thread (the database's owner); not thread-safe.
class Database {
  public:
    // Opens (or creates) the database file for `schema` and loads it into memory.
    [[nodiscard]] static DbResult<std::unique_ptr<Database>> open(const std::string& path,
                                                                  DatabaseSchema schema);
    virtual ~Database() = default;

    [[nodiscard]] virtual const DatabaseSchema& schema() const = 0;
    // Runs the operations array of a transact request (the params after the database name).
    // `holds_lock` answers the "assert" operation for the requesting session.
    [[nodiscard]] virtual TransactResult transact(
        const Json& operations, const std::function<bool(std::string_view)>& holds_lock) = 0;
    // Group commit. Between begin_batch() and end_batch(), each transact() still runs and
    // answers as its own RFC 7047 transaction (a failed one undoes only itself), but the
    // successful ones reach the file together in one SQLite commit at end_batch(): their
    // results must not be sent before end_batch() returned. When end_batch() fails, none of
    // the batch's changes were kept (memory is reloaded from the file). A durable transaction
    // ("commit" with "durable": true) should be run outside a batch.
    virtual void begin_batch() {}
    [[nodiscard]] virtual DbResult<void> end_batch() { return {}; }
    // Visits every row of `table` with all its columns (a monitor's initial contents).
    virtual void for_each_row(
        std::string_view table,
        const std::function<void(const Uuid&, const Store::Row&)>& fn) const = 0;
};

}  // namespace vs::ovsdb
