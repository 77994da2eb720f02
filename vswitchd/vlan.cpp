// PortVlan: Open vSwitch's VLAN modes as input, membership and output-encoding decisions.
#include "vswitchd/vlan.hpp"

namespace vs {

namespace {

constexpr uint16_t kTpid8021q = 0x8100;

uint16_t vid_of(uint16_t tci) {
    return (tci & kVlanPresent) ? (tci & kVlanVidMask) : 0;
}

}  // namespace

PortVlan PortVlan::from_columns(const std::string& mode, std::optional<int64_t> tag,
                                const std::vector<int64_t>& trunks) {
    PortVlan v;
    const bool has_tag = tag && *tag >= 0 && *tag <= kVlanVidMask;
    if (has_tag) v.tag = static_cast<uint16_t>(*tag);
    if (mode == "access") {
        v.mode = VlanMode::kAccess;
    } else if (mode == "native-tagged") {
        v.mode = VlanMode::kNativeTagged;
    } else if (mode == "native-untagged") {
        v.mode = VlanMode::kNativeUntagged;
    } else if (mode == "trunk") {
        v.mode = VlanMode::kTrunk;
    } else {
        v.mode = has_tag ? VlanMode::kAccess : VlanMode::kTrunk;
    }
    for (int64_t t : trunks) {
        if (t >= 0 && t <= kVlanVidMask) {
            v.trunks.set(static_cast<size_t>(t));
            v.all_trunks = false;
        }
    }
    if (v.mode == VlanMode::kTrunk) v.tag = 0;  // a trunk has no implicit VLAN
    return v;
}

bool PortVlan::carries(uint16_t vlan) const {
    switch (mode) {
        case VlanMode::kAccess:
            return vlan == tag;
        case VlanMode::kNativeTagged:
        case VlanMode::kNativeUntagged:
            if (vlan == tag) return true;
            [[fallthrough]];
        case VlanMode::kTrunk:
            return all_trunks || trunks.test(vlan & kVlanVidMask);
    }
    return false;
}

std::optional<uint16_t> PortVlan::input_vlan(uint16_t key_tci) const {
    const uint16_t vid = vid_of(key_tci);
    uint16_t vlan = vid;
    if (vid == 0) {
        // Untagged (or priority-tagged): the port's implicit VLAN.
        vlan = mode == VlanMode::kTrunk ? 0 : tag;
    } else if (mode == VlanMode::kAccess) {
        return std::nullopt;
    }
    if (!carries(vlan)) return std::nullopt;
    return vlan;
}

bool PortVlan::output_tagged(uint16_t vlan) const {
    switch (mode) {
        case VlanMode::kAccess:
            return false;
        case VlanMode::kNativeUntagged:
            if (vlan == tag) return false;
            [[fallthrough]];
        case VlanMode::kTrunk:
        case VlanMode::kNativeTagged:
            return vlan != 0;
    }
    return false;
}

const char* to_string(VlanMode mode) {
    switch (mode) {
        case VlanMode::kTrunk:
            return "trunk";
        case VlanMode::kAccess:
            return "access";
        case VlanMode::kNativeTagged:
            return "native-tagged";
        case VlanMode::kNativeUntagged:
            return "native-untagged";
    }
    return "?";
}

ActionList vlan_output_actions(uint16_t key_tci, uint16_t vlan,
                               const std::vector<VlanOutput>& outputs) {
    std::vector<Action> actions;
    bool tagged = (key_tci & kVlanPresent) != 0;
    // A received tag of another VID (a priority tag on a port whose VLAN is not 0) is not the
    // tag any output wants: strip it first.
    if (tagged && vid_of(key_tci) != vlan) {
        actions.push_back(Action::pop_vlan());
        tagged = false;
    }
    bool any_other = false;
    for (const VlanOutput& o : outputs) {
        if (o.tagged == tagged) {
            actions.push_back(Action::output(o.port));
        } else {
            any_other = true;
        }
    }
    if (!any_other) {
        if (actions.size() == 1 && actions[0].type == ActionType::kPopVlan) actions.clear();
        return ActionList(std::move(actions));
    }
    actions.push_back(tagged ? Action::pop_vlan() : Action::push_vlan(kTpid8021q, vlan));
    for (const VlanOutput& o : outputs) {
        if (o.tagged != tagged) actions.push_back(Action::output(o.port));
    }
    return ActionList(std::move(actions));
}

}  // namespace vs
