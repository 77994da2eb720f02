// The external config DB: one JSON-RPC connection to the server carries the monitor of every
// table and our transactions. A server sends the updates a transaction causes before its reply
// (RFC 7047 leaves this to servers; ovsdb-server and vsdb-server both do it), so applying the
// queued updates after a reply makes the replica show the transaction's effect.
#include <unistd.h>

#include <chrono>
#include <optional>

#include "base/log.hpp"
#include "ovsdb/client/jsonrpc_client.hpp"
#include "ovsdb/replica_db.hpp"
#include "vswitchd/config_db.hpp"

namespace vs {

VS_LOG_MODULE(remote_db_log, "remote_db");

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using ovsdb::Json;

constexpr auto kConnectTimeout = std::chrono::seconds(5);
constexpr auto kTransactTimeout = std::chrono::seconds(10);
constexpr auto kMaxBackoff = std::chrono::seconds(8);
constexpr const char* kDbName = "Open_vSwitch";

ovsdb::TransactResult error_result(const std::string& error, const std::string& details) {
    ovsdb::TransactResult result;
    result.results.push_back({{"error", error}, {"details", details}});
    return result;
}

class RemoteDb final : public ConfigDb {
  public:
    RemoteDb(asio::io_context& io, std::string remote, ovsdb::DatabaseSchema schema)
        : remote_(std::move(remote)),
          replica_(std::make_unique<ovsdb::ReplicaDb>(std::move(schema))),
          watch_(io),
          retry_timer_(io) {}
    ~RemoteDb() override {
        boost::system::error_code ignored;
        watch_.close(ignored);
    }
    RemoteDb(const RemoteDb&) = delete;
    RemoteDb& operator=(const RemoteDb&) = delete;

    const ovsdb::Database& db() const override { return *replica_; }
    ovsdb::TransactResult transact(const Json& operations) override;
    Result<void> start(std::function<void()> changed,
                       std::function<Result<void>()> connected) override {
        changed_ = std::move(changed);
        connected_ = std::move(connected);
        try_connect();
        return {};
    }
    bool connected() const override { return client_.has_value(); }
    std::string describe() const override {
        return remote_ + (client_ ? " (connected)" : " (connecting)");
    }

  private:
    Result<void> connect();
    void try_connect();
    void disconnected(const std::string& why);
    void watch();
    // Applies every update already received; false when the connection broke meanwhile.
    bool drain();
    bool apply_notification(const Json& note);

    std::string remote_;
    std::unique_ptr<ovsdb::ReplicaDb> replica_;
    std::optional<ovsdb::JsonRpcClient> client_;
    asio::posix::stream_descriptor watch_;  // a dup of the client's socket, to wait on
    asio::steady_timer retry_timer_;
    std::chrono::seconds backoff_{1};
    std::function<void()> changed_;
    std::function<Result<void>()> connected_;
};

// Connects, fetches the server's schema and monitors every column of every table, so the
// replica is built from the server's own schema (its version may differ from ours).
Result<void> RemoteDb::connect() {
    const auto deadline = Clock::now() + kConnectTimeout;
    auto client = ovsdb::JsonRpcClient::connect(remote_, deadline);
    if (!client) return tl::unexpected(client.error());
    auto schema_reply = client->call("get_schema", Json::array({kDbName}), deadline);
    if (!schema_reply) return tl::unexpected(schema_reply.error());
    if (!(*schema_reply)["error"].is_null()) {
        return fail("get_schema: " + (*schema_reply)["error"].dump());
    }
    auto schema = ovsdb::parse_schema((*schema_reply)["result"]);
    if (!schema) return fail("server's schema: " + schema.error().details);
    auto replica = std::make_unique<ovsdb::ReplicaDb>(std::move(*schema));
    auto reply = client->call(
        "monitor", Json::array({kDbName, "vswitchd", replica->monitor_requests()}), deadline);
    if (!reply) return tl::unexpected(reply.error());
    if (!(*reply)["error"].is_null()) return fail("monitor: " + (*reply)["error"].dump());
    if (auto ok = replica->apply((*reply)["result"]); !ok) {
        return fail("monitor reply: " + ok.error().details);
    }
    const int fd = ::dup(client->fd());
    if (fd < 0) return fail("dup: cannot watch the connection");
    watch_.assign(fd);
    client_ = std::move(*client);
    replica_ = std::move(replica);
    return {};
}

void RemoteDb::try_connect() {
    if (auto ok = connect(); !ok) {
        VS_WARN(remote_db_log, "{}: {}; retrying in {} s", remote_, ok.error().message,
                backoff_.count());
        retry_timer_.expires_after(backoff_);
        backoff_ = std::min(backoff_ * 2, std::chrono::seconds(kMaxBackoff));
        retry_timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) try_connect();
        });
        return;
    }
    VS_INFO(remote_db_log, "{}: connected, {} rows", remote_, replica_->n_rows());
    backoff_ = std::chrono::seconds(1);
    watch();
    if (auto ok = connected_(); !ok) VS_WARN(remote_db_log, "{}: {}", remote_, ok.error().message);
    changed_();
}

void RemoteDb::disconnected(const std::string& why) {
    VS_WARN(remote_db_log, "{}: {}; keeping the last configuration while reconnecting", remote_,
            why);
    boost::system::error_code ignored;
    watch_.close(ignored);
    client_.reset();
    retry_timer_.expires_after(backoff_);
    retry_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) try_connect();
    });
}

void RemoteDb::watch() {
    watch_.async_wait(asio::posix::stream_descriptor::wait_read,
                      [this](boost::system::error_code ec) {
                          if (ec || !client_) return;
                          if (drain()) watch();
                      });
}

bool RemoteDb::drain() {
    bool changed = false;
    for (;;) {
        auto note = client_->next_notification(Clock::now());
        if (!note) {
            if (note.error().message == ovsdb::JsonRpcClient::kTimedOut) break;
            disconnected(note.error().message);
            if (changed) changed_();
            return false;
        }
        if (!apply_notification(*note)) {
            disconnected("cannot apply an update");
            return false;
        }
        changed = true;
    }
    if (changed) changed_();
    return true;
}

bool RemoteDb::apply_notification(const Json& note) {
    if (note.value("method", "") != "update") return true;  // "locked", "stolen"...: not ours
    const Json& params = note["params"];
    if (!params.is_array() || params.size() != 2) return false;
    auto ok = replica_->apply(params[1]);
    if (!ok) VS_WARN(remote_db_log, "{}: bad update: {}", remote_, ok.error().details);
    return ok.has_value();
}

ovsdb::TransactResult RemoteDb::transact(const Json& operations) {
    if (!client_)
        return error_result("not connected", "config DB " + remote_ + " is not connected");
    Json params = Json::array({kDbName});
    for (const Json& op : operations)
        params.push_back(op);
    auto reply = client_->call("transact", params, Clock::now() + kTransactTimeout);
    if (!reply) {
        const std::string why = reply.error().message;
        disconnected(why);
        return error_result("I/O error", "config DB " + remote_ + ": " + why);
    }
    if (!drain()) return error_result("I/O error", "config DB " + remote_ + ": connection lost");
    ovsdb::TransactResult result;
    if (!(*reply)["error"].is_null()) {
        return error_result("error", (*reply)["error"].dump());
    }
    result.results = (*reply)["result"];
    return result;
}

}  // namespace

Result<std::unique_ptr<ConfigDb>> open_remote_db(asio::io_context& io, const std::string& remote,
                                                 const std::string& schema_file) {
    if (remote.rfind("unix:", 0) != 0 && remote.rfind("tcp:", 0) != 0) {
        return fail("--db: expected unix:PATH or tcp:IP:PORT, got '" + remote + "'");
    }
    auto schema = ovsdb::load_schema_file(schema_file);
    if (!schema) {
        return fail(schema_file + ": " + schema.error().error + ": " + schema.error().details);
    }
    return std::make_unique<RemoteDb>(io, remote, std::move(*schema));
}

}  // namespace vs
