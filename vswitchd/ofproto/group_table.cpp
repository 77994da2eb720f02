// GroupTable: GROUP_MOD semantics of OpenFlow 1.3.5 section 6.5.
#include "vswitchd/ofproto/group_table.hpp"

#include <algorithm>

#include "vswitchd/ofproto/flow_tables.hpp"

namespace vs {

namespace {

using Code = of13::GroupModFailedCode;

openflow::SpecError failed(Code code) {
    return {static_cast<uint16_t>(of13::ErrorType::kGroupModFailed), static_cast<uint16_t>(code)};
}

std::optional<openflow::SpecError> check_buckets(of13::GroupType type,
                                                 const std::vector<of13::Bucket>& buckets) {
    using T = of13::GroupType;
    if (type != T::kAll && type != T::kSelect && type != T::kIndirect && type != T::kFf) {
        return failed(Code::kBadType);
    }
    if (type == T::kIndirect && buckets.size() != 1) return failed(Code::kInvalidGroup);
    for (const of13::Bucket& b : buckets) {
        if (type != T::kSelect && b.weight != 0) return failed(Code::kBadBucket);
        if (type == T::kFf && b.watch_port == of13::port_no::kAny &&
            b.watch_group == of13::group_id::kAny) {
            return failed(Code::kBadWatch);
        }
        if (b.watch_group != of13::group_id::kAny && type == T::kFf) {
            return failed(Code::kWatchUnsupported);  // only ports are watched
        }
        if (std::any_of(b.actions.begin(), b.actions.end(), [](const of13::Action& a) {
                return std::holds_alternative<of13::ActionGroup>(a);
            })) {
            return failed(Code::kChainingUnsupported);
        }
        if (auto e = check_instructions({of13::InstructionApplyActions{b.actions}}, 0)) return e;
    }
    return std::nullopt;
}

}  // namespace

std::optional<openflow::SpecError> GroupTable::group_mod(const of13::GroupMod& gm, uint64_t now_ms,
                                                         std::vector<uint32_t>& deleted) {
    using Cmd = of13::GroupModCommand;
    if (gm.command == Cmd::kDelete) {
        for (auto it = groups_.begin(); it != groups_.end();) {
            if (gm.group_id == of13::group_id::kAll || it->first == gm.group_id) {
                deleted.push_back(it->first);
                it = groups_.erase(it);
            } else {
                ++it;
            }
        }
        return std::nullopt;  // deleting a group that does not exist is not an error
    }
    if (gm.group_id > of13::group_id::kMax) return failed(Code::kInvalidGroup);
    if (gm.command != Cmd::kAdd && gm.command != Cmd::kModify) return failed(Code::kBadCommand);
    if (auto e = check_buckets(gm.type, gm.buckets)) return e;
    auto it = groups_.find(gm.group_id);
    if (gm.command == Cmd::kAdd && it != groups_.end()) return failed(Code::kGroupExists);
    if (gm.command == Cmd::kModify && it == groups_.end()) return failed(Code::kUnknownGroup);
    auto g = std::make_shared<OfGroup>();
    g->group_id = gm.group_id;
    g->type = gm.type;
    g->buckets = gm.buckets;
    g->created_ms = now_ms;
    g->bucket_packets.assign(gm.buckets.size(), 0);
    g->bucket_bytes.assign(gm.buckets.size(), 0);
    groups_[gm.group_id] = std::move(g);
    return std::nullopt;
}

GroupPtr GroupTable::find(uint32_t group_id) const {
    auto it = groups_.find(group_id);
    return it == groups_.end() ? nullptr : it->second;
}

}  // namespace vs
