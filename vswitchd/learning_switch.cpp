// LearningSwitch: decisions, megaflow masks and invalidation.
#include "vswitchd/learning_switch.hpp"

#include <algorithm>

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

std::optional<uint16_t> LearningSwitch::input_vlan(const FlowKey& key) const {
    if (is_mirror_output(key.in_port)) return std::nullopt;
    return port_vlan(key.in_port).input_vlan(key.vlans[0].tci.host());
}

const PortVlan& LearningSwitch::port_vlan(uint32_t port) const {
    static const PortVlan trunk_of_all;  // a port without settings
    auto it = port_vlans_.find(port);
    return it == port_vlans_.end() ? trunk_of_all : it->second;
}

bool LearningSwitch::is_mirror_output(uint32_t port) const {
    return std::any_of(mirrors_.begin(), mirrors_.end(),
                       [&](const Mirror& m) { return m.out_port != 0 && m.out_port == port; });
}

void LearningSwitch::update_simple() {
    simple_ = mirrors_.empty() && std::all_of(port_vlans_.begin(), port_vlans_.end(),
                                              [](const auto& p) { return p.second.is_default(); });
}

bool LearningSwitch::handle(const Upcall& upcall, UpcallDecision& decision) {
    const FlowKey& key = upcall.key;
    decision.mask = decision_mask();
    decision.install = true;
    const std::optional<uint16_t> in_vlan = input_vlan(key);
    if (!in_vlan) {
        ++vlan_drops_;
        decision.actions = ActionList{};
        return true;
    }
    const uint16_t vlan = *in_vlan;
    const uint64_t now = dp_.now_ms();
    std::optional<MacEntry> evicted;
    const LearnResult learned = table_.learn(vlan, key.eth_src, key.in_port, now, &evicted);
    if (learned == LearnResult::kNew || learned == LearnResult::kMoved) {
        invalidate_flows_to(vlan, key.eth_src);
    }
    // Flows from an evicted MAC would keep it from being learned again (its packets no longer
    // come up), and flows to it are now wrong: both go.
    if (evicted) invalidate_flows_of(evicted->vlan, evicted->mac);
    std::optional<uint32_t> out;
    if (!MacTable::is_multicast(key.eth_dst)) out = table_.lookup(vlan, key.eth_dst, now);
    if (!out) ++floods_;
    if (!out && simple_ && !flood_ports_) {
        decision.actions = ActionList{Action::flood()};
        return true;
    }
    std::vector<uint32_t> outputs;
    if (!out) {
        outputs = flood_outputs(key.in_port, vlan);
    } else if (*out != key.in_port && port_vlan(*out).carries(vlan) && !is_mirror_output(*out)) {
        outputs.push_back(*out);
    }  // else the destination is where it came from (or off its VLAN now): drop
    add_mirror_outputs(key.in_port, vlan, outputs);
    std::vector<VlanOutput> encoded;
    encoded.reserve(outputs.size());
    for (uint32_t port : outputs)
        encoded.push_back({port, port_vlan(port).output_tagged(vlan)});
    decision.actions = vlan_output_actions(key.vlans[0].tci.host(), vlan, encoded);
    return true;
}

std::vector<uint32_t> LearningSwitch::flood_outputs(uint32_t in_port, uint16_t vlan) const {
    std::vector<uint32_t> ports;
    if (flood_ports_) {
        ports = *flood_ports_;
    } else {
        for (const auto& [port, v] : port_vlans_)
            ports.push_back(port);
    }
    std::erase_if(ports, [&](uint32_t p) {
        return p == in_port || !port_vlan(p).carries(vlan) || is_mirror_output(p);
    });
    return ports;
}

// One copy per mirror whose output port is not already getting the packet.
void LearningSwitch::add_mirror_outputs(uint32_t in_port, uint16_t vlan,
                                        std::vector<uint32_t>& outputs) const {
    const std::vector<uint32_t> selected_by = outputs;
    for (const Mirror& m : mirrors_) {
        if (m.out_port == 0 || m.out_port == in_port) continue;
        if (std::find(outputs.begin(), outputs.end(), m.out_port) != outputs.end()) continue;
        if (m.selects(in_port, selected_by, vlan)) outputs.push_back(m.out_port);
    }
}

void LearningSwitch::invalidate_flows_to(uint16_t vlan, const EthAddr& mac) {
    dp_.delete_flows([&](const FlowView& f) {
        return f.mask.eth_dst == kExactMac && f.key.eth_dst == mac && input_vlan(f.key) == vlan;
    });
}

void LearningSwitch::invalidate_flows_of(uint16_t vlan, const EthAddr& mac) {
    dp_.delete_flows([&](const FlowView& f) {
        const bool to = f.mask.eth_dst == kExactMac && f.key.eth_dst == mac;
        const bool from = f.mask.eth_src == kExactMac && f.key.eth_src == mac;
        return (to || from) && input_vlan(f.key) == vlan;
    });
}

void LearningSwitch::run_aging() {
    dp_.visit_flows([&](const FlowView& f) {
        if (f.used_ms == 0 || f.mask.eth_src != kExactMac) return;
        if (auto vlan = input_vlan(f.key))
            table_.touch(*vlan, f.key.eth_src, f.key.in_port, f.used_ms);
    });
    for (const MacEntry& e : table_.expire(dp_.now_ms()))
        invalidate_flows_to(e.vlan, e.mac);
}

void LearningSwitch::set_mac_limits(size_t max_entries, uint64_t aging_ms) {
    if (max_entries == table_.max_entries() && aging_ms == table_.aging_ms()) return;
    // Flows from an evicted MAC would keep it from being learned again (their packets never
    // come up), and flows to it are wrong: a rare change, so every flow goes.
    if (!table_.set_limits(max_entries, aging_ms).empty()) dp_.flush_flows();
}

void LearningSwitch::port_removed(uint32_t port_no) {
    for (const MacEntry& e : table_.forget_port(port_no))
        invalidate_flows_to(e.vlan, e.mac);
}

}  // namespace vs
