// FlowTables: FLOW_MOD semantics of OpenFlow 1.3.5 section 6.4.
#include "vswitchd/ofproto/flow_tables.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>

namespace vs {

namespace {

using Cmd = of13::FlowModCommand;

openflow::SpecError flow_mod_failed(of13::FlowModFailedCode code) {
    return {static_cast<uint16_t>(of13::ErrorType::kFlowModFailed), static_cast<uint16_t>(code)};
}
openflow::SpecError bad_instruction(of13::BadInstructionCode code) {
    return {static_cast<uint16_t>(of13::ErrorType::kBadInstruction), static_cast<uint16_t>(code)};
}
openflow::SpecError bad_action(of13::BadActionCode code) {
    return {static_cast<uint16_t>(of13::ErrorType::kBadAction), static_cast<uint16_t>(code)};
}

std::optional<openflow::SpecError> check_actions(const std::vector<of13::Action>& actions,
                                                 const GroupExists& group_exists) {
    for (const of13::Action& a : actions) {
        if (const auto* g = std::get_if<of13::ActionGroup>(&a)) {
            if (!group_exists || !group_exists(g->group_id)) {
                return bad_action(of13::BadActionCode::kBadOutGroup);
            }
            continue;
        }
        if (const auto* out = std::get_if<of13::ActionOutput>(&a)) {
            if (out->port == 0 ||
                (out->port > of13::port_no::kMax && out->port < of13::port_no::kInPort) ||
                out->port == of13::port_no::kAny) {
                return bad_action(of13::BadActionCode::kBadOutPort);
            }
            continue;
        }
        if (const auto* set = std::get_if<of13::ActionSetField>(&a)) {
            using F = of13::OxmField;
            // Not eth_type or ip_proto (as Open vSwitch: they would change how the rest of the
            // packet parses), nor the IPv6 extension-header field.
            static constexpr F kSettable[] = {
                F::kEthDst,     F::kEthSrc,       F::kVlanVid,   F::kVlanPcp,    F::kIpDscp,
                F::kIpEcn,      F::kIpv4Src,      F::kIpv4Dst,   F::kTcpSrc,     F::kTcpDst,
                F::kUdpSrc,     F::kUdpDst,       F::kSctpSrc,   F::kSctpDst,    F::kIcmpv4Type,
                F::kIcmpv4Code, F::kArpOp,        F::kArpSpa,    F::kArpTpa,     F::kArpSha,
                F::kArpTha,     F::kIpv6Src,      F::kIpv6Dst,   F::kIpv6Flabel, F::kIcmpv6Type,
                F::kIcmpv6Code, F::kIpv6NdTarget, F::kIpv6NdSll, F::kIpv6NdTll,  F::kTunnelId,
                F::kMplsLabel,  F::kMplsTc,       F::kMplsBos,   F::kPbbIsid};
            const bool ok = set->field.oxm_class == of13::kOxmClassBasic && !set->field.has_mask &&
                            std::any_of(std::begin(kSettable), std::end(kSettable),
                                        [&](F f) { return set->field.is(f); });
            if (!ok) return bad_action(of13::BadActionCode::kBadSetType);
            continue;
        }
        if (const auto* push = std::get_if<of13::ActionPushMpls>(&a)) {
            if (push->ethertype != 0x8847 && push->ethertype != 0x8848) {
                return bad_action(of13::BadActionCode::kBadArgument);
            }
            continue;
        }
        if (const auto* push = std::get_if<of13::ActionPushPbb>(&a)) {
            if (push->ethertype != 0x88e7) return bad_action(of13::BadActionCode::kBadArgument);
            continue;
        }
        const bool supported = std::holds_alternative<of13::ActionPushVlan>(a) ||
                               std::holds_alternative<of13::ActionPopPbb>(a) ||
                               std::holds_alternative<of13::ActionPopMpls>(a) ||
                               std::holds_alternative<of13::ActionSetMplsTtl>(a) ||
                               std::holds_alternative<of13::ActionDecMplsTtl>(a) ||
                               std::holds_alternative<of13::ActionCopyTtlOut>(a) ||
                               std::holds_alternative<of13::ActionCopyTtlIn>(a) ||
                               std::holds_alternative<of13::ActionPopVlan>(a) ||
                               std::holds_alternative<of13::ActionDecNwTtl>(a) ||
                               std::holds_alternative<of13::ActionSetNwTtl>(a) ||
                               std::holds_alternative<of13::ActionSetQueue>(a);
        if (!supported) return bad_action(of13::BadActionCode::kBadType);
    }
    return std::nullopt;
}

}  // namespace

std::optional<openflow::SpecError> check_instructions(const std::vector<of13::Instruction>& ins,
                                                      uint8_t table_id,
                                                      const GroupExists& group_exists,
                                                      const MeterExists& meter_exists) {
    for (const of13::Instruction& i : ins) {
        if (const auto* go = std::get_if<of13::InstructionGotoTable>(&i)) {
            if (go->table_id <= table_id || go->table_id >= FlowTables::kNumTables) {
                return bad_instruction(of13::BadInstructionCode::kBadTableId);
            }
        } else if (const auto* apply = std::get_if<of13::InstructionApplyActions>(&i)) {
            if (auto e = check_actions(apply->actions, group_exists)) return e;
        } else if (const auto* write = std::get_if<of13::InstructionWriteActions>(&i)) {
            if (auto e = check_actions(write->actions, group_exists)) return e;
        } else if (const auto* meter = std::get_if<of13::InstructionMeter>(&i)) {
            if (!meter_exists) return bad_instruction(of13::BadInstructionCode::kUnsupInst);
            if (!meter_exists(meter->meter_id)) {
                return openflow::SpecError{
                    static_cast<uint16_t>(of13::ErrorType::kMeterModFailed),
                    static_cast<uint16_t>(of13::MeterModFailedCode::kUnknownMeter)};
            }
        } else if (!std::holds_alternative<of13::InstructionClearActions>(i) &&
                   !std::holds_alternative<of13::InstructionWriteMetadata>(i)) {
            return bad_instruction(of13::BadInstructionCode::kUnsupInst);  // experimenter
        }
    }
    return std::nullopt;
}

std::optional<uint32_t> rule_meter(const OfRule& rule) {
    for (const of13::Instruction& i : rule.instructions) {
        if (const auto* meter = std::get_if<of13::InstructionMeter>(&i)) return meter->meter_id;
    }
    return std::nullopt;
}

bool rule_outputs_to(const OfRule& rule, uint32_t port) {
    if (port == of13::port_no::kAny) return true;
    auto has = [&](const std::vector<of13::Action>& actions) {
        return std::any_of(actions.begin(), actions.end(), [&](const of13::Action& a) {
            const auto* out = std::get_if<of13::ActionOutput>(&a);
            return out && out->port == port;
        });
    };
    for (const of13::Instruction& i : rule.instructions) {
        if (const auto* apply = std::get_if<of13::InstructionApplyActions>(&i)) {
            if (has(apply->actions)) return true;
        } else if (const auto* write = std::get_if<of13::InstructionWriteActions>(&i)) {
            if (has(write->actions)) return true;
        }
    }
    return false;
}

namespace {

// A masked key (with its masked metadata) as a tuple-space subtable hashes it: 64 bits rather
// than byte-string keys, so a flow-mod or a lookup allocates nothing for its key (the strings
// were a third of a flow-mod stream's time). Equal hashes are told apart by the rules.
uint64_t masked_key_hash(const FlowKey& masked, uint64_t metadata) {
    return key_words_hash64(masked, metadata * 0x9e3779b97f4a7c15ULL + 1);
}

}  // namespace

FlowTables::FlowTables()
    : tables_(kNumTables), lookups_(kNumTables), matches_(kNumTables), subtables_(kNumTables) {
    auto normal = std::make_shared<OfRule>();
    of13::InstructionApplyActions apply;  // (built step by step: GCC 12 warns otherwise)
    apply.actions.emplace_back(of13::ActionOutput{of13::port_no::kNormal, 0});
    normal->instructions.emplace_back(std::move(apply));
    link(normal);
    tables_[0].push_back(std::move(normal));
}

namespace {

// A rule's match as its subtable keys it: the key (already masked) and the masked metadata.
uint64_t rule_subtable_hash(const OfMatch& m) {
    return masked_key_hash(m.key, m.metadata & m.metadata_mask);
}

}  // namespace

void FlowTables::sort_subtables(std::vector<Subtable>& subs) {
    std::stable_sort(subs.begin(), subs.end(), [](const Subtable& a, const Subtable& b) {
        return a.max_priority > b.max_priority;
    });
}

std::vector<FlowTables::Subtable>::iterator FlowTables::subtable_of(uint8_t table,
                                                                    const OfMatch& match) {
    auto& subs = subtables_[table];
    return std::find_if(subs.begin(), subs.end(), [&](const Subtable& st) {
        return st.mask == match.mask && st.metadata_mask == match.metadata_mask;
    });
}

namespace {

// The length of a contiguous prefix mask (host order), or 0 for none or another mask.
uint8_t prefix_len(uint32_t mask) {
    const int len = std::countl_one(mask);
    return len > 0 && (len == 32 || (mask << len) == 0) ? static_cast<uint8_t>(len) : 0;
}

uint32_t prefix_mask(uint8_t len) {
    return len == 0 ? 0 : ~uint32_t{0} << (32 - len);
}

}  // namespace

void FlowTables::PrefixIndex::add(uint32_t address) {
    if (len != 0 && ++counts_[address] == 1) stale_ = true;
}

void FlowTables::PrefixIndex::remove(uint32_t address) {
    if (len == 0) return;
    auto it = counts_.find(address);
    if (it == counts_.end()) return;
    if (--it.value() == 0) {
        counts_.erase(it);
        stale_ = true;
    }
}

uint8_t FlowTables::PrefixIndex::distinguishing_bits(uint32_t address) const {
    if (len == 0) return 0;
    if (stale_) {
        if (++misses_while_stale_ * 8 < counts_.size()) return len;
        sorted_.clear();
        for (const auto& [a, n] : counts_)
            sorted_.push_back(a);
        std::sort(sorted_.begin(), sorted_.end());
        stale_ = false;
        misses_while_stale_ = 0;
    }
    const uint32_t v = address & prefix_mask(len);
    // The longest common prefix with any indexed value is with one of v's sorted neighbours.
    int common = -1;
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), v);
    if (it != sorted_.end()) common = std::max(common, std::countl_zero(*it ^ v));
    if (it != sorted_.begin()) common = std::max(common, std::countl_zero(*std::prev(it) ^ v));
    return static_cast<uint8_t>(std::min<int>(len, common + 1));
}

void FlowTables::link(const RulePtr& rule) {
    auto& subs = subtables_[rule->table_id];
    auto st = subtable_of(rule->table_id, rule->match);
    if (st == subs.end()) {
        Subtable fresh{rule->match.mask, rule->match.metadata_mask, rule->priority, {}, {}, {}, {}};
        fresh.nw_src.len = prefix_len(fresh.mask.nw_src.host());
        fresh.nw_dst.len = prefix_len(fresh.mask.nw_dst.host());
        subs.push_back(std::move(fresh));
        st = subs.end() - 1;
    }
    ++st->priorities[rule->priority];
    st->nw_src.add(rule->match.key.nw_src.host());
    st->nw_dst.add(rule->match.key.nw_dst.host());
    auto& bucket = st->rules[rule_subtable_hash(rule->match)];
    bucket.insert(
        std::partition_point(bucket.begin(), bucket.end(),
                             [&](const RulePtr& r) { return r->priority >= rule->priority; }),
        rule);
    if (st->priorities.size() == 1 || rule->priority > st->max_priority) {
        st->max_priority = std::max(st->max_priority, rule->priority);
        sort_subtables(subs);
    }
}

void FlowTables::unlink(const OfRule& rule) {
    auto& subs = subtables_[rule.table_id];
    auto st = subtable_of(rule.table_id, rule.match);
    if (st == subs.end()) return;
    st->nw_src.remove(rule.match.key.nw_src.host());
    st->nw_dst.remove(rule.match.key.nw_dst.host());
    if (auto b = st->rules.find(rule_subtable_hash(rule.match)); b != st->rules.end()) {
        auto& list = b.value();
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&](const RulePtr& r) { return r.get() == &rule; }),
                   list.end());
        if (b->second.empty()) st->rules.erase(b);
    }
    auto p = st->priorities.find(rule.priority);
    if (p == st->priorities.end() || --p->second > 0) return;
    st->priorities.erase(p);
    if (st->priorities.empty()) {
        subs.erase(st);
    } else if (st->priorities.rbegin()->first != st->max_priority) {
        st->max_priority = st->priorities.rbegin()->first;
        sort_subtables(subs);
    }
}

void FlowTables::relink(const RulePtr& old_rule, const RulePtr& new_rule) {
    if (RulePtr* slot = indexed(old_rule->table_id, old_rule->priority, old_rule->match))
        *slot = new_rule;
}

RulePtr* FlowTables::indexed(uint8_t table, uint16_t priority, const OfMatch& match) {
    auto st = subtable_of(table, match);
    if (st == subtables_[table].end()) return nullptr;
    auto bucket = st->rules.find(rule_subtable_hash(match));
    if (bucket == st->rules.end()) return nullptr;
    for (RulePtr& r : bucket.value()) {
        if (r->priority == priority && r->match == match) return &r;
    }
    return nullptr;
}

bool FlowTables::selected(const OfRule& rule, const RuleFilter& filter) const {
    return (filter.table_id == 0xff || rule.table_id == filter.table_id) &&
           (rule.cookie & filter.cookie_mask) == (filter.cookie & filter.cookie_mask) &&
           filter.match.covers(rule.match) && rule_outputs_to(rule, filter.out_port);
}

std::optional<openflow::SpecError> FlowTables::flow_mod(const of13::FlowMod& fm,
                                                        const OfMatch& match, uint64_t now_ms,
                                                        std::vector<RemovedRule>* removed) {
    const bool strict = fm.command == Cmd::kModifyStrict || fm.command == Cmd::kDeleteStrict;
    const bool all_tables = fm.table_id == 0xff;
    if (fm.table_id >= kNumTables &&
        !(all_tables && (fm.command == Cmd::kDelete || fm.command == Cmd::kDeleteStrict))) {
        return flow_mod_failed(of13::FlowModFailedCode::kBadTableId);
    }
    if (fm.command == Cmd::kAdd || fm.command == Cmd::kModify || fm.command == Cmd::kModifyStrict) {
        if (auto e = check_instructions(fm.instructions, fm.table_id, group_exists_, meter_exists_))
            return e;
    }
    auto same_rule = [&](const OfRule& r) { return r.priority == fm.priority && r.match == match; };
    switch (fm.command) {
        case Cmd::kAdd: {
            auto& table = tables_[fm.table_id];
            if (fm.flags & of13::flow_mod_flags::kCheckOverlap) {
                // Overlap: same priority and some packet could match both.
                for (const RulePtr& r : table) {
                    if (r->priority != fm.priority) continue;
                    bool disjoint = false;
                    for (size_t w = 0; w < FlowKey::kWords && !disjoint; ++w) {
                        const uint64_t both = r->match.mask.words()[w] & match.mask.words()[w];
                        disjoint =
                            (r->match.key.words()[w] & both) != (match.key.words()[w] & both);
                    }
                    if (!disjoint) return flow_mod_failed(of13::FlowModFailedCode::kOverlap);
                }
            }
            auto rule = std::make_shared<OfRule>();
            rule->table_id = fm.table_id;
            rule->priority = fm.priority;
            rule->match = match;
            rule->cookie = fm.cookie;
            rule->idle_timeout = fm.idle_timeout;
            rule->hard_timeout = fm.hard_timeout;
            rule->flags = fm.flags;
            rule->instructions = fm.instructions;
            rule->created_ms = now_ms;
            if (RulePtr* same = indexed(fm.table_id, fm.priority, match)) {
                // An identical rule is replaced; its counters carry over unless RESET_COUNTS.
                if (!(fm.flags & of13::flow_mod_flags::kResetCounts)) {
                    rule->packets = (*same)->packets;
                    rule->bytes = (*same)->bytes;
                }
                const RulePtr old = *same;
                relink(old, rule);
                *std::find(table.begin(), table.end(), old) = std::move(rule);
            } else {
                // After the rules of the same priority (sorted highest first).
                auto pos = std::partition_point(table.begin(), table.end(), [&](const RulePtr& r) {
                    return r->priority >= fm.priority;
                });
                link(rule);
                table.insert(pos, std::move(rule));
            }
            break;
        }
        case Cmd::kModify:
        case Cmd::kModifyStrict: {
            RuleFilter filter{fm.table_id, match, of13::port_no::kAny, fm.cookie, fm.cookie_mask};
            for (auto& table : tables_) {
                for (RulePtr& r : table) {
                    if (!(strict ? same_rule(*r) && r->table_id == fm.table_id
                                 : selected(*r, filter))) {
                        continue;
                    }
                    auto changed = std::make_shared<OfRule>(*r);
                    changed->instructions = fm.instructions;
                    if (fm.flags & of13::flow_mod_flags::kResetCounts)
                        changed->packets = changed->bytes = 0;
                    relink(r, changed);
                    r = std::move(changed);
                }
            }
            break;
        }
        case Cmd::kDelete:
        case Cmd::kDeleteStrict: {
            RuleFilter filter{fm.table_id, match, fm.out_port, fm.cookie, fm.cookie_mask};
            for (auto& table : tables_) {
                std::erase_if(table, [&](const RulePtr& r) {
                    const bool gone =
                        strict ? (all_tables || r->table_id == fm.table_id) && same_rule(*r) &&
                                     rule_outputs_to(*r, fm.out_port) &&
                                     (r->cookie & fm.cookie_mask) == (fm.cookie & fm.cookie_mask)
                               : selected(*r, filter);
                    if (gone) unlink(*r);
                    if (gone && removed) removed->push_back({r, RemovalReason::kDelete});
                    return gone;
                });
            }
            break;
        }
        default:
            return flow_mod_failed(of13::FlowModFailedCode::kBadCommand);
    }
    ++version_;
    return std::nullopt;
}

// A miss in `st` is proven by the packet's address bits that set it apart from every rule's in
// one indexed field (the one that takes fewer bits); the rest of the subtable's mask stays.
void FlowTables::narrow_to_prefix(const Subtable& st, const FlowKey& key, FlowMask& examined) {
    const uint8_t src = st.nw_src.distinguishing_bits(key.nw_src.host());
    const uint8_t dst = st.nw_dst.distinguishing_bits(key.nw_dst.host());
    if (dst != 0 && (src == 0 || dst <= src)) {
        examined.nw_dst = Be32::from_host(prefix_mask(dst));
    } else if (src != 0) {
        examined.nw_src = Be32::from_host(prefix_mask(src));
    }
}

RulePtr FlowTables::lookup(uint8_t table, const FlowKey& key, uint64_t metadata, FlowMask& looked,
                           uint64_t& metadata_looked) const {
    ++lookups_[table];
    const RulePtr* best = nullptr;  // copied once at the end: no atomic count per candidate
    for (const Subtable& st : subtables_[table]) {
        if (best && st.max_priority <= (*best)->priority) break;  // nothing here can win
        metadata_looked |= st.metadata_mask;
        const FlowKey masked = apply_mask(key, st.mask);
        const uint64_t masked_metadata = metadata & st.metadata_mask;
        const RulePtr* found = nullptr;
        if (auto it = st.rules.find(masked_key_hash(masked, masked_metadata));
            it != st.rules.end()) {
            for (const RulePtr& candidate : it->second) {  // highest priority first
                if (candidate->match.key == masked &&
                    (candidate->match.metadata & candidate->match.metadata_mask) ==
                        masked_metadata) {
                    found = &candidate;
                    break;
                }
            }
        }
        FlowMask examined = st.mask;
        if (found == nullptr) narrow_to_prefix(st, key, examined);
        for (size_t w = 0; w < FlowKey::kWords; ++w)
            looked.words()[w] |= examined.words()[w];
        if (found && (!best || (*found)->priority > (*best)->priority)) best = found;
    }
    if (!best) return nullptr;
    ++matches_[table];
    return *best;
}

void FlowTables::remove_group_users(uint32_t group_id, std::vector<RemovedRule>& removed) {
    auto uses = [&](const std::vector<of13::Action>& actions) {
        return std::any_of(actions.begin(), actions.end(), [&](const of13::Action& a) {
            const auto* g = std::get_if<of13::ActionGroup>(&a);
            return g && g->group_id == group_id;
        });
    };
    for (auto& table : tables_) {
        std::erase_if(table, [&](const RulePtr& r) {
            for (const of13::Instruction& i : r->instructions) {
                const auto* apply = std::get_if<of13::InstructionApplyActions>(&i);
                const auto* write = std::get_if<of13::InstructionWriteActions>(&i);
                if ((apply && uses(apply->actions)) || (write && uses(write->actions))) {
                    unlink(*r);
                    removed.push_back({r, RemovalReason::kGroupDelete});
                    return true;
                }
            }
            return false;
        });
    }
    ++version_;
}

void FlowTables::remove_meter_users(uint32_t meter_id, std::vector<RemovedRule>& removed) {
    for (auto& table : tables_) {
        std::erase_if(table, [&](const RulePtr& r) {
            if (rule_meter(*r) != meter_id) return false;
            unlink(*r);
            removed.push_back({r, RemovalReason::kDelete});  // 1.3 has no METER_DELETE reason
            return true;
        });
    }
    ++version_;
}

std::vector<RemovedRule> FlowTables::expire(uint64_t now_ms) {
    std::vector<RemovedRule> out;
    for (auto& table : tables_) {
        std::erase_if(table, [&](const RulePtr& r) {
            const uint64_t last = std::max(r->used_ms, r->created_ms);
            if (r->hard_timeout && now_ms - r->created_ms >= r->hard_timeout * 1000ULL) {
                unlink(*r);
                out.push_back({r, RemovalReason::kHardTimeout});
                return true;
            }
            if (r->idle_timeout && now_ms - last >= r->idle_timeout * 1000ULL) {
                unlink(*r);
                out.push_back({r, RemovalReason::kIdleTimeout});
                return true;
            }
            return false;
        });
    }
    if (!out.empty()) ++version_;
    return out;
}

void FlowTables::for_each(const RuleFilter& filter,
                          const std::function<void(const RulePtr&)>& fn) const {
    for (const auto& table : tables_) {
        for (const RulePtr& r : table) {
            if (selected(*r, filter)) fn(r);
        }
    }
}

size_t FlowTables::size() const {
    size_t n = 0;
    for (const auto& t : tables_)
        n += t.size();
    return n;
}

}  // namespace vs
