// ExactMatchCache: construction, insertion with two candidates and optional probability, clear.
#include "datapath/classifier/exact_match_cache.hpp"

#include <bit>

namespace vs {

ExactMatchCache::ExactMatchCache(uint32_t n_entries, uint32_t insert_inv_prob)
    : entries_(new Entry[std::bit_ceil(n_entries < 2 ? 2u : n_entries)]),
      mask_(std::bit_ceil(n_entries < 2 ? 2u : n_entries) - 1),
      insert_inv_prob_(insert_inv_prob) {}

void ExactMatchCache::insert(const FlowKey& key, uint32_t hash, Megaflow* flow) {
    if (insert_inv_prob_ != 1) {
        if (insert_inv_prob_ == 0) return;
        rng_ ^= rng_ << 13;
        rng_ ^= rng_ >> 17;
        rng_ ^= rng_ << 5;
        if (rng_ % insert_inv_prob_ != 0) return;
    }
    Entry* a = &entries_[hash & mask_];
    Entry* b = &entries_[second(hash)];
    // The slot already holding this key, else a free or stale one, else the smaller hash (an
    // arbitrary but cheap victim).
    const auto holds_key = [&](const Entry* e) {
        return e->flow != nullptr && e->hash == hash && e->key == key;
    };
    Entry* target = a->hash <= b->hash ? a : b;
    for (Entry* candidate : {b, a}) {
        if (!is_live(*candidate)) target = candidate;
    }
    for (Entry* candidate : {b, a}) {
        if (holds_key(candidate)) target = candidate;
    }
    if (target->key != key) target->key = key;
    target->hash = hash;
    target->flow = flow;
    target->id = flow->id.load(std::memory_order_relaxed);
}

void ExactMatchCache::clear() {
    for (uint32_t i = 0; i <= mask_; ++i)
        entries_[i].flow = nullptr;
}

uint32_t ExactMatchCache::n_live() const {
    uint32_t n = 0;
    for (uint32_t i = 0; i <= mask_; ++i)
        n += is_live(entries_[i]) ? 1 : 0;
    return n;
}

}  // namespace vs
