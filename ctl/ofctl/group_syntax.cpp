// ovs-ofctl's group syntax (see group_syntax.hpp).
#include "ctl/ofctl/group_syntax.hpp"

#include <array>
#include <utility>

#include "ctl/ofctl/flow_print.hpp"
#include "ctl/ofctl/flow_syntax.hpp"

namespace vs::ofctl {

namespace {

using namespace vs::of13;

constexpr std::array<std::pair<std::string_view, GroupType>, 5> kTypes{{
    {"all", GroupType::kAll},
    {"select", GroupType::kSelect},
    {"indirect", GroupType::kIndirect},
    {"ff", GroupType::kFf},
    {"fast_failover", GroupType::kFf},
}};

std::string group_id_text(uint32_t id) {
    if (id == group_id::kAll) return "ALL";
    if (id == group_id::kAny) return "ANY";
    return std::to_string(id);
}

Bucket parse_bucket(std::string_view text, GroupType type) {
    Bucket b;
    b.weight = type == GroupType::kSelect ? 1 : 0;
    b.watch_port = port_no::kAny;
    b.watch_group = group_id::kAny;
    std::string_view rest = text;
    // Leading bucket parameters, then the actions (with or without "actions=").
    while (!rest.empty()) {
        const size_t comma = rest.find(',');
        const std::string_view token = rest.substr(0, comma);
        const size_t colon = token.find_first_of(":=");
        const std::string_view key = token.substr(0, colon);
        const std::string_view value =
            colon == std::string_view::npos ? "" : token.substr(colon + 1);
        if (key == "weight") {
            b.weight = static_cast<uint16_t>(parse_number(value, 0xffff, key));
        } else if (key == "watch_port") {
            b.watch_port = parse_port(value);
        } else if (key == "watch_group") {
            b.watch_group = static_cast<uint32_t>(parse_number(value, 0xffffffff, key));
        } else if (key == "bucket_id") {
            // OpenFlow 1.5's bucket ids: nothing to carry in 1.3.
        } else {
            break;
        }
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (rest.starts_with("actions=")) rest.remove_prefix(8);
    b.actions = parse_actions(rest, nullptr);
    return b;
}

}  // namespace

GroupMod parse_group(std::string_view text, GroupModCommand command) {
    GroupMod g;
    g.command = command;
    g.group_id = command == GroupModCommand::kDelete ? group_id::kAll : 0;
    const size_t first_bucket = text.find("bucket=");
    const std::string_view head = text.substr(0, first_bucket);
    bool have_id = false;
    bool have_type = false;
    for (const std::string_view token : split_top_level(head)) {
        const size_t eq = token.find_first_of("=:");
        const std::string_view key = token.substr(0, eq);
        const std::string_view value = eq == std::string_view::npos ? "" : token.substr(eq + 1);
        if (key == "group_id") {
            if (value == "all" || value == "ALL") {
                g.group_id = group_id::kAll;
            } else {
                g.group_id = static_cast<uint32_t>(parse_number(value, group_id::kMax, key));
            }
            have_id = true;
        } else if (key == "type" && command != GroupModCommand::kDelete) {
            bool found = false;
            for (const auto& [name, type] : kTypes) {
                if (name == value) {
                    g.type = type;
                    found = true;
                }
            }
            if (!found) throw ParseError("unknown group type " + std::string(value));
            have_type = true;
        } else if (key == "selection_method" || key == "selection_method_param" ||
                   key == "fields") {
            // OpenFlow 1.5 / Nicira extensions ovs-ofctl accepts; nothing to carry in 1.3.
        } else {
            throw ParseError("unknown keyword " + std::string(key));
        }
    }
    if (command == GroupModCommand::kDelete) {
        if (first_bucket != std::string_view::npos) throw ParseError("del-groups takes no buckets");
        return g;
    }
    if (!have_id) throw ParseError("must specify a group_id");
    if (!have_type) throw ParseError("must specify a type");
    std::string_view rest =
        first_bucket == std::string_view::npos ? std::string_view{} : text.substr(first_bucket + 7);
    while (!rest.empty()) {
        const size_t next = rest.find("bucket=");
        std::string_view one = rest.substr(0, next);
        while (!one.empty() && (one.back() == ',' || one.back() == ' '))
            one.remove_suffix(1);
        g.buckets.push_back(parse_bucket(one, g.type));
        rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 7);
    }
    return g;
}

std::string format_group_desc(const GroupDesc& g) {
    std::string s = " group_id=" + group_id_text(g.group_id) + ",type=";
    const char* type = "?";
    for (const auto& [name, t] : kTypes) {
        if (t == g.type) {
            type = name.data();
            break;
        }
    }
    s += type;
    for (const Bucket& b : g.buckets) {
        s += ",bucket=";
        if (g.type == GroupType::kSelect) s += "weight:" + std::to_string(b.weight) + ",";
        if (b.watch_port != port_no::kAny) s += "watch_port:" + format_port(b.watch_port) + ",";
        if (b.watch_group != group_id::kAny)
            s += "watch_group:" + std::to_string(b.watch_group) + ",";
        s += "actions=" + format_actions(b.actions);
    }
    return s;
}

std::string format_group_stats(const GroupStats& g) {
    std::string s = " group_id=" + group_id_text(g.group_id);
    s += ",duration=" + format_duration(g.duration_sec, g.duration_nsec);
    s += ",ref_count=" + std::to_string(g.ref_count);
    s += ",packet_count=" + std::to_string(g.packet_count);
    s += ",byte_count=" + std::to_string(g.byte_count);
    for (size_t i = 0; i < g.bucket_stats.size(); ++i) {
        s += ",bucket" + std::to_string(i) +
             ":packet_count=" + std::to_string(g.bucket_stats[i].packet_count) +
             ",byte_count=" + std::to_string(g.bucket_stats[i].byte_count);
    }
    return s;
}

}  // namespace vs::ofctl
