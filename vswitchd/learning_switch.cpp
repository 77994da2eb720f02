// LearningSwitch: decisions, megaflow masks and invalidation.
#include "vswitchd/learning_switch.hpp"

namespace vs {

namespace {

constexpr EthAddr kExactMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

}  // namespace

uint16_t LearningSwitch::vlan_of(const FlowKey& key) {
    const uint16_t tci = key.vlans[0].tci.host();
    return (tci & kVlanPresent) ? (tci & kVlanVidMask) : 0;
}

FlowMask LearningSwitch::decision_mask() {
    FlowMask mask = FlowMask::none();
    mask.in_port = ~0u;
    mask.eth_src.fill(0xff);
    mask.eth_dst.fill(0xff);
    mask.vlans[0].tci = Be16::from_host(kVlanPresent | kVlanVidMask);
    return mask;
}

bool LearningSwitch::handle(const Upcall& upcall, UpcallDecision& decision) {
    const FlowKey& key = upcall.key;
    const uint16_t vlan = vlan_of(key);
    const uint64_t now = dp_.now_ms();
    const LearnResult learned = table_.learn(vlan, key.eth_src, key.in_port, now);
    if (learned == LearnResult::kNew || learned == LearnResult::kMoved) {
        invalidate_flows_to(vlan, key.eth_src);
    }
    decision.mask = decision_mask();
    decision.install = true;
    std::optional<uint32_t> out;
    if (!MacTable::is_multicast(key.eth_dst)) out = table_.lookup(vlan, key.eth_dst, now);
    if (!out) {
        ++floods_;
        decision.actions = flood_actions(key.in_port);
    } else if (*out == key.in_port) {
        decision.actions = ActionList{};  // the destination is where it came from: drop
    } else {
        decision.actions = ActionList{Action::output(*out)};
    }
    return true;
}

ActionList LearningSwitch::flood_actions(uint32_t in_port) const {
    if (!flood_ports_) return ActionList{Action::flood()};
    std::vector<Action> outputs;
    for (uint32_t port : *flood_ports_) {
        if (port != in_port) outputs.push_back(Action::output(port));
    }
    return ActionList(std::move(outputs));
}

void LearningSwitch::invalidate_flows_to(uint16_t vlan, const EthAddr& mac) {
    dp_.delete_flows([&](const FlowView& f) {
        return f.mask.eth_dst == kExactMac && f.key.eth_dst == mac && vlan_of(f.key) == vlan;
    });
}

void LearningSwitch::run_aging() {
    dp_.visit_flows([&](const FlowView& f) {
        if (f.used_ms != 0 && f.mask.eth_src == kExactMac) {
            table_.touch(vlan_of(f.key), f.key.eth_src, f.key.in_port, f.used_ms);
        }
    });
    for (const MacEntry& e : table_.expire(dp_.now_ms()))
        invalidate_flows_to(e.vlan, e.mac);
}

void LearningSwitch::port_removed(uint32_t port_no) {
    for (const MacEntry& e : table_.forget_port(port_no))
        invalidate_flows_to(e.vlan, e.mac);
}

}  // namespace vs
