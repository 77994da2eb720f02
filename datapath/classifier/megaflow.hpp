// Megaflow: one datapath flow of the megaflow classifier, a masked key plus an action list and
// statistics. Lives in a MegaflowTable's type-stable slab, so a stale pointer (held by an
// ExactMatchCache) always points at some Megaflow; `id` and `dead` tell whether it is still the
// same, live incarnation.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "datapath/actions/action_list.hpp"
#include "datapath/packet/flow_key.hpp"

namespace vs {

class MegaflowSubtable;

// The classifier's names for FlowKey's may_alias word access (flow_key.hpp).
using KeyWord = FlowKeyWord;
inline const KeyWord* key_words(const FlowKey& k) {
    return k.words();
}
inline KeyWord* key_words(FlowKey& k) {
    return k.words();
}
inline FlowKey mask_key(const FlowKey& key, const FlowMask& mask) {
    return apply_mask(key, mask);
}

// Milliseconds of std::chrono::steady_clock: the clock of Megaflow::used_ms and created_ms.
inline uint64_t monotonic_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

// A snapshot of a megaflow's statistics, as the control thread reads them.
struct MegaflowStats {
    uint64_t n_packets = 0;
    uint64_t n_bytes = 0;
    uint64_t used_ms = 0;  // monotonic_ms() of the last hit; 0 if never hit
    uint16_t tcp_flags = 0;
};

// Thread: written only by the control thread (through MegaflowTable) except the statistics,
// which only the owning PMD thread writes (record_hits) and the control thread reads. The key,
// mask, priority and created_ms are immutable while the megaflow is live (dead == false).
struct alignas(64) Megaflow {
    // Cache lines 0-1: read by every lookup that lands on this megaflow (the L2-L4 fields of
    // IPv4 are all in line 0).
    FlowKey key;  // already masked: key == mask_key(key, *mask)

    // Cache line 2: everything a PMD thread touches on a hit, so that a hit on a cold megaflow
    // costs the key's line and this one: priority (lookup), id and dead (exact-match cache),
    // actions, and the statistics (single writer, the PMD: relaxed load + store, no RMW).
    int priority = 0;              // higher wins
    std::atomic<bool> dead{true};  // set (before unlinking) when removed
    std::atomic<uint16_t> tcp_flags{0};
    std::atomic<const ActionList*> actions{nullptr};  // one owner share; replaced via the table
    // Unique per incarnation (never 0 for a megaflow that was ever inserted); changes when the
    // slab slot is reused. Written by the control thread before `dead` is cleared (release).
    std::atomic<uint64_t> id{0};
    std::atomic<uint64_t> n_packets{0};
    std::atomic<uint64_t> n_bytes{0};
    std::atomic<uint64_t> used_ms{0};

    // Cache line 3: the control thread's.
    alignas(64) const FlowMask* mask = nullptr;  // owned by the subtable; valid while live
    uint32_t hash = 0;                           // the subtable's hash of `key`
    uint64_t created_ms = 0;                     // monotonic_ms() at insertion
    // Private to MegaflowTable.
    MegaflowSubtable* subtable = nullptr;
    uint32_t slab_index = 0;

    // Thread: the owning PMD only. `now_ms` is monotonic_ms() (read once per batch).
    void record_hits(uint32_t packets, uint32_t bytes, uint64_t now_ms, uint16_t flags) {
        constexpr auto kRelaxed = std::memory_order_relaxed;
        n_packets.store(n_packets.load(kRelaxed) + packets, kRelaxed);
        n_bytes.store(n_bytes.load(kRelaxed) + bytes, kRelaxed);
        used_ms.store(now_ms, kRelaxed);
        if (flags != 0) tcp_flags.store(tcp_flags.load(kRelaxed) | flags, kRelaxed);
    }

    // Thread: any reader (PMD or control).
    const ActionList* get_actions() const { return actions.load(std::memory_order_acquire); }
    uint64_t get_id() const { return id.load(std::memory_order_acquire); }
    bool is_dead() const { return dead.load(std::memory_order_acquire); }

    // Thread: control. Values may be a hit or so behind the PMD's.
    MegaflowStats stats() const {
        constexpr auto kRelaxed = std::memory_order_relaxed;
        return MegaflowStats{n_packets.load(kRelaxed), n_bytes.load(kRelaxed),
                             used_ms.load(kRelaxed), tcp_flags.load(kRelaxed)};
    }
};

static_assert(sizeof(Megaflow) == 256, "Megaflow: four cache lines");
static_assert(offsetof(Megaflow, used_ms) + sizeof(Megaflow::used_ms) <= 192,
              "Megaflow: what a PMD touches on a hit fits line 2");

}  // namespace vs
