// SetDelta: what insert/delete mutations did to one set of references in a transaction — the
// elements added and removed, relative to the row before it. Reference counts and the store's
// link tables follow it instead of comparing two versions of a bridge's thousand ports.
#pragma once

#include <map>
#include <set>
#include <string>

#include "ovsdb/uuid.hpp"

namespace vs::ovsdb {

struct SetDelta {
    std::set<Uuid> added;
    std::set<Uuid> removed;
};

// Column name -> its SetDelta, for the columns of one row that have one.
using SetDeltas = std::map<std::string, SetDelta, std::less<>>;

}  // namespace vs::ovsdb
