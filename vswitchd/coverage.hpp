// Coverage: counters of notable control-side events (upcalls, flows installed and deleted, MAC
// learning, reconciles, DB write-backs, ports...), shown by `appctl coverage/show` with Open
// vSwitch's layout: the average rate over the last 5 s, minute and hour, and the total.
//
// Events the daemon sees are counted with add(); those the datapath already counts are copied
// in with set() before each sample, so there is one place to read them all.
// Thread: control thread only.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace vs {

enum class CoverageEvent : uint8_t {
    kUpcall,
    kUpcallFailed,
    kFlowInstalled,
    kFlowInstallFailed,
    kFlowExpired,
    kFlowDeleted,
    kMacLearned,
    kMacMoved,
    kMacAged,
    kMacEvicted,
    kFlood,
    kReconcile,
    kDbCommit,
    kDbWriteback,
    kBridgeAdded,
    kBridgeRemoved,
    kPortAdded,
    kPortRemoved,
    kPortAddFailed,
    kMalformedDropped,
    kPacketDropped,
    kTrace,
    kCount,
};

std::string_view to_string(CoverageEvent e);

class Coverage {
  public:
    static constexpr size_t kNumEvents = static_cast<size_t>(CoverageEvent::kCount);

    void add(CoverageEvent e, uint64_t n = 1) { totals_[index(e)] += n; }
    // For counters kept elsewhere (the datapath's): the running total.
    void set(CoverageEvent e, uint64_t total) { totals_[index(e)] = total; }
    uint64_t total(CoverageEvent e) const { return totals_[index(e)]; }

    // Records the totals as of one more second; called once a second.
    void sample();
    // One line per event that ever happened, then how many never did (as Open vSwitch does).
    std::string show() const;

  private:
    static size_t index(CoverageEvent e) { return static_cast<size_t>(e); }
    // Average rate per second over the last `seconds` samples (fewer when younger).
    double rate(size_t i, size_t seconds) const;

    static constexpr size_t kHistorySeconds = 3600;
    std::array<uint64_t, kNumEvents> totals_{};
    std::deque<std::array<uint64_t, kNumEvents>> history_;  // one per second, newest last
};

}  // namespace vs
