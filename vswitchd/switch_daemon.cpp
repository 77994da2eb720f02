// SwitchDaemon: start-up (datapath, config DB and its server, seeding from flags), ports added
// and removed through the DB, upcall dispatch to the bridges, and the control thread's timers.
#include "vswitchd/switch_daemon.hpp"

#include "base/log.hpp"

namespace vs {

VS_LOG_MODULE(daemon_log, "vswitchd");

namespace asio = boost::asio;
using namespace std::chrono_literals;

SwitchDaemon::SwitchDaemon(asio::io_context& io, const DaemonConfig& config,
                           std::unique_ptr<Datapath> dp, std::unique_ptr<ConfigDb> config_db)
    : io_(io),
      config_(config),
      dp_(std::move(dp)),
      config_db_(std::move(config_db)),
      unixctl_(io, config.unixctl_path),
      upcall_timer_(io),
      maintenance_timer_(io) {}

SwitchDaemon::~SwitchDaemon() {
    dp_->set_upcall_handler(nullptr);
}

Result<std::unique_ptr<SwitchDaemon>> SwitchDaemon::create(asio::io_context& io,
                                                           const DaemonConfig& config) {
    Result<std::unique_ptr<ConfigDb>> db = nullptr;
    if (config.external_db.empty()) {
        std::vector<std::string> remotes = {"punix:" + config.rundir + "/db.sock"};
        remotes.insert(remotes.end(), config.db_remotes.begin(), config.db_remotes.end());
        db = open_embedded_db(io, config.db_file, config.schema_file, std::move(remotes));
    } else {
        db = open_remote_db(io, config.external_db, config.schema_file);
    }
    if (!db) return tl::unexpected(db.error());
    auto dp = Datapath::create(config.datapath);
    if (!dp) return tl::unexpected(dp.error());
    std::unique_ptr<SwitchDaemon> d(new SwitchDaemon(io, config, std::move(*dp), std::move(*db)));
    d->dp_->set_upcall_handler(d.get());
    auto started = d->config_db_->start(
        [daemon = d.get()] {
            daemon->coverage_.add(CoverageEvent::kDbCommit);
            daemon->post_reconcile();
        },
        [daemon = d.get()] { return daemon->seed_db(); });
    if (!started) return tl::unexpected(started.error());
    if (auto ok = d->unixctl_.start(); !ok) return tl::unexpected(ok.error());
    register_appctl_commands(d->unixctl_, *d, io);
    d->reconcile();
    d->track_topology();
    d->sync_openflow();
    d->poll_upcalls();
    d->schedule_maintenance();
    return d;
}

Result<void> SwitchDaemon::seed_db() {
    auto r = config_db_->transact(root_row_ops(db()));
    if (auto e = transact_error(r); !e.empty()) return fail("config DB root row: " + e);
    if (!config_.bridge.empty()) {
        r = config_db_->transact(
            add_bridge_ops(db(), config_.bridge, config_.bridge_internal_port));
        if (auto e = transact_error(r); !e.empty()) {
            return fail("bridge " + config_.bridge + ": " + e);
        }
    }
    if (config_.ports.empty()) return {};
    reconcile();
    track_topology();
    for (const PortConfig& port : config_.ports) {
        if (auto no = add_port(port, true); !no) return tl::unexpected(no.error());
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
        sync_openflow();
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
        ops = del_port_ops(db(), config.name);
    }
    for (const ovsdb::Json& op : add_port_ops(b->name(), config))
        ops.push_back(op);
    auto r = config_db_->transact(ops);
    if (auto e = transact_error(r); !e.empty()) return fail("port " + config.name + ": " + e);
    reconcile();
    track_topology();
    auto it = b->ports().find(config.name);
    if (it != b->ports().end() && it->second.port_no) return *it->second.port_no;
    const std::string error = it == b->ports().end() ? "not created" : it->second.error;
    (void)config_db_->transact(del_port_ops(db(), config.name));
    reconcile();
    track_topology();
    return fail("bridge " + b->name() + ": " + error);
}

Result<void> SwitchDaemon::del_port(const std::string& name) {
    ovsdb::Json ops = del_port_ops(db(), name);
    if (ops.empty()) return fail("no port named " + name);
    auto r = config_db_->transact(ops);
    if (auto e = transact_error(r); !e.empty()) return fail("port " + name + ": " + e);
    reconcile();
    track_topology();
    return {};
}

bool SwitchDaemon::handle(const Upcall& upcall, UpcallDecision& decision) {
    auto it = port_owner_.find(upcall.key.in_port);
    if (it == port_owner_.end()) return false;  // a port on its way out
    Bridge& bridge = *it->second;
    note_learning(bridge, upcall.key);
    auto of = of_bridges_.find(bridge.name());
    if (of == of_bridges_.end()) return bridge.learning().handle(upcall, decision);
    return of->second->handle_upcall(upcall, decision, [&](const Upcall& u, UpcallDecision& d) {
        return bridge.learning().handle(u, d);
    });
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
