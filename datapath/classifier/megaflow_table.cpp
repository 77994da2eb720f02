// MegaflowTable: subtable hash tables (single-writer, RCU-read open addressing), the slab, the
// published search order, and the batched tuple-space lookup of the PMD.
#include "datapath/classifier/megaflow_table.hpp"

#include <nmmintrin.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <climits>
#include <new>

namespace vs {
namespace {

constexpr uint32_t kTombstone = 0xffffffffu;  // slab index of a removed slot; 0 means empty
constexpr uint32_t kMinSlots = 16;

MegaflowSlots* new_slots(uint32_t n_slots) {
    auto* s = new MegaflowSlots;
    s->mask = n_slots - 1;
    s->slots = new std::atomic<uint64_t>[n_slots];
    for (uint32_t i = 0; i < n_slots; ++i)
        s->slots[i].store(0, std::memory_order_relaxed);
    return s;
}

void delete_slots(MegaflowSlots* s) {
    if (s == nullptr) return;
    delete[] s->slots;
    delete s;
}

// CRC32 of the masked words, then a multiply-xorshift so that the low bits (the slot index) mix
// all input bits.
inline uint32_t hash_masked(const MegaflowSubtable& st, const FlowKey& key) {
    uint64_t crc = 0;
    const uint64_t* w = key.words();
    for (uint32_t i = 0; i < st.n_words; ++i) {
        crc = _mm_crc32_u64(crc, w[st.word_index[i]] & st.mask_words[i]);
    }
    uint32_t h = static_cast<uint32_t>(crc);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h;
}

// (key & mask) == flow.key over the subtable's words.
inline bool matches(const MegaflowSubtable& st, const Megaflow& flow, const FlowKey& key) {
    const uint64_t* k = key.words();
    const uint64_t* f = flow.key.words();
    uint64_t diff = 0;
    for (uint32_t i = 0; i < st.n_words; ++i) {
        uint32_t w = st.word_index[i];
        diff |= (k[w] & st.mask_words[i]) ^ f[w];
    }
    return diff == 0;
}

inline uint64_t slot_value(uint32_t hash, uint32_t index) {
    return (static_cast<uint64_t>(hash) << 32) | index;
}

}  // namespace

MegaflowSubtable::MegaflowSubtable(const FlowMask& m) : mask(m) {
    for (uint32_t w = 0; w < FlowKey::kWords; ++w) {
        if (m.words()[w] != 0) {
            word_index[n_words] = static_cast<uint8_t>(w);
            mask_words[n_words] = m.words()[w];
            ++n_words;
        }
    }
    slots.store(new_slots(kMinSlots), std::memory_order_relaxed);
}

MegaflowSubtable::~MegaflowSubtable() {
    delete_slots(slots.load(std::memory_order_relaxed));
}

MegaflowTable::MegaflowTable(Rcu& rcu, size_t max_flows)
    : rcu_(rcu),
      max_flows_(std::min<size_t>(max_flows, size_t{kMaxChunks} * kChunkSize - kChunkSize)),
      chunks_(new Megaflow*[kMaxChunks]()) {
    publish_order();
}

MegaflowTable::~MegaflowTable() {
    rcu_.synchronize();  // runs our deferred frees while `this` is still alive
    for_each([](Megaflow* flow) { delete flow->actions.load(std::memory_order_relaxed); });
    delete order_.load(std::memory_order_relaxed);
    for (MegaflowSubtable* st : subtables_)
        delete st;
    for (uint32_t c = 0; c < n_chunks_; ++c)
        delete[] chunks_[c];
}

uint32_t MegaflowTable::alloc_slot() {
    if (!free_slots_.empty()) {
        uint32_t index = free_slots_.back();
        free_slots_.pop_back();
        return index;
    }
    if (next_unused_ >= n_chunks_ * kChunkSize) {
        if (n_chunks_ == kMaxChunks) return 0;
        // Published to the PMD by the release store of the slot that first names this chunk.
        chunks_[n_chunks_++] = new Megaflow[kChunkSize];
    }
    return next_unused_++;
}

MegaflowSubtable* MegaflowTable::find_or_create_subtable(const FlowMask& mask) {
    for (MegaflowSubtable* st : subtables_) {
        if (static_cast<const FlowKey&>(st->mask) == mask) return st;
    }
    auto* st = new MegaflowSubtable(mask);
    subtables_.push_back(st);
    return st;  // published with its first flow's priority, by add_priority()
}

void MegaflowTable::destroy_subtable(MegaflowSubtable* st) {
    subtables_.erase(std::find(subtables_.begin(), subtables_.end(), st));
    publish_order();
    rcu_.defer([st] { delete st; });
}

void MegaflowTable::publish_order() {
    auto* order = new SubtableOrder;
    order->tables = subtables_;
    // A subtable without flows is not searched (it exists here only between creation and its
    // first insertion).
    std::erase_if(order->tables, [](const MegaflowSubtable* st) { return st->n_flows == 0; });
    std::stable_sort(order->tables.begin(), order->tables.end(),
                     [](const MegaflowSubtable* a, const MegaflowSubtable* b) {
                         if (a->max_priority != b->max_priority) {
                             return a->max_priority > b->max_priority;
                         }
                         return a->rank_hits > b->rank_hits;
                     });
    order->max_rest.resize(order->tables.size());
    int rest = INT_MIN;
    for (size_t i = order->tables.size(); i-- > 0;) {
        rest = std::max(rest, order->tables[i]->max_priority);
        order->max_rest[i] = rest;
    }
    const SubtableOrder* old = order_.exchange(order, std::memory_order_acq_rel);
    if (old != nullptr) rcu_.defer([old] { delete old; });
}

void MegaflowTable::add_priority(MegaflowSubtable* st, int priority) {
    ++st->priorities[priority];
    if (st->n_flows == 0 || priority > st->max_priority) {
        st->max_priority = priority;
        ++st->n_flows;
        publish_order();  // before the flow is visible, so no lookup stops too early
    } else {
        ++st->n_flows;
    }
}

void MegaflowTable::remove_priority(MegaflowSubtable* st, int priority) {
    auto it = st->priorities.find(priority);
    if (--it->second == 0) st->priorities.erase(it);
    --st->n_flows;
    if (st->n_flows == 0) return;
    int new_max = st->priorities.rbegin()->first;
    if (new_max != st->max_priority) {
        st->max_priority = new_max;
        publish_order();  // a stale, higher max_rest is still correct, just slower
    }
}

void MegaflowTable::rebuild_slots(MegaflowSubtable* st, uint32_t n_slots) {
    MegaflowSlots* old = st->slots.load(std::memory_order_relaxed);
    MegaflowSlots* fresh = new_slots(n_slots);
    for (uint32_t i = 0; i <= old->mask; ++i) {
        uint64_t v = old->slots[i].load(std::memory_order_relaxed);
        if (v == 0 || static_cast<uint32_t>(v) == kTombstone) continue;
        uint32_t j = static_cast<uint32_t>(v >> 32) & fresh->mask;
        while (fresh->slots[j].load(std::memory_order_relaxed) != 0)
            j = (j + 1) & fresh->mask;
        fresh->slots[j].store(v, std::memory_order_relaxed);
    }
    st->n_tombstones = 0;
    st->slots.store(fresh, std::memory_order_release);
    rcu_.defer([old] { delete_slots(old); });
}

Megaflow* MegaflowTable::insert(const FlowKey& key, const FlowMask& mask, int priority,
                                const ActionList* actions) {
    MegaflowSubtable* st = find_or_create_subtable(mask);
    FlowKey masked = apply_mask(key, mask);
    uint32_t hash = hash_masked(*st, masked);

    MegaflowSlots* slots = st->slots.load(std::memory_order_relaxed);
    for (uint32_t i = hash & slots->mask;; i = (i + 1) & slots->mask) {
        uint64_t v = slots->slots[i].load(std::memory_order_relaxed);
        if (v == 0) break;
        uint32_t index = static_cast<uint32_t>(v);
        if (index == kTombstone || static_cast<uint32_t>(v >> 32) != hash) continue;
        Megaflow* existing = slab_at(index);
        if (existing->key == masked) {
            set_actions(existing, actions);
            return existing;
        }
    }

    uint32_t index = n_flows_ < max_flows_ ? alloc_slot() : 0;
    if (index == 0) {
        if (st->n_flows == 0) destroy_subtable(st);
        return nullptr;
    }
    Megaflow* flow = slab_at(index);
    flow->key = masked;
    flow->mask = &st->mask;
    flow->priority = priority;
    flow->hash = hash;
    flow->actions.store(actions, std::memory_order_relaxed);
    flow->created_ms = monotonic_ms();
    flow->subtable = st;
    flow->slab_index = index;
    flow->n_packets.store(0, std::memory_order_relaxed);
    flow->n_bytes.store(0, std::memory_order_relaxed);
    flow->used_ms.store(0, std::memory_order_relaxed);
    flow->tcp_flags.store(0, std::memory_order_relaxed);
    flow->id.store(next_id_++, std::memory_order_relaxed);
    // An ExactMatchCache that loads dead == false with acquire then sees the new id.
    flow->dead.store(false, std::memory_order_release);

    add_priority(st, priority);
    if (st->n_flows + st->n_tombstones > (slots->mask + 1) / 2) {
        rebuild_slots(st, std::bit_ceil(std::max(kMinSlots, 2 * (st->n_flows + 1))));
        slots = st->slots.load(std::memory_order_relaxed);
    }
    uint32_t i = hash & slots->mask;
    for (;; i = (i + 1) & slots->mask) {
        uint64_t v = slots->slots[i].load(std::memory_order_relaxed);
        if (v == 0) break;
        if (static_cast<uint32_t>(v) == kTombstone) {
            --st->n_tombstones;
            break;
        }
    }
    slots->slots[i].store(slot_value(hash, index), std::memory_order_release);
    ++n_flows_;
    return flow;
}

void MegaflowTable::remove(Megaflow* flow) {
    assert(!flow->dead.load(std::memory_order_relaxed));
    MegaflowSubtable* st = flow->subtable;
    flow->dead.store(true, std::memory_order_release);
    MegaflowSlots* slots = st->slots.load(std::memory_order_relaxed);
    uint64_t want = slot_value(flow->hash, flow->slab_index);
    uint32_t i = flow->hash & slots->mask;
    while (slots->slots[i].load(std::memory_order_relaxed) != want)
        i = (i + 1) & slots->mask;
    slots->slots[i].store(slot_value(0, kTombstone), std::memory_order_release);
    ++st->n_tombstones;
    --n_flows_;

    remove_priority(st, flow->priority);
    if (st->n_flows == 0) {
        destroy_subtable(st);
    } else if (st->n_tombstones > (slots->mask + 1) / 4) {
        rebuild_slots(st, std::bit_ceil(std::max(kMinSlots, 2 * (st->n_flows + 1))));
    }
    rcu_.defer([this, flow] {
        delete flow->actions.exchange(nullptr, std::memory_order_relaxed);
        free_slots_.push_back(flow->slab_index);
    });
}

void MegaflowTable::set_actions(Megaflow* flow, const ActionList* actions) {
    const ActionList* old = flow->actions.exchange(actions, std::memory_order_acq_rel);
    if (old != nullptr && old != actions) rcu_.defer([old] { delete old; });
}

size_t MegaflowTable::expire(uint64_t now_ms, uint64_t idle_ms) {
    size_t n = 0;
    for_each([&](Megaflow* flow) {
        uint64_t last = std::max(flow->used_ms.load(std::memory_order_relaxed), flow->created_ms);
        if (now_ms > last && now_ms - last > idle_ms) {
            remove(flow);
            ++n;
        }
    });
    return n;
}

void MegaflowTable::flush() {
    for_each([this](Megaflow* flow) { remove(flow); });
}

std::vector<const FlowMask*> MegaflowTable::subtable_order() const {
    std::vector<const FlowMask*> masks;
    for (const MegaflowSubtable* st : order_.load(std::memory_order_relaxed)->tables) {
        masks.push_back(&st->mask);
    }
    return masks;
}

void MegaflowTable::rank_subtables() {
    for (MegaflowSubtable* st : subtables_) {
        uint64_t hits = st->hits.load(std::memory_order_relaxed);
        st->rank_hits = hits - st->hits_at_rank;
        st->hits_at_rank = hits;
    }
    publish_order();
}

Megaflow* MegaflowTable::lookup(const FlowKey& key) {
    const FlowKey* keys[1] = {&key};
    Megaflow* out = nullptr;
    lookup_group(keys, 1, &out);
    return out;
}

void MegaflowTable::lookup_batch(const FlowKey* const* keys, uint32_t n, Megaflow** out) {
    for (uint32_t base = 0; base < n; base += kMaxBatch) {
        lookup_group(keys + base, std::min<uint32_t>(kMaxBatch, n - base), out + base);
    }
}

// Thread: PMD. n <= kMaxBatch.
void MegaflowTable::lookup_group(const FlowKey* const* keys, uint32_t n, Megaflow** out) {
    const SubtableOrder* order = order_.load(std::memory_order_acquire);
    uint64_t todo = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    uint64_t found = 0;
    int best[kMaxBatch];
    uint32_t hashes[kMaxBatch];
    for (uint32_t i = 0; i < n; ++i)
        out[i] = nullptr;

    const size_t n_tables = order->tables.size();
    for (size_t pos = 0; pos < n_tables && todo != 0; ++pos) {
        const int rest = order->max_rest[pos];
        // Retire keys whose match no remaining subtable can beat (equal priority: first wins).
        for (uint64_t m = todo & found; m != 0; m &= m - 1) {
            uint32_t i = static_cast<uint32_t>(std::countr_zero(m));
            if (best[i] >= rest) todo &= ~(uint64_t{1} << i);
        }
        if (todo == 0) break;
        MegaflowSubtable& st = *order->tables[pos];
        const MegaflowSlots* slots = st.slots.load(std::memory_order_acquire);
        for (uint64_t m = todo; m != 0; m &= m - 1) {
            uint32_t i = static_cast<uint32_t>(std::countr_zero(m));
            hashes[i] = hash_masked(st, *keys[i]);
            __builtin_prefetch(&slots->slots[hashes[i] & slots->mask]);
        }
        uint64_t n_hits = 0;
        for (uint64_t m = todo; m != 0; m &= m - 1) {
            uint32_t i = static_cast<uint32_t>(std::countr_zero(m));
            const uint32_t hash = hashes[i];
            for (uint32_t j = hash & slots->mask;; j = (j + 1) & slots->mask) {
                uint64_t v = slots->slots[j].load(std::memory_order_acquire);
                if (v == 0) break;
                uint32_t index = static_cast<uint32_t>(v);
                if (static_cast<uint32_t>(v >> 32) != hash || index == kTombstone) continue;
                Megaflow* flow = slab_at(index);
                if (!matches(st, *flow, *keys[i])) continue;
                ++n_hits;
                uint64_t bit = uint64_t{1} << i;
                if (!(found & bit) || flow->priority > best[i]) {
                    out[i] = flow;
                    best[i] = flow->priority;
                    found |= bit;
                }
                break;
            }
        }
        if (n_hits != 0) {
            st.hits.store(st.hits.load(std::memory_order_relaxed) + n_hits,
                          std::memory_order_relaxed);
        }
    }
}

}  // namespace vs
