// SwitchDaemon::reconcile(): the DB's bridges and interfaces → the datapath, incrementally
// (removals first, so an interface may move between bridges or change type in one commit), then
// each interface's outcome and cur_cfg back into the DB.
#include <fmt/format.h>

#include <cctype>

#include "base/log.hpp"
#include "vswitchd/switch_daemon.hpp"

namespace vs {

VS_LOG_MODULE(bridge_log, "bridge");

namespace {

// The interface of `bridge` that has datapath port `no`.
std::string port_name(const Bridge& bridge, uint32_t no) {
    for (const auto& [name, port] : bridge.ports()) {
        if (port.port_no == no) return name;
    }
    return "?";
}

const WantedIface* find_wanted(const WantedConfig& want, const std::string& bridge,
                               const std::string& iface) {
    auto b = want.bridges.find(bridge);
    if (b == want.bridges.end()) return nullptr;
    auto i = b->second.ifaces.find(iface);
    return i == b->second.ifaces.end() ? nullptr : &i->second;
}

}  // namespace

void SwitchDaemon::reconcile() {
    const WantedConfig want = read_wanted_config(db());
    bool changed = false;
    remove_bridges_and_ports(want, changed);
    add_bridges_and_ports(want, changed);
    if (changed) refresh_floods();
    write_status(want);
}

void SwitchDaemon::remove_bridges_and_ports(const WantedConfig& want, bool& changed) {
    for (auto b = bridges_.begin(); b != bridges_.end();) {
        Bridge& bridge = *b->second;
        auto& ports = bridge.ports();
        for (auto p = ports.begin(); p != ports.end();) {
            const WantedIface* w = find_wanted(want, bridge.name(), p->first);
            if (w && w->error.empty() && w->uuid == p->second.iface_uuid &&
                same_port_config(w->config, p->second.config)) {
                ++p;
                continue;
            }
            if (p->second.port_no) {
                const uint32_t no = *p->second.port_no;
                if (auto ok = dp_->remove_port(no); !ok) {
                    VS_WARN(bridge_log, "bridge {}: cannot remove port {}: {}", bridge.name(),
                            p->first, ok.error().message);
                }
                bridge.learning().port_removed(no);
                port_owner_.erase(no);
                changed = true;
                VS_INFO(bridge_log, "bridge {}: removed port {}", bridge.name(), p->first);
            }
            p = ports.erase(p);
        }
        if (want.bridges.count(b->first)) {
            ++b;
            continue;
        }
        VS_INFO(bridge_log, "removed bridge {}", b->first);
        b = bridges_.erase(b);
        changed = true;
    }
}

Result<uint32_t> SwitchDaemon::add_to_datapath(const WantedIface& w) {
    if (!w.error.empty()) return fail(w.error);
    if (const uint32_t req = w.config.port_no_request; req != 0) {
        // Refused rather than given another number: the request is a promise to controllers.
        // Tried again on every reconcile, so it gets the number once its holder lets go.
        if (auto owner = port_owner_.find(req); owner != port_owner_.end()) {
            return fail(fmt::format("ofport_request {} is in use by interface {}", req,
                                    port_name(*owner->second, req)));
        }
    }
    if (w.config.port_no_request == 0 && w.ofport_hint != 0 && !port_owner_.count(w.ofport_hint)) {
        PortConfig hinted = w.config;
        hinted.port_no_request = w.ofport_hint;
        if (auto no = dp_->add_port(hinted)) return no;
    }
    return dp_->add_port(w.config);
}

// Interfaces the datapath refused before are tried again: the missing netdev may exist now.
// Those that had a number (Interface.ofport) go first, so that after a restart each gets its
// number back before another interface's clashing ofport_request can take it.
void SwitchDaemon::add_bridges_and_ports(const WantedConfig& want, bool& changed) {
    for (const bool had_ofport : {true, false}) {
        for (const auto& [name, wanted] : want.bridges) {
            auto& bridge = bridges_[name];
            if (!bridge) {
                bridge = std::make_unique<Bridge>(name, *dp_, config_.mac_table_size,
                                                  config_.mac_aging_ms);
                changed = true;
                VS_INFO(bridge_log, "added bridge {}", name);
            }
            for (const auto& [iface, w] : wanted.ifaces) {
                if ((w.ofport_hint != 0) == had_ofport) add_port_of(*bridge, w, changed);
            }
            if (!had_ofport &&
                bridge->apply_settings(wanted, config_.mac_table_size, config_.mac_aging_ms)) {
                changed = true;
            }
        }
    }
}

void SwitchDaemon::add_port_of(Bridge& bridge, const WantedIface& w, bool& changed) {
    const std::string& iface = w.config.name;
    BridgePort& port = bridge.ports()[iface];
    port.vlan = w.vlan;
    if (port.port_no) return;
    port.iface_uuid = w.uuid;
    port.config = w.config;
    auto no = add_to_datapath(w);
    if (!no) {
        if (port.error != no.error().message) {
            VS_WARN(bridge_log, "bridge {}: cannot add {} port {}: {}", bridge.name(),
                    w.config.type, iface, no.error().message);
        }
        port.error = no.error().message;
        return;
    }
    port.port_no = *no;
    port.error.clear();
    port_owner_[*no] = &bridge;
    changed = true;
    VS_INFO(bridge_log, "bridge {}: added {} port {} as port {}", bridge.name(), w.config.type,
            iface, *no);
}

// One bridge floods with the datapath's own flood action (every port); several flood each to
// their own ports. Either way the megaflows made with the old ports are gone.
void SwitchDaemon::refresh_floods() {
    for (auto& [name, bridge] : bridges_) {
        if (bridges_.size() == 1) {
            bridge->learning().set_flood_ports(std::nullopt);
        } else {
            bridge->learning().set_flood_ports(bridge->port_numbers());
        }
    }
    dp_->flush_flows();
}

void SwitchDaemon::write_status(const WantedConfig& want) {
    std::map<uint32_t, PortInfo> infos;
    for (PortInfo& info : dp_->ports())
        infos.emplace(info.port_no, std::move(info));
    std::map<ovsdb::Uuid, IfaceStatus> status;
    for (const auto& [name, bridge] : bridges_) {
        for (const auto& [iface, port] : bridge->ports()) {
            IfaceStatus& st = status[port.iface_uuid];
            st.error = port.error;
            if (!port.port_no) continue;
            st.ofport = *port.port_no;
            if (auto of = of_bridges_.find(name); of != of_bridges_.end() && of->second)
                st.admin_up = !of->second->port_admin_down(*port.port_no);
            if (auto it = infos.find(*port.port_no); it != infos.end()) {
                st.mac = it->second.mac;
                for (char& c : st.mac)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                st.mtu = it->second.config.mtu;
                st.link_up = it->second.link_up;
            }
        }
    }
    const ovsdb::Json ops = status_ops(db(), want, status);
    if (ops.empty() || !config_db_->connected()) return;  // written again on reconnection
    auto r = config_db_->transact(ops);
    if (auto e = transact_error(r); !e.empty()) {
        VS_WARN(bridge_log, "cannot write interface status: {}", e);
    }
}

}  // namespace vs
