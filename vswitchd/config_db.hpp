// ConfigDb: the config DB as vswitchd sees it — the DB it embeds (served to ovs-vsctl and our
// tools on RUNDIR/db.sock and any --remote) or a replica of an external server's (--db=), kept
// current by a monitor and written through that server. The daemon reads db(), writes with
// transact() and reconciles when told of a change; it does not care which one it has.
// Thread: the io_context's thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/asio.hpp"
#include "base/result.hpp"
#include "ovsdb/database.hpp"

namespace vs {

class ConfigDb {
  public:
    virtual ~ConfigDb() = default;

    // The current contents (read-only).
    [[nodiscard]] virtual const ovsdb::Database& db() const = 0;
    // Runs an RFC 7047 operations array; when it returns, db() shows what it committed. Errors
    // come back as an error object in the results (see transact_error()).
    [[nodiscard]] virtual ovsdb::TransactResult transact(const ovsdb::Json& operations) = 0;
    // `changed` runs after every change of db(), whoever made it (it must not transact; post
    // the work). `connected` runs each time the DB becomes usable (once for the embedded DB,
    // after every (re)connection to an external one) and may transact: it makes sure the DB
    // holds what the command line asked for. Its error is fatal at start, logged later.
    // start() opens the DB, or starts connecting.
    [[nodiscard]] virtual Result<void> start(std::function<void()> changed,
                                             std::function<Result<void>()> connected) = 0;
    // False while an external DB is unreachable (transact() then fails at once).
    [[nodiscard]] virtual bool connected() const = 0;
    // "embedded FILE on REMOTES" or "REMOTE (connected|connecting)", for logs and reports.
    [[nodiscard]] virtual std::string describe() const = 0;
};

// The DB in `db_file` (created with `schema_file` when new), served on `remotes`.
[[nodiscard]] Result<std::unique_ptr<ConfigDb>> open_embedded_db(boost::asio::io_context& io,
                                                                 const std::string& db_file,
                                                                 const std::string& schema_file,
                                                                 std::vector<std::string> remotes);

// A replica of the Open_vSwitch database of the server at `remote` ("unix:PATH" or
// "tcp:IP:PORT"); until the first connection it is empty with the schema in `schema_file`.
// Lost connections are retried with back-off, keeping the last contents meanwhile.
[[nodiscard]] Result<std::unique_ptr<ConfigDb>> open_remote_db(boost::asio::io_context& io,
                                                               const std::string& remote,
                                                               const std::string& schema_file);

}  // namespace vs
