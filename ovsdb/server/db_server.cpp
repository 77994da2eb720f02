// DbServer: listeners, request dispatch, transact with retried waits, and locks.
#include "ovsdb/server/db_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "base/log.hpp"
#include "ovsdb/server/db_session.hpp"

namespace vs::ovsdb {

VS_LOG_MODULE(server_log, "ovsdb");

namespace asio = boost::asio;
using generic_socket = asio::generic::stream_protocol::socket;

namespace {

Json error_object(const std::string& error, const std::string& details = "") {
    Json e = {{"error", error}};
    if (!details.empty()) e["details"] = details;
    return e;
}

Json reply(const Json& id, Json result) {
    return {{"id", id}, {"result", std::move(result)}, {"error", nullptr}};
}

Json error_reply(const Json& id, Json error) {
    return {{"id", id}, {"result", nullptr}, {"error", std::move(error)}};
}

Json notification(const std::string& method, Json params) {
    return {{"id", nullptr}, {"method", method}, {"params", std::move(params)}};
}

// A "commit" operation with "durable": true (the disk sync is chosen per SQLite transaction).
bool has_durable_commit(const Json& ops) {
    for (const Json& op : ops) {
        if (!op.is_object()) continue;
        const auto kind = op.find("op");
        if (kind == op.end() || !kind->is_string() || *kind != "commit") continue;
        const auto durable = op.find("durable");
        if (durable != op.end() && durable->is_boolean() && durable->get<bool>()) return true;
    }
    return false;
}

// The smallest "timeout" of the request's wait operations, in milliseconds.
int64_t wait_timeout_ms(const Json& ops) {
    int64_t best = -1;
    for (const Json& op : ops) {
        if (!op.is_object() || op.value("op", "") != "wait") continue;
        auto t = op.find("timeout");
        if (t != op.end() && t->is_number_integer()) {
            const int64_t v = t->get<int64_t>();
            if (best < 0 || v < best) best = v;
        }
    }
    return best;
}

}  // namespace

DbServer::DbServer(asio::io_context& io, Database& db)
    : io_(io), db_(db), wait_timer_(io), schema_text_(schema_to_json(db.schema()).dump()) {}

DbServer::~DbServer() {
    boost::system::error_code ec;
    for (auto& a : unix_acceptors_)
        a->close(ec);
    for (auto& a : tcp_acceptors_)
        a->close(ec);
    for (const std::string& path : unix_paths_)
        ::unlink(path.c_str());
    // close() reports back through session_closed(), which edits sessions_: walk a copy.
    std::list<std::weak_ptr<Session>> sessions;
    sessions.swap(sessions_);
    for (auto& weak : sessions) {
        if (auto s = weak.lock()) s->close();
    }
}

Result<void> DbServer::listen(const std::string& remote) {
    boost::system::error_code ec;
    if (remote.rfind("punix:", 0) == 0) {
        const std::string path = remote.substr(6);
        ::unlink(path.c_str());
        auto acceptor = std::make_shared<asio::local::stream_protocol::acceptor>(io_);
        acceptor->open(asio::local::stream_protocol(), ec);
        if (!ec) acceptor->bind(asio::local::stream_protocol::endpoint(path), ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return fail("cannot listen on " + remote + ": " + ec.message());
        ::chmod(path.c_str(), 0770);
        unix_acceptors_.push_back(acceptor);
        unix_paths_.push_back(path);
        accept_unix(acceptor);
        return {};
    }
    if (remote.rfind("ptcp:", 0) == 0) {
        const std::string rest = remote.substr(5);
        const size_t colon = rest.find(':');
        const std::string port = rest.substr(0, colon);
        const std::string ip = colon == std::string::npos ? "0.0.0.0" : rest.substr(colon + 1);
        asio::ip::address addr = asio::ip::make_address(ip, ec);
        if (ec) return fail("bad address in " + remote);
        int port_no = 0;
        try {
            port_no = std::stoi(port);
        } catch (const std::exception&) {
            return fail("bad port in " + remote);
        }
        auto acceptor = std::make_shared<asio::ip::tcp::acceptor>(io_);
        asio::ip::tcp::endpoint ep(addr, static_cast<uint16_t>(port_no));
        acceptor->open(ep.protocol(), ec);
        if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor->bind(ep, ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return fail("cannot listen on " + remote + ": " + ec.message());
        tcp_acceptors_.push_back(acceptor);
        accept_tcp(acceptor);
        return {};
    }
    return fail("unsupported remote '" + remote + "' (use punix:PATH or ptcp:PORT[:IP])");
}

void DbServer::accept_unix(
    const std::shared_ptr<asio::local::stream_protocol::acceptor>& acceptor) {
    acceptor->async_accept([this, acceptor](boost::system::error_code ec,
                                            asio::local::stream_protocol::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
            generic_socket g(io_);
            g.assign(asio::generic::stream_protocol(AF_UNIX, SOCK_STREAM), socket.release());
            auto session = std::make_shared<Session>(*this, std::move(g));
            sessions_.push_back(session);
            session->start();
        }
        accept_unix(acceptor);
    });
}

void DbServer::accept_tcp(const std::shared_ptr<asio::ip::tcp::acceptor>& acceptor) {
    acceptor->async_accept(
        [this, acceptor](boost::system::error_code ec, asio::ip::tcp::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec) {
                socket.set_option(asio::ip::tcp::no_delay(true), ec);
                const int family = socket.local_endpoint(ec).protocol().family();
                generic_socket g(io_);
                g.assign(asio::generic::stream_protocol(family, SOCK_STREAM), socket.release());
                auto session = std::make_shared<Session>(*this, std::move(g));
                sessions_.push_back(session);
                session->start();
            }
            accept_tcp(acceptor);
        });
}

void DbServer::handle(const std::shared_ptr<Session>& session, Json& message) {
    VS_DBG(server_log, "received {}", message.dump());
    auto method = message.find("method");
    const Json id = message.contains("id") ? message["id"] : Json();
    if (method == message.end()) return;  // a reply to something we sent (echo): nothing to do
    if (!method->is_string()) {
        session->send(error_reply(id, error_object("syntax error", "method is not a string")));
        return;
    }
    // Moved, not copied: a transact of a thousand ports is a big tree.
    Json params = message.contains("params") ? std::move(message["params"]) : Json::array();
    if (!params.is_array()) {
        session->send(error_reply(id, error_object("syntax error", "params is not an array")));
        return;
    }
    if (batch_begun_ && *method != "transact") flush_batch();
    bool defer = false;
    Json result = handle_request(session, method->get<std::string>(), params, id, defer);
    if (defer || id.is_null()) return;  // deferred transact, or a notification
    flush_batch();                      // replies go out in request order
    // Method-level failures come back as a bare error object ({"error": "tag", ...}); no
    // successful result has a string "error" member (transact results are arrays, table updates
    // map tables to objects).
    if (result.is_object() && result.contains("error") && result["error"].is_string()) {
        session->send(error_reply(id, std::move(result)));
    } else {
        session->send(reply(id, std::move(result)));
    }
}

Json DbServer::handle_request(const std::shared_ptr<Session>& session, const std::string& method,
                              Json& params, const Json& id, bool& defer) {
    const std::string& db_name = db_.schema().name;
    auto check_db = [&]() -> bool {
        return !params.empty() && params[0].is_string() && params[0].get<std::string>() == db_name;
    };
    if (method == "echo") return params;
    if (method == "list_dbs") return Json::array({db_name});
    if (method == "get_schema") {
        if (!check_db()) return error_object("unknown database");
        // Every ovs-vsctl run asks for it: the text is made once.
        if (!id.is_null()) {
            session->send_text("{\"id\":" + id.dump() + ",\"result\":" + schema_text_ +
                               ",\"error\":null}");
        }
        defer = true;
        return nullptr;
    }
    if (method == "transact") {
        if (!check_db()) return error_object("unknown database");
        params.erase(params.begin());  // the operations follow the database name
        return transact(session, std::move(params), id, defer, false);
    }
    if (method == "cancel") {
        for (auto it = pending_.begin(); it != pending_.end(); ++it) {
            if (it->session.lock() == session && !params.empty() && it->id == params[0]) {
                session->send(error_reply(it->id, error_object("canceled")));
                pending_.erase(it);
                break;
            }
        }
        defer = true;  // cancel itself has no reply
        return nullptr;
    }
    if (method == "monitor") {
        if (!check_db()) return error_object("unknown database");
        return monitor(session, params, id, false, defer);
    }
    if (method == "monitor_cond") {
        if (!check_db()) return error_object("unknown database");
        return monitor(session, params, id, true, defer);
    }
    if (method == "monitor_cond_change") {
        return monitor_cond_change(session, params, id, defer);
    }
    if (method == "monitor_cancel") {
        if (params.size() != 1 || !session->monitors.erase(params[0].dump())) {
            return error_object("unknown monitor");
        }
        return Json::object();
    }
    if (method == "lock" || method == "steal" || method == "unlock") {
        return lock(session, method, params);
    }
    return error_object("unknown method", "\"" + method + "\" is not supported");
}

Json DbServer::transact(const std::shared_ptr<Session>& session, Json ops, const Json& id,
                        bool& defer, bool timed_out) {
    if (timed_out) {
        for (Json& op : ops) {
            if (op.is_object() && op.value("op", "") == "wait") op["timeout"] = 0;
        }
    }
    const bool batched = batching_ && !has_durable_commit(ops);
    if (batched && !batch_begun_) {
        db_.begin_batch();
        batch_begun_ = true;
    } else if (!batched && batch_begun_) {
        flush_batch();
    }
    Session* raw = session.get();
    TransactResult r = db_.transact(ops, [this, raw](std::string_view name) {
        auto it = locks_.find(name);
        return it != locks_.end() && !it->second.empty() && it->second.front() == raw;
    });
    if (r.blocked) {
        const int64_t ms = std::max<int64_t>(wait_timeout_ms(ops), 0);
        pending_.push_back({session, id, std::move(ops),
                            std::chrono::steady_clock::now() + std::chrono::milliseconds(ms)});
        schedule_wait_timer();
        defer = true;
        return nullptr;
    }
    // RFC 7047 4.1.3: operations after a failed one are not run and answer null.
    while (r.results.size() < ops.size())
        r.results.push_back(nullptr);
    if (batched) {
        // Not in the file yet: nothing of it is told to anyone before flush_batch().
        batch_.push_back({session, id, std::move(r.results), std::move(r.changes)});
        defer = true;
        return nullptr;
    }
    if (!r.changes.empty()) committed(r.changes);
    return std::move(r.results);
}

void DbServer::flush_batch() {
    if (!batch_begun_) return;
    batch_begun_ = false;
    std::vector<Batched> batch;
    batch.swap(batch_);
    const DbResult<void> written = db_.end_batch();
    for (Batched& item : batch) {
        if (!written && !item.changes.empty()) {
            item.results.push_back(error_object("I/O error", written.error().details));
            item.changes.clear();
        }
        if (!item.changes.empty()) committed(item.changes);
        auto session = item.session.lock();
        if (session && !item.id.is_null()) session->send(reply(item.id, std::move(item.results)));
    }
}

TransactResult DbServer::transact_local(const Json& operations) {
    flush_batch();
    TransactResult r = db_.transact(operations, [](std::string_view) { return true; });
    if (!r.changes.empty()) committed(r.changes);
    return r;
}

void DbServer::on_commit(std::function<void(const std::vector<RowChange>&)> listener) {
    commit_listeners_.push_back(std::move(listener));
}

void DbServer::committed(const std::vector<RowChange>& changes) {
    publish(changes);  // monitors hear of it before the requester gets its reply
    for (const auto& listener : commit_listeners_)
        listener(changes);
    asio::post(io_, [this] { retry_pending(); });
}

void DbServer::retry_pending() {
    std::list<PendingTransact> waiting;
    waiting.swap(pending_);
    for (PendingTransact& p : waiting) {
        auto session = p.session.lock();
        if (!session || session->closed()) continue;
        const bool timed_out = std::chrono::steady_clock::now() >= p.deadline;
        bool defer = false;
        Json result = transact(session, std::move(p.operations), p.id, defer, timed_out);
        if (defer) {
            pending_.back().deadline = p.deadline;  // keep the original deadline
            continue;
        }
        session->send(reply(p.id, std::move(result)));
    }
    schedule_wait_timer();
}

void DbServer::schedule_wait_timer() {
    if (pending_.empty()) return;
    auto earliest = pending_.front().deadline;
    for (const PendingTransact& p : pending_)
        earliest = std::min(earliest, p.deadline);
    wait_timer_.expires_at(earliest);
    wait_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) retry_pending();
    });
}

void DbServer::session_closed(Session* session) {
    for (auto& [name, owners] : locks_) {
        const bool was_owner = !owners.empty() && owners.front() == session;
        owners.remove(session);
        if (was_owner && !owners.empty()) {
            owners.front()->send(notification("locked", Json::array({name})));
        }
    }
    sessions_.remove_if([session](const std::weak_ptr<Session>& w) {
        auto s = w.lock();
        return !s || s.get() == session;
    });
}

Json DbServer::lock(const std::shared_ptr<Session>& session, const std::string& method,
                    const Json& params) {
    if (params.size() != 1 || !params[0].is_string()) {
        return error_object("syntax error", method + " takes one lock name");
    }
    const std::string name = params[0].get<std::string>();
    auto& owners = locks_[name];
    Session* self = session.get();
    if (method == "unlock") {
        const bool was_owner = !owners.empty() && owners.front() == self;
        owners.remove(self);
        session->locks.erase(name);
        if (was_owner && !owners.empty()) {
            owners.front()->send(notification("locked", Json::array({name})));
        }
        return Json::object();
    }
    if (method == "steal") {
        if (!owners.empty() && owners.front() != self) {
            owners.front()->send(notification("stolen", Json::array({name})));
        }
        owners.remove(self);
        owners.push_front(self);
        session->locks.insert(name);
        return {{"locked", true}};
    }
    if (session->locks.count(name)) return error_object("duplicate lock", name);
    session->locks.insert(name);
    owners.push_back(self);
    return {{"locked", owners.front() == self}};
}

}  // namespace vs::ovsdb
