// BridgeModel construction (ovs-vsctl's vsctl_context_populate_cache) and column helpers.
#include "ctl/vsctl/bridge_model.hpp"

#include <algorithm>

namespace vs::vsctl {

std::string string_column(Replica& db, std::string_view table, const Uuid& row,
                          std::string_view column) {
    const Datum& d = db.get(table, row, column);
    if (d.empty()) return {};
    const auto* s = std::get_if<std::string>(&d.keys[0]);
    return s != nullptr ? *s : std::string();
}

std::vector<Uuid> uuid_column(Replica& db, std::string_view table, const Uuid& row,
                              std::string_view column) {
    std::vector<Uuid> out;
    for (const auto& atom : db.get(table, row, column).keys) {
        if (const auto* u = std::get_if<Uuid>(&atom)) out.push_back(*u);
    }
    return out;
}

void set_uuids(Replica& db, std::string_view table, const Uuid& row, std::string_view column,
               const std::vector<Uuid>& uuids) {
    Datum d;
    for (const auto& u : uuids)
        d.keys.emplace_back(u);
    (void)d.canonicalize();
    db.set(table, row, column, std::move(d));
}

void add_uuid(Replica& db, std::string_view table, const Uuid& row, std::string_view column,
              const Uuid& uuid) {
    auto all = uuid_column(db, table, row, column);
    all.push_back(uuid);
    set_uuids(db, table, row, column, all);
}

void remove_uuid(Replica& db, std::string_view table, const Uuid& row, std::string_view column,
                 const Uuid& uuid) {
    auto all = uuid_column(db, table, row, column);
    all.erase(std::remove(all.begin(), all.end(), uuid), all.end());
    set_uuids(db, table, row, column, all);
}

BridgeModel BridgeModel::build(Replica& db, const Uuid& ovs) {
    BridgeModel m;
    const auto real = uuid_column(db, "Open_vSwitch", ovs, "bridges");
    for (const auto& br : real) {
        if (!db.exists("Bridge", br)) continue;
        const std::string name = string_column(db, "Bridge", br, "name");
        if (m.bridges_.contains(name)) continue;
        m.bridges_[name] = VsBridge{name, br, nullptr, 0, {}};
    }
    for (const auto& br : real) {
        const std::string name = string_column(db, "Bridge", br, "name");
        const auto it = m.bridges_.find(name);
        if (it == m.bridges_.end() || !(it->second.row == br)) continue;
        for (const auto& port : uuid_column(db, "Bridge", br, "ports")) {
            const Datum& fake = db.get("Port", port, "fake_bridge");
            const Datum& tag = db.get("Port", port, "tag");
            const bool is_fake = !fake.empty() && std::get<bool>(fake.keys[0]) && !tag.empty();
            if (!is_fake) continue;
            const std::string fake_name = string_column(db, "Port", port, "name");
            if (m.bridges_.contains(fake_name)) continue;
            m.bridges_[fake_name] =
                VsBridge{fake_name, br, &it->second, std::get<std::int64_t>(tag.keys[0]), {}};
        }
    }
    for (auto& [name, bridge] : m.bridges_) {
        if (bridge.parent != nullptr) continue;
        for (const auto& port : uuid_column(db, "Bridge", bridge.row, "ports")) {
            if (!db.exists("Port", port)) continue;
            const std::string port_name = string_column(db, "Port", port, "name");
            if (m.ports_.contains(port_name)) continue;
            VsBridge* owner = &bridge;
            const Datum& fake = db.get("Port", port, "fake_bridge");
            const Datum& tag = db.get("Port", port, "tag");
            const bool is_fake = !fake.empty() && std::get<bool>(fake.keys[0]);
            for (auto& [fake_name, candidate] : m.bridges_) {
                if (candidate.parent != &bridge) continue;
                if (is_fake
                        ? fake_name == port_name
                        : (!tag.empty() && std::get<std::int64_t>(tag.keys[0]) == candidate.vlan)) {
                    owner = &candidate;
                    break;
                }
            }
            VsPort& p = m.ports_[port_name] = VsPort{port_name, port, owner, {}};
            owner->ports.push_back(&p);
            for (const auto& iface : uuid_column(db, "Port", port, "interfaces")) {
                if (!db.exists("Interface", iface)) continue;
                const std::string iface_name = string_column(db, "Interface", iface, "name");
                if (m.ifaces_.contains(iface_name)) continue;
                VsIface& i = m.ifaces_[iface_name] = VsIface{iface_name, iface, &p};
                p.ifaces.push_back(&i);
            }
        }
    }
    return m;
}

const VsBridge* BridgeModel::bridge(const std::string& name) const {
    const auto it = bridges_.find(name);
    return it == bridges_.end() ? nullptr : &it->second;
}

const VsPort* BridgeModel::port(const std::string& name) const {
    const auto it = ports_.find(name);
    return it == ports_.end() ? nullptr : &it->second;
}

const VsIface* BridgeModel::iface(const std::string& name) const {
    const auto it = ifaces_.find(name);
    return it == ifaces_.end() ? nullptr : &it->second;
}

}  // namespace vs::vsctl
