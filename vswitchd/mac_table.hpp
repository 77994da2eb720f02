// MacTable: the learning switch's MAC table, per VLAN, with aging and a size limit (Open
// vSwitch's other_config:mac-aging-time and mac-table-size).
// Thread: control thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "datapath/packet/flow_key.hpp"

namespace vs {

struct MacEntry {
    uint16_t vlan = 0;
    EthAddr mac{};
    uint32_t port = 0;
    uint64_t last_seen_ms = 0;
};

enum class LearnResult { kRefreshed, kNew, kMoved, kNotLearned };

class MacTable {
  public:
    static constexpr size_t kDefaultMaxEntries = 2048;
    static constexpr uint64_t kDefaultAgingMs = 300 * 1000;

    explicit MacTable(size_t max_entries = kDefaultMaxEntries, uint64_t aging_ms = kDefaultAgingMs)
        : max_entries_(max_entries), aging_ms_(aging_ms) {}

    // Learns that `mac` on `vlan` is behind `port`. When the table is full, the entry seen
    // longest ago makes room (and is stored in `evicted`, so the caller can drop its flows).
    // Multicast sources are not learned.
    LearnResult learn(uint16_t vlan, const EthAddr& mac, uint32_t port, uint64_t now_ms,
                      std::optional<MacEntry>* evicted = nullptr);
    std::optional<uint32_t> lookup(uint16_t vlan, const EthAddr& mac, uint64_t now_ms) const;
    // Marks an entry as seen without moving it (traffic that did not need an upcall).
    void touch(uint16_t vlan, const EthAddr& mac, uint32_t port, uint64_t now_ms);
    // Removes the entries older than the aging time and returns them.
    std::vector<MacEntry> expire(uint64_t now_ms);
    // Removes every entry behind `port` (the port went away) and returns them.
    std::vector<MacEntry> forget_port(uint32_t port);
    void flush() { entries_.clear(); }
    // New limits (the bridge's other_config changed): entries beyond `max_entries`, the ones
    // seen longest ago, are removed and returned, so the caller can drop their flows.
    std::vector<MacEntry> set_limits(size_t max_entries, uint64_t aging_ms);

    std::vector<MacEntry> entries() const;
    size_t size() const { return entries_.size(); }
    size_t max_entries() const { return max_entries_; }
    uint64_t aging_ms() const { return aging_ms_; }
    uint64_t evictions() const { return evictions_; }

    static bool is_multicast(const EthAddr& mac) { return (mac[0] & 1) != 0; }

  private:
    static uint64_t key(uint16_t vlan, const EthAddr& mac);
    std::optional<MacEntry> evict_oldest();

    size_t max_entries_;
    uint64_t aging_ms_;
    uint64_t evictions_ = 0;
    std::unordered_map<uint64_t, MacEntry> entries_;
};

}  // namespace vs
