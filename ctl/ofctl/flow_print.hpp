// ovs-ofctl's way of writing flows, from OpenFlow 1.3 terms: the match in ovs-ofctl's field order
// ("priority=100,tcp,in_port=1,tp_dst=80"), actions and instructions ("set_field:2->ip_dscp,
// output:2"), and whole flow-stats lines (" cookie=0x0, duration=1.5s, table=0, ..."). What
// flow_syntax parses, this prints, so dump-flows output reads back in.
// Thread: plain functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "openflow/of13.hpp"

namespace vs::ofctl {

std::string format_port(uint32_t port);
// The match, preceded by "priority=N" unless N is the default (32768); "" for an empty match.
std::string format_match(const of13::Match& match, uint16_t priority);
std::string format_oxm_value(const of13::Oxm& oxm);
std::string format_actions(const std::vector<of13::Action>& actions);  // "drop" when empty
std::string format_instructions(const std::vector<of13::Instruction>& instructions);
// "1.5s": seconds, then milliseconds (or as many digits as nanoseconds need).
std::string format_duration(uint32_t sec, uint32_t nsec);
std::string format_flow_flags(uint16_t flags);  // "send_flow_rem check_overlap " ...

struct FlowLineOptions {
    bool no_stats = false;
};
// One line of dump-flows (starting with a blank, no newline).
std::string format_flow_stats(const of13::FlowStats& fs, const FlowLineOptions& options = {});

}  // namespace vs::ofctl
