// SwitchDaemon's OpenFlow side: an OfBridge per bridge, its controllers from the DB, and
// Controller status written back.
#include <algorithm>
#include <charconv>

#include "base/log.hpp"
#include "vswitchd/controller_config.hpp"
#include "vswitchd/row_access.hpp"
#include "vswitchd/stats_writer.hpp"
#include "vswitchd/switch_daemon.hpp"

namespace vs {

VS_LOG_MODULE(of_bridges_log, "ofproto");

namespace {

uint64_t parse_dpid(const std::string& hex) {
    uint64_t v = 0;
    std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
    return v;
}

}  // namespace

void SwitchDaemon::sync_openflow() {
    for (auto it = of_bridges_.begin(); it != of_bridges_.end();) {
        if (bridges_.count(it->first)) {
            ++it;
        } else {
            it = of_bridges_.erase(it);
        }
    }
    const auto controllers = read_controllers(db());
    const auto fail_modes = read_fail_modes(db());
    for (const auto& [name, bridge] : bridges_) {
        auto& of = of_bridges_[name];
        if (!of) {
            of = std::make_unique<OfBridge>(
                io_, name, config_.rundir, [this, name = name] { return of_switch_info(name); },
                [this, name = name] { revalidate_bridge(name); }, [this] { return dp_->now_ms(); });
            if (auto ok = of->start(); !ok) {
                VS_WARN(of_bridges_log, "bridge {}: OpenFlow management socket: {}", name,
                        ok.error().message);
            }
            of->set_megaflow_source(megaflow_visit());
            of->set_meter_backend(MeterBackend{
                [this](const MeterConfig& c) { return dp_->add_meter(c); },
                [this](uint32_t id, const MeterConfig& c) { return dp_->modify_meter(id, c); },
                [this](uint32_t id) { dp_->remove_meter(id); },
                [this](uint32_t id) { return dp_->meter_counters(id); }});
            of->on_port_config_change([this] {
                boost::asio::post(io_, [this] { write_status(read_wanted_config(db())); });
            });
            of->set_port_liveness([this](uint32_t dp_port) {
                for (const PortInfo& p : dp_->ports()) {
                    if (p.port_no == dp_port) return p.link_up;
                }
                return false;
            });
            of->set_executor(
                [this](std::span<const uint8_t> frame, uint32_t in_port,
                       const ActionList& actions) { return dp_->execute(frame, in_port, actions); },
                [this, name = name](const Upcall& u, UpcallDecision& d) {
                    Bridge* b = find_bridge(name);
                    return b != nullptr && b->learning().handle(u, d);
                });
            of->conns().on_status_change([this, name = name] {
                if (auto it = of_bridges_.find(name);
                    it != of_bridges_.end() && it->second->update_fail_open()) {
                    revalidate_bridge(name);
                }
                if (controller_status_posted_) return;
                controller_status_posted_ = true;
                boost::asio::post(io_, [this] {
                    controller_status_posted_ = false;
                    write_controller_status(false);
                });
            });
        }
        std::vector<uint32_t> ports = bridge->port_numbers();
        std::optional<uint32_t> local;
        if (auto p = bridge->ports().find(name); p != bridge->ports().end())
            local = p->second.port_no;
        of->set_ports(std::move(ports), local);
        auto mode = fail_modes.find(name);
        of->set_fail_mode(mode == fail_modes.end() ? std::string() : mode->second);
        auto c = controllers.find(name);
        if (c != controllers.end() && !c->second.empty()) {
            of->set_packet_in_limit(c->second.front().rate_limit, c->second.front().burst_limit);
        }
        of->update_ports(of_switch_info(name));
        of->conns().set_controllers(c == controllers.end() ? std::vector<WantedController>{}
                                                           : c->second);
    }
    for (auto& [name, of] : of_bridges_) {
        if (of->update_fail_open()) revalidate_bridge(name);
    }
    write_controller_status(false);
}

// A table change may alter any decision of this bridge: its megaflows go, and the next packets
// come up through the new rules.
void SwitchDaemon::revalidate_bridge(const std::string& bridge) {
    auto b = bridges_.find(bridge);
    if (b == bridges_.end()) return;
    if (auto of = of_bridges_.find(bridge); of != of_bridges_.end()) {
        of->second->harvest(megaflow_visit());  // count what the old megaflows carried
    }
    const std::vector<uint32_t> ports = b->second->port_numbers();
    dp_->delete_flows([&](const FlowView& f) {
        return std::find(ports.begin(), ports.end(), f.key.in_port) != ports.end();
    });
}

OfSwitchInfo SwitchDaemon::of_switch_info(const std::string& bridge) const {
    OfSwitchInfo info;
    auto b = bridges_.find(bridge);
    if (b == bridges_.end()) return info;
    std::string local_mac;
    for (const PortInfo& p : dp_->ports()) {
        auto port = b->second->ports().find(p.config.name);
        if (port == b->second->ports().end() || port->second.port_no != p.port_no) continue;
        const bool local = p.config.name == bridge;
        if (local) local_mac = p.mac;
        info.ports.push_back({p.port_no, p.config.name, p.mac, p.link_up, local, p.stats});
    }
    // The same datapath ID as Bridge.datapath_id shows (stats_writer.hpp).
    std::string requested;
    db().for_each_row("Bridge", [&](const ovsdb::Uuid&, const row::Row& r) {
        if (row::string_of(r, "name") != bridge) return;
        auto other = row::string_map_of(r, "other_config");
        if (auto it = other.find("datapath-id"); it != other.end()) requested = it->second;
    });
    info.datapath_id = parse_dpid(datapath_id(bridge, local_mac, requested));
    return info;
}

void SwitchDaemon::harvest_rule_counters() {
    if (of_bridges_.empty()) return;
    for (auto& [name, of] : of_bridges_) {
        of->harvest(megaflow_visit());
        of->run_timeouts();
        of->update_ports(of_switch_info(name));
    }
}

void SwitchDaemon::write_controller_status(bool refresh) {
    std::map<ovsdb::Uuid, ControllerStatus> status;
    for (const auto& [name, of] : of_bridges_)
        status.merge(of->conns().status());
    if (status.empty()) return;
    write_back(controller_status_ops(db(), status, refresh), "controller status");
}

}  // namespace vs
