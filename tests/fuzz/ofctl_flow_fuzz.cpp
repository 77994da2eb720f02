// libFuzzer target for ofctl's flow and group syntax: arbitrary text must never crash and fails
// only with a one-line ParseError; text that parses prints (ovs-ofctl's form) to text that
// parses to the same print, encodes to a FLOW_MOD that decodes to the same message, and either
// converts to OpenFlow 1.0 or fails with a ParseError.
#include <cstdint>
#include <string>
#include <string_view>

#include "ctl/ofctl/flow_print.hpp"
#include "ctl/ofctl/flow_syntax.hpp"
#include "ctl/ofctl/group_syntax.hpp"
#include "ctl/ofctl/of10_convert.hpp"

namespace {

using namespace vs::ofctl;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

std::string print(const FlowSpec& s) {
    return format_match(s.match, s.priority) + " actions=" + format_instructions(s.instructions);
}

void check_error(const ParseError& e) {
    const std::string_view m = e.what();
    check(!m.empty() && m.find('\n') == std::string_view::npos);
}

void flow(std::string_view text, FlowUse use) {
    FlowSpec spec;
    try {
        spec = parse_flow(text, use);
    } catch (const ParseError& e) {
        check_error(e);
        return;
    }
    const std::string printed = print(spec);
    FlowSpec again;
    try {
        again = parse_flow(printed, FlowUse::kAdd);
    } catch (const ParseError&) {
        check(false);
    }
    check(print(again) == printed);
    check(again.match == spec.match);

    const auto fm = to_flow_mod(spec, vs::of13::FlowModCommand::kAdd);
    const auto wire = vs::of13::encode(vs::of13::Message{7, fm});
    const auto decoded = vs::of13::decode(wire);
    check(decoded.has_value());
    const auto* back = std::get_if<vs::of13::FlowMod>(&decoded->body);
    check(back != nullptr && *back == fm);
    try {
        (void)to_of10_flow_mod(spec, vs::of10::FlowModCommand::kAdd);
    } catch (const ParseError& e) {
        check_error(e);
    }
}

void group(std::string_view text) {
    vs::of13::GroupMod g;
    try {
        g = parse_group(text, vs::of13::GroupModCommand::kAdd);
    } catch (const ParseError& e) {
        check_error(e);
        return;
    }
    const std::string printed = format_group_desc({g.type, g.group_id, g.buckets});
    vs::of13::GroupMod again;
    try {
        again = parse_group(std::string_view(printed).substr(1), vs::of13::GroupModCommand::kAdd);
    } catch (const ParseError&) {
        check(false);
    }
    check(format_group_desc({again.type, again.group_id, again.buckets}) == printed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    flow(text, FlowUse::kAdd);
    flow(text, FlowUse::kDelete);
    group(text);
    return 0;
}
