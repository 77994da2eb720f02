// MegaflowSubtable: the megaflows of one mask inside a MegaflowTable, and MegaflowSlots, its
// single-writer, RCU-read hash table of 64-bit slots in buckets of one cache line.
//
// Slot format: (signature << 32) | slab index, with signature = hash | 1 (odd), so an empty slot
// (0) and a tombstone (index kTombstone, signature 0) never match a signature. A megaflow sits in
// the first bucket from (hash & bucket_mask) that had an empty or tombstone slot when it was
// inserted; a lookup compares a whole bucket at once and goes on to the next bucket only if this
// one has no empty slot, which at a load of at most 1/2 is rare.
#pragma once

#include <nmmintrin.h>
#include <smmintrin.h>

#include <atomic>
#include <cstdint>
#include <map>

#include "datapath/classifier/megaflow.hpp"

namespace vs {

// Immutable size; slots written only by the control thread, read by the PMD.
struct MegaflowSlots {
    static constexpr uint32_t kTombstone = 0xffffffffu;      // slab index of a removed slot
    static constexpr uint64_t kTombstoneValue = kTombstone;  // signature 0
    static constexpr uint32_t kBucketSlots = 8;              // one cache line
    static constexpr uint32_t kMinSlots = 16;

    uint32_t bucket_mask = 0;                // n_buckets - 1 (n_buckets is a power of two)
    std::atomic<uint64_t>* slots = nullptr;  // 64-byte aligned

    static MegaflowSlots* create(uint32_t n_slots);  // all empty
    static void destroy(MegaflowSlots* s);
    // The size that keeps n_flows at a load of at most 1/2.
    static uint32_t n_slots_for(uint32_t n_flows);

    static uint32_t signature(uint32_t hash) { return hash | 1; }
    static uint64_t slot_value(uint32_t hash, uint32_t index) {
        return (static_cast<uint64_t>(signature(hash)) << 32) | index;
    }
    uint32_t n_slots() const { return (bucket_mask + 1) * kBucketSlots; }

    // Thread: PMD or control. The slots of bucket `b` whose signature is `sig` (bit k = slot k);
    // when there is none, *empty says whether the bucket has an empty slot (the probe ends).
    // Compares with SSE over the whole line, as rte_hash compares its signatures: the vector
    // loads are only a filter, and each candidate is read again with an atomic acquire load
    // (slot_index()) before it is followed.
    uint32_t scan_bucket(uint32_t b, uint32_t sig, bool* empty) const {
        const auto* line = reinterpret_cast<const float*>(&slots[b * kBucketSlots]);
        const __m128 x0 = _mm_load_ps(line);
        const __m128 x1 = _mm_load_ps(line + 4);
        const __m128 x2 = _mm_load_ps(line + 8);
        const __m128 x3 = _mm_load_ps(line + 12);
        // The high halves (signatures) of slots 0-3 and 4-7, compared as 32-bit integers.
        const __m128i want = _mm_set1_epi32(static_cast<int>(sig));
        const __m128i hi03 = _mm_castps_si128(_mm_shuffle_ps(x0, x1, _MM_SHUFFLE(3, 1, 3, 1)));
        const __m128i hi47 = _mm_castps_si128(_mm_shuffle_ps(x2, x3, _MM_SHUFFLE(3, 1, 3, 1)));
        const uint32_t cand =
            static_cast<uint32_t>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi03, want)))) |
            static_cast<uint32_t>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi47, want))))
                << 4;
        *empty = false;
        if (cand == 0) {
            const __m128i zero = _mm_setzero_si128();
            auto is_zero = [&](__m128 x) { return _mm_cmpeq_epi64(_mm_castps_si128(x), zero); };
            __m128i z = _mm_or_si128(_mm_or_si128(is_zero(x0), is_zero(x1)),
                                     _mm_or_si128(is_zero(x2), is_zero(x3)));
            *empty = _mm_movemask_epi8(z) != 0;
        }
        return cand;
    }

    // Thread: PMD or control. The slab index in slot k of bucket b if it still carries `sig`,
    // else 0.
    uint32_t slot_index(uint32_t b, uint32_t k, uint32_t sig) const {
        uint64_t v = slots[b * kBucketSlots + k].load(std::memory_order_acquire);
        return (v >> 32) == sig ? static_cast<uint32_t>(v) : 0;
    }

    // Thread: control. The first empty or tombstone slot of the probe sequence of `hash`.
    uint32_t free_slot(uint32_t hash) const;
};

// Thread: immutable after creation except `slots` (published by control), `hits` (PMD single
// writer) and the control-only bookkeeping at the end.
class MegaflowSubtable {
  public:
    explicit MegaflowSubtable(const FlowMask& m);
    ~MegaflowSubtable();

    // CRC32 of the masked words, then a multiply-xorshift so that the low bits (the bucket) mix
    // all input bits.
    uint32_t hash(const FlowKey& key) const {
        uint64_t crc = 0;
        const KeyWord* w = key_words(key);
        for (uint32_t i = 0; i < n_words; ++i) {
            crc = _mm_crc32_u64(crc, w[word_index[i]] & mask_words[i]);
        }
        uint32_t h = static_cast<uint32_t>(crc);
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        return h;
    }

    // (key & mask) == flow.key, over the words where the mask is non-zero.
    bool matches(const Megaflow& flow, const FlowKey& key) const {
        const KeyWord* k = key_words(key);
        const KeyWord* f = key_words(flow.key);
        uint64_t diff = 0;
        for (uint32_t i = 0; i < n_words; ++i) {
            uint32_t w = word_index[i];
            diff |= (k[w] & mask_words[i]) ^ f[w];
        }
        return diff == 0;
    }

    FlowMask mask;
    uint32_t n_words = 0;       // words where `mask` is non-zero
    uint8_t word_index[16]{};   // their indices in key_words()
    uint64_t mask_words[16]{};  // key_words(mask)[word_index[i]]
    std::atomic<MegaflowSlots*> slots{nullptr};

    alignas(64) std::atomic<uint64_t> hits{0};  // PMD: relaxed load + store

    // Control thread only.
    alignas(64) uint32_t n_flows = 0;
    uint32_t n_tombstones = 0;
    int max_priority = 0;                // valid while n_flows > 0
    std::map<int, uint32_t> priorities;  // priority -> how many flows have it
    uint64_t hits_at_rank = 0;
    uint64_t rank_hits = 0;  // hits during the last ranking interval
};

}  // namespace vs
