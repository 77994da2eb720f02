// ReplicaDb: a read-only copy of a remote server's database, for a process that reads its
// configuration from an external server (vswitchd --db=...). It is filled from the reply to a
// "monitor" request and kept current by the "update" notifications that follow (RFC 7047
// sections 4.1.5 and 4.1.6); changes go to the server, never to the replica.
#pragma once

#include <map>
#include <string>

#include "ovsdb/database.hpp"

namespace vs::ovsdb {

// Thread: one thread (the owner's).
class ReplicaDb final : public Database {
  public:
    explicit ReplicaDb(DatabaseSchema schema) : schema_(std::move(schema)) {}

    [[nodiscard]] const DatabaseSchema& schema() const override { return schema_; }
    // Refuses every transaction: a replica changes only through its server.
    [[nodiscard]] TransactResult transact(
        const Json& operations, const std::function<bool(std::string_view)>& holds_lock) override;
    void for_each_row(std::string_view table,
                      const std::function<void(const Uuid&, const Store::Row&)>& fn) const override;

    // The "monitor" request's <monitor-requests>: every column of every table of the schema.
    [[nodiscard]] Json monitor_requests() const;
    // Applies a <table-updates> object (a monitor reply or an update notification's second
    // parameter). Checked first as a whole, so a malformed update changes nothing.
    [[nodiscard]] DbResult<void> apply(const Json& table_updates);
    void clear() { tables_.clear(); }
    [[nodiscard]] size_t n_rows() const;

  private:
    DatabaseSchema schema_;
    std::map<std::string, std::map<Uuid, Store::Row>, std::less<>> tables_;
};

}  // namespace vs::ovsdb
