// MegaflowTable: the slab, subtable management, the published search order, and the batched
// tuple-space lookup of the PMD.
#include "datapath/classifier/megaflow_table.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <climits>
#include <new>

namespace vs {
namespace {
constexpr uint32_t kTombstone = MegaflowSlots::kTombstone;
constexpr uint32_t kBucketSlots = MegaflowSlots::kBucketSlots;
}  // namespace

MegaflowTable::MegaflowTable(Rcu& rcu, size_t max_flows)
    : rcu_(rcu),
      max_flows_(std::min<size_t>(max_flows, size_t{kMaxChunks} * kChunkSize - kChunkSize)),
      chunks_(new Megaflow*[kMaxChunks]()) {
    publish_order();
}

MegaflowTable::~MegaflowTable() {
    rcu_.synchronize();  // runs our deferred frees while `this` is still alive
    for_each(
        [](Megaflow* flow) { ActionList::release(flow->actions.load(std::memory_order_relaxed)); });
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
    MegaflowSlots* fresh = MegaflowSlots::create(n_slots);
    for (uint32_t i = 0; i < old->n_slots(); ++i) {
        uint64_t v = old->slots[i].load(std::memory_order_relaxed);
        if (v == 0 || static_cast<uint32_t>(v) == kTombstone) continue;
        const Megaflow* flow = slab_at(static_cast<uint32_t>(v));
        fresh->slots[fresh->free_slot(flow->hash)].store(v, std::memory_order_relaxed);
    }
    st->n_tombstones = 0;
    st->slots.store(fresh, std::memory_order_release);
    rcu_.defer([old] { MegaflowSlots::destroy(old); });
}

Megaflow* MegaflowTable::insert(const FlowKey& key, const FlowMask& mask, int priority,
                                const ActionList* actions) {
    MegaflowSubtable* st = find_or_create_subtable(mask);
    FlowKey masked = mask_key(key, mask);
    uint32_t hash = st->hash(masked);

    MegaflowSlots* slots = st->slots.load(std::memory_order_relaxed);
    if (Megaflow* existing = probe(*st, *slots, masked, hash, hash & slots->bucket_mask)) {
        set_actions(existing, actions);
        return existing;
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
    if (st->n_flows + st->n_tombstones > slots->n_slots() / 2) {
        rebuild_slots(st, MegaflowSlots::n_slots_for(st->n_flows));
        slots = st->slots.load(std::memory_order_relaxed);
    }
    uint32_t i = slots->free_slot(hash);
    if (slots->slots[i].load(std::memory_order_relaxed) != 0) --st->n_tombstones;
    slots->slots[i].store(MegaflowSlots::slot_value(hash, index), std::memory_order_release);
    ++n_flows_;
    return flow;
}

void MegaflowTable::remove(Megaflow* flow) {
    assert(!flow->dead.load(std::memory_order_relaxed));
    MegaflowSubtable* st = flow->subtable;
    flow->dead.store(true, std::memory_order_release);
    MegaflowSlots* slots = st->slots.load(std::memory_order_relaxed);
    uint64_t want = MegaflowSlots::slot_value(flow->hash, flow->slab_index);
    uint32_t i = (flow->hash & slots->bucket_mask) * kBucketSlots;
    while (slots->slots[i].load(std::memory_order_relaxed) != want) {
        i = (i + 1) & (slots->n_slots() - 1);
    }
    slots->slots[i].store(MegaflowSlots::kTombstoneValue, std::memory_order_release);
    ++st->n_tombstones;
    --n_flows_;

    remove_priority(st, flow->priority);
    if (st->n_flows == 0) {
        destroy_subtable(st);
    } else if (st->n_tombstones > slots->n_slots() / 4) {
        rebuild_slots(st, MegaflowSlots::n_slots_for(st->n_flows));
    }
    rcu_.defer([this, flow] {
        ActionList::release(flow->actions.exchange(nullptr, std::memory_order_relaxed));
        free_slots_.push_back(flow->slab_index);
    });
}

void MegaflowTable::set_actions(Megaflow* flow, const ActionList* actions) {
    const ActionList* old = flow->actions.exchange(actions, std::memory_order_acq_rel);
    if (old == actions) {
        ActionList::release(actions);  // the same (shared) list again: the flow owns it once
    } else if (old != nullptr) {
        rcu_.defer([old] { ActionList::release(old); });
    }
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

// Thread: PMD or control. The megaflow of `slots` matching `key`, probing from bucket `b`.
Megaflow* MegaflowTable::probe(const MegaflowSubtable& st, const MegaflowSlots& slots,
                               const FlowKey& key, uint32_t hash, uint32_t b) const {
    const uint32_t sig = MegaflowSlots::signature(hash);
    for (;; b = (b + 1) & slots.bucket_mask) {
        bool empty;
        for (uint32_t c = slots.scan_bucket(b, sig, &empty); c != 0; c &= c - 1) {
            uint32_t index = slots.slot_index(b, std::countr_zero(c), sig);
            if (index != 0 && st.matches(*slab_at(index), key)) return slab_at(index);
        }
        if (empty) return nullptr;
    }
}

// Thread: PMD. n <= kMaxBatch.
void MegaflowTable::lookup_group(const FlowKey* const* keys, uint32_t n, Megaflow** out) {
    const SubtableOrder* order = order_.load(std::memory_order_acquire);
    uint64_t todo = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    uint64_t found = 0;
    int best[kMaxBatch];
    uint32_t hashes[kMaxBatch];
    uint32_t cand_bucket[kMaxBatch];
    Megaflow* cand_flow[kMaxBatch];
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
            hashes[i] = st.hash(*keys[i]);
            __builtin_prefetch(&slots->slots[(hashes[i] & slots->bucket_mask) * kBucketSlots]);
        }
        // Scan each key's bucket, take its first candidate and prefetch that megaflow's key...
        uint64_t cands = 0;
        for (uint64_t m = todo; m != 0; m &= m - 1) {
            uint32_t i = static_cast<uint32_t>(std::countr_zero(m));
            const uint32_t b = hashes[i] & slots->bucket_mask;
            const uint32_t sig = MegaflowSlots::signature(hashes[i]);
            bool empty;
            uint32_t c = slots->scan_bucket(b, sig, &empty);
            uint32_t index = c != 0 ? slots->slot_index(b, std::countr_zero(c), sig) : 0;
            Megaflow* flow;
            if (index != 0) {
                flow = slab_at(index);
                const KeyWord* w = key_words(flow->key);
                __builtin_prefetch(w + st.word_index[0]);
                __builtin_prefetch(w + st.word_index[st.n_words == 0 ? 0 : st.n_words - 1]);
            } else if (empty) {
                continue;  // not in this subtable
            } else {       // a full bucket (the key may have overflowed), or a slot just changed
                flow = probe(st, *slots, *keys[i], hashes[i],
                             c != 0 ? b : (b + 1) & slots->bucket_mask);
                if (flow == nullptr) continue;
            }
            cand_bucket[i] = b;
            cand_flow[i] = flow;
            cands |= uint64_t{1} << i;
        }
        // ...then compare (on a signature collision, probe the bucket again, all candidates).
        uint64_t n_hits = 0;
        for (uint64_t m = cands; m != 0; m &= m - 1) {
            uint32_t i = static_cast<uint32_t>(std::countr_zero(m));
            Megaflow* flow = cand_flow[i];
            if (!st.matches(*flow, *keys[i])) {  // a signature collision: check them all
                flow = probe(st, *slots, *keys[i], hashes[i], cand_bucket[i]);
                if (flow == nullptr) continue;
            }
            ++n_hits;
            uint64_t bit = uint64_t{1} << i;
            if (!(found & bit) || flow->priority > best[i]) {
                out[i] = flow;
                best[i] = flow->priority;
                found |= bit;
            }
        }
        if (n_hits != 0) {
            st.hits.store(st.hits.load(std::memory_order_relaxed) + n_hits,
                          std::memory_order_relaxed);
        }
    }
}

}  // namespace vs
