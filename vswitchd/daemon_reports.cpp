// SwitchDaemon's reports: coverage counters (daemon events and the datapath's own), memory/show,
// and the periodic write-backs into the DB (Interface.statistics, Bridge.datapath_id).
#include <fmt/format.h>

#include <fstream>

#include "base/log.hpp"
#include "vswitchd/stats_writer.hpp"
#include "vswitchd/switch_daemon.hpp"

namespace vs {

VS_LOG_MODULE(reports_log, "reports");

namespace {

// VmRSS from /proc/self/status in kB, 0 when unreadable.
uint64_t rss_kb() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
    }
    return 0;
}

}  // namespace

const Coverage& SwitchDaemon::coverage() {
    const DatapathCounters c = dp_->counters();
    coverage_.set(CoverageEvent::kUpcall, c.upcalls_handled);
    coverage_.set(CoverageEvent::kUpcallFailed, c.upcalls_failed);
    coverage_.set(CoverageEvent::kFlowInstalled, c.flows_installed);
    coverage_.set(CoverageEvent::kFlowInstallFailed, c.flow_install_failures);
    coverage_.set(CoverageEvent::kFlowExpired, c.flows_expired);
    coverage_.set(CoverageEvent::kFlowDeleted, c.flows_deleted);
    uint64_t malformed = 0;
    for (const PmdInfo& p : dp_->pmds())
        malformed += p.stats.malformed;
    coverage_.set(CoverageEvent::kMalformedDropped,
                  std::max(malformed, coverage_.total(CoverageEvent::kMalformedDropped)));
    uint64_t drops = 0;
    for (const PortInfo& p : dp_->ports())
        drops += p.stats.total_drops();
    coverage_.set(CoverageEvent::kPacketDropped,
                  std::max(drops, coverage_.total(CoverageEvent::kPacketDropped)));
    uint64_t floods = 0, evictions = 0;
    for (const auto& [name, bridge] : bridges_) {
        floods += bridge->learning().floods();
        evictions += bridge->mac_table().evictions();
    }
    coverage_.set(CoverageEvent::kFlood, std::max(floods, coverage_.total(CoverageEvent::kFlood)));
    coverage_.set(CoverageEvent::kMacEvicted,
                  std::max(evictions, coverage_.total(CoverageEvent::kMacEvicted)));
    return coverage_;
}

std::string SwitchDaemon::memory_show() {
    size_t n_ports = 0, n_macs = 0;
    for (const auto& [name, bridge] : bridges_) {
        n_ports += bridge->port_numbers().size();
        n_macs += bridge->mac_table().size();
    }
    size_t n_flows = 0;
    for (const PmdInfo& p : dp_->pmds())
        n_flows += p.n_flows;
    size_t n_rows = 0;
    for (const auto& [table, schema] : db().schema().tables)
        db().for_each_row(table, [&](const ovsdb::Uuid&, const ovsdb::Store::Row&) { ++n_rows; });
    return fmt::format("bridges={} ports={} megaflows={} mac_entries={} db_rows={} rss_kb={}\n",
                       bridges_.size(), n_ports, n_flows, n_macs, n_rows, rss_kb());
}

void SwitchDaemon::track_topology() {
    coverage_.add(CoverageEvent::kReconcile);
    std::set<std::string> bridges;
    std::set<std::pair<std::string, uint32_t>> ports;
    for (const auto& [name, bridge] : bridges_) {
        bridges.insert(name);
        for (uint32_t no : bridge->port_numbers())
            ports.emplace(name, no);
    }
    auto count_new = [](const auto& now, const auto& before) {
        uint64_t n = 0;
        for (const auto& x : now)
            n += before.count(x) ? 0 : 1;
        return n;
    };
    coverage_.add(CoverageEvent::kBridgeAdded, count_new(bridges, known_bridges_));
    coverage_.add(CoverageEvent::kBridgeRemoved, count_new(known_bridges_, bridges));
    coverage_.add(CoverageEvent::kPortAdded, count_new(ports, known_ports_));
    coverage_.add(CoverageEvent::kPortRemoved, count_new(known_ports_, ports));
    known_bridges_ = std::move(bridges);
    known_ports_ = std::move(ports);
    write_datapath_ids();
}

// Counts what an upcall is about to teach the bridge's MAC table (the learning switch decides;
// this only looks before it does).
void SwitchDaemon::note_learning(Bridge& bridge, const FlowKey& key) {
    const std::optional<uint16_t> vlan = bridge.learning().input_vlan(key);
    if (!vlan || MacTable::is_multicast(key.eth_src)) return;
    const auto port = bridge.mac_table().lookup(*vlan, key.eth_src, dp_->now_ms());
    if (!port) {
        coverage_.add(CoverageEvent::kMacLearned);
    } else if (*port != key.in_port) {
        coverage_.add(CoverageEvent::kMacMoved);
    }
}

void SwitchDaemon::on_second() {
    (void)coverage();
    coverage_.sample();
    harvest_rule_counters();
    const uint64_t now = dp_->now_ms();
    if (now - last_stats_ms_ >= stats_update_interval_ms(db())) {
        last_stats_ms_ = now;
        write_statistics();
        write_controller_status(true);
    }
}

void SwitchDaemon::write_back(const ovsdb::Json& ops, const char* what) {
    // Periodic reports wait for an unreachable external DB instead of failing every second.
    if (ops.empty() || !config_db_->connected()) return;
    coverage_.add(CoverageEvent::kDbWriteback);
    auto r = config_db_->transact(ops);
    if (auto e = transact_error(r); !e.empty())
        VS_WARN(reports_log, "cannot write {}: {}", what, e);
}

void SwitchDaemon::write_statistics() {
    std::map<uint32_t, PortStats> by_port;
    for (const PortInfo& p : dp_->ports())
        by_port.emplace(p.port_no, p.stats);
    std::map<ovsdb::Uuid, InterfaceStats> stats;
    for (const auto& [name, bridge] : bridges_) {
        for (const auto& [iface, port] : bridge->ports()) {
            if (!port.port_no) continue;
            if (auto it = by_port.find(*port.port_no); it != by_port.end()) {
                stats[port.iface_uuid] = interface_stats(it->second);
            }
        }
    }
    write_back(statistics_ops(db(), stats), "interface statistics");
}

void SwitchDaemon::write_datapath_ids() {
    std::map<std::string, std::string, std::less<>> macs;
    for (const auto& [name, bridge] : bridges_)
        macs[name];
    for (const PortInfo& p : dp_->ports()) {
        auto it = macs.find(p.config.name);
        if (it != macs.end() && bridges_.at(p.config.name)->ports().count(p.config.name)) {
            it->second = p.mac;
        }
    }
    write_back(datapath_id_ops(db(), macs), "bridge datapath_id");
}

}  // namespace vs
