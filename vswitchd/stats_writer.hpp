// What the daemon reports periodically into the DB besides interface status: Interface
// `statistics` (Open vSwitch's key names) and Bridge `datapath_id`, as RFC 7047 operations that
// touch only rows whose value differs. Also reads Open_vSwitch other_config:stats-update-interval.
// Thread: any; pure functions over a Database the caller owns.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "datapath/port/port_stats.hpp"
#include "ovsdb/database.hpp"

namespace vs {

using InterfaceStats = std::map<std::string, int64_t>;

// Open vSwitch's statistics keys for one port's counters.
InterfaceStats interface_stats(const PortStats& stats);

// other_config:stats-update-interval of the root row in ms (default 5000, at least 1000).
uint64_t stats_update_interval_ms(const ovsdb::Database& db);

// Updates of Interface.statistics for the rows in `stats` whose column differs.
ovsdb::Json statistics_ops(const ovsdb::Database& db,
                           const std::map<ovsdb::Uuid, InterfaceStats>& stats);

// The datapath ID of a bridge: other_config:datapath-id when it is 16 hex digits (an optional
// 0x before), else 0000 and the 12 hex digits of `mac` ("aa:bb:cc:dd:ee:ff"), else derived
// from the name (a locally administered address), as 16 lowercase hex digits.
std::string datapath_id(const std::string& bridge, const std::string& mac,
                        const std::string& requested);

// Updates of Bridge.datapath_id for the bridges (by name) whose column differs; `macs` gives
// the MAC of each bridge's internal port when it has one.
ovsdb::Json datapath_id_ops(const ovsdb::Database& db,
                            const std::map<std::string, std::string, std::less<>>& macs);

}  // namespace vs
