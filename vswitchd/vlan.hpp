// PortVlan: a bridge port's VLAN configuration (Open vSwitch's Port tag, trunks, vlan_mode) and
// the decisions the learning switch takes from it: which VLAN a received frame belongs to,
// whether a port carries a VLAN, and how a frame of a VLAN is encoded on output.
//
// Semantics (ovs-vswitchd.conf.db(5), "VLAN Configuration"): an access port carries only `tag`,
// untagged; a tagged input with a nonzero VID is dropped. A trunk carries the VLANs in `trunks`
// (every VLAN when empty), tagged, except VLAN 0 which is untagged; untagged input is VLAN 0.
// Native-tagged/native-untagged ports are trunks whose untagged input belongs to the native VLAN
// `tag`, which they always carry; native-untagged sends that VLAN untagged. A tag with VID 0
// (priority tag) counts as no tag. An empty vlan_mode is access when `tag` is set, else trunk.
// Thread: any (plain values).
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "datapath/actions/action_list.hpp"
#include "datapath/packet/flow_key.hpp"

namespace vs {

enum class VlanMode : uint8_t { kTrunk, kAccess, kNativeTagged, kNativeUntagged };

struct PortVlan {
    VlanMode mode = VlanMode::kTrunk;
    uint16_t tag = 0;          // access VLAN, or native VLAN
    std::bitset<4096> trunks;  // meaningful when !all_trunks
    bool all_trunks = true;    // `trunks` was empty

    // From the Port row's columns: `mode` "" picks access when `tag` is set, else trunk; an
    // unknown mode is treated as the default. VIDs outside 0..4095 are ignored.
    static PortVlan from_columns(const std::string& mode, std::optional<int64_t> tag,
                                 const std::vector<int64_t>& trunks);

    bool is_default() const { return mode == VlanMode::kTrunk && all_trunks; }
    // Whether frames of `vlan` may leave (and enter) through this port.
    bool carries(uint16_t vlan) const;
    // The VLAN of a frame received with outer tag `key_tci` (host order, kVlanPresent set when
    // tagged), or nullopt when the port must drop it.
    std::optional<uint16_t> input_vlan(uint16_t key_tci) const;
    // Whether a frame of `vlan` leaves this port with an 802.1Q header.
    bool output_tagged(uint16_t vlan) const;

    friend bool operator==(const PortVlan& a, const PortVlan& b) {
        return a.mode == b.mode && a.tag == b.tag && a.all_trunks == b.all_trunks &&
               (a.all_trunks || a.trunks == b.trunks);
    }
};

const char* to_string(VlanMode mode);

// One output of a frame of VLAN `vlan`: the datapath port and whether it wants the tag.
struct VlanOutput {
    uint32_t port = 0;
    bool tagged = false;
};

// The actions sending a frame received with outer tag `key_tci` (host order) as a frame of
// `vlan` to `outputs`: outputs in the frame's current encoding first, then one push or pop, then
// the others, so that at most one tag edit (plus a pop of a priority tag) is needed. A received
// tag is kept (with its PCP) for tagged outputs when its VID is `vlan`.
ActionList vlan_output_actions(uint16_t key_tci, uint16_t vlan,
                               const std::vector<VlanOutput>& outputs);

}  // namespace vs
