// GroupTable: a bridge's OpenFlow 1.3 groups (all, select, indirect, fast-failover) and
// GROUP_MOD's add / modify / delete with the specification's GROUP_MOD_FAILED codes. Buckets may
// not point at other groups (chaining is refused), so a group's actions are plain actions.
// Thread: the control thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "openflow/of13.hpp"

namespace vs {

struct OfGroup {
    uint32_t group_id = 0;
    of13::GroupType type{};
    std::vector<of13::Bucket> buckets;
    uint64_t created_ms = 0;
    uint64_t packets = 0, bytes = 0;
    std::vector<uint64_t> bucket_packets, bucket_bytes;
};

using GroupPtr = std::shared_ptr<OfGroup>;

class GroupTable {
  public:
    // nullopt on success. A deleted group's id is appended to `deleted` (its flows must go).
    std::optional<openflow::SpecError> group_mod(const of13::GroupMod& gm, uint64_t now_ms,
                                                 std::vector<uint32_t>& deleted);
    GroupPtr find(uint32_t group_id) const;
    const std::map<uint32_t, GroupPtr>& groups() const { return groups_; }

  private:
    std::map<uint32_t, GroupPtr> groups_;
};

}  // namespace vs
