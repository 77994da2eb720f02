// ovs-ofctl's group syntax in OpenFlow 1.3 terms: "group_id=1,type=select,bucket=weight:10,
// actions=output:1,bucket=output:2" into a GroupMod, and a GroupDesc/GroupStats back into
// ovs-ofctl's dump-groups / dump-group-stats lines. Errors are ParseError.
// Thread: plain functions over values.
#pragma once

#include <string>
#include <string_view>

#include "openflow/of13.hpp"

namespace vs::ofctl {

of13::GroupMod parse_group(std::string_view text, of13::GroupModCommand command);
std::string format_group_desc(const of13::GroupDesc& g);    // " group_id=1,type=all,bucket=..."
std::string format_group_stats(const of13::GroupStats& g);  // " group_id=1,duration=...,..."

}  // namespace vs::ofctl
