// MacTable: learning, lookup, aging and eviction.
#include "vswitchd/mac_table.hpp"

#include <algorithm>

namespace vs {

namespace {

// Times come from several threads' clocks reads; an entry "from the future" is fresh.
bool aged(uint64_t now_ms, uint64_t seen_ms, uint64_t aging_ms) {
    return now_ms > seen_ms && now_ms - seen_ms >= aging_ms;
}

}  // namespace

uint64_t MacTable::key(uint16_t vlan, const EthAddr& mac) {
    uint64_t k = static_cast<uint64_t>(vlan & kVlanVidMask) << 48;
    for (int i = 0; i < 6; ++i)
        k |= static_cast<uint64_t>(mac[i]) << (8 * (5 - i));
    return k;
}

LearnResult MacTable::learn(uint16_t vlan, const EthAddr& mac, uint32_t port, uint64_t now_ms,
                            std::optional<MacEntry>* evicted) {
    if (is_multicast(mac) || max_entries_ == 0) return LearnResult::kNotLearned;
    auto [it, inserted] = entries_.try_emplace(key(vlan, mac));
    MacEntry& e = it->second;
    LearnResult result = LearnResult::kRefreshed;
    if (inserted) {
        if (entries_.size() > max_entries_) {
            entries_.erase(it);
            std::optional<MacEntry> gone = evict_oldest();
            if (evicted != nullptr) *evicted = gone;
            it = entries_.try_emplace(key(vlan, mac)).first;
        }
        result = LearnResult::kNew;
    } else if (e.port != port) {
        result = LearnResult::kMoved;
    }
    MacEntry& entry = it->second;
    entry = MacEntry{static_cast<uint16_t>(vlan & kVlanVidMask), mac, port, now_ms};
    return result;
}

std::optional<MacEntry> MacTable::evict_oldest() {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->second.last_seen_ms < oldest->second.last_seen_ms) oldest = it;
    }
    if (oldest == entries_.end()) return std::nullopt;
    MacEntry gone = oldest->second;
    entries_.erase(oldest);
    ++evictions_;
    return gone;
}

std::vector<MacEntry> MacTable::set_limits(size_t max_entries, uint64_t aging_ms) {
    max_entries_ = max_entries;
    aging_ms_ = aging_ms;
    std::vector<MacEntry> gone;
    if (entries_.size() <= max_entries_) return gone;
    std::vector<MacEntry> all = entries();
    std::sort(all.begin(), all.end(),
              [](const MacEntry& a, const MacEntry& b) { return a.last_seen_ms < b.last_seen_ms; });
    all.resize(entries_.size() - max_entries_);
    for (const MacEntry& e : all) {
        entries_.erase(key(e.vlan, e.mac));
        ++evictions_;
        gone.push_back(e);
    }
    return gone;
}

std::optional<uint32_t> MacTable::lookup(uint16_t vlan, const EthAddr& mac, uint64_t now_ms) const {
    auto it = entries_.find(key(vlan, mac));
    if (it == entries_.end() || aged(now_ms, it->second.last_seen_ms, aging_ms_)) return {};
    return it->second.port;
}

void MacTable::touch(uint16_t vlan, const EthAddr& mac, uint32_t port, uint64_t now_ms) {
    auto it = entries_.find(key(vlan, mac));
    if (it != entries_.end() && it->second.port == port && it->second.last_seen_ms < now_ms) {
        it->second.last_seen_ms = now_ms;
    }
}

std::vector<MacEntry> MacTable::expire(uint64_t now_ms) {
    std::vector<MacEntry> gone;
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (aged(now_ms, it->second.last_seen_ms, aging_ms_)) {
            gone.push_back(it->second);
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
    return gone;
}

std::vector<MacEntry> MacTable::forget_port(uint32_t port) {
    std::vector<MacEntry> gone;
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->second.port == port) {
            gone.push_back(it->second);
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
    return gone;
}

std::vector<MacEntry> MacTable::entries() const {
    std::vector<MacEntry> out;
    out.reserve(entries_.size());
    for (auto& [k, e] : entries_)
        out.push_back(e);
    return out;
}

}  // namespace vs
