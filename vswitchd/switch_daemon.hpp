// SwitchDaemon: what vswitchd runs — the config DB (served over RFC 7047 to ovs-vsctl and our
// tools) and the bridges it describes on the one datapath, each bridge with its own learning
// switch; the control socket; and the control thread's timers (upcall draining, flow expiry, MAC
// aging).
//
// The DB is the one source of truth: after every commit the daemon compares the DB's bridges and
// interfaces with what it has, applies the difference (reconcile()), writes each interface's
// ofport/error back and then sets Open_vSwitch.cur_cfg to next_cfg, which is what ovs-vsctl
// without --no-wait waits for. The --bridge/--port flags and appctl's vswitchd/add-port only
// write to the DB, as ovs-vsctl would.
// Thread: the control thread (the io_context's); the datapath runs its own PMD threads.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/asio.hpp"
#include "datapath/datapath.hpp"
#include "ovsdb/database.hpp"
#include "vswitchd/bridge.hpp"
#include "vswitchd/config_db.hpp"
#include "vswitchd/coverage.hpp"
#include "vswitchd/db_config.hpp"
#include "vswitchd/mac_table.hpp"
#include "vswitchd/of_bridge.hpp"
#include "vswitchd/unixctl_server.hpp"

namespace vs {

struct DaemonConfig {
    std::string bridge;                // seeded into the DB when set (--bridge); may be empty
    bool bridge_internal_port = true;  // seed the bridge with its internal port, as add-br does
    std::vector<PortConfig> ports;     // seeded into `bridge` (--port)
    std::string rundir;
    std::string unixctl_path;             // default rundir/vswitchd.ctl
    std::string db_file;                  // default $VS_DBDIR/conf.db
    std::string schema_file;              // the Open_vSwitch schema for a new DB file
    std::vector<std::string> db_remotes;  // besides punix:RUNDIR/db.sock
    std::string external_db;              // --db: an external server's remote instead
    size_t mac_table_size = MacTable::kDefaultMaxEntries;
    uint64_t mac_aging_ms = MacTable::kDefaultAgingMs;
    DatapathConfig datapath;
};

class SwitchDaemon : private UpcallHandler {
  public:
    static Result<std::unique_ptr<SwitchDaemon>> create(boost::asio::io_context& io,
                                                        const DaemonConfig& config);
    ~SwitchDaemon() override;

    // Adds a port to the --bridge bridge (or the only bridge) through the DB and applies it;
    // fails, leaving the DB as it was, when the datapath refuses it. With `may_exist`, an
    // interface of that name already in the DB with the same settings is kept (else replaced).
    Result<uint32_t> add_port(const PortConfig& config, bool may_exist = false);
    // Removes the port holding interface `name` through the DB and applies it.
    Result<void> del_port(const std::string& name);
    // Makes the daemon match the DB and writes the outcome back (see the file comment).
    void reconcile();

    Datapath& datapath() { return *dp_; }
    Bridge* find_bridge(std::string_view name);
    const std::map<std::string, std::unique_ptr<Bridge>, std::less<>>& bridges() const {
        return bridges_;
    }
    const DaemonConfig& config() const { return config_; }
    const ConfigDb& config_db() const { return *config_db_; }

    // Reports (daemon_reports.cpp): coverage/show's counters brought up to date, and
    // memory/show's line of counts.
    const Coverage& coverage();
    std::string memory_show();

  private:
    SwitchDaemon(boost::asio::io_context& io, const DaemonConfig& config,
                 std::unique_ptr<Datapath> dp, std::unique_ptr<ConfigDb> config_db);
    const ovsdb::Database& db() const { return config_db_->db(); }
    // The root row, the --bridge and --port seeds; on every (re)connection to the DB.
    Result<void> seed_db();
    bool handle(const Upcall& upcall, UpcallDecision& decision) override;
    void remove_bridges_and_ports(const WantedConfig& want, bool& changed);
    void add_bridges_and_ports(const WantedConfig& want, bool& changed);
    void write_status(const WantedConfig& want);
    Result<uint32_t> add_to_datapath(const WantedIface& w);
    void add_port_of(Bridge& bridge, const WantedIface& w, bool& changed);
    void refresh_floods();
    void post_reconcile();
    void poll_upcalls();
    // of_bridges.cpp: each bridge's OpenFlow side follows the bridges and their Controller
    // rows; controller status goes back to the DB when it changes (and the seconds counters
    // with the statistics).
    void sync_openflow();
    OfSwitchInfo of_switch_info(const std::string& bridge) const;
    void write_controller_status(bool refresh);
    void revalidate_bridge(const std::string& bridge);
    // Once a second: OpenFlow rules are credited with their megaflows' traffic.
    void harvest_rule_counters();
    // What OfBridge::harvest walks: the datapath's megaflows, in place.
    OfBridge::MegaflowVisit megaflow_visit() {
        return [this](const auto& fn) { dp_->visit_flows(fn); };
    }
    void schedule_maintenance();
    // daemon_reports.cpp: counting ports and bridges that came and went since the last call
    // (after every reconcile), the once-a-second sample, and the periodic write-backs
    // (Interface.statistics, Bridge.datapath_id).
    void track_topology();
    void on_second();
    void write_statistics();
    void write_datapath_ids();
    void write_back(const ovsdb::Json& ops, const char* what);
    void note_learning(Bridge& bridge, const FlowKey& key);

    boost::asio::io_context& io_;
    DaemonConfig config_;
    std::unique_ptr<Datapath> dp_;
    std::map<std::string, std::unique_ptr<Bridge>, std::less<>> bridges_;
    std::unordered_map<uint32_t, Bridge*> port_owner_;  // datapath port -> its bridge
    std::unique_ptr<ConfigDb> config_db_;
    std::map<std::string, std::unique_ptr<OfBridge>, std::less<>> of_bridges_;
    bool controller_status_posted_ = false;
    UnixctlServer unixctl_;
    boost::asio::steady_timer upcall_timer_;
    boost::asio::steady_timer maintenance_timer_;
    bool reconcile_posted_ = false;
    static constexpr unsigned kReconcileEveryTicks = 5;  // maintenance ticks (1 s)
    unsigned maintenance_ticks_ = 0;
    Coverage coverage_;
    std::set<std::pair<std::string, uint32_t>> known_ports_;  // (bridge, port_no)
    std::set<std::string> known_bridges_;
    uint64_t last_stats_ms_ = 0;
};

// Registers the appctl commands that report on and control the daemon (dpctl/*, dpif-netdev/*,
// fdb/*, vlog/*, exit...).
void register_appctl_commands(UnixctlServer& server, SwitchDaemon& daemon,
                              boost::asio::io_context& io);

}  // namespace vs
