// ovs-ofctl's flow syntax into OpenFlow 1.3 terms (see flow_syntax.hpp). The match half is in
// flow_match.cpp; this file holds the flow keywords and the actions and instructions.
#include "ctl/ofctl/flow_syntax.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string>

#include "ctl/ofctl/flow_match.hpp"

namespace vs::ofctl {

namespace {

using namespace vs::of13;

std::string str(std::string_view v) {
    return std::string(v);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool is_sep(char c) {
    return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// "name=value" / "name:value" / "name(value)" / "name".
struct KeyValue {
    std::string_view key;
    std::optional<std::string_view> value;
};

KeyValue split_key_value(std::string_view token, std::string_view delimiters) {
    const size_t at = token.find_first_of(delimiters);
    if (at == std::string_view::npos) return {token, std::nullopt};
    if (token[at] == '(') {
        if (token.back() != ')') throw ParseError(str(token) + ": missing closing parenthesis");
        return {token.substr(0, at), token.substr(at + 1, token.size() - at - 2)};
    }
    return {token.substr(0, at), token.substr(at + 1)};
}

uint32_t match_vlan_present(const Match* match) {
    if (match == nullptr) return 0;
    const Oxm* vid = find_oxm(match->fields, OxmField::kVlanVid);
    if (vid == nullptr) return 0;
    const uint64_t mask = vid->has_mask ? vid->mask_uint() : 0xffff;
    return (vid->value_uint() & mask & misc::kVidPresent) != 0 ? 1 : 0;
}

OxmField transport_field(const Match* match, bool src) {
    const Oxm* proto = match == nullptr ? nullptr : find_oxm(match->fields, OxmField::kIpProto);
    const uint64_t p = proto == nullptr ? 0 : proto->value_uint();
    if (p == 6) return src ? OxmField::kTcpSrc : OxmField::kTcpDst;
    if (p == 17) return src ? OxmField::kUdpSrc : OxmField::kUdpDst;
    if (p == 132) return src ? OxmField::kSctpSrc : OxmField::kSctpDst;
    throw ParseError("actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)");
}

Action set_field(OxmField f, uint64_t v) {
    return ActionSetField{Oxm::make(f, v)};
}

void push_vlan_if_needed(std::vector<Action>& out, const Match* match, bool& pushed) {
    if (pushed || match_vlan_present(match) != 0) return;
    out.emplace_back(ActionPushVlan{0x8100});
    pushed = true;
}

void parse_set_field(std::vector<Action>& out, std::string_view arg) {
    const size_t arrow = arg.find("->");
    if (arrow == std::string_view::npos) {
        throw ParseError(str(arg) + ": missing `->' in set_field");
    }
    const std::string_view name = arg.substr(arrow + 2);
    const auto f = field_by_name(name);
    if (!f) throw ParseError(str(name) + " is not a valid OXM field name");
    Oxm v = parse_field_value(*f, arg.substr(0, arrow), name);
    if (v.has_mask) throw ParseError("set_field: a masked value needs OpenFlow 1.5");
    if (*f == OxmField::kVlanVid) v = Oxm::make(*f, v.value_uint() | misc::kVidPresent);
    out.emplace_back(ActionSetField{std::move(v)});
}

struct ActionContext {
    const Match* match;
    std::vector<Instruction>* instructions;
    bool vlan_pushed = false;
};

void add_instruction(ActionContext& cx, std::string_view key, Instruction i) {
    if (cx.instructions == nullptr) {
        throw ParseError("instruction " + str(key) + " not allowed here");
    }
    cx.instructions->push_back(std::move(i));
}

bool parse_instruction(ActionContext& cx, std::string_view key,
                       std::optional<std::string_view> arg) {
    const std::string_view a = arg.value_or("");
    if (key == "goto_table") {
        add_instruction(
            cx, key,
            InstructionGotoTable{static_cast<uint8_t>(parse_number(a, table_id::kMax, key))});
    } else if (key == "write_metadata") {
        const size_t slash = a.find('/');
        const uint64_t v = parse_number(a.substr(0, slash), ~uint64_t{0}, key);
        const uint64_t m = slash == std::string_view::npos
                               ? ~uint64_t{0}
                               : parse_number(a.substr(slash + 1), ~uint64_t{0}, key);
        add_instruction(cx, key, InstructionWriteMetadata{v, m});
    } else if (key == "clear_actions") {
        add_instruction(cx, key, InstructionClearActions{});
    } else if (key == "meter") {
        add_instruction(
            cx, key, InstructionMeter{static_cast<uint32_t>(parse_number(a, meter_id::kMax, key))});
    } else if (key == "write_actions") {
        InstructionWriteActions w{parse_actions(a, cx.match)};
        add_instruction(cx, key, std::move(w));
    } else {
        return false;
    }
    return true;
}

void parse_output(std::vector<Action>& out, std::string_view arg) {
    uint32_t port = 0;
    try {
        port = parse_port(arg);
    } catch (const ParseError&) {
        throw ParseError(str(arg) + ": output to unknown port");
    }
    const uint16_t max_len = port == port_no::kController ? misc::kControllerMaxLen : 0;
    out.emplace_back(ActionOutput{port, max_len});
}

// One action token; false when `key` is no action.
bool parse_action(ActionContext& cx, std::vector<Action>& out, std::string_view key,
                  std::optional<std::string_view> arg) {
    const std::string_view a = arg.value_or("");
    const Match* m = cx.match;
    if (key == "output") {
        parse_output(out, a);
    } else if (iequals(key, "controller")) {
        uint64_t len = misc::kControllerMaxLen;
        if (arg) {
            const std::string_view v = a.starts_with("max_len=") ? a.substr(8) : a;
            len = parse_number(v, 0xffff, "max_len");
        }
        out.emplace_back(ActionOutput{port_no::kController, static_cast<uint16_t>(len)});
    } else if (key == "enqueue") {
        const size_t sep = a.find_first_of(":,");
        if (sep == std::string_view::npos) throw ParseError(str(a) + ": bad enqueue");
        out.emplace_back(ActionSetQueue{
            static_cast<uint32_t>(parse_number(a.substr(sep + 1), 0xffffffff, "enqueue"))});
        parse_output(out, a.substr(0, sep));
    } else if (key == "mod_vlan_vid") {
        push_vlan_if_needed(out, m, cx.vlan_pushed);
        out.push_back(set_field(OxmField::kVlanVid, parse_number(a, 0xfff, key) | 0x1000U));
    } else if (key == "mod_vlan_pcp") {
        push_vlan_if_needed(out, m, cx.vlan_pushed);
        out.push_back(set_field(OxmField::kVlanPcp, parse_number(a, 7, key)));
    } else if (key == "strip_vlan" || key == "pop_vlan") {
        out.emplace_back(ActionPopVlan{});
    } else if (key == "push_vlan") {
        out.emplace_back(ActionPushVlan{static_cast<uint16_t>(parse_number(a, 0xffff, key))});
        cx.vlan_pushed = true;
    } else if (key == "push_mpls") {
        out.emplace_back(ActionPushMpls{static_cast<uint16_t>(parse_number(a, 0xffff, key))});
    } else if (key == "pop_mpls") {
        out.emplace_back(ActionPopMpls{static_cast<uint16_t>(parse_number(a, 0xffff, key))});
    } else if (key == "mod_dl_src" || key == "mod_dl_dst") {
        const OxmField f = key == "mod_dl_src" ? OxmField::kEthSrc : OxmField::kEthDst;
        out.emplace_back(ActionSetField{parse_field_value(f, a, key)});
    } else if (key == "mod_nw_src" || key == "mod_nw_dst") {
        const OxmField f = key == "mod_nw_src" ? OxmField::kIpv4Src : OxmField::kIpv4Dst;
        out.emplace_back(ActionSetField{parse_field_value(f, a, key)});
    } else if (key == "mod_nw_tos") {
        out.push_back(set_field(OxmField::kIpDscp, parse_number(a, 0xff, key) >> 2U));
    } else if (key == "mod_nw_ecn") {
        out.push_back(set_field(OxmField::kIpEcn, parse_number(a, 3, key)));
    } else if (key == "mod_nw_ttl") {
        out.emplace_back(ActionSetNwTtl{static_cast<uint8_t>(parse_number(a, 0xff, key))});
    } else if (key == "mod_tp_src" || key == "mod_tp_dst") {
        const OxmField f = transport_field(m, key == "mod_tp_src");
        out.push_back(set_field(f, parse_number(a, 0xffff, key)));
    } else if (key == "set_field") {
        parse_set_field(out, a);
    } else if (key == "dec_ttl") {
        out.emplace_back(ActionDecNwTtl{});
    } else if (key == "set_mpls_ttl") {
        out.emplace_back(ActionSetMplsTtl{static_cast<uint8_t>(parse_number(a, 0xff, key))});
    } else if (key == "dec_mpls_ttl") {
        out.emplace_back(ActionDecMplsTtl{});
    } else if (key == "copy_ttl_out") {
        out.emplace_back(ActionCopyTtlOut{});
    } else if (key == "copy_ttl_in") {
        out.emplace_back(ActionCopyTtlIn{});
    } else if (key == "set_queue") {
        out.emplace_back(ActionSetQueue{static_cast<uint32_t>(parse_number(a, 0xffffffff, key))});
    } else if (key == "group") {
        out.emplace_back(ActionGroup{static_cast<uint32_t>(parse_number(a, group_id::kMax, key))});
    } else {
        return false;
    }
    return true;
}

int instruction_rank(const Instruction& i) {
    // The order of execution in OpenFlow 1.3 (5.9), which ovs-ofctl also prints in.
    return std::visit(
        [](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, InstructionMeter>) return 0;
            if constexpr (std::is_same_v<T, InstructionApplyActions>) return 1;
            if constexpr (std::is_same_v<T, InstructionClearActions>) return 2;
            if constexpr (std::is_same_v<T, InstructionWriteActions>) return 3;
            if constexpr (std::is_same_v<T, InstructionWriteMetadata>) return 4;
            if constexpr (std::is_same_v<T, InstructionGotoTable>) return 5;
            return 6;
        },
        i);
}

// Keywords of the flow itself (not match fields); false when `key` is none of them.
bool parse_flow_keyword(FlowSpec& spec, FlowUse use, std::string_view key,
                        std::optional<std::string_view> value) {
    constexpr std::array<std::pair<std::string_view, uint16_t>, 5> kFlags{{
        {"send_flow_rem", flow_mod_flags::kSendFlowRem},
        {"check_overlap", flow_mod_flags::kCheckOverlap},
        {"reset_counts", flow_mod_flags::kResetCounts},
        {"no_packet_counts", flow_mod_flags::kNoPktCounts},
        {"no_byte_counts", flow_mod_flags::kNoBytCounts},
    }};
    for (const auto& [name, bit] : kFlags) {
        if (key == name && !value) {
            spec.flags |= bit;
            return true;
        }
    }
    if (!value) return false;
    const std::string_view v = *value;
    if (key == "table") {
        spec.table_id = static_cast<uint8_t>(parse_number(v, 0xff, key));
    } else if (key == "priority") {
        spec.priority = static_cast<uint16_t>(parse_number(v, 0xffff, key));
    } else if (key == "idle_timeout") {
        spec.idle_timeout = static_cast<uint16_t>(parse_number(v, 0xffff, key));
    } else if (key == "hard_timeout") {
        spec.hard_timeout = static_cast<uint16_t>(parse_number(v, 0xffff, key));
    } else if (key == "cookie") {
        const size_t slash = v.find('/');
        spec.cookie = parse_number(v.substr(0, slash), ~uint64_t{0}, key);
        if (slash != std::string_view::npos) {
            if (use == FlowUse::kAdd) throw ParseError("flow additions cannot use a cookie mask");
            spec.cookie_mask = parse_number(v.substr(slash + 1), ~uint64_t{0}, key);
        }
    } else if (key == "out_port" && use == FlowUse::kDelete) {
        spec.out_port = parse_port(v);
    } else if (key == "out_group" && use == FlowUse::kDelete) {
        spec.out_group = static_cast<uint32_t>(parse_number(v, 0xffffffff, key));
    } else if (key == "importance" || key == "duration" || key == "n_packets" || key == "n_bytes" ||
               key == "idle_age" || key == "hard_age") {
        // Accepted and ignored as ovs-ofctl does, so that dump-flows output reads back in.
    } else {
        return false;
    }
    return true;
}

// Fields ovs-ofctl matches through Nicira extensions (NXM), which this switch does not speak.
bool is_nicira_field(std::string_view key) {
    constexpr std::array<std::string_view, 12> kNames{
        "nw_ttl",  "nw_frag", "tcp_flags", "pkt_mark",  "skb_priority", "ct_state",
        "ct_zone", "ct_mark", "ct_label",  "recirc_id", "dp_hash",      "conj_id"};
    for (auto n : kNames)
        if (n == key) return true;
    return key.starts_with("reg") || key.starts_with("xreg") || key.starts_with("tun_");
}

}  // namespace

uint64_t parse_number(std::string_view text, uint64_t max, std::string_view what) {
    int base = 10;
    std::string_view digits = text;
    if (digits.starts_with("0x") || digits.starts_with("0X")) {
        base = 16;
        digits.remove_prefix(2);
    }
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (digits.empty() || ec == std::errc::invalid_argument ||
        end != digits.data() + digits.size()) {
        throw ParseError(str(text) + ": invalid numeric format for " + str(what));
    }
    if (ec == std::errc::result_out_of_range || v > max) {
        throw ParseError(str(text) + ": value too large for " + str(what));
    }
    return v;
}

uint32_t parse_port(std::string_view text) {
    constexpr std::array<std::pair<std::string_view, uint32_t>, 10> kNames{{
        {"IN_PORT", port_no::kInPort},
        {"TABLE", port_no::kTable},
        {"NORMAL", port_no::kNormal},
        {"FLOOD", port_no::kFlood},
        {"ALL", port_no::kAll},
        {"CONTROLLER", port_no::kController},
        {"LOCAL", port_no::kLocal},
        {"ANY", port_no::kAny},
        {"NONE", port_no::kAny},
        {"UNSET", port_no::kAny},
    }};
    for (const auto& [name, port] : kNames)
        if (iequals(text, name)) return port;
    try {
        const uint64_t v = parse_number(text, 0xffffffff, "port");
        if (v >= 0xff00 && v < 0xffff) return static_cast<uint32_t>(v) + 0xffff0000U;  // 1.0 form
        return static_cast<uint32_t>(v);
    } catch (const ParseError&) {
        throw ParseError(str(text) + ": invalid or unknown port for in_port");
    }
}

std::vector<std::string_view> split_top_level(std::string_view text) {
    std::vector<std::string_view> out;
    size_t start = 0;
    int depth = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        const bool end = i == text.size();
        if (!end && text[i] == '(') ++depth;
        if (!end && text[i] == ')') --depth;
        if (depth < 0) throw ParseError(str(text) + ": unbalanced parentheses");
        if (end || (depth == 0 && is_sep(text[i]))) {
            if (i > start) out.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    if (depth != 0) throw ParseError(str(text) + ": unbalanced parentheses");
    return out;
}

std::vector<Action> parse_actions(std::string_view text, const Match* match,
                                  std::vector<Instruction>* instructions) {
    ActionContext cx{match, instructions};
    std::vector<Action> out;
    const auto tokens = split_top_level(text);
    for (const std::string_view token : tokens) {
        const KeyValue kv = split_key_value(token, ":=(");
        if (kv.key == "drop") {
            if (tokens.size() != 1) throw ParseError("drop must be the only action");
            continue;
        }
        if (!kv.value) {
            bool is_port = true;
            try {
                const uint32_t port = parse_port(kv.key);
                const uint16_t len = port == port_no::kController ? misc::kControllerMaxLen : 0;
                if (port != port_no::kAny) out.emplace_back(ActionOutput{port, len});
                is_port = port != port_no::kAny;
            } catch (const ParseError&) {
                is_port = false;
            }
            if (is_port) continue;
        }
        if (parse_instruction(cx, kv.key, kv.value)) continue;
        if (!parse_action(cx, out, kv.key, kv.value)) {
            throw ParseError("unknown action " + str(kv.key));
        }
    }
    return out;
}

FlowSpec parse_flow(std::string_view text, FlowUse use) {
    FlowSpec spec;
    std::string_view match_text = text;
    std::optional<std::string_view> action_text;
    const size_t at = text.find("actions=");
    if (at != std::string_view::npos && use != FlowUse::kDelete) {
        match_text = text.substr(0, at);
        action_text = text.substr(at + 8);
    }
    MatchBuilder mb;
    for (const std::string_view token : split_top_level(match_text)) {
        const KeyValue kv = split_key_value(token, "=");
        if (parse_flow_keyword(spec, use, kv.key, kv.value)) continue;
        if (mb.add(kv.key, kv.value)) continue;
        if (is_nicira_field(kv.key)) {
            throw ParseError(str(kv.key) +
                             ": field needs a Nicira extension (not in OpenFlow 1.0 or 1.3)");
        }
        throw ParseError("unknown keyword " + str(kv.key));
    }
    spec.match = mb.build();
    if (use == FlowUse::kDelete) return spec;
    if (!action_text) throw ParseError("must specify an action");
    std::vector<Instruction> others;
    std::vector<Action> apply = parse_actions(*action_text, &spec.match, &others);
    if (!apply.empty()) spec.instructions.emplace_back(InstructionApplyActions{std::move(apply)});
    for (auto& i : others)
        spec.instructions.push_back(std::move(i));
    std::stable_sort(spec.instructions.begin(), spec.instructions.end(),
                     [](const Instruction& a, const Instruction& b) {
                         return instruction_rank(a) < instruction_rank(b);
                     });
    return spec;
}

FlowMod to_flow_mod(const FlowSpec& spec, FlowModCommand command) {
    FlowMod fm;
    fm.command = command;
    fm.cookie = spec.cookie;
    fm.cookie_mask = spec.cookie_mask;
    const bool deleting =
        command == FlowModCommand::kDelete || command == FlowModCommand::kDeleteStrict;
    fm.table_id = spec.table_id == table_id::kAll && !deleting ? 0 : spec.table_id;
    fm.idle_timeout = spec.idle_timeout;
    fm.hard_timeout = spec.hard_timeout;
    fm.priority = spec.priority;
    fm.buffer_id = misc::kNoBuffer;
    fm.out_port = deleting ? spec.out_port : port_no::kAny;
    fm.out_group = deleting ? spec.out_group : group_id::kAny;
    fm.flags = spec.flags;
    fm.match = spec.match;
    if (!deleting) fm.instructions = spec.instructions;
    return fm;
}

FlowStatsRequest to_flow_stats_request(const FlowSpec& spec) {
    FlowStatsRequest r;
    r.table_id = spec.table_id;
    r.out_port = spec.out_port;
    r.out_group = spec.out_group;
    r.cookie = spec.cookie;
    r.cookie_mask = spec.cookie_mask;
    r.match = spec.match;
    return r;
}

}  // namespace vs::ofctl
