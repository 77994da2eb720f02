// ovs-ofctl's flow syntax, parsed into OpenFlow 1.3 terms: "priority=100,tcp,in_port=1,tp_dst=80
// actions=output:2" becomes a FlowSpec (an OXM match with the prerequisites ovs-ofctl adds, the
// flow-mod header fields and the instructions). OpenFlow 1.0 is reached by converting a FlowSpec
// (of10_convert.hpp), so there is one parser. Printing goes the other way (flow_print.hpp).
// Errors are ParseError with one line ("unknown field foo"), which ofctl prints after "ofctl: ".
// Thread: plain functions over values.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "openflow/of13.hpp"

namespace vs::ofctl {

// The message is one printable line: control characters from the input become '?'.
struct ParseError : std::runtime_error {
    explicit ParseError(const std::string& message) : std::runtime_error(printable(message)) {}

  private:
    static std::string printable(std::string s) {
        for (char& c : s)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
        return s;
    }
};

// What the flow text is for: additions and modifications take actions; deletions and dump
// filters take out_port/out_group and a cookie mask instead and no actions.
enum class FlowUse : uint8_t { kAdd, kModify, kDelete };

inline constexpr uint16_t kDefaultPriority = 0x8000;

struct FlowSpec {
    of13::Match match;
    uint16_t priority = kDefaultPriority;
    uint8_t table_id = of13::table_id::kAll;  // kAll when not given
    uint16_t idle_timeout = 0;
    uint16_t hard_timeout = 0;
    uint16_t flags = 0;  // of13::flow_mod_flags
    uint64_t cookie = 0;
    uint64_t cookie_mask = 0;
    uint32_t out_port = of13::port_no::kAny;
    uint32_t out_group = of13::group_id::kAny;
    std::vector<of13::Instruction> instructions;
};

// Parses a flow ("field=value,..., actions=..."). Throws ParseError.
FlowSpec parse_flow(std::string_view text, FlowUse use);

// Parses an action list as in "actions=" (also packet-out and group buckets); `match` gives
// the prerequisites that mod_tp_src and mod_vlan_vid look at (nullptr: none). Instructions
// (goto_table, write_actions(...), ...) are accepted only when `instructions` is not null.
std::vector<of13::Action> parse_actions(std::string_view text, const of13::Match* match,
                                        std::vector<of13::Instruction>* instructions = nullptr);

// A port as ovs-ofctl writes it: a number, or LOCAL, IN_PORT, CONTROLLER, NORMAL, FLOOD, ALL,
// TABLE, ANY/NONE (case-insensitive). Throws ParseError.
uint32_t parse_port(std::string_view text);

// Parses an unsigned number (decimal, or 0x hex) no larger than `max`. Throws ParseError naming
// `what`.
uint64_t parse_number(std::string_view text, uint64_t max, std::string_view what);

// FlowMod and FlowStatsRequest for a spec (OpenFlow 1.3).
of13::FlowMod to_flow_mod(const FlowSpec& spec, of13::FlowModCommand command);
of13::FlowStatsRequest to_flow_stats_request(const FlowSpec& spec);

// Splits "a,b(c,d),e" at top-level commas (and blanks), keeping parenthesised parts together.
std::vector<std::string_view> split_top_level(std::string_view text);

}  // namespace vs::ofctl
