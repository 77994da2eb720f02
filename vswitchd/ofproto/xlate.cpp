// xlate: the OpenFlow 1.3 pipeline (section 5) over one packet's key.
#include "vswitchd/ofproto/xlate.hpp"

#include <algorithm>

namespace vs {

namespace {

using of13::OxmField;

struct Run {
    const XlateEnv& env;
    const Upcall& upcall;
    UpcallDecision& decision;
    XlateResult& result;
    FlowKey key;  // as the actions so far left the packet
    uint64_t metadata = 0;
    uint64_t metadata_looked = 0;
    std::vector<Action> actions;
    bool normal_failed = false;

    void output(uint32_t dp_port) {
        if (dp_port != key.in_port) actions.push_back(Action::output(dp_port));
    }

    void normal() {
        UpcallDecision sub;
        const Upcall as_modified{key, upcall.reason, upcall.pmd, upcall.packet};
        if (!env.normal(as_modified, sub)) {
            normal_failed = true;
            return;
        }
        for (const Action& a : sub.actions)
            actions.push_back(a);
        for (size_t w = 0; w < FlowKey::kWords; ++w)
            decision.mask.words()[w] |= sub.mask.words()[w];
        decision.install = decision.install && sub.install;
    }

    void do_output(const of13::ActionOutput& out, uint8_t table, const OfRule& rule) {
        namespace port = of13::port_no;
        switch (out.port) {
            case port::kNormal:
                normal();
                break;
            case port::kFlood:
            case port::kAll:
                for (uint32_t p : env.bridge_ports)
                    output(p);
                break;
            case port::kInPort:
                actions.push_back(Action::output(key.in_port));
                break;
            case port::kLocal:
                if (env.local_port) output(*env.local_port);
                break;
            case port::kController:
                result.to_controller = true;
                result.controller_max_len = out.max_len;
                result.controller_table = table;
                result.controller_cookie = rule.cookie;
                decision.install = false;  // every such packet must reach the control thread
                break;
            default:
                if (auto dp = env.ports.to_datapath(out.port)) output(*dp);
        }
    }

    void set_field(const of13::Oxm& f) {
        const uint64_t v = f.value.size() <= 8 ? f.value_uint() : 0;
        EthAddr mac{};
        if (f.value.size() == 6) std::copy(f.value.begin(), f.value.end(), mac.begin());
        if (f.is(OxmField::kEthDst)) {
            actions.push_back(Action::set_eth_dst(mac));
            key.eth_dst = mac;
        } else if (f.is(OxmField::kEthSrc)) {
            actions.push_back(Action::set_eth_src(mac));
            key.eth_src = mac;
        } else if (f.is(OxmField::kVlanVid)) {
            actions.push_back(Action::set_vlan_vid(static_cast<uint16_t>(v & kVlanVidMask)));
            const uint16_t tci = key.vlans[0].tci.host();
            if (tci & kVlanPresent) {
                key.vlans[0].tci = Be16::from_host(
                    static_cast<uint16_t>((tci & ~kVlanVidMask) | (v & kVlanVidMask)));
            }
        } else if (f.is(OxmField::kVlanPcp)) {
            actions.push_back(Action::set_vlan_pcp(static_cast<uint8_t>(v & 7)));
        } else if (f.is(OxmField::kIpDscp)) {
            actions.push_back(Action::set_dscp(static_cast<uint8_t>(v & 0x3f)));
        } else if (f.is(OxmField::kIpv4Src)) {
            actions.push_back(Action::set_ipv4_src(Be32::from_host(static_cast<uint32_t>(v))));
            key.nw_src = Be32::from_host(static_cast<uint32_t>(v));
        } else if (f.is(OxmField::kIpv4Dst)) {
            actions.push_back(Action::set_ipv4_dst(Be32::from_host(static_cast<uint32_t>(v))));
            key.nw_dst = Be32::from_host(static_cast<uint32_t>(v));
        } else if (f.is(OxmField::kTcpSrc) || f.is(OxmField::kUdpSrc)) {
            actions.push_back(Action::set_tp_src(static_cast<uint16_t>(v), key.nw_proto));
            key.tp_src = Be16::from_host(static_cast<uint16_t>(v));
        } else if (f.is(OxmField::kTcpDst) || f.is(OxmField::kUdpDst)) {
            actions.push_back(Action::set_tp_dst(static_cast<uint16_t>(v), key.nw_proto));
            key.tp_dst = Be16::from_host(static_cast<uint16_t>(v));
        }
    }

    void apply(const of13::Action& a, uint8_t table, const OfRule& rule) {
        if (const auto* out = std::get_if<of13::ActionOutput>(&a)) {
            do_output(*out, table, rule);
        } else if (const auto* set = std::get_if<of13::ActionSetField>(&a)) {
            set_field(set->field);
        } else if (const auto* push = std::get_if<of13::ActionPushVlan>(&a)) {
            // The new tag copies the outer tag's VID and PCP when there is one (section 7.2.5).
            decision.mask.vlans[0].tci = Be16::from_host(0xffff);
            const uint16_t outer = key.vlans[0].tci.host();
            const uint16_t tci = (outer & kVlanPresent) ? outer : kVlanPresent;
            actions.push_back(Action::push_vlan(push->ethertype, tci));
            key.vlans[1] = key.vlans[0];
            key.vlans[0] = {Be16::from_host(push->ethertype), Be16::from_host(tci)};
        } else if (std::holds_alternative<of13::ActionPopVlan>(a)) {
            decision.mask.vlans[0].tci = Be16::from_host(0xffff);
            actions.push_back(Action::pop_vlan());
            key.vlans[0] = key.vlans[1];
            key.vlans[1] = {};
        } else if (std::holds_alternative<of13::ActionDecNwTtl>(a)) {
            actions.push_back(Action::dec_ttl());
        }
    }

    // The action set, in the order section 5.10 gives (the kinds supported here).
    void execute_set(const std::vector<of13::Action>& set, uint8_t table, const OfRule& rule) {
        auto run_kind = [&](auto pred) {
            for (const of13::Action& a : set) {
                if (pred(a)) apply(a, table, rule);
            }
        };
        run_kind(
            [](const of13::Action& a) { return std::holds_alternative<of13::ActionPopVlan>(a); });
        run_kind(
            [](const of13::Action& a) { return std::holds_alternative<of13::ActionPushVlan>(a); });
        run_kind(
            [](const of13::Action& a) { return std::holds_alternative<of13::ActionDecNwTtl>(a); });
        run_kind(
            [](const of13::Action& a) { return std::holds_alternative<of13::ActionSetField>(a); });
        run_kind(
            [](const of13::Action& a) { return std::holds_alternative<of13::ActionOutput>(a); });
    }

    bool go() {
        run_tables();
        decision.actions = ActionList(std::move(actions));
        return !normal_failed;
    }

    bool go_packet_out(const std::vector<of13::Action>& list) {
        static const OfRule kNoRule;
        for (const of13::Action& a : list) {
            const auto* out = std::get_if<of13::ActionOutput>(&a);
            if (out && out->port == of13::port_no::kTable) {
                run_tables();
            } else {
                apply(a, 0, kNoRule);
            }
        }
        decision.actions = ActionList(std::move(actions));
        return !normal_failed;
    }

    void run_tables() {
        decision.mask.in_port = 0xffffffff;
        std::vector<of13::Action> action_set;
        const OfRule* last = nullptr;
        uint8_t last_table = 0;
        for (std::optional<uint8_t> table = 0; table;) {
            const uint8_t t = *table;
            table.reset();
            RulePtr rule = env.tables.lookup(t, key, metadata, decision.mask, metadata_looked);
            if (!rule) break;  // table miss: drop
            result.rules.push_back(rule);
            last = rule.get();
            last_table = t;
            for (const of13::Instruction& ins : rule->instructions) {
                if (const auto* apply_ins = std::get_if<of13::InstructionApplyActions>(&ins)) {
                    for (const of13::Action& a : apply_ins->actions)
                        apply(a, t, *rule);
                } else if (std::holds_alternative<of13::InstructionClearActions>(ins)) {
                    action_set.clear();
                } else if (const auto* write = std::get_if<of13::InstructionWriteActions>(&ins)) {
                    for (const of13::Action& a : write->actions) {
                        // One action of each kind: a later one replaces (set-field: per field).
                        std::erase_if(action_set, [&](const of13::Action& old) {
                            if (old.index() != a.index()) return false;
                            const auto* s1 = std::get_if<of13::ActionSetField>(&old);
                            const auto* s2 = std::get_if<of13::ActionSetField>(&a);
                            return !s1 || s1->field.field == s2->field.field;
                        });
                        action_set.push_back(a);
                    }
                } else if (const auto* md = std::get_if<of13::InstructionWriteMetadata>(&ins)) {
                    metadata = (metadata & ~md->metadata_mask) | (md->metadata & md->metadata_mask);
                } else if (const auto* go_to = std::get_if<of13::InstructionGotoTable>(&ins)) {
                    table = go_to->table_id;
                }
            }
        }
        if (last) execute_set(action_set, last_table, *last);
    }
};

}  // namespace

bool xlate_packet_out(const XlateEnv& env, const Upcall& upcall,
                      const std::vector<of13::Action>& actions, UpcallDecision& decision,
                      XlateResult& result) {
    Run run{env, upcall, decision, result, upcall.key};
    return run.go_packet_out(actions);
}

bool xlate(const XlateEnv& env, const Upcall& upcall, UpcallDecision& decision,
           XlateResult& result) {
    Run run{env, upcall, decision, result, upcall.key};
    return run.go();
}

}  // namespace vs
