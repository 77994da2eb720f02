// FlowTables: a bridge's OpenFlow tables (254 of them) holding rules in OpenFlow 1.3 terms, and
// FLOW_MOD's add / modify / modify_strict / delete / delete_strict on them. A new bridge's table
// 0 holds "priority=0 actions=NORMAL", as Open vSwitch's does, so it starts as a learning switch.
// Lookup is a priority-ordered scan that reports every rule it examined, so the caller can make
// a megaflow mask covering exactly what the decision depended on.
// Thread: the control thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tsl/robin_map.h>
#include <boost/container/small_vector.hpp>

#include "openflow/of13.hpp"
#include "vswitchd/ofproto/of_match.hpp"

namespace vs {

struct OfRule {
    uint8_t table_id = 0;
    uint16_t priority = 0;
    OfMatch match;
    uint64_t cookie = 0;
    uint16_t idle_timeout = 0, hard_timeout = 0, flags = 0;
    std::vector<of13::Instruction> instructions;
    uint64_t created_ms = 0;
    uint64_t used_ms = 0;  // last packet (0: none yet); idle timeouts count from here
    uint64_t packets = 0, bytes = 0;
};

using RulePtr = std::shared_ptr<OfRule>;

// Why a rule went (OpenFlow's FLOW_REMOVED reasons, same numbers in 1.0 and 1.3).
enum class RemovalReason : uint8_t {
    kIdleTimeout = 0,
    kHardTimeout = 1,
    kDelete = 2,
    kGroupDelete = 3
};

// Whether a group exists (actions may only name existing groups).
using GroupExists = std::function<bool(uint32_t group_id)>;
// Whether a meter exists (meter instructions may only name existing meters).
using MeterExists = std::function<bool(uint32_t meter_id)>;
struct RemovedRule {
    RulePtr rule;
    RemovalReason reason;
};

// Which rules a non-strict FLOW_MOD or a flow statistics request selects.
struct RuleFilter {
    uint8_t table_id = 0xff;         // 0xff: all tables
    OfMatch match;                   // rules at least as specific
    uint32_t out_port = 0xffffffff;  // OFPP_ANY: no restriction
    uint64_t cookie = 0, cookie_mask = 0;
};

class FlowTables {
  public:
    static constexpr uint8_t kNumTables = 254;

    FlowTables();
    // Sets the creation time of the rules there are (the default rule of a new bridge).
    void stamp(uint64_t now_ms) {
        for (auto& t : tables_) {
            for (RulePtr& r : t)
                r->created_ms = now_ms;
        }
    }

    // Applies a FLOW_MOD whose match is already converted; nullopt on success, else the ERROR
    // to send. `now_ms` stamps new rules.
    // Rules a delete removed are appended to `removed` when given.
    std::optional<openflow::SpecError> flow_mod(const of13::FlowMod& fm, const OfMatch& match,
                                                uint64_t now_ms,
                                                std::vector<RemovedRule>* removed = nullptr);
    // Removes the rules whose hard timeout passed since creation or idle timeout since their
    // last packet (or creation); returns them.
    std::vector<RemovedRule> expire(uint64_t now_ms);
    // A group was deleted: the rules that use it go too (section 6.5).
    void remove_group_users(uint32_t group_id, std::vector<RemovedRule>& removed);
    void set_group_check(GroupExists exists) { group_exists_ = std::move(exists); }
    // A meter was deleted: the rules that use it go too (section 5.7).
    void remove_meter_users(uint32_t meter_id, std::vector<RemovedRule>& removed);
    void set_meter_check(MeterExists exists) { meter_exists_ = std::move(exists); }
    // The highest-priority rule of `table` matching (key, metadata), or null. Every rule
    // examined adds its mask to `looked` / `metadata_looked`.
    RulePtr lookup(uint8_t table, const FlowKey& key, uint64_t metadata, FlowMask& looked,
                   uint64_t& metadata_looked) const;
    void for_each(const RuleFilter& filter, const std::function<void(const RulePtr&)>& fn) const;
    size_t size() const;
    size_t size(uint8_t table) const { return tables_[table].size(); }
    // Packets looked up in / matched in a table by the pipeline (those that reached the control
    // thread; cached megaflows do not look up again).
    uint64_t lookups(uint8_t table) const { return lookups_[table]; }
    uint64_t matches(uint8_t table) const { return matches_[table]; }
    // Bumped on every change: megaflows made before it may be stale.
    uint64_t version() const { return version_; }

  private:
    bool selected(const OfRule& rule, const RuleFilter& filter) const;

    std::vector<std::vector<RulePtr>> tables_;  // each sorted by priority, highest first
    // The rule with this priority and match (found through its subtable, so adding or
    // replacing a rule does not scan the table), or nullptr.
    RulePtr* indexed(uint8_t table, uint16_t priority, const OfMatch& match);
    mutable std::vector<uint64_t> lookups_, matches_;
    // Lookup structure per table, kept up to date by every change (a lazy rebuild of the
    // whole table on the next lookup made a flow-mod stream with traffic quadratic): the rules
    // grouped by mask (tuple space search), each group a hash of masked key -> rules by
    // priority, groups in order of their highest priority. A lookup probes a group with one
    // hash and stops at the first group that cannot beat the best match so far; only the
    // probed groups' masks join the megaflow mask.
    // The rules' values of an IPv4 address field (nw_src or nw_dst) that a subtable's mask
    // covers with a prefix: how a miss is proven with fewer of the packet's bits than the whole
    // prefix (Open vSwitch's prefix tracking). A packet whose address shares at most k leading
    // bits with every rule's misses them all, and so does every packet with its first k + 1 bits:
    // the megaflow needs those, not the full prefix. Without it a table of exact addresses made
    // one megaflow per address that missed it.
    class PrefixIndex {
      public:
        uint8_t len = 0;             // the prefix length; 0: not indexed (add/remove do nothing)
        void add(uint32_t address);  // a rule's masked address, host order
        void remove(uint32_t address);
        // The leading bits of `address` (host order) that set it apart from every rule's; all
        // `len` while the sorted view is out of date; 0 when not indexed. It is rebuilt once misses
        // since the last change reach an eighth of the addresses, so a stream of flow-mods pays a
        // hash update per rule and traffic pays at most an amortized share of one sort.
        uint8_t distinguishing_bits(uint32_t address) const;

      private:
        tsl::robin_map<uint32_t, uint32_t> counts_;  // address -> rules
        mutable std::vector<uint32_t> sorted_;       // counts_' addresses, valid unless stale_
        mutable bool stale_ = false;
        mutable size_t misses_while_stale_ = 0;
    };
    struct Subtable {
        FlowMask mask;
        uint64_t metadata_mask = 0;
        uint16_t max_priority = 0;
        std::map<uint16_t, uint32_t> priorities;  // rules per priority
        PrefixIndex nw_src, nw_dst;
        // Masked key hash -> rules, highest priority first (equal hashes of different keys
        // share a list; a lookup compares the keys). Open addressing with the first rule in
        // the slot: a probe is one cache line, where std::unordered_map's node chain and the
        // list's own array cost four dependent misses per lookup at 100 000 rules.
        tsl::robin_map<uint64_t, boost::container::small_vector<RulePtr, 1>> rules;
    };
    std::vector<std::vector<Subtable>> subtables_;
    static void narrow_to_prefix(const Subtable& st, const FlowKey& key, FlowMask& examined);
    std::vector<Subtable>::iterator subtable_of(uint8_t table, const OfMatch& match);
    static void sort_subtables(std::vector<Subtable>& subs);
    // Adds `rule` to the index and its subtable / takes it out / puts `new_rule` in the place of
    // `old_rule`, which has the same priority and match.
    void link(const RulePtr& rule);
    void unlink(const OfRule& rule);
    void relink(const RulePtr& old_rule, const RulePtr& new_rule);
    GroupExists group_exists_;
    MeterExists meter_exists_;
    uint64_t version_ = 0;
};

// True when `rule` has an output to `port` (OFPP_ANY: always) in its apply- or write-actions.
bool rule_outputs_to(const OfRule& rule, uint32_t port);
// The meter of `rule`'s meter instruction, if it has one.
std::optional<uint32_t> rule_meter(const OfRule& rule);
// Checks instructions and actions a FLOW_MOD may carry here; the ERROR for the first one that
// cannot be carried out.
std::optional<openflow::SpecError> check_instructions(const std::vector<of13::Instruction>& ins,
                                                      uint8_t table_id,
                                                      const GroupExists& group_exists = {},
                                                      const MeterExists& meter_exists = {});

}  // namespace vs
