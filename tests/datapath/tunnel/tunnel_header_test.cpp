// VXLAN (RFC 7348) and Geneve (RFC 8926) headers: the bytes we send, and what we accept.
#include "datapath/tunnel/tunnel_header.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace vs {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes encoded(TunnelType type, uint32_t vni) {
    Bytes b(kTunnelHeaderSize);
    encode_tunnel_header(type, vni, b.data());
    return b;
}

// A datagram: header bytes then an inner Ethernet frame of `inner` bytes.
Bytes datagram(Bytes header, size_t inner = 60) {
    header.resize(header.size() + inner, 0x5a);
    return header;
}

TunnelDecodeStatus decode(TunnelType type, const Bytes& d, TunnelHeaderInfo& info) {
    return decode_tunnel_header(type, d.data(), d.size(), info);
}

TEST(TunnelHeader, VxlanBytesAreFlagsIThenVni) {
    EXPECT_EQ(encoded(TunnelType::kVxlan, 0x123456), (Bytes{0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0}));
    EXPECT_EQ(encoded(TunnelType::kVxlan, 0), (Bytes{0x08, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(TunnelHeader, GeneveBytesAreVersion0NoOptionsEthernetThenVni) {
    EXPECT_EQ(encoded(TunnelType::kGeneve, 0xabcdef),
              (Bytes{0, 0, 0x65, 0x58, 0xab, 0xcd, 0xef, 0}));
}

TEST(TunnelHeader, RoundTripKeepsTheVni) {
    for (TunnelType type : {TunnelType::kVxlan, TunnelType::kGeneve}) {
        for (uint32_t vni : {0u, 1u, 5u, 4096u, 0x800000u, kMaxVni}) {
            TunnelHeaderInfo info;
            ASSERT_EQ(decode(type, datagram(encoded(type, vni)), info), TunnelDecodeStatus::kOk);
            EXPECT_EQ(info.vni, vni);
            EXPECT_EQ(info.header_size, kTunnelHeaderSize);
        }
    }
}

TEST(TunnelHeader, ShortDatagramsAreRejected) {
    TunnelHeaderInfo info;
    for (TunnelType type : {TunnelType::kVxlan, TunnelType::kGeneve}) {
        EXPECT_EQ(decode(type, Bytes{}, info), TunnelDecodeStatus::kShort);
        EXPECT_EQ(decode(type, Bytes(7, 0), info), TunnelDecodeStatus::kShort);
        // A header without a whole Ethernet header behind it.
        EXPECT_EQ(decode(type, datagram(encoded(type, 1), 13), info), TunnelDecodeStatus::kShort);
        EXPECT_EQ(decode(type, datagram(encoded(type, 1), 14), info), TunnelDecodeStatus::kOk);
    }
}

TEST(TunnelHeader, VxlanNeedsTheIFlagAndIgnoresReservedBits) {
    TunnelHeaderInfo info;
    Bytes d = datagram(encoded(TunnelType::kVxlan, 7));
    d[0] = 0;
    EXPECT_EQ(decode(TunnelType::kVxlan, d, info), TunnelDecodeStatus::kBadFlags);
    d[0] = 0xf7;
    EXPECT_EQ(decode(TunnelType::kVxlan, d, info), TunnelDecodeStatus::kBadFlags);
    // Reserved flag bits and reserved bytes: "ignored on receipt" (RFC 7348 section 5).
    d[0] = 0xff;
    d[1] = d[2] = d[3] = d[7] = 0xee;
    ASSERT_EQ(decode(TunnelType::kVxlan, d, info), TunnelDecodeStatus::kOk);
    EXPECT_EQ(info.vni, 7u);
}

TEST(TunnelHeader, GeneveChecksVersionProtocolAndControlBits) {
    TunnelHeaderInfo info;
    const Bytes good = datagram(encoded(TunnelType::kGeneve, 9));
    Bytes d = good;
    d[0] = 0x40;  // version 1
    EXPECT_EQ(decode(TunnelType::kGeneve, d, info), TunnelDecodeStatus::kBadVersion);
    d = good;
    d[2] = 0x08;  // IPv4 payload: not ours to bridge
    d[3] = 0x00;
    EXPECT_EQ(decode(TunnelType::kGeneve, d, info), TunnelDecodeStatus::kBadProtocol);
    d = good;
    d[1] = 0x80;  // O: control message
    EXPECT_EQ(decode(TunnelType::kGeneve, d, info), TunnelDecodeStatus::kOam);
    d = good;
    d[1] = 0x40;  // C: critical options we cannot parse
    EXPECT_EQ(decode(TunnelType::kGeneve, d, info), TunnelDecodeStatus::kCritical);
    d = good;
    d[1] = 0x3f;  // reserved bits
    d[7] = 0xff;
    ASSERT_EQ(decode(TunnelType::kGeneve, d, info), TunnelDecodeStatus::kOk);
    EXPECT_EQ(info.vni, 9u);
}

TEST(TunnelHeader, GeneveOptionsAreSkippedByTheirLength) {
    TunnelHeaderInfo info;
    Bytes h = encoded(TunnelType::kGeneve, 3);
    h[0] = 2;  // two 4-byte words of options
    const Bytes option = {0x01, 0x02, 0x03, 0x01, 0xde, 0xad, 0xbe, 0xef};
    h.insert(h.end(), option.begin(), option.end());
    ASSERT_EQ(decode(TunnelType::kGeneve, datagram(h, 14), info), TunnelDecodeStatus::kOk);
    EXPECT_EQ(info.header_size, 16);
    EXPECT_EQ(info.vni, 3u);
    // Options longer than the datagram.
    h[0] = 63;
    EXPECT_EQ(decode(TunnelType::kGeneve, datagram(h, 14), info), TunnelDecodeStatus::kShort);
}

TEST(TunnelHeader, DefaultPortsAreTheIanaOnes) {
    EXPECT_EQ(default_dst_port(TunnelType::kVxlan), 4789);
    EXPECT_EQ(default_dst_port(TunnelType::kGeneve), 6081);
    EXPECT_EQ(to_string(TunnelType::kVxlan), "vxlan");
    EXPECT_EQ(to_string(TunnelType::kGeneve), "geneve");
}

}  // namespace
}  // namespace vs
