// MegaflowTable: the per-PMD megaflow classifier, a tuple-space search over one hash table per
// distinct mask. The control thread installs and removes megaflows; the owning PMD thread looks
// packets up concurrently, without locks, protected by Rcu.
//
// Design. A subtable holds every megaflow of one mask. It hashes (CRC32) and compares only the
// words where its mask is non-zero. Its hash table is our own single-writer open-addressing table
// of 64-bit slots (signature << 32 | slab index) in buckets of one cache line, compared a bucket
// at a time with SSE (megaflow_subtable.hpp): the writer fills a slot with one release store,
// removal overwrites it with a tombstone (never "empty", so probe chains stay intact), and growth
// or tombstone clean-up builds a new slot array, publishes it, and frees the old one through
// Rcu::defer. (Not rte_hash: it has a fixed capacity and one fixed key size per table, while we
// want growth and variable-width keys per mask, and its lock-free mode still costs more per
// lookup than a probe of one cache line.) The published SubtableOrder lists the subtables by
// (max priority desc, hits in the last ranking interval desc) with, per position, the highest
// priority of that position and every later one, so a lookup stops as soon as no remaining
// subtable can beat its best match; with equal priorities the first match wins.
//
// Megaflows live in a slab owned by the table: chunks are kept until the table is destroyed and a
// removed megaflow's slot is reused only after a grace period, with a new id. So a pointer the
// ExactMatchCache still holds always points at a Megaflow whose id/dead can be checked.
//
// Thread: one control thread calls everything not marked PMD; the owning PMD thread calls
// lookup()/lookup_batch() between two Rcu::quiescent() calls and may use the returned megaflows
// (actions, record_hits) until its next quiescent().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "datapath/classifier/megaflow.hpp"
#include "datapath/classifier/megaflow_subtable.hpp"
#include "datapath/classifier/rcu.hpp"

namespace vs {

// The published search order. Immutable once published.
struct SubtableOrder {
    std::vector<MegaflowSubtable*> tables;
    std::vector<int> max_rest;  // max_rest[i] = max priority over tables[i..]
};

class MegaflowTable {
  public:
    // Per PMD. Open vSwitch defaults to 200 000 (its flow-limit); our slab grows by chunks, so a
    // higher limit costs nothing until used, and 100 000 flows on two ports fit.
    static constexpr size_t kDefaultMaxFlows = 1000000;
    static constexpr size_t kMaxBatch = 64;  // lookup_batch() works in groups of this

    // Thread: control. `rcu` must outlive the table.
    explicit MegaflowTable(Rcu& rcu, size_t max_flows = kDefaultMaxFlows);
    // Thread: control. Waits for a grace period (Rcu::synchronize) so that its deferred frees
    // run: the PMD must have stopped using the table and either keep reporting quiescent states
    // or be unregistered. Clear any ExactMatchCache pointing into this table first.
    ~MegaflowTable();
    MegaflowTable(const MegaflowTable&) = delete;
    MegaflowTable& operator=(const MegaflowTable&) = delete;

    // Installs key & mask with `priority` and takes over one owner of `actions` (see
    // ActionList::release()) on success.
    // If a megaflow with the same mask and masked key exists, its actions are replaced by
    // `actions` (the old list freed after a grace period), its priority is kept, and it is
    // returned. Returns nullptr when the table holds max_flows megaflows (or the slab is
    // exhausted); then `actions` still belongs to the caller.
    Megaflow* insert(const FlowKey& key, const FlowMask& mask, int priority,
                     const ActionList* actions);
    // Removes a live megaflow (not one already removed: its slot may be reused). The megaflow
    // stays readable by the PMD until a grace period has passed; its actions are freed then.
    void remove(Megaflow* flow);
    // Replaces the actions of a live megaflow; the old list is freed after a grace period.
    void set_actions(Megaflow* flow, const ActionList* actions);

    // Visits each live megaflow as fn(Megaflow*). fn may remove() the visited megaflow but must
    // not insert.
    template <typename F>
    void for_each(F&& fn) {
        for (uint32_t i = 1; i < next_unused_; ++i) {
            Megaflow* flow = slab_at(i);
            if (!flow->dead.load(std::memory_order_relaxed)) fn(flow);
        }
    }

    // Removes every megaflow idle (no hit, or since creation) for more than idle_ms at now_ms
    // (monotonic_ms() clock). Returns how many.
    size_t expire(uint64_t now_ms, uint64_t idle_ms);
    void flush();

    size_t size() const { return n_flows_; }
    size_t max_flows() const { return max_flows_; }
    size_t n_subtables() const { return subtables_.size(); }
    // Thread: control. The masks in the published search order (for tests and appctl output).
    std::vector<const FlowMask*> subtable_order() const;

    // Re-sorts the subtables by hits since the previous call and publishes the new order.
    void rank_subtables();

    // Thread: PMD. The highest-priority megaflow matching `key`, or nullptr.
    Megaflow* lookup(const FlowKey& key);
    // Thread: PMD. out[i] = lookup(*keys[i]), searched subtable by subtable for the whole batch
    // (hash all unmatched keys and prefetch their slots, then probe). Any n.
    void lookup_batch(const FlowKey* const* keys, uint32_t n, Megaflow** out);

  private:
    static constexpr uint32_t kChunkShift = 10;  // 1024 megaflows (256 KiB) per slab chunk
    static constexpr uint32_t kChunkSize = 1u << kChunkShift;
    static constexpr uint32_t kMaxChunks = 4096;  // slab indices stay below 2^22

    Megaflow* slab_at(uint32_t index) const {
        return chunks_[index >> kChunkShift] + (index & (kChunkSize - 1));
    }
    uint32_t alloc_slot();
    MegaflowSubtable* find_or_create_subtable(const FlowMask& mask);
    void destroy_subtable(MegaflowSubtable* st);
    void publish_order();
    void rebuild_slots(MegaflowSubtable* st, uint32_t n_slots);
    void add_priority(MegaflowSubtable* st, int priority);
    void remove_priority(MegaflowSubtable* st, int priority);
    Megaflow* probe(const MegaflowSubtable& st, const MegaflowSlots& slots, const FlowKey& key,
                    uint32_t hash, uint32_t b) const;
    void lookup_group(const FlowKey* const* keys, uint32_t n, Megaflow** out);

    Rcu& rcu_;
    size_t max_flows_;
    size_t n_flows_ = 0;
    uint64_t next_id_ = 1;
    std::unique_ptr<Megaflow*[]> chunks_;  // kMaxChunks entries; index 0 of chunk 0 is unused
    uint32_t n_chunks_ = 0;
    uint32_t next_unused_ = 1;                  // slab indices below this were handed out once
    std::vector<uint32_t> free_slots_;          // reusable after their grace period
    std::vector<MegaflowSubtable*> subtables_;  // owned (freed through rcu_)
    std::atomic<const SubtableOrder*> order_{nullptr};
};

}  // namespace vs
