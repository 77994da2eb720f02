// MegaflowSubtable and MegaflowSlots: construction, destruction and the writer's slot search.
#include "datapath/classifier/megaflow_subtable.hpp"

#include <algorithm>
#include <bit>
#include <new>

namespace vs {
namespace {
constexpr std::align_val_t kLineAlign{64};
}

MegaflowSlots* MegaflowSlots::create(uint32_t n_slots) {
    auto* s = new MegaflowSlots;
    s->bucket_mask = n_slots / kBucketSlots - 1;
    void* mem = ::operator new[](n_slots * sizeof(std::atomic<uint64_t>), kLineAlign);
    s->slots = static_cast<std::atomic<uint64_t>*>(mem);
    for (uint32_t i = 0; i < n_slots; ++i)
        new (&s->slots[i]) std::atomic<uint64_t>(0);
    return s;
}

void MegaflowSlots::destroy(MegaflowSlots* s) {
    if (s == nullptr) return;
    ::operator delete[](static_cast<void*>(s->slots), kLineAlign);
    delete s;
}

uint32_t MegaflowSlots::n_slots_for(uint32_t n_flows) {
    return std::bit_ceil(std::max(kMinSlots, 2 * (n_flows + 1)));
}

uint32_t MegaflowSlots::free_slot(uint32_t hash) const {
    for (uint32_t b = hash & bucket_mask;; b = (b + 1) & bucket_mask) {
        for (uint32_t k = 0; k < kBucketSlots; ++k) {
            uint64_t v = slots[b * kBucketSlots + k].load(std::memory_order_relaxed);
            if (v == 0 || static_cast<uint32_t>(v) == kTombstone) return b * kBucketSlots + k;
        }
    }
}

MegaflowSubtable::MegaflowSubtable(const FlowMask& m) : mask(m) {
    for (uint32_t w = 0; w < FlowKey::kWords; ++w) {
        if (key_words(m)[w] != 0) {
            word_index[n_words] = static_cast<uint8_t>(w);
            mask_words[n_words] = key_words(m)[w];
            ++n_words;
        }
    }
    slots.store(MegaflowSlots::create(MegaflowSlots::kMinSlots), std::memory_order_relaxed);
}

MegaflowSubtable::~MegaflowSubtable() {
    MegaflowSlots::destroy(slots.load(std::memory_order_relaxed));
}

}  // namespace vs
