// MeterStore: the datapath's meters (OpenFlow 1.3 meters as the fast path runs them). A megaflow
// whose actions hold `meter(N)` charges every packet to meter N; the meter's bands are token
// buckets, and a packet that exceeds one or more bands is handled by the exceeded band with the
// highest rate: a drop band drops it, a DSCP-remark band raises its drop precedence.
//
// Design: meters live in slots indexed by their datapath id (0 .. kMaxMeters-1). A slot is
// allocated the first time its id is used and is never freed while the store lives, so a PMD
// thread may keep a slot pointer without RCU; the slot's configuration, buckets and counters
// change only under the slot's spinlock, which the control thread holds for a few stores when it
// reconfigures a meter and a PMD thread for one refill-and-charge per packet (bounded, no
// syscalls: nothing can block while holding it). Several PMD threads may charge the same meter.
// Refill is by the TSC: tokens += elapsed cycles × rate (fixed point, no division per packet).
//
// Units: a kbps meter counts tokens in bits (a packet costs 8 × its length), a pktps meter in
// thousandths of a packet (a packet costs 1000); both refill at rate × 1000 tokens per second.
// A band's bucket holds burst_size × 1000 tokens when the meter has the BURST flag and a
// non-zero burst, else one second's worth (rate × 1000), as Open vSwitch's userspace datapath.
//
// Thread: configure/remove/stats by the control thread; charge() by any thread. No DPDK header:
// callers pass the TSC and its frequency.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.hpp"

namespace vs {

struct MeterBandConfig {
    enum class Type : uint8_t { kDrop, kDscpRemark };
    Type type = Type::kDrop;
    uint32_t rate = 0;        // kbit/s or packets/s, as the meter says
    uint32_t burst_size = 0;  // kbit or packets; 0: one second's worth
    uint8_t prec_level = 0;   // kDscpRemark: drop precedence levels to add
};

struct MeterConfig {
    bool pktps = false;  // false: kbps
    bool burst = false;  // honour the bands' burst_size
    std::vector<MeterBandConfig> bands;
};

struct MeterBandCounters {
    uint64_t packets = 0, bytes = 0;  // packets (and their bytes) this band handled
};

struct MeterCounters {
    uint64_t packets = 0, bytes = 0;  // every packet charged to the meter
    std::vector<MeterBandCounters> bands;
};

// What charge() decided for one packet.
struct MeterVerdict {
    bool drop = false;
    uint8_t prec_level = 0;  // > 0: raise the packet's DSCP drop precedence by this much
};

class MeterStore {
  public:
    static constexpr uint32_t kMaxMeters = 4096;
    static constexpr uint32_t kMaxBands = 8;

    explicit MeterStore(uint64_t tsc_hz);
    ~MeterStore();
    MeterStore(const MeterStore&) = delete;
    MeterStore& operator=(const MeterStore&) = delete;

    // Thread: control. Adds a meter with a free id; fails when all ids are taken or the
    // configuration is invalid (too many bands, a rate of 0). A meter without bands only counts.
    [[nodiscard]] Result<uint32_t> add(const MeterConfig& config, uint64_t now_tsc);
    // Thread: control. Replaces a meter's configuration; its counters stay (per band by index)
    // and the buckets start full.
    [[nodiscard]] Result<void> modify(uint32_t id, const MeterConfig& config, uint64_t now_tsc);
    // Thread: control. Packets charged to a removed meter pass unmetered until the megaflows
    // naming it are gone (the caller revalidates).
    void remove(uint32_t id);
    // Thread: control. Empty when `id` is not a meter.
    [[nodiscard]] Result<MeterCounters> counters(uint32_t id) const;
    size_t size() const { return n_active_; }

    // Thread: any (the fast path). Charges a packet of `bytes` bytes at `now_tsc`.
    MeterVerdict charge(uint32_t id, uint32_t bytes, uint64_t now_tsc) {
        Slot* s = id < kMaxMeters ? slots_[id].load(std::memory_order_acquire) : nullptr;
        return s != nullptr ? s->charge(bytes, now_tsc) : MeterVerdict{};
    }

  private:
    struct Band {
        uint64_t mult = 0;      // tokens per TSC cycle, << 32
        uint64_t capacity = 0;  // tokens
        uint64_t tokens = 0;
        uint64_t frac = 0;      // the fraction of a token refilled so far, << 32
        uint64_t fill_tsc = 0;  // cycles to fill from empty: longer gaps are clamped to it
        uint32_t rate = 0;
        bool drop = true;
        uint8_t prec_level = 0;
        MeterBandCounters counters;
    };
    struct alignas(64) Slot {
        std::atomic_flag lock;
        bool active = false;
        bool pktps = false;
        uint32_t n_bands = 0;
        uint64_t last_tsc = 0;
        uint64_t packets = 0, bytes = 0;
        std::array<Band, kMaxBands> bands;

        MeterVerdict charge(uint32_t bytes, uint64_t now_tsc);
        void lock_slot() {
            while (lock.test_and_set(std::memory_order_acquire)) {
                __builtin_ia32_pause();
            }
        }
        void unlock_slot() { lock.clear(std::memory_order_release); }
    };

    void configure(Slot& s, const MeterConfig& config, uint64_t now_tsc, bool keep_counters);
    Slot* slot(uint32_t id) const {
        return id < kMaxMeters ? slots_[id].load(std::memory_order_acquire) : nullptr;
    }

    uint64_t tsc_hz_;
    std::unique_ptr<std::atomic<Slot*>[]> slots_;
    size_t n_active_ = 0;
    uint32_t next_id_ = 0;  // where the search for a free id starts
};

// The DSCP after raising its drop precedence by `levels`: only Assured Forwarding code points
// (class 1-4, precedence 1-3) have one; the result stays in its class (at most AFx3). Others
// are returned unchanged.
uint8_t raise_drop_precedence(uint8_t dscp, uint8_t levels);

}  // namespace vs
