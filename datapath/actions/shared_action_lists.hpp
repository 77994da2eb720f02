// SharedActionLists: one heap copy of each distinct action list the datapath installs. Many
// megaflows carry equal lists (100 000 flows of an l3 rule set all "output:2"); sharing one
// keeps it in cache for the PMD, where a list per megaflow cost two cache misses per packet
// (the list and its array) once the megaflows outnumber the cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "datapath/actions/action_list.hpp"

namespace vs {

// Thread: control only (as ActionList's owner count).
class SharedActionLists {
  public:
    // At most max_lists distinct lists are kept; beyond that share() hands out private copies.
    explicit SharedActionLists(size_t max_lists = 65536) : max_lists_(max_lists) {}
    ~SharedActionLists();
    SharedActionLists(const SharedActionLists&) = delete;
    SharedActionLists& operator=(const SharedActionLists&) = delete;

    // A heap list equal to `list`, with one owner more for the caller (ActionList::release()
    // drops it; a MegaflowTable takes it over on insert).
    const ActionList* share(ActionList&& list);
    // Lets go of the lists no one else owns any more; returns how many went.
    size_t purge();
    size_t size() const { return lists_.size(); }

  private:
    std::unordered_multimap<uint64_t, const ActionList*> lists_;  // by hash_of(), owned once
    size_t max_lists_;
};

}  // namespace vs
