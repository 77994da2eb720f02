// What each of a bridge's flow tables supports, as OpenFlow 1.3's TABLE_FEATURES reply says it
// (section 7.3.5.18): the instructions, actions, match fields and set-fields that FlowTables and
// xlate carry out, and which tables goto-table may reach.
#pragma once

#include <vector>

#include "openflow/of13.hpp"

namespace vs {

std::vector<of13::TableFeatures> table_features();

}  // namespace vs
