// Flow sequences (uniform, Zipf ring) and the packet writer of vsgen.
#include "bench/vsgen/flow_set.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>

namespace vs::vsgen {

namespace {

void put16(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

void put32(uint8_t* p, uint32_t v) {
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

std::array<uint8_t, 6> parse_mac(const std::string& text) {
    std::array<uint8_t, 6> mac{};
    unsigned b[6];
    char tail = 0;
    if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                    &tail) != 6) {
        throw std::invalid_argument("not a MAC address: '" + text + "'");
    }
    for (int i = 0; i < 6; i++) {
        if (b[i] > 0xff) throw std::invalid_argument("not a MAC address: '" + text + "'");
        mac[i] = static_cast<uint8_t>(b[i]);
    }
    return mac;
}

}  // namespace

FlowSequence::FlowSequence(const Options& opts)
    : zipf_(opts.dist == Distribution::kZipf), n_flows_(opts.n_flows), zipf_s_(opts.zipf_s) {
    if (!zipf_) return;
    // Inverse transform sampling over the cumulative distribution: N doubles, 2^20 binary searches.
    std::vector<double> cdf(n_flows_);
    double sum = 0;
    for (uint32_t i = 0; i < n_flows_; i++) {
        sum += std::pow(static_cast<double>(i) + 1, -zipf_s_);
        cdf[i] = sum;
    }
    std::mt19937_64 rng(opts.seed);
    std::uniform_real_distribution<double> u(0.0, sum);
    auto ring = std::make_shared<std::vector<uint32_t>>(size_t{1} << opts.zipf_ring_bits);
    ring_mask_ = static_cast<uint32_t>(ring->size() - 1);
    for (auto& slot : *ring) {
        auto it = std::upper_bound(cdf.begin(), cdf.end(), u(rng));
        slot = static_cast<uint32_t>(std::min<size_t>(it - cdf.begin(), n_flows_ - 1));
    }
    ring_ = ring->data();
    shared_ring_ = std::move(ring);
}

FlowSequence FlowSequence::offset(uint32_t by) const {
    FlowSequence s = *this;
    s.cursor_ = zipf_ ? by & ring_mask_ : by % n_flows_;
    return s;
}

double FlowSequence::zipf_probability(uint32_t i) const {
    double h = 0;
    for (uint32_t k = 0; k < n_flows_; k++)
        h += std::pow(static_cast<double>(k) + 1, -zipf_s_);
    return std::pow(static_cast<double>(i) + 1, -zipf_s_) / h;
}

PacketWriter::PacketWriter(const Options& opts) : size_(opts.size), vary_(opts.vary) {
    uint8_t* p = template_.data();
    auto dst = parse_mac(opts.dst_mac);
    auto src = parse_mac(opts.src_mac);
    std::memcpy(p, dst.data(), 6);
    std::memcpy(p + 6, src.data(), 6);
    put16(p + 12, 0x0800);
    uint8_t* ip = p + 14;
    ip[0] = 0x45;
    put16(ip + 2, size_ - 14);  // total length
    ip[6] = 0x40;               // don't fragment
    ip[8] = 64;                 // TTL
    ip[9] = 17;                 // UDP
    uint8_t* udp = ip + 20;
    put16(udp + 4, size_ - 34);
    put32(udp + 8, kStampMagic);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (static_cast<uint32_t>(ip[i]) << 8) | ip[i + 1];
    ip_sum_base_ = sum;
}

void PacketWriter::write(uint8_t* data, uint32_t flow, uint64_t tsc) const {
    std::memcpy(data, template_.data(), template_.size());
    FlowFields f = flow_fields(flow, vary_);
    uint8_t* ip = data + 14;
    put32(ip + 12, f.src_ip);
    put32(ip + 16, f.dst_ip);
    uint32_t sum = ip_sum_base_ + (f.src_ip >> 16) + (f.src_ip & 0xffff) + (f.dst_ip >> 16) +
                   (f.dst_ip & 0xffff);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, ~sum & 0xffff);
    uint8_t* udp = ip + 20;
    put16(udp, f.src_port);
    put16(udp + 2, f.dst_port);
    std::memcpy(udp + 12, &flow, 4);  // host order: only vsgen reads the stamp
    std::memcpy(udp + 16, &tsc, 8);
}

}  // namespace vs::vsgen
