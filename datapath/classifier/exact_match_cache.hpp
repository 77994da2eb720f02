// ExactMatchCache: the per-PMD cache in front of the megaflow classifier, mapping a full FlowKey
// to the Megaflow it last matched (like Open vSwitch's EMC). Two candidate slots per hash.
//
// Stale pointers are safe: an entry may keep pointing at a Megaflow after the control thread
// removed it, even after its slab slot was reused. The slab never returns memory while the table
// lives, so the pointer always designates a Megaflow object, and lookup() returns it only if it
// is not dead and its id still equals the id recorded at insertion (ids are never reused), so a
// removed or reincarnated megaflow is never returned. A live match is then protected by Rcu like
// any classifier result: its slot cannot be reused before the PMD's next quiescent state.
// Clear the cache before destroying the MegaflowTable its entries point into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "datapath/classifier/megaflow.hpp"
#include "datapath/packet/flow_key.hpp"
#include "datapath/packet/flow_parse.hpp"

namespace vs {

// Thread: PMD-local (no synchronisation at all); clear() too.
class ExactMatchCache {
  public:
    static constexpr uint32_t kDefaultEntries = 8192;

    // n_entries is rounded up to a power of two. insert_inv_prob: insert() stores a flow with
    // probability 1/insert_inv_prob (1 = always, 0 = never), as Open vSwitch's
    // emc-insert-inv-prob (which defaults to 100 there).
    explicit ExactMatchCache(uint32_t n_entries = kDefaultEntries, uint32_t insert_inv_prob = 1);

    Megaflow* lookup(const FlowKey& key, uint32_t hash) {
        Entry* a = &entries_[hash & mask_];
        if (a->hash == hash && a->flow != nullptr && a->key == key) return validate(a);
        Entry* b = &entries_[second(hash)];
        if (b->hash == hash && b->flow != nullptr && b->key == key) return validate(b);
        return nullptr;
    }

    // Brings both candidate entries of `hash` towards the cache ahead of lookup().
    void prefetch(uint32_t hash) const {
        __builtin_prefetch(&entries_[hash & mask_]);
        __builtin_prefetch(&entries_[second(hash)]);
    }

    // Stores key -> flow (flow must be live) in the entry already holding `key`, else in an
    // empty or stale candidate, else in the candidate holding the smaller hash.
    void insert(const FlowKey& key, uint32_t hash, Megaflow* flow);

    void clear();

    uint32_t n_entries() const { return mask_ + 1; }
    // Entries holding a live megaflow (O(n); for tests and statistics).
    uint32_t n_live() const;

  private:
    // The hash sits in the first line, apart from the key: a probe that misses (the common case
    // when there are more flows than entries) reads one cache line, not three.
    struct alignas(64) Entry {
        uint32_t hash = 0;
        Megaflow* flow = nullptr;
        uint64_t id = 0;
        FlowKey key;
    };

    uint32_t second(uint32_t hash) const { return ((hash >> 16) | (hash << 16)) & mask_; }
    static bool is_live(const Entry& e) {
        // dead first (acquire), then id: see MegaflowTable::insert for the publication order.
        return e.flow != nullptr && !e.flow->is_dead() &&
               e.flow->id.load(std::memory_order_relaxed) == e.id;
    }
    Megaflow* validate(Entry* e) {
        if (is_live(*e)) return e->flow;
        e->flow = nullptr;  // stale: free the entry for the next insert
        return nullptr;
    }

    std::unique_ptr<Entry[]> entries_;
    uint32_t mask_;
    uint32_t insert_inv_prob_;
    uint32_t rng_ = 0x9e3779b9u;  // xorshift32 state for the insertion probability
};

}  // namespace vs
