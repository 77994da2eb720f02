// Coverage: event names, per-second samples and the coverage/show text.
#include "vswitchd/coverage.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace vs {

std::string_view to_string(CoverageEvent e) {
    switch (e) {
        case CoverageEvent::kUpcall:
            return "upcall";
        case CoverageEvent::kUpcallFailed:
            return "upcall_failed";
        case CoverageEvent::kFlowInstalled:
            return "flow_installed";
        case CoverageEvent::kFlowInstallFailed:
            return "flow_install_failed";
        case CoverageEvent::kFlowExpired:
            return "flow_expired";
        case CoverageEvent::kFlowDeleted:
            return "flow_deleted";
        case CoverageEvent::kMacLearned:
            return "mac_learned";
        case CoverageEvent::kMacMoved:
            return "mac_moved";
        case CoverageEvent::kMacAged:
            return "mac_aged";
        case CoverageEvent::kMacEvicted:
            return "mac_evicted";
        case CoverageEvent::kFlood:
            return "flood";
        case CoverageEvent::kReconcile:
            return "bridge_reconfigure";
        case CoverageEvent::kDbCommit:
            return "db_commit";
        case CoverageEvent::kDbWriteback:
            return "db_txn_written";
        case CoverageEvent::kBridgeAdded:
            return "bridge_added";
        case CoverageEvent::kBridgeRemoved:
            return "bridge_removed";
        case CoverageEvent::kPortAdded:
            return "port_added";
        case CoverageEvent::kPortRemoved:
            return "port_removed";
        case CoverageEvent::kPortAddFailed:
            return "port_add_failed";
        case CoverageEvent::kMalformedDropped:
            return "drop_malformed";
        case CoverageEvent::kPacketDropped:
            return "drop_total";
        case CoverageEvent::kTrace:
            return "ofproto_trace";
        case CoverageEvent::kCount:
            break;
    }
    return "?";
}

void Coverage::sample() {
    history_.push_back(totals_);
    if (history_.size() > kHistorySeconds + 1) history_.pop_front();
}

double Coverage::rate(size_t i, size_t seconds) const {
    if (history_.size() < 2) return 0.0;
    const size_t span = std::min(seconds, history_.size() - 1);
    const auto& now = history_.back();
    const auto& then = history_[history_.size() - 1 - span];
    if (now[i] < then[i]) return 0.0;
    return static_cast<double>(now[i] - then[i]) / static_cast<double>(seconds);
}

std::string Coverage::show() const {
    std::string out = "Event coverage, avg rate over last: 5 seconds, last minute, last hour\n";
    size_t zero = 0;
    for (size_t i = 0; i < kNumEvents; ++i) {
        if (totals_[i] == 0) {
            ++zero;
            continue;
        }
        out += fmt::format("{:<24} {:>7.1f}/sec {:>9.3f}/sec {:>10.4f}/sec   total: {}\n",
                           to_string(static_cast<CoverageEvent>(i)), rate(i, 5), rate(i, 60),
                           rate(i, 3600), totals_[i]);
    }
    out += fmt::format("{} events never hit\n", zero);
    return out;
}

}  // namespace vs
