// The traffic vsgen sends: which headers flow i gets, in which order flows are sent (uniform or
// Zipf), and the writer that lays one packet into a buffer.
//
// Flow i (0 <= i < N), the fields not in --vary keep flow 0's value:
//   dst IP   10.253.0.0 + i   (testpmd flowgen's addresses: vsbench's l3 rules match on it)
//   src IP   10.254.0.0 + i
//   UDP src  1024 + i % 60000
//   UDP dst  1024 + i % 997
// Ethernet 00:01:02:03:04:00 -> 00:01:02:03:04:01 (flowgen's) unless set, IPv4 TTL 64, no
// options, UDP checksum 0. The UDP payload starts with a 16-byte stamp: magic "VSG1", the flow
// index and the TSC when the packet was handed to the port (0 when not stamped).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "bench/vsgen/options.hpp"

namespace vs::vsgen {

struct FlowFields {
    uint32_t src_ip;  // host order
    uint32_t dst_ip;
    uint16_t src_port;
    uint16_t dst_port;
};

inline constexpr uint32_t kDstIpBase = (10U << 24) | (253U << 16);
inline constexpr uint32_t kSrcIpBase = (10U << 24) | (254U << 16);
inline constexpr uint32_t kStampMagic = 0x56534731;  // "VSG1"
inline constexpr uint32_t kHeadersSize = 14 + 20 + 8;
inline constexpr uint32_t kStampSize = 16;

inline FlowFields flow_fields(uint32_t i, unsigned vary) {
    return {(vary & kVarySrcIp) != 0 ? kSrcIpBase + i : kSrcIpBase, kDstIpBase + i,
            static_cast<uint16_t>(1024 + ((vary & kVarySrcPort) != 0 ? i % 60000 : 0)),
            static_cast<uint16_t>(1024 + ((vary & kVaryDstPort) != 0 ? i % 997 : 0))};
}

// The order flows are sent in. Uniform: 0, 1, .., N-1, 0, .. (as testpmd flowgen). Zipf: a ring
// of 2^20 (--zipf-ring-bits) flow indexes drawn once from P(i) = (i+1)^-s / H(N,s) with a fixed
// seed (flow 0 is the most popular), so sending costs an array read, not a sample. The ring
// repeats: with s = 1 it holds 82 000 distinct flows of 100 000, 224 000 of 1 000 000 (the rest
// of the tail never comes); a bigger ring reaches more of it. Thread: one per sender.
class FlowSequence {
  public:
    FlowSequence(const Options& opts);

    uint32_t next() {
        if (zipf_) return ring_[cursor_++ & ring_mask_];
        uint32_t i = cursor_;
        cursor_ = cursor_ + 1 == n_flows_ ? 0 : cursor_ + 1;
        return i;
    }

    // A copy that starts elsewhere in the sequence (one per port, so ports do not send in step).
    FlowSequence offset(uint32_t by) const;

    // The probability Zipf gives flow i (for reporting and tests).
    double zipf_probability(uint32_t i) const;

  private:
    bool zipf_;
    uint32_t n_flows_;
    double zipf_s_;
    uint32_t cursor_ = 0;
    uint32_t ring_mask_ = 0;
    std::shared_ptr<const std::vector<uint32_t>> shared_ring_;  // shared by offset() copies
    const uint32_t* ring_ = nullptr;
};

// Writes whole packets. Thread: the sending lcore.
class PacketWriter {
  public:
    explicit PacketWriter(const Options& opts);

    // Writes opts.size bytes' worth of headers and stamp at data (the rest is left as is).
    void write(uint8_t* data, uint32_t flow, uint64_t tsc) const;

    uint32_t size() const { return size_; }

  private:
    std::array<uint8_t, kHeadersSize + kStampSize> template_{};
    uint32_t size_;
    unsigned vary_;
    uint32_t ip_sum_base_;  // the IPv4 header's ones-complement sum without the addresses
};

}  // namespace vs::vsgen
