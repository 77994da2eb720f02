// The daemon's view of the Open_vSwitch database: what the DB asks for (bridges, their
// interfaces as PortConfigs) read from the rows reachable from the root row, and the RFC 7047
// operations the daemon writes back (root row set-up, interface status, cur_cfg) or seeds from
// its command line (add-br / add-port / del-port, as ovs-vsctl writes them).
// Thread: any; pure functions over a Database the caller owns.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datapath/port/port_config.hpp"
#include "ovsdb/database.hpp"
#include "vswitchd/vlan.hpp"

namespace vs {

// One Interface row as the daemon wants it.
struct WantedIface {
    ovsdb::Uuid uuid;
    PortConfig config;
    // The ofport the interface had (Interface.ofport), tried first when there is no
    // ofport_request so that a restart keeps port numbers, as Open vSwitch does.
    uint32_t ofport_hint = 0;
    PortVlan vlan;  // its Port row's tag, trunks and vlan_mode
    // A setting the daemon cannot use (options:n_rxq not a number from 1 to 1023): the
    // interface is refused with this as its Interface.error. Empty: none.
    std::string error;
};

// One Mirror row of a bridge, its ports named by their interfaces.
struct WantedMirror {
    std::string name;
    bool select_all = false;
    std::vector<std::string> src_ifaces;
    std::vector<std::string> dst_ifaces;
    std::vector<uint16_t> vlans;  // select_vlan; empty: every VLAN
    std::string out_iface;        // output_port's first interface; empty: none
};

struct WantedBridge {
    ovsdb::Uuid uuid;
    std::map<std::string, WantedIface, std::less<>> ifaces;  // by interface name
    // other_config:mac-table-size and mac-aging-time (seconds) as Open vSwitch reads them:
    // nullopt when absent or not a number; aging clamped to 15..3600 s, size to 1..1000000.
    std::optional<size_t> mac_table_size;
    std::optional<uint64_t> mac_aging_ms;
    std::vector<WantedMirror> mirrors;
};

// What the DB asks for, and the root row's bookkeeping.
struct WantedConfig {
    std::optional<ovsdb::Uuid> root;  // the Open_vSwitch row, if there is one
    int64_t next_cfg = 0;
    int64_t cur_cfg = 0;
    std::map<std::string, WantedBridge, std::less<>> bridges;  // by bridge name
};

// What the daemon reports for one interface (Interface.ofport, error, mac_in_use...).
struct IfaceStatus {
    int64_t ofport = -1;
    std::string error;  // empty: none
    std::string mac;    // empty: unknown
    int64_t mtu = 0;    // 0: unknown
    bool link_up = false;
    bool admin_up = true;  // false once PORT_MOD set PORT_DOWN
};

// Reads the bridges listed in Open_vSwitch.bridges with their ports' interfaces. An interface
// whose name was already seen (in any bridge) is skipped: names are unique in the datapath.
WantedConfig read_wanted_config(const ovsdb::Database& db);

// Maps one Interface row (type, options, ofport_request, mtu_request) to a PortConfig; ""
// becomes "system", as in Open vSwitch.
PortConfig port_config_from_row(const ovsdb::Store::Row& row);
bool same_port_config(const PortConfig& a, const PortConfig& b);

// Operations making sure the root row exists and carries the daemon's version and types.
ovsdb::Json root_row_ops(const ovsdb::Database& db);
// Operations writing the status of interfaces whose row differs from it, and cur_cfg =
// next_cfg when they differ; an empty array when nothing is to be written.
ovsdb::Json status_ops(const ovsdb::Database& db, const WantedConfig& wanted,
                       const std::map<ovsdb::Uuid, IfaceStatus>& status);

// ovs-vsctl --may-exist add-br NAME: the bridge with (when `internal_port`) its internal port.
// Empty when the bridge exists. Requires the root row.
ovsdb::Json add_bridge_ops(const ovsdb::Database& db, const std::string& bridge,
                           bool internal_port);
// ovs-vsctl add-port BRIDGE NAME with the interface settings of `config`.
ovsdb::Json add_port_ops(const std::string& bridge, const PortConfig& config);
// ovs-vsctl del-port: removes the port holding interface `iface` from whichever bridge has it.
// Empty when no bridge has it.
ovsdb::Json del_port_ops(const ovsdb::Database& db, const std::string& iface);

// The first error of a transact result ("error: details"), or empty when it succeeded.
std::string transact_error(const ovsdb::TransactResult& result);

}  // namespace vs
