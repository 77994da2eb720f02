// Record identification and column updates shared by the database commands and by
// add-port/add-bond settings: rows named by UUID (or a 4+ digit prefix), by @name, or by a
// table-specific name (Bridge name, Manager target, Controller via its bridge, "." for
// Open_vSwitch), following ovs-vsctl's table of row ids.
#pragma once

#include <optional>
#include <string>

#include "ctl/vsctl/context.hpp"

namespace vs::vsctl {

// nullopt when no row matches and !must_exist; throws "no row ..." when must_exist.
[[nodiscard]] std::optional<Uuid> find_row(Context& ctx, const ovsdb::TableSchema& table,
                                           const std::string& id, bool must_exist);
// `column[:key]=value` on a row (the set command and add-port settings).
void set_column(Context& ctx, const ovsdb::TableSchema& table, const Uuid& row,
                const std::string& arg);

}  // namespace vs::vsctl
