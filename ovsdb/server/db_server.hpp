// DbServer: RFC 7047 JSON-RPC over stream sockets (unix and TCP, Boost.Asio) for one Database:
// list_dbs, get_schema, echo, transact (with waits retried after each commit), monitor,
// monitor_cond (conditions, "update2" notifications with differences) and monitor_cond_change,
// monitor_cancel, lock/steal/unlock. monitor_cond_since answers "unknown method", which makes
// Open vSwitch's clients fall back to monitor_cond.
//
// Ordering: after a commit, every monitor's update is queued before the transact reply, so a
// client sees the changes its own transaction caused before the reply.
// Thread: the io_context's thread only.
#pragma once

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/asio.hpp"
#include "base/result.hpp"
#include "ovsdb/database.hpp"
#include "ovsdb/transaction_condition.hpp"

namespace vs::ovsdb {

class DbServer {
  public:
    DbServer(boost::asio::io_context& io, Database& db);
    ~DbServer();
    DbServer(const DbServer&) = delete;
    DbServer& operator=(const DbServer&) = delete;

    // "punix:PATH" or "ptcp:PORT[:IP]".
    Result<void> listen(const std::string& remote);
    size_t n_sessions() const { return sessions_.size(); }

    // Runs a transaction for the process that embeds the server (vswitchd's write-backs): the
    // same as a client's, so monitors, waiting transactions and commit listeners hear of it in
    // commit order. Must not be called from inside a commit listener.
    TransactResult transact_local(const Json& operations);
    // Calls `listener` after every committed transaction that changed something, from the
    // client's or transact_local(), after monitors were updated and before the requester's
    // reply. Listeners must not run transactions themselves (post the work instead).
    void on_commit(std::function<void(const std::vector<RowChange>&)> listener);

    class Session;

  private:
    friend class Session;
    struct Monitor {
        Json id;
        // monitor_cond: "update2" notifications (initial/insert/delete/modify with differences)
        // and "where" conditions; plain monitor otherwise.
        bool cond = false;
        // table -> monitored columns and which kinds of change to send
        struct TableSpec {
            std::vector<std::string> columns;
            std::vector<const ColumnSchema*> schemas;  // of `columns`, in the same order
            bool initial = true, insert = true, remove = true, modify = true;
            // monitor_cond's "where": a row is selected when any condition holds.
            bool all_rows = true;
            std::vector<Clause> any_of;
            [[nodiscard]] bool selects(const Uuid& uuid, const Store::Row* row) const;
        };
        std::map<std::string, TableSpec, std::less<>> tables;
    };
    struct PendingTransact {
        std::weak_ptr<Session> session;
        Json id;
        Json operations;  // the params after the database name
        std::chrono::steady_clock::time_point deadline;
    };

    void accept_unix(
        const std::shared_ptr<boost::asio::local::stream_protocol::acceptor>& acceptor);
    void accept_tcp(const std::shared_ptr<boost::asio::ip::tcp::acceptor>& acceptor);
    // `message` is taken apart (its params are moved out).
    void handle(const std::shared_ptr<Session>& session, Json& message);
    Json handle_request(const std::shared_ptr<Session>& session, const std::string& method,
                        Json& params, const Json& id, bool& defer_reply);
    // `ops`: the operations (the params after the database name).
    Json transact(const std::shared_ptr<Session>& session, Json ops, const Json& id,
                  bool& defer_reply, bool timed_out);
    // monitor and monitor_cond. Answers itself (the initial contents are written as text)
    // unless it returns an error.
    Json monitor(const std::shared_ptr<Session>& session, const Json& params, const Json& id,
                 bool cond, bool& replied);
    Json monitor_cond_change(const std::shared_ptr<Session>& session, const Json& params,
                             const Json& id, bool& replied);
    Json lock(const std::shared_ptr<Session>& session, const std::string& method,
              const Json& params);
    // Group commit: a session runs what it read (and what arrived meanwhile) with batching_
    // set; the transactions go to the file in one SQLite commit at flush_batch(), which then
    // publishes each one's changes and sends each reply, in request order. Anything other
    // than a plain transact flushes first.
    void flush_batch();
    void publish(const std::vector<RowChange>& changes);
    void committed(const std::vector<RowChange>& changes);
    void retry_pending();
    void schedule_wait_timer();
    void session_closed(Session* session);

    boost::asio::io_context& io_;
    Database& db_;
    std::vector<std::shared_ptr<boost::asio::local::stream_protocol::acceptor>> unix_acceptors_;
    std::vector<std::string> unix_paths_;
    std::vector<std::shared_ptr<boost::asio::ip::tcp::acceptor>> tcp_acceptors_;
    std::list<std::weak_ptr<Session>> sessions_;
    std::map<std::string, std::list<Session*>, std::less<>> locks_;  // name -> owner first
    std::list<PendingTransact> pending_;
    struct Batched {
        std::weak_ptr<Session> session;
        Json id;
        Json results;
        std::vector<RowChange> changes;
    };
    bool batching_ = false;     // set by the session while it handles what it read
    bool batch_begun_ = false;  // db_.begin_batch() was called
    std::vector<Batched> batch_;
    boost::asio::steady_timer wait_timer_;
    const std::string schema_text_;  // the get_schema result
    std::vector<std::function<void(const std::vector<RowChange>&)>> commit_listeners_;
};

}  // namespace vs::ovsdb
