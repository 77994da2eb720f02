// OpenFlow 1.0 for ofctl: the parser speaks OpenFlow 1.3 (an OXM match and actions), and these
// convert to and from 1.0's fixed match with wildcards and its action set, so one parser and
// one printer serve both versions. What 1.0 cannot say (masked MAC addresses, IPv6, tables,
// instructions, set_field on other fields) is a ParseError naming it.
// Thread: plain functions over values.
#pragma once

#include <string>
#include <vector>

#include "ctl/ofctl/flow_print.hpp"
#include "ctl/ofctl/flow_syntax.hpp"
#include "openflow/of10.hpp"
#include "openflow/of13.hpp"

namespace vs::ofctl {

uint16_t to_of10_port(uint32_t port);
uint32_t from_of10_port(uint16_t port);

of10::Match to_of10_match(const of13::Match& match);
of13::Match from_of10_match(const of10::Match& match);

std::vector<of10::Action> to_of10_actions(const std::vector<of13::Action>& actions);
std::string format_of10_actions(const std::vector<of10::Action>& actions);

// A FlowSpec as an OpenFlow 1.0 flow-mod / flow-stats request. Throws ParseError.
of10::FlowMod to_of10_flow_mod(const FlowSpec& spec, of10::FlowModCommand command);
of10::FlowStatsRequest to_of10_flow_stats_request(const FlowSpec& spec);

std::string format_of10_flow_stats(const of10::FlowStats& fs, const FlowLineOptions& options = {});

}  // namespace vs::ofctl
