// SharedActionLists: lookup by a hash of the actions' scalar fields (equal lists hash equal;
// the union's addresses are left to operator==), and the purge of unowned lists.
#include "datapath/actions/shared_action_lists.hpp"

#include <utility>

namespace vs {
namespace {

uint64_t hash_of(const ActionList& list) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ list.size();
    for (const Action& a : list) {
        const uint64_t word = (static_cast<uint64_t>(a.type) << 56) |
                              (static_cast<uint64_t>(a.copy_for_output) << 48) |
                              (static_cast<uint64_t>(a.u16) << 32) | a.u32;
        h = (h ^ word) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h;
}

}  // namespace

SharedActionLists::~SharedActionLists() {
    for (const auto& [hash, list] : lists_)
        ActionList::release(list);
}

const ActionList* SharedActionLists::share(ActionList&& list) {
    const uint64_t h = hash_of(list);
    auto [first, last] = lists_.equal_range(h);
    for (auto it = first; it != last; ++it) {
        if (*it->second == list) {
            it->second->retain();
            return it->second;
        }
    }
    auto* fresh = new ActionList(std::move(list));
    if (lists_.size() < max_lists_) {
        fresh->retain();  // the table's own
        lists_.emplace(h, fresh);
    }
    return fresh;
}

size_t SharedActionLists::purge() {
    size_t n = 0;
    for (auto it = lists_.begin(); it != lists_.end();) {
        if (it->second->owners() == 1) {
            ActionList::release(it->second);
            it = lists_.erase(it);
            ++n;
        } else {
            ++it;
        }
    }
    return n;
}

}  // namespace vs
