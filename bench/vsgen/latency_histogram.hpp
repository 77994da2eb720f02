// Latency histogram of vsgen: log-linear buckets over TSC cycles (exact below 64 cycles, then 32
// buckets per power of two, so a percentile is off by at most 1/32 of its value). Converted to
// nanoseconds only when percentiles are read. Thread: the traffic lcore writes, main reads after.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace vs::vsgen {

class LatencyHistogram {
  public:
    static constexpr int kSubBits = 5;  // 32 buckets per power of two
    static constexpr int kBuckets = 64 * 32;

    void add(uint64_t cycles) {
        counts_[index(cycles)]++;
        n_++;
        if (cycles > max_) max_ = cycles;
    }

    void clear() { *this = LatencyHistogram{}; }

    uint64_t count() const { return n_; }
    uint64_t max() const { return max_; }

    // The value (cycles, the middle of its bucket) below which a fraction q of the samples lie.
    uint64_t quantile(double q) const {
        if (n_ == 0) return 0;
        auto rank = static_cast<uint64_t>(q * static_cast<double>(n_ - 1)) + 1;
        uint64_t seen = 0;
        for (int i = 0; i < kBuckets; i++) {
            seen += counts_[i];
            if (seen >= rank) return std::min(middle(i), max_);
        }
        return max_;
    }

    static int index(uint64_t v) {
        int msb = 63 - std::countl_zero(v | 1);
        int shift = msb > kSubBits ? msb - kSubBits : 0;
        int i = shift * (1 << kSubBits) + static_cast<int>(v >> shift);
        return i < kBuckets ? i : kBuckets - 1;
    }

    static uint64_t middle(int i) {
        if (i < 2 * (1 << kSubBits)) return static_cast<uint64_t>(i);
        int shift = i / (1 << kSubBits) - 1;
        uint64_t low = static_cast<uint64_t>(i - shift * (1 << kSubBits)) << shift;
        return low + (uint64_t{1} << shift) / 2;
    }

  private:
    std::array<uint64_t, kBuckets> counts_{};
    uint64_t n_ = 0;
    uint64_t max_ = 0;
};

}  // namespace vs::vsgen
