// Reading the wanted configuration from Open_vSwitch rows and building the operations the
// daemon writes. Tables are small (tens of rows), so rows are copied out and looked up by UUID.
#include "vswitchd/db_config.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "vswitchd/row_access.hpp"

namespace vs {

using ovsdb::Atom;
using ovsdb::Datum;
using ovsdb::Json;
using ovsdb::Uuid;
using Row = ovsdb::Store::Row;

namespace {

constexpr const char* kVersion = "0.1.0";

using row::bool_of;
using row::column;
using row::int_of;
using row::string_map_of;
using row::string_of;

std::vector<Uuid> uuids_of(const Row& r, std::string_view name) {
    return row::all_of<Uuid>(r, name);
}
std::vector<int64_t> ints_of(const Row& r, std::string_view name) {
    return row::all_of<int64_t>(r, name);
}

std::map<Uuid, Row> load_table(const ovsdb::Database& db, std::string_view table) {
    std::map<Uuid, Row> rows;
    db.for_each_row(table, [&](const Uuid& uuid, const Row& row) { rows.emplace(uuid, row); });
    return rows;
}

Json uuid_json(const Uuid& uuid) {
    return Json::array({"uuid", ovsdb::to_string(uuid)});
}
Json where_uuid(const Uuid& uuid) {
    return Json::array({Json::array({"_uuid", "==", uuid_json(uuid)})});
}
Json empty_set() {
    return Json::array({"set", Json::array()});
}
Json string_set(const std::vector<std::string>& items) {
    return Json::array({"set", Json(items)});
}

// The current value of `row`'s column in the shortest RFC 7047 form, to compare with what the
// daemon would write.
Json column_json(const ovsdb::TableSchema& table, const Row& row, std::string_view name) {
    const ovsdb::ColumnSchema* col = table.find_column(name);
    const Datum* d = column(row, name);
    if (!col) return nullptr;
    return d ? ovsdb::datum_to_json(*d, col->type) : ovsdb::datum_to_json(Datum{}, col->type);
}

Json status_row(const IfaceStatus& st) {
    Json row = Json::object();
    row["ofport"] = st.ofport;
    row["error"] = st.error.empty() ? empty_set() : Json(st.error);
    row["mac_in_use"] = st.mac.empty() ? empty_set() : Json(st.mac);
    row["mtu"] = st.mtu > 0 ? Json(st.mtu) : empty_set();
    const bool exists = st.ofport > 0;
    row["admin_state"] = exists ? Json(st.admin_up ? "up" : "down") : empty_set();
    row["link_state"] = exists ? Json(st.link_up ? "up" : "down") : empty_set();
    return row;
}

// An other_config integer as Open vSwitch's smap_get_int reads it: nullopt unless it is all
// digits (an optional minus sign first).
std::optional<int64_t> config_int(const std::map<std::string, std::string>& config,
                                  const std::string& key) {
    auto it = config.find(key);
    if (it == config.end()) return std::nullopt;
    int64_t v = 0;
    const std::string& text = it->second;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
    return v;
}

void read_mac_limits(const Row& bridge, WantedBridge& wb) {
    const auto config = string_map_of(bridge, "other_config");
    if (auto aging = config_int(config, "mac-aging-time")) {
        wb.mac_aging_ms = static_cast<uint64_t>(std::clamp<int64_t>(*aging, 15, 3600)) * 1000;
    }
    if (auto size = config_int(config, "mac-table-size")) {
        wb.mac_table_size = static_cast<size_t>(std::clamp<int64_t>(*size, 1, 1000000));
    }
}

// The interface names of the Port rows `port_uuids`.
std::vector<std::string> iface_names(const std::vector<Uuid>& port_uuids,
                                     const std::map<Uuid, Row>& ports,
                                     const std::map<Uuid, Row>& ifaces) {
    std::vector<std::string> names;
    for (const Uuid& pu : port_uuids) {
        auto p = ports.find(pu);
        if (p == ports.end()) continue;
        for (const Uuid& iu : uuids_of(p->second, "interfaces")) {
            auto i = ifaces.find(iu);
            if (i != ifaces.end()) names.push_back(string_of(i->second, "name"));
        }
    }
    return names;
}

void read_mirrors(const Row& bridge, const std::map<Uuid, Row>& mirrors,
                  const std::map<Uuid, Row>& ports, const std::map<Uuid, Row>& ifaces,
                  WantedBridge& wb) {
    for (const Uuid& mu : uuids_of(bridge, "mirrors")) {
        auto m = mirrors.find(mu);
        if (m == mirrors.end()) continue;
        const Row& row = m->second;
        WantedMirror wm;
        wm.name = string_of(row, "name");
        wm.select_all = bool_of(row, "select_all");
        wm.src_ifaces = iface_names(uuids_of(row, "select_src_port"), ports, ifaces);
        wm.dst_ifaces = iface_names(uuids_of(row, "select_dst_port"), ports, ifaces);
        for (int64_t v : ints_of(row, "select_vlan")) {
            if (v >= 0 && v <= kVlanVidMask) wm.vlans.push_back(static_cast<uint16_t>(v));
        }
        const auto out = iface_names(uuids_of(row, "output_port"), ports, ifaces);
        if (!out.empty()) wm.out_iface = out.front();
        wb.mirrors.push_back(std::move(wm));
    }
}

// options:n_rxq as a queue count from 1 to 1023.
std::optional<uint16_t> parse_n_rxq(const std::string& text) {
    unsigned n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || p != text.data() + text.size() || n == 0 || n >= 1024) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(n);
}

// Why the daemon cannot use an Interface row's settings; empty when it can.
std::string setting_error(const Row& iface) {
    const auto options = string_map_of(iface, "options");
    if (auto it = options.find("n_rxq"); it != options.end() && !parse_n_rxq(it->second)) {
        return "options:n_rxq must be a number from 1 to 1023, not '" + it->second + "'";
    }
    return {};
}

PortVlan port_vlan_from_row(const Row& port) {
    return PortVlan::from_columns(string_of(port, "vlan_mode"), int_of(port, "tag"),
                                  ints_of(port, "trunks"));
}

}  // namespace

PortConfig port_config_from_row(const Row& row) {
    PortConfig c;
    c.name = string_of(row, "name");
    c.type = string_of(row, "type");
    if (c.type.empty()) c.type = "system";
    c.options = string_map_of(row, "options");
    if (auto it = c.options.find("n_rxq"); it != c.options.end()) {
        if (auto n = parse_n_rxq(it->second)) c.n_rxq = *n;
        c.options.erase(it);
    }
    if (auto req = int_of(row, "ofport_request"); req && *req > 0) {
        c.port_no_request = static_cast<uint32_t>(*req);
    }
    if (auto mtu = int_of(row, "mtu_request"); mtu && *mtu > 0) {
        c.mtu = static_cast<uint32_t>(*mtu);
    }
    return c;
}

bool same_port_config(const PortConfig& a, const PortConfig& b) {
    return a.name == b.name && a.type == b.type && a.options == b.options &&
           a.port_no_request == b.port_no_request && a.mtu == b.mtu && a.n_rxq == b.n_rxq;
}

WantedConfig read_wanted_config(const ovsdb::Database& db) {
    WantedConfig w;
    const auto roots = load_table(db, "Open_vSwitch");
    if (roots.empty()) return w;
    const auto& [root_uuid, root] = *roots.begin();
    w.root = root_uuid;
    w.next_cfg = int_of(root, "next_cfg").value_or(0);
    w.cur_cfg = int_of(root, "cur_cfg").value_or(0);
    const auto bridges = load_table(db, "Bridge");
    const auto ports = load_table(db, "Port");
    const auto ifaces = load_table(db, "Interface");
    const auto mirrors = load_table(db, "Mirror");
    std::set<std::string> seen;
    for (const Uuid& bu : uuids_of(root, "bridges")) {
        auto b = bridges.find(bu);
        if (b == bridges.end()) continue;
        const std::string name = string_of(b->second, "name");
        if (name.empty() || w.bridges.count(name)) continue;
        WantedBridge& wb = w.bridges[name];
        wb.uuid = bu;
        read_mac_limits(b->second, wb);
        read_mirrors(b->second, mirrors, ports, ifaces, wb);
        for (const Uuid& pu : uuids_of(b->second, "ports")) {
            auto p = ports.find(pu);
            if (p == ports.end()) continue;
            const PortVlan vlan = port_vlan_from_row(p->second);
            for (const Uuid& iu : uuids_of(p->second, "interfaces")) {
                auto i = ifaces.find(iu);
                if (i == ifaces.end()) continue;
                PortConfig config = port_config_from_row(i->second);
                if (config.name.empty() || !seen.insert(config.name).second) continue;
                const int64_t ofport = int_of(i->second, "ofport").value_or(0);
                const uint32_t hint = ofport > 0 && ofport < 65280 ? ofport : 0;
                std::string iface_name = config.name;
                wb.ifaces.emplace(
                    std::move(iface_name),
                    WantedIface{iu, std::move(config), hint, vlan, setting_error(i->second)});
            }
        }
    }
    return w;
}

Json root_row_ops(const ovsdb::Database& db) {
    Json row = {{"ovs_version", kVersion},
                {"datapath_types", string_set({"netdev"})},
                {"iface_types", string_set({"dpdk", "dpdkvhostuser", "dpdkvhostuserclient",
                                            "geneve", "internal", "system", "tap", "vxlan"})}};
    const auto roots = load_table(db, "Open_vSwitch");
    Json op = {{"table", "Open_vSwitch"}, {"row", row}};
    if (roots.empty()) {
        op["op"] = "insert";
    } else {
        op["op"] = "update";
        op["where"] = where_uuid(roots.begin()->first);
    }
    return Json::array({op});
}

Json status_ops(const ovsdb::Database& db, const WantedConfig& wanted,
                const std::map<Uuid, IfaceStatus>& status) {
    Json ops = Json::array();
    const ovsdb::TableSchema* table = db.schema().find_table("Interface");
    if (!table) return ops;
    const auto ifaces = load_table(db, "Interface");
    for (const auto& [uuid, st] : status) {
        auto current = ifaces.find(uuid);
        if (current == ifaces.end()) continue;
        Json row = status_row(st);
        Json changed = Json::object();
        for (const auto& [name, value] : row.items()) {
            if (column_json(*table, current->second, name) != value) changed[name] = value;
        }
        if (changed.empty()) continue;
        ops.push_back({{"op", "update"},
                       {"table", "Interface"},
                       {"where", where_uuid(uuid)},
                       {"row", changed}});
    }
    if (wanted.root && wanted.cur_cfg != wanted.next_cfg) {
        ops.push_back({{"op", "update"},
                       {"table", "Open_vSwitch"},
                       {"where", where_uuid(*wanted.root)},
                       {"row", {{"cur_cfg", wanted.next_cfg}}}});
    }
    return ops;
}

Json add_bridge_ops(const ovsdb::Database& db, const std::string& bridge, bool internal_port) {
    bool exists = false;
    db.for_each_row("Bridge", [&](const Uuid&, const Row& row) {
        exists = exists || string_of(row, "name") == bridge;
    });
    Json ops = Json::array();
    if (exists) return ops;
    Json ports = empty_set();
    if (internal_port) {
        ops.push_back({{"op", "insert"},
                       {"table", "Interface"},
                       {"row", {{"name", bridge}, {"type", "internal"}}},
                       {"uuid-name", "iface"}});
        ops.push_back({{"op", "insert"},
                       {"table", "Port"},
                       {"row", {{"name", bridge}, {"interfaces", {"named-uuid", "iface"}}}},
                       {"uuid-name", "port"}});
        ports = Json::array({"named-uuid", "port"});
    }
    ops.push_back({{"op", "insert"},
                   {"table", "Bridge"},
                   {"row", {{"name", bridge}, {"ports", ports}}},
                   {"uuid-name", "bridge"}});
    ops.push_back(
        {{"op", "mutate"},
         {"table", "Open_vSwitch"},
         {"where", Json::array()},
         {"mutations", Json::array({Json::array(
                           {"bridges", "insert",
                            Json::array({"set", Json::array({{"named-uuid", "bridge"}})})})})}});
    return ops;
}

Json add_port_ops(const std::string& bridge, const PortConfig& config) {
    Json options = Json::array();
    for (const auto& [k, v] : config.options)
        options.push_back({k, v});
    if (config.n_rxq != 1) options.push_back({"n_rxq", std::to_string(config.n_rxq)});
    Json iface = {{"name", config.name},
                  {"type", config.type == "system" ? "" : config.type},
                  {"options", Json::array({"map", options})}};
    if (config.port_no_request != 0) iface["ofport_request"] = config.port_no_request;
    if (config.mtu != PortConfig{}.mtu) iface["mtu_request"] = config.mtu;
    return Json::array(
        {{{"op", "insert"}, {"table", "Interface"}, {"row", iface}, {"uuid-name", "iface"}},
         {{"op", "insert"},
          {"table", "Port"},
          {"row", {{"name", config.name}, {"interfaces", {"named-uuid", "iface"}}}},
          {"uuid-name", "port"}},
         {{"op", "mutate"},
          {"table", "Bridge"},
          {"where", Json::array({Json::array({"name", "==", bridge})})},
          {"mutations", Json::array({Json::array(
                            {"ports", "insert",
                             Json::array({"set", Json::array({{"named-uuid", "port"}})})})})}}});
}

Json del_port_ops(const ovsdb::Database& db, const std::string& iface) {
    const auto ifaces = load_table(db, "Interface");
    const auto ports = load_table(db, "Port");
    Json ops = Json::array();
    db.for_each_row("Bridge", [&](const Uuid& bu, const Row& bridge) {
        for (const Uuid& pu : uuids_of(bridge, "ports")) {
            auto p = ports.find(pu);
            if (p == ports.end()) continue;
            bool match = false;
            for (const Uuid& iu : uuids_of(p->second, "interfaces")) {
                auto i = ifaces.find(iu);
                match = match || (i != ifaces.end() && string_of(i->second, "name") == iface);
            }
            if (!match) continue;
            ops.push_back(
                {{"op", "mutate"},
                 {"table", "Bridge"},
                 {"where", where_uuid(bu)},
                 {"mutations",
                  Json::array({Json::array(
                      {"ports", "delete", Json::array({"set", Json::array({uuid_json(pu)})})})})}});
        }
    });
    return ops;
}

std::string transact_error(const ovsdb::TransactResult& result) {
    for (const Json& r : result.results) {
        if (r.is_object() && r.contains("error") && r["error"].is_string()) {
            std::string text = r["error"].get<std::string>();
            if (r.contains("details") && r["details"].is_string()) {
                text += ": " + r["details"].get<std::string>();
            }
            return text;
        }
    }
    return {};
}

}  // namespace vs
