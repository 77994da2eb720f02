// OpenFlow 1.0 in the pipeline's 1.3 terms, and back: matches (wildcard bits and CIDR lengths
// <-> OXM), actions (1.0's set_* actions are 1.3 set-field, strip_vlan is pop_vlan), special
// port numbers (16-bit <-> 32-bit), and FLOW_MOD (one table in 1.0; a delete reaches them all).
// A 1.0 match field whose prerequisites are wildcarded is ignored, as 1.0 switches do, instead of
// being refused as 1.3 requires.
// Thread: any; pure functions.
#pragma once

#include <tl/expected.hpp>
#include <vector>

#include "openflow/codec_runtime.hpp"
#include "openflow/of10.hpp"
#include "openflow/of13.hpp"

namespace vs {

uint32_t port10_to_13(uint16_t port);
uint16_t port13_to_10(uint32_t port);

of13::Match match10_to_13(const of10::Match& match);
of10::Match match13_to_10(const of13::Match& match);

tl::expected<std::vector<of13::Action>, openflow::SpecError> actions10_to_13(
    const std::vector<of10::Action>& actions, const of10::Match& match);
// Actions of a 1.3 rule as 1.0 can show them (apply-actions; what 1.0 cannot say is left out).
std::vector<of10::Action> actions13_to_10(const std::vector<of13::Instruction>& instructions);

tl::expected<of13::FlowMod, openflow::SpecError> flow_mod10_to_13(const of10::FlowMod& fm);

}  // namespace vs
