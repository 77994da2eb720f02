// Tiny byte builders for test and benchmark frames: append headers in wire order, then patch the
// IP length fields once the payload is known. Header-only; used by the parser's tests, benchmark
// and fuzz seed corpus generator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "datapath/packet/flow_key.hpp"

namespace vs::test {

class FrameBuilder {
  public:
    FrameBuilder& u8(uint8_t v) {
        bytes_.push_back(v);
        return *this;
    }
    FrameBuilder& u16(uint16_t v) { return u8(static_cast<uint8_t>(v >> 8)).u8(v & 0xff); }
    FrameBuilder& u32(uint32_t v) { return u16(static_cast<uint16_t>(v >> 16)).u16(v & 0xffff); }
    FrameBuilder& raw(std::initializer_list<uint8_t> v) {
        bytes_.insert(bytes_.end(), v.begin(), v.end());
        return *this;
    }
    template <size_t N>
    FrameBuilder& raw(const std::array<uint8_t, N>& v) {
        bytes_.insert(bytes_.end(), v.begin(), v.end());
        return *this;
    }
    FrameBuilder& zeros(size_t n) {
        bytes_.insert(bytes_.end(), n, 0);
        return *this;
    }

    // Destination, source and the first type (or TPID).
    FrameBuilder& eth(const EthAddr& dst, const EthAddr& src, uint16_t type) {
        return raw(dst).raw(src).u16(type);
    }
    // The TCI of a tag whose TPID was just written, then the next type.
    FrameBuilder& vlan(uint16_t tci, uint16_t next_type) { return u16(tci).u16(next_type); }

    // IPv4 header without options; total length patched by end_ipv4().
    FrameBuilder& ipv4(uint32_t src, uint32_t dst, uint8_t proto, uint8_t tos = 0, uint8_t ttl = 64,
                       uint16_t frag = 0, uint8_t ihl = 5) {
        ip_start_ = bytes_.size();
        u8(static_cast<uint8_t>(0x40 | ihl)).u8(tos).u16(0).u16(0x1234).u16(frag);
        u8(ttl).u8(proto).u16(0).u32(src).u32(dst);
        return *this;
    }
    FrameBuilder& end_ipv4() { return put16(ip_start_ + 2, bytes_.size() - ip_start_); }

    FrameBuilder& ipv6(const Ip6Addr& src, const Ip6Addr& dst, uint8_t next, uint8_t tclass = 0,
                       uint32_t label = 0, uint8_t hlim = 64) {
        ip_start_ = bytes_.size();
        u32(6u << 28 | uint32_t{tclass} << 20 | (label & 0xfffff)).u16(0).u8(next).u8(hlim);
        return raw(src).raw(dst);
    }
    FrameBuilder& end_ipv6() { return put16(ip_start_ + 4, bytes_.size() - ip_start_ - 40); }
    // Hop-by-hop / routing / destination options: `units` of 8 bytes beyond the first 8.
    FrameBuilder& ipv6_ext(uint8_t next, uint8_t units = 0) {
        return u8(next).u8(units).zeros(6 + 8 * size_t{units});
    }
    FrameBuilder& ipv6_frag(uint8_t next, uint16_t offset_units, bool more) {
        return u8(next)
            .u8(0)
            .u16(static_cast<uint16_t>(offset_units << 3 | (more ? 1 : 0)))
            .u32(0xabcd);
    }
    // Authentication header with a 4-byte ICV (payload length field 2 → 16 bytes).
    FrameBuilder& ipv6_ah(uint8_t next) { return u8(next).u8(2).u16(0).u32(0x100).u32(1).u32(0); }

    FrameBuilder& tcp(uint16_t sport, uint16_t dport, uint16_t flags, uint8_t doff = 5) {
        u16(sport).u16(dport).u32(1000).u32(0);
        u16(static_cast<uint16_t>(doff << 12 | (flags & 0x0fff))).u16(8192).u16(0).u16(0);
        return zeros(doff > 5 ? (doff - 5) * 4u : 0);
    }
    FrameBuilder& udp(uint16_t sport, uint16_t dport, uint16_t payload = 0) {
        u16(sport).u16(dport).u16(static_cast<uint16_t>(8 + payload)).u16(0);
        return zeros(payload);
    }
    FrameBuilder& sctp(uint16_t sport, uint16_t dport) {
        return u16(sport).u16(dport).u32(0x11223344).u32(0);
    }
    FrameBuilder& icmp(uint8_t type, uint8_t code) { return u8(type).u8(code).u16(0).u32(0); }

    FrameBuilder& arp(uint16_t op, const EthAddr& sha, uint32_t spa, const EthAddr& tha,
                      uint32_t tpa, uint16_t htype = 1) {
        u16(htype).u16(0x0800).u8(6).u8(4).u16(op);
        return raw(sha).u32(spa).raw(tha).u32(tpa);
    }

    FrameBuilder& pad_to(size_t n) {
        if (bytes_.size() < n) zeros(n - bytes_.size());
        return *this;
    }
    FrameBuilder& put16(size_t at, size_t v) {
        bytes_.at(at) = static_cast<uint8_t>(v >> 8);
        bytes_.at(at + 1) = static_cast<uint8_t>(v);
        return *this;
    }

    size_t size() const { return bytes_.size(); }
    const std::vector<uint8_t>& bytes() const { return bytes_; }

  private:
    std::vector<uint8_t> bytes_;
    size_t ip_start_ = 0;
};

inline constexpr EthAddr kMacA = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr EthAddr kMacB = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
inline constexpr EthAddr kMacBcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr Ip6Addr kIp6A = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
inline constexpr Ip6Addr kIp6B = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
inline constexpr uint32_t kIp4A = 0x0a000001;  // 10.0.0.1
inline constexpr uint32_t kIp4B = 0x0a000002;  // 10.0.0.2

// Frames used by several tests, the benchmark and the fuzz corpus.
inline std::vector<uint8_t> udp4_frame() {
    return FrameBuilder()
        .eth(kMacB, kMacA, 0x0800)
        .ipv4(kIp4A, kIp4B, 17)
        .udp(1234, 53, 18)
        .end_ipv4()
        .pad_to(60)
        .bytes();
}
inline std::vector<uint8_t> tcp6_ext_frame() {
    return FrameBuilder()
        .eth(kMacB, kMacA, 0x86dd)
        .ipv6(kIp6A, kIp6B, 0, 0xb8, 0x12345, 63)
        .ipv6_ext(6)
        .tcp(40000, 443, 0x012)
        .end_ipv6()
        .bytes();
}
inline std::vector<uint8_t> arp_frame() {
    return FrameBuilder()
        .eth(kMacBcast, kMacA, 0x0806)
        .arp(1, kMacA, kIp4A, EthAddr{}, kIp4B)
        .pad_to(60)
        .bytes();
}
inline std::vector<uint8_t> qinq_udp4_frame() {
    return FrameBuilder()
        .eth(kMacB, kMacA, 0x88a8)
        .vlan(0x2064, 0x8100)  // pcp 1, vid 100
        .vlan(0x000a, 0x0800)  // vid 10
        .ipv4(kIp4A, kIp4B, 17)
        .udp(5000, 6000, 4)
        .end_ipv4()
        .pad_to(60)
        .bytes();
}
inline std::vector<uint8_t> nd_ns_frame() {
    return FrameBuilder()
        .eth(kMacB, kMacA, 0x86dd)
        .ipv6(kIp6A, kIp6B, 58, 0, 0, 255)
        .icmp(135, 0)
        .raw(kIp6B)
        .u8(1)
        .u8(1)
        .raw(kMacA)
        .end_ipv6()
        .bytes();
}

}  // namespace vs::test
