// Helpers shared by the classifier tests and benchmark: mask families (prefix masks on IPv4
// addresses, single-field masks, combinations), random keys over small value domains so that
// megaflows overlap, and a linear-scan reference classifier.
#pragma once

#include <climits>
#include <cstdint>
#include <random>
#include <vector>

#include "datapath/classifier/megaflow.hpp"
#include "datapath/packet/flow_key.hpp"

namespace vs::test {

inline uint32_t prefix32(int len) {
    return len == 0 ? 0 : ~uint32_t{0} << (32 - len);
}

// A few dozen distinct masks of the kinds the OpenFlow translation produces.
inline std::vector<FlowMask> mask_family() {
    std::vector<FlowMask> masks;
    auto base = [] {
        FlowMask m = FlowMask::none();
        m.eth_type = Be16{0xffff};
        return m;
    };
    for (int len : {8, 16, 24, 32}) {  // nw_dst prefixes
        FlowMask m = base();
        m.nw_dst = Be32::from_host(prefix32(len));
        masks.push_back(m);
    }
    for (int len : {8, 16, 24, 32}) {  // nw_src prefixes + in_port
        FlowMask m = base();
        m.in_port = ~0u;
        m.nw_src = Be32::from_host(prefix32(len));
        masks.push_back(m);
    }
    for (int a : {16, 24, 32}) {  // both addresses
        for (int b : {16, 32}) {
            FlowMask m = base();
            m.nw_src = Be32::from_host(prefix32(a));
            m.nw_dst = Be32::from_host(prefix32(b));
            masks.push_back(m);
        }
    }
    {  // single fields
        FlowMask m = FlowMask::none();
        m.in_port = ~0u;
        masks.push_back(m);
        m = FlowMask::none();
        m.eth_dst = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        masks.push_back(m);
        m = FlowMask::none();
        m.vlans[0].tci = Be16::from_host(kVlanVidMask | kVlanPresent);
        masks.push_back(m);
        m = FlowMask::none();
        m.tun_id = ~uint64_t{0};
        masks.push_back(m);
        m = base();
        m.nw_proto = 0xff;
        m.tp_dst = Be16{0xffff};
        masks.push_back(m);
        m = base();
        m.ipv6_dst[0] = m.ipv6_dst[1] = 0xff;
        masks.push_back(m);
    }
    {  // an L2 learning-switch megaflow: in_port, MACs, VLAN
        FlowMask m = FlowMask::none();
        m.in_port = ~0u;
        m.eth_src = m.eth_dst = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        m.vlans[0].tci = Be16{0xffff};
        masks.push_back(m);
    }
    {  // 5-tuples with various port masks
        for (uint16_t pm : {0xffff, 0xff00, 0xfff0}) {
            FlowMask m = base();
            m.nw_src = m.nw_dst = Be32{0xffffffff};
            m.nw_proto = 0xff;
            m.tp_src = Be16::from_host(pm);
            m.tp_dst = Be16{0xffff};
            masks.push_back(m);
        }
    }
    std::mt19937_64 rng(7);
    while (masks.size() < 40) {  // random sparse masks
        FlowMask m = FlowMask::none();
        int n_words = 1 + static_cast<int>(rng() % 3);
        for (int i = 0; i < n_words; ++i)
            key_words(m)[rng() % FlowKey::kWords] = rng() & rng();
        masks.push_back(m);
    }
    return masks;
}

// A random key whose fields come from small domains, so that masks overlap.
inline FlowKey random_key(std::mt19937_64& rng) {
    FlowKey k;
    k.clear();
    auto small = [&](uint64_t n) { return rng() % n; };
    k.tun_id = small(4);
    k.in_port = static_cast<uint32_t>(small(4));
    k.eth_type = Be16::from_host(small(8) == 0 ? 0x86dd : 0x0800);
    k.eth_dst = {0, 0, 0, 0, 0, static_cast<uint8_t>(small(4))};
    k.eth_src = {0, 0, 0, 0, 0, static_cast<uint8_t>(small(4))};
    k.vlans[0].tci = Be16::from_host(static_cast<uint16_t>(small(3)) | kVlanPresent);
    k.nw_src = Be32::from_host(0x0a000000u | static_cast<uint32_t>(small(4) << 16 | small(4)));
    k.nw_dst = Be32::from_host(0x0a000000u | static_cast<uint32_t>(small(4) << 8 | small(8)));
    k.nw_proto = small(2) ? 6 : 17;
    k.tp_src = Be16::from_host(static_cast<uint16_t>(1000 + small(64)));
    k.tp_dst = Be16::from_host(static_cast<uint16_t>(small(2) ? 80 : 443));
    k.ipv6_dst[0] = static_cast<uint8_t>(small(3));
    // Random bits everywhere else too, so that random masks see variety.
    key_words(k)[8] = rng() & 0x0000ffff0000000fULL;
    return k;
}

// A key of 16 random words: misses (almost) every megaflow but a catch-all.
inline FlowKey random_miss_key(std::mt19937_64& rng) {
    FlowKey k;
    for (size_t w = 0; w < FlowKey::kWords; ++w)
        key_words(k)[w] = rng();
    return k;
}

// A key that (key & mask) == masked: the masked bits from `masked`, the rest random.
inline FlowKey key_hitting(const FlowKey& masked, const FlowMask& mask, std::mt19937_64& rng) {
    FlowKey k = random_key(rng);
    for (size_t w = 0; w < FlowKey::kWords; ++w) {
        key_words(k)[w] = (key_words(k)[w] & ~key_words(mask)[w]) | key_words(masked)[w];
    }
    return k;
}

inline bool key_matches(const FlowKey& key, const FlowKey& masked, const FlowMask& mask) {
    return mask_key(key, mask) == masked;
}

// The linear-scan reference.
struct RefEntry {
    FlowKey masked;
    FlowMask mask;
    int priority;
    Megaflow* flow;
};

class RefClassifier {
  public:
    std::vector<RefEntry> entries;

    RefEntry* find_exact(const FlowKey& masked, const FlowMask& mask) {
        for (auto& e : entries) {
            if (e.masked == masked && static_cast<const FlowKey&>(e.mask) == mask) return &e;
        }
        return nullptr;
    }
    // Highest priority among matches, or INT_MIN if none.
    int best_priority(const FlowKey& key) const {
        int best = INT_MIN;
        for (const auto& e : entries) {
            if (e.priority > best && key_matches(key, e.masked, e.mask)) best = e.priority;
        }
        return best;
    }
    bool contains(const Megaflow* flow) const {
        for (const auto& e : entries) {
            if (e.flow == flow) return true;
        }
        return false;
    }
};

}  // namespace vs::test
