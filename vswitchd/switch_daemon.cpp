// SwitchDaemon: start-up (datapath, config DB and its server, seeding from flags), ports added
// and removed through the DB, upcall dispatch to the bridges, and the control thread's timers.
#include "vswitchd/switch_daemon.hpp"

#include <sys/stat.h>

#include "base/log.hpp"

namespace vs {

VS_LOG_MODULE(daemon_log, "vswitchd");

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

void make_parent_dir(const std::string& path) {
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) ::mkdir(path.substr(0, slash).c_str(), 0755);
}

}  // namespace

SwitchDaemon::SwitchDaemon(asio::io_context& io, const DaemonConfig& config,
                           std::unique_ptr<Datapath> dp, std::unique_ptr<ovsdb::Database> db)
    : io_(io),
      config_(config),
      dp_(std::move(dp)),
      db_(std::move(db)),
      db_server_(io, *db_),
      unixctl_(io, config.unixctl_path),
      upcall_timer_(io),
      maintenance_timer_(io) {}

SwitchDaemon::~SwitchDaemon() {
    dp_->set_upcall_handler(nullptr);
}

Result<std::unique_ptr<SwitchDaemon>> SwitchDaemon::create(asio::io_context& io,
                                                           const DaemonConfig& config) {
    auto schema = ovsdb::load_schema_file(config.schema_file);
    if (!schema) {
        return fail(config.schema_file + ": " + schema.error().error + ": " +
                    schema.error().details);
    }
    make_parent_dir(config.db_file);
    auto db = ovsdb::Database::open(config.db_file, std::move(*schema));
    if (!db) return fail(config.db_file + ": " + db.error().error + ": " + db.error().details);
    auto dp = Datapath::create(config.datapath);
    if (!dp) return tl::unexpected(dp.error());
    std::unique_ptr<SwitchDaemon> d(new SwitchDaemon(io, config, std::move(*dp), std::move(*db)));
    d->dp_->set_upcall_handler(d.get());
    if (auto ok = d->start_db(); !ok) return tl::unexpected(ok.error());
    if (auto ok = d->unixctl_.start(); !ok) return tl::unexpected(ok.error());
    register_appctl_commands(d->unixctl_, *d, io);
    d->reconcile();
    d->track_topology();
    for (const PortConfig& port : config.ports) {
        if (auto no = d->add_port(port, true); !no) return tl::unexpected(no.error());
    }
    d->poll_upcalls();
    d->schedule_maintenance();
    return d;
}

// The root row, the --bridge seed, the listeners, and reconciliation after every commit.
Result<void> SwitchDaemon::start_db() {
    auto r = db_server_.transact_local(root_row_ops(*db_));
    if (auto e = transact_error(r); !e.empty()) return fail("config DB root row: " + e);
    if (!config_.bridge.empty()) {
        r = db_server_.transact_local(
            add_bridge_ops(*db_, config_.bridge, config_.bridge_internal_port));
        if (auto e = transact_error(r); !e.empty()) {
            return fail("bridge " + config_.bridge + ": " + e);
        }
    }
    db_server_.on_commit([this](const std::vector<ovsdb::RowChange>&) {
        coverage_.add(CoverageEvent::kDbCommit);
        post_reconcile();
    });
    std::vector<std::string> remotes = {"punix:" + config_.rundir + "/db.sock"};
    remotes.insert(remotes.end(), config_.db_remotes.begin(), config_.db_remotes.end());
    for (const std::string& remote : remotes) {
        if (auto ok = db_server_.listen(remote); !ok) return ok;
    }
    return {};
}

// A commit may come from inside a transaction of ours: reconcile once, after it, for all the
// commits that came in meanwhile.
void SwitchDaemon::post_reconcile() {
    if (reconcile_posted_) return;
    reconcile_posted_ = true;
    asio::post(io_, [this] {
        reconcile_posted_ = false;
        reconcile();
        track_topology();
    });
}

Bridge* SwitchDaemon::find_bridge(std::string_view name) {
    auto it = bridges_.find(name);
    return it == bridges_.end() ? nullptr : it->second.get();
}

Result<uint32_t> SwitchDaemon::add_port(const PortConfig& config, bool may_exist) {
    std::string bridge = config_.bridge;
    if (bridge.empty() && bridges_.size() == 1) bridge = bridges_.begin()->first;
    Bridge* b = find_bridge(bridge);
    if (!b) return fail(bridge.empty() ? "no bridge to add the port to" : "no bridge " + bridge);
    ovsdb::Json ops = ovsdb::Json::array();
    for (const auto& [name, other] : bridges_) {
        auto it = other->ports().find(config.name);
        if (it == other->ports().end()) continue;
        if (!may_exist) return fail("port '" + config.name + "' already exists");
        if (other.get() == b && same_port_config(it->second.config, config) && it->second.port_no) {
            return *it->second.port_no;
        }
        ops = del_port_ops(*db_, config.name);
    }
    for (const ovsdb::Json& op : add_port_ops(b->name(), config))
        ops.push_back(op);
    auto r = db_server_.transact_local(ops);
    if (auto e = transact_error(r); !e.empty()) return fail("port " + config.name + ": " + e);
    reconcile();
    track_topology();
    auto it = b->ports().find(config.name);
    if (it != b->ports().end() && it->second.port_no) return *it->second.port_no;
    const std::string error = it == b->ports().end() ? "not created" : it->second.error;
    (void)db_server_.transact_local(del_port_ops(*db_, config.name));
    reconcile();
    track_topology();
    return fail("bridge " + b->name() + ": " + error);
}

Result<void> SwitchDaemon::del_port(const std::string& name) {
    ovsdb::Json ops = del_port_ops(*db_, name);
    if (ops.empty()) return fail("no port named " + name);
    auto r = db_server_.transact_local(ops);
    if (auto e = transact_error(r); !e.empty()) return fail("port " + name + ": " + e);
    reconcile();
    track_topology();
    return {};
}

bool SwitchDaemon::handle(const Upcall& upcall, UpcallDecision& decision) {
    auto it = port_owner_.find(upcall.key.in_port);
    if (it == port_owner_.end()) return false;  // a port on its way out
    note_learning(*it->second, upcall.key);
    return it->second->learning().handle(upcall, decision);
}

// Upcalls are drained as fast as they come while there are any, then every millisecond: the
// control thread must not spin on a core the PMD threads or other processes need.
void SwitchDaemon::poll_upcalls() {
    const size_t handled = dp_->handle_upcalls();
    if (handled > 0) {
        asio::post(io_, [this] { poll_upcalls(); });
        return;
    }
    upcall_timer_.expires_after(1ms);
    upcall_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) poll_upcalls();
    });
}

// Every few seconds a reconcile without a commit: interfaces the datapath refused are tried
// again (the netdev may exist now) and link state changes reach the DB.
void SwitchDaemon::schedule_maintenance() {
    maintenance_timer_.expires_after(1s);
    maintenance_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        for (auto& [name, bridge] : bridges_) {
            const size_t before = bridge->mac_table().size();
            bridge->learning().run_aging();
            const size_t after = bridge->mac_table().size();
            coverage_.add(CoverageEvent::kMacAged, before > after ? before - after : 0);
        }
        dp_->maintain();
        on_second();
        if (++maintenance_ticks_ % kReconcileEveryTicks == 0) post_reconcile();
        schedule_maintenance();
    });
}

}  // namespace vs
