// vsgen's command line (the part after "--"; EAL arguments go before it, to DPDK).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vs::vsgen {

enum class Distribution { kUniform, kZipf };

// Which header fields change from flow to flow (see flow_set.hpp for the mapping).
enum VaryBits : unsigned {
    kVaryDstIp = 1,
    kVarySrcIp = 2,
    kVarySrcPort = 4,
    kVaryDstPort = 8,
};

struct Options {
    std::vector<uint16_t> ports;  // empty: every port
    uint32_t size = 64;           // frame bytes without the FCS (testpmd's --txpkts)
    uint32_t n_flows = 1;
    Distribution dist = Distribution::kUniform;
    double zipf_s = 1.0;
    uint32_t zipf_ring_bits = 20;  // the precomputed Zipf sequence holds 2^bits indexes
    uint64_t seed = 1;
    unsigned vary = kVaryDstIp | kVarySrcIp | kVarySrcPort | kVaryDstPort;
    uint64_t rate_pps = 0;  // 0: as fast as possible
    double warmup_s = 1.0;
    double duration_s = 10.0;
    uint32_t latency_every = 1;  // stamp every Nth packet with the TSC; 0: none
    uint32_t burst = 32;
    std::string src_mac = "00:01:02:03:04:00";
    std::string dst_mac = "00:01:02:03:04:01";
    uint32_t dump_sequence = 0;  // >0: print the first K flow indexes and exit
    bool rx_only = false;
    bool start_on_signal = false;  // the window starts on SIGUSR1, not after --warmup
};

// Parses vsgen's options; throws std::invalid_argument with a one-line message.
Options parse_options(const std::vector<std::string>& args);

const char* usage();

}  // namespace vs::vsgen
