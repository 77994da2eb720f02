// Tests of parse_flow_string: OVS-style hand-written flows, error messages, and round trips
// through flow_key_to_string over thousands of random keys (from random frames and filled
// directly) and random masks.
#include "datapath/packet/flow_string.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "datapath/packet/flow_format.hpp"
#include "datapath/packet/flow_parse.hpp"
#include "tests/datapath/packet/frame_builder.hpp"

namespace vs {
namespace {

using KeyMask = std::pair<FlowKey, FlowMask>;

KeyMask parse_ok(std::string_view text) {
    auto r = parse_flow_string(text);
    EXPECT_TRUE(r.has_value()) << text << " -> " << (r ? "" : r.error().message);
    if (!r) return {FlowKey{}, FlowMask::none()};
    return *r;
}

std::string print(const KeyMask& km) {
    return flow_key_to_string(km.first, &km.second);
}

Be16 be16(uint16_t v) {
    return Be16::from_host(v);
}
Be32 be32(uint32_t v) {
    return Be32::from_host(v);
}

TEST(FlowString, OvsAddFlowUdp) {
    const auto [key, mask] = parse_ok(
        "in_port(1),eth(src=00:00:00:00:00:01,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0800),"
        "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17),udp(src=1,dst=2)");
    EXPECT_EQ(key.in_port, 1u);
    EXPECT_EQ(mask.in_port, 0xffffffffu);
    EXPECT_EQ(key.eth_src, test::kMacA);
    EXPECT_EQ(key.eth_dst, test::kMacBcast);
    EXPECT_EQ(mask.eth_src, test::kMacBcast);
    EXPECT_EQ(key.eth_type, be16(0x0800));
    EXPECT_EQ(key.nw_src, be32(test::kIp4A));
    EXPECT_EQ(key.nw_dst, be32(test::kIp4B));
    EXPECT_EQ(mask.nw_src, be32(0xffffffff));
    EXPECT_EQ(key.nw_proto, 17);
    EXPECT_EQ(mask.nw_proto, 0xff);
    EXPECT_EQ(mask.nw_ttl, 0);  // omitted fields are wildcarded
    EXPECT_EQ(mask.nw_tos, 0);
    EXPECT_EQ(mask.nw_frag, 0);
    EXPECT_EQ(key.tp_src, be16(1));
    EXPECT_EQ(key.tp_dst, be16(2));
    EXPECT_EQ(mask.tp_dst, be16(0xffff));
    EXPECT_EQ(mask.vlans[0].tci.raw, 0);
    EXPECT_EQ(mask.tun_id, 0u);
    EXPECT_EQ(print({key, mask}),
              "in_port(1),eth(src=00:00:00:00:00:01,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0800),"
              "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17),udp(src=1,dst=2)");
}

TEST(FlowString, RecircIdZeroIsIgnoredAndSpacesAllowed) {
    const KeyMask plain = parse_ok("in_port(3),eth_type(0x0806)");
    const KeyMask with = parse_ok(" recirc_id(0) , in_port( 3 ),\teth_type(0x0806) ");
    EXPECT_TRUE(plain.first == with.first);
    EXPECT_TRUE(plain.second == with.second);
    EXPECT_EQ(with.first.in_port, 3u);
}

TEST(FlowString, EmptyTextIsAllWildcards) {
    const auto [key, mask] = parse_ok("");
    EXPECT_TRUE(mask == FlowMask::none());
    EXPECT_TRUE(key == FlowMask::none());
}

TEST(FlowString, PartialMasksAndKeyComesBackMasked) {
    const auto [key, mask] = parse_ok(
        "in_port(5/0xff),eth(dst=01:00:5e:00:00:fb/01:00:00:00:00:00),"
        "ipv4(src=10.0.0.77/255.255.255.0,dst=192.168.7.9/16,tos=0xb8/0xfc,frag=later/0x2),"
        "tcp(dst=0x50/0xfff0),tcp_flags(syn/syn|ack)");
    EXPECT_EQ(mask.in_port, 0xffu);
    EXPECT_EQ(key.eth_dst, (EthAddr{0x01, 0, 0, 0, 0, 0}));
    EXPECT_EQ(mask.eth_dst, (EthAddr{0x01, 0, 0, 0, 0, 0}));
    EXPECT_EQ(key.nw_src, be32(0x0a000000));
    EXPECT_EQ(mask.nw_src, be32(0xffffff00));
    EXPECT_EQ(key.nw_dst, be32(0xc0a80000));
    EXPECT_EQ(mask.nw_dst, be32(0xffff0000));
    EXPECT_EQ(key.nw_tos, 0xb8);
    EXPECT_EQ(mask.nw_tos, 0xfc);
    EXPECT_EQ(key.nw_frag, kFragLater);
    EXPECT_EQ(mask.nw_frag, kFragLater);
    EXPECT_EQ(key.tp_dst, be16(0x50));
    EXPECT_EQ(mask.tp_dst, be16(0xfff0));
    EXPECT_EQ(key.tcp_flags, be16(0x002));
    EXPECT_EQ(mask.tcp_flags, be16(0x012));
    // Prerequisites filled in: eth_type from ipv4(...), proto from tcp(...).
    EXPECT_EQ(key.eth_type, be16(0x0800));
    EXPECT_EQ(mask.eth_type, be16(0xffff));
    EXPECT_EQ(key.nw_proto, 6);
    EXPECT_EQ(mask.nw_proto, 0xff);
    EXPECT_EQ(print({key, mask}),
              "in_port(5/0xff),eth(dst=01:00:00:00:00:00/01:00:00:00:00:00),eth_type(0x0800),"
              "ipv4(src=10.0.0.0/255.255.255.0,dst=192.168.0.0/255.255.0.0,proto=6,tos=184/0xfc,"
              "frag=0x2/0x2),tcp(dst=80/0xfff0),tcp_flags(0x2/0x12)");
}

TEST(FlowString, VlanTags) {
    const auto [key, mask] =
        parse_ok("vlan(tpid=0x88a8,vid=100,pcp=1),vlan(vid=10),eth_type(0x0800)");
    EXPECT_EQ(key.vlans[0].tpid, be16(0x88a8));
    EXPECT_EQ(key.vlans[0].tci, be16(0x2000 | kVlanPresent | 100));
    EXPECT_EQ(mask.vlans[0].tci, be16(0xffff));
    EXPECT_EQ(key.vlans[1].tpid, be16(0x8100));
    EXPECT_EQ(key.vlans[1].tci, be16(kVlanPresent | 10));
    EXPECT_EQ(mask.vlans[1].tci, be16(kVlanPresent | kVlanVidMask));  // pcp wildcarded
    EXPECT_EQ(print({key, mask}), "vlan(tpid=0x88a8,vid=100,pcp=1),vlan(vid=10),eth_type(0x0800)");
}

TEST(FlowString, Ipv6NeighborDiscovery) {
    const auto [key, mask] = parse_ok(
        "eth_type(0x86dd),ipv6(src=fe80::/10,label=0x12345,tclass=0xb8,hlimit=255),"
        "icmpv6(type=135,code=0),nd(target=2001:db8::2,sll=00:00:00:00:00:01)");
    EXPECT_EQ(key.ipv6_src, (Ip6Addr{0xfe, 0x80}));
    EXPECT_EQ(mask.ipv6_src, (Ip6Addr{0xff, 0xc0}));
    EXPECT_EQ(key.ipv6_label, be32(0x12345));
    EXPECT_EQ(mask.ipv6_label, be32(0xfffff));
    EXPECT_EQ(key.nw_proto, kIpProtoIcmpv6);
    EXPECT_EQ(key.tp_src, be16(135));
    EXPECT_EQ(key.nd_target, test::kIp6B);
    EXPECT_EQ(key.arp_sha, test::kMacA);
    EXPECT_EQ(mask.arp_tha, EthAddr{});
    EXPECT_EQ(print({key, mask}),
              "eth_type(0x86dd),ipv6(src=fe80::/ffc0::,label=0x12345,proto=58,tclass=0xb8,"
              "hlimit=255),icmpv6(type=135,code=0),nd(target=2001:db8::2,"
              "sll=00:00:00:00:00:01)");
}

TEST(FlowString, Ipv6ExtensionHeaderFlags) {
    const auto [key, mask] = parse_ok("eth_type(0x86dd),ipv6(exthdr=0x40/0x1f0),tcp(dst=80)");
    EXPECT_EQ(key.ipv6_exthdr, kIpv6ExtHop);
    EXPECT_EQ(mask.ipv6_exthdr, 0x1f0);
    EXPECT_EQ(print({key, mask}), "eth_type(0x86dd),ipv6(exthdr=0x40/0x1f0,proto=6),tcp(dst=80)");
    const auto [exact_key, exact_mask] = parse_ok("eth_type(0x86dd),ipv6(exthdr=0x144)");
    EXPECT_EQ(exact_key.ipv6_exthdr, kIpv6ExtHop | kIpv6ExtAuth | kIpv6ExtUnseq);
    EXPECT_EQ(exact_mask.ipv6_exthdr, kIpv6ExtHdrMask);
}

TEST(FlowString, ArpAndTunnel) {
    const auto [key, mask] = parse_ok(
        "tunnel(tun_id=0x2a,dst=192.0.2.1),eth_type(0x0806),"
        "arp(sip=10.0.0.1,tip=10.0.0.2,op=2,tha=02:11:22:33:44:55)");
    EXPECT_EQ(key.tun_id, 0x2au);
    EXPECT_EQ(mask.tun_id, ~uint64_t{0});
    EXPECT_EQ(mask.tun_src.raw, 0u);
    EXPECT_EQ(key.tun_dst, be32(0xc0000201));
    EXPECT_EQ(key.nw_proto, 2);
    EXPECT_EQ(key.arp_tha, test::kMacB);
    EXPECT_EQ(mask.arp_sha, EthAddr{});
    EXPECT_EQ(print({key, mask}),
              "tunnel(tun_id=0x2a,dst=192.0.2.1),eth_type(0x0806),"
              "arp(sip=10.0.0.1,tip=10.0.0.2,op=2,tha=02:11:22:33:44:55)");
}

TEST(FlowString, FragNamesAndTcpFlagNames) {
    EXPECT_EQ(parse_ok("ipv4(frag=no)").first.nw_frag, 0);
    EXPECT_EQ(parse_ok("ipv4(frag=first)").first.nw_frag, kFragAny);
    EXPECT_EQ(parse_ok("ipv4(frag=later)").first.nw_frag, kFragAny | kFragLater);
    EXPECT_EQ(parse_ok("ipv4(frag=no)").second.nw_frag, kFragAny | kFragLater);
    EXPECT_EQ(parse_ok("ipv6(),tcp_flags(fin|syn|rst|psh|ack|urg|ece|cwr|ns|0xe00)")
                  .first.tcp_flags.host(),
              0x0fff);
    EXPECT_EQ(parse_ok("ipv4(),tcp(),tcp_flags(0)").second.tcp_flags.host(), 0x0fff);
}

// Prints of keys parsed from real frames, without a mask, parse to exact matches that print the
// same text back.
TEST(FlowString, PlainPrintsOfParsedFramesParse) {
    const std::vector<std::vector<uint8_t>> frames = {test::udp4_frame(), test::tcp6_ext_frame(),
                                                      test::arp_frame(), test::qinq_udp4_frame(),
                                                      test::nd_ns_frame()};
    for (const auto& frame : frames) {
        FlowKey key;
        PacketOffsets ofs;
        parse_flow(frame.data(), static_cast<uint32_t>(frame.size()), 7, key, ofs);
        const std::string text = flow_key_to_string(key);
        const KeyMask km = parse_ok(text);
        EXPECT_EQ(print(km), text);
    }
}

struct BadCase {
    const char* text;
    const char* error_part;  // a piece of the error naming the offending token
};

TEST(FlowString, ErrorsNameTheOffendingToken) {
    const BadCase cases[] = {
        {"foo(1)", "unknown keyword 'foo'"},
        {"in_port(1),encap(eth_type(0x0800))", "unknown keyword 'encap'"},
        {"ipv4(foo=1)", "unknown field 'foo'"},
        {"eth(src=00:11:22:33:44)", "bad MAC address '00:11:22:33:44'"},
        {"eth(src=00:11:22:33:44:gg)", "bad MAC address '00:11:22:33:44:gg'"},
        {"eth(dst=00:11:22:33:44:55:66)", "bad MAC address"},
        {"eth(dst=00:11:22:33:44:55/ff:ff)", "bad MAC mask 'ff:ff'"},
        {"ipv4(src=10.0.0.256)", "bad IPv4 address '10.0.0.256'"},
        {"ipv4(dst=10.0.0)", "bad IPv4 address '10.0.0'"},
        {"ipv4(dst=10.0.0.1/255.0.0)", "bad IPv4 mask '255.0.0'"},
        {"ipv6(src=fe80:::1)", "bad IPv6 address 'fe80:::1'"},
        {"ipv4(src=10.0.0.0/33)", "prefix length '33' wider"},
        {"ipv6(src=::/129)", "prefix length '129' wider"},
        {"udp(src=1/0x1ffff)", "mask '0x1ffff' wider than the field"},
        {"in_port(0x100000000)", "number '0x100000000' wider than the field"},
        {"vlan(vid=4096)", "number '4096' wider"},
        {"vlan(pcp=8)", "number '8' wider"},
        {"ipv6(label=0x100000)", "number '0x100000' wider"},
        {"ipv6(exthdr=0x200)", "number '0x200' wider"},
        {"ipv4(frag=no/0x4)", "mask '0x4' wider"},
        {"ipv4(frag=sometimes)", "bad frag 'sometimes'"},
        {"ipv4(ttl=-1)", "bad number '-1'"},
        {"ipv4(ttl=0x)", "bad number '0x'"},
        {"tcp_flags(syn|bogus)", "bad tcp flags 'bogus'"},
        {"ipv4(src=10.0.0.1", "no ')' closing 'ipv4(src=10.0.0.1'"},
        {"in_port(1", "no ')'"},
        {"in_port(1))", "trailing garbage ')'"},
        {"in_port(1)x", "trailing garbage 'x'"},
        {"in_port(1) eth()", "trailing garbage 'eth()'"},
        {"in_port(1),", "trailing ','"},
        {"in_port 1", "expected '(' after 'in_port'"},
        {"(1)", "expected a keyword at '(1)'"},
        {"ipv4(src=(1))", "unexpected '('"},
        {"ipv4(src=10.0.0.1,,dst=10.0.0.2)", "empty field"},
        {"ipv4(src=10.0.0.1,)", "empty field"},
        {"ipv4(src=)", "missing value in 'src='"},
        {"ipv4(src=10.0.0.1/)", "missing mask"},
        {"ipv4(=1)", "missing field name"},
        {"ipv4(src=10.0.0.1,src=10.0.0.2)", "field given twice: 'src=10.0.0.2'"},
        {"in_port(1),in_port(2)", "in_port(...): given more than once"},
        {"in_port(1,2)", "expects a single value"},
        {"ipv4(10.0.0.1)", "expected name=value, got '10.0.0.1'"},
        {"eth_type(0x0806),ipv4(src=10.0.0.1)", "needs eth_type(0x0800), not eth_type(0x0806)"},
        {"ipv4(),ipv6()", "conflicts with ipv4"},
        {"ipv4(proto=17),tcp(dst=80)", "tcp(...) needs proto=6, not proto=17"},
        {"tcp(dst=80)", "tcp(...) needs ipv4(...) or ipv6(...)"},
        {"arp(),udp()", "udp(...) needs ipv4(...) or ipv6(...)"},
        {"ipv6(),icmp(type=1)", "icmp(...) needs ipv4"},
        {"ipv4(),icmpv6(type=1)", "icmpv6(...) needs ipv6"},
        {"ipv4(),udp(),tcp_flags(syn)", "tcp_flags(...) needs tcp, not udp"},
        {"ipv6(),icmpv6(type=128),nd(target=::1)", "nd(...) needs icmpv6(type=135)"},
        {"ipv6(),nd(target=::1)", "nd(...) needs icmpv6(type=135)"},
        {"tunnel(tun_id=0)", "all-zero tunnel key"},
        {"vlan()", "give vid, pcp or a tpid"},
        {"vlan(tpid=0x8100/0xff00,vid=1)", "reads back as the default"},
        {"vlan(vid=1),vlan(vid=2),vlan(vid=3)", "more than 2 vlan tags"},
        {"vlan(cfi=1)", "unknown field 'cfi'"},
        {"recirc_id(1)", "only recirc_id(0) is supported"},
        {"ipv4(src=\n1.2.3.4x)", "bad IPv4 address '1.2.3.4x'"},
    };
    for (const BadCase& c : cases) {
        const auto r = parse_flow_string(c.text);
        ASSERT_FALSE(r.has_value()) << c.text;
        EXPECT_NE(r.error().message.find(c.error_part), std::string::npos)
            << c.text << " -> " << r.error().message;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
    }
}

TEST(FlowString, ErrorQuotesAreBoundedAndPrintable) {
    const std::string text = "ipv4(src=" + std::string(200, 'z') + "\x01)";
    const auto r = parse_flow_string(text);
    ASSERT_FALSE(r.has_value());
    EXPECT_LT(r.error().message.size(), 200u) << r.error().message;
    EXPECT_NE(r.error().message.find("..."), std::string::npos);
}

// --- Round trips ------------------------------------------------------------------------------

class Rng {
  public:
    explicit Rng(uint32_t seed) : gen_(seed) {}
    uint32_t u32() { return static_cast<uint32_t>(gen_()); }
    uint32_t below(uint32_t n) { return u32() % n; }
    bool chance(uint32_t percent) { return below(100) < percent; }
    template <typename T>
    T pick(std::initializer_list<T> v) {
        return *(v.begin() + below(static_cast<uint32_t>(v.size())));
    }
    template <size_t N>
    std::array<uint8_t, N> bytes() {
        std::array<uint8_t, N> a;
        for (auto& b : a)
            b = static_cast<uint8_t>(u32());
        return a;
    }

  private:
    std::mt19937 gen_;
};

// A random valid frame, sometimes cut short so that the key is partial.
std::vector<uint8_t> random_frame(Rng& rng) {
    test::FrameBuilder b;
    const uint16_t type =
        rng.pick<uint16_t>({kEthTypeIpv4, kEthTypeIpv6, kEthTypeArp, kEthTypeRarp, 0x88cc});
    const auto dst = rng.bytes<6>();
    const auto src = rng.bytes<6>();
    const int n_vlans = static_cast<int>(rng.below(3));
    if (n_vlans == 0) {
        b.eth(dst, src, type);
    } else {
        b.eth(dst, src, n_vlans == 2 ? rng.pick<uint16_t>({0x88a8, 0x8100, 0x9100}) : 0x8100);
        if (n_vlans == 2) b.vlan(static_cast<uint16_t>(rng.u32()), 0x8100);
        b.vlan(static_cast<uint16_t>(rng.u32()), type);
    }
    const uint8_t proto = rng.pick<uint8_t>({kIpProtoTcp, kIpProtoUdp, kIpProtoSctp, kIpProtoIcmp,
                                             kIpProtoIcmpv6, static_cast<uint8_t>(rng.u32())});
    auto l4 = [&] {
        const auto sport = static_cast<uint16_t>(rng.u32());
        const auto dport = static_cast<uint16_t>(rng.u32());
        if (proto == kIpProtoTcp) b.tcp(sport, dport, static_cast<uint16_t>(rng.u32()));
        if (proto == kIpProtoUdp) b.udp(sport, dport, 4);
        if (proto == kIpProtoSctp) b.sctp(sport, dport);
        if (proto == kIpProtoIcmp || proto == kIpProtoIcmpv6) {
            const bool nd = proto == kIpProtoIcmpv6 && rng.chance(60);
            b.icmp(nd ? rng.pick<uint8_t>({135, 136}) : static_cast<uint8_t>(rng.u32()),
                   nd ? 0 : static_cast<uint8_t>(rng.below(3)));
            if (nd) {
                b.raw(rng.bytes<16>());
                if (rng.chance(70)) b.u8(rng.pick<uint8_t>({1, 2})).u8(1).raw(rng.bytes<6>());
            }
        }
        b.zeros(8);
    };
    if (type == kEthTypeIpv4) {
        const uint16_t frag = rng.pick<uint16_t>({0, 0, 0x2000, 0x0010, 0x4000});
        b.ipv4(rng.u32(), rng.u32(), proto, static_cast<uint8_t>(rng.u32()),
               static_cast<uint8_t>(rng.u32()), frag);
        l4();
        b.end_ipv4();
    } else if (type == kEthTypeIpv6) {
        b.ipv6(rng.bytes<16>(), rng.bytes<16>(), proto, static_cast<uint8_t>(rng.u32()), rng.u32(),
               static_cast<uint8_t>(rng.u32()));
        l4();
        b.end_ipv6();
    } else if (type == kEthTypeArp || type == kEthTypeRarp) {
        b.arp(static_cast<uint16_t>(rng.below(5)), rng.bytes<6>(), rng.u32(), rng.bytes<6>(),
              rng.u32());
    } else {
        b.zeros(46);
    }
    auto bytes = b.bytes();
    if (rng.chance(15)) bytes.resize(14 + rng.below(static_cast<uint32_t>(bytes.size() - 13)));
    return bytes;
}

// A key with every field random, its eth_type, proto, ICMP type and tags drawn from the values
// the printer treats specially.
FlowKey random_filled_key(Rng& rng) {
    FlowKey k;
    auto* p = reinterpret_cast<uint8_t*>(&k);
    for (size_t i = 0; i < sizeof(k); ++i)
        p[i] = static_cast<uint8_t>(rng.u32());
    k.eth_type = be16(rng.pick<uint16_t>(
        {kEthTypeIpv4, kEthTypeIpv6, kEthTypeArp, kEthTypeRarp, static_cast<uint16_t>(rng.u32())}));
    k.nw_proto = rng.pick<uint8_t>({kIpProtoTcp, kIpProtoUdp, kIpProtoSctp, kIpProtoIcmp,
                                    kIpProtoIcmpv6, static_cast<uint8_t>(rng.u32())});
    if (rng.chance(50)) {
        k.tp_src = be16(rng.pick<uint16_t>({kIcmpv6NdSolicit, kIcmpv6NdAdvert}));
        k.tp_dst = be16(0);
    }
    for (VlanTag& t : k.vlans) {
        t.tpid = be16(rng.pick<uint16_t>({0, kEthTypeVlan, kEthTypeQinQ, 0x0001}));
        if (rng.chance(70)) t.tci = be16(t.tci.host() | kVlanPresent);
    }
    if (rng.chance(50)) {
        k.tun_id = 0;
        k.tun_src.raw = 0;
        if (rng.chance(50)) k.tun_dst.raw = 0;
    }
    return k;
}

// Per byte: zero, all ones or random; sometimes the whole mask exact or empty.
FlowMask random_mask(Rng& rng) {
    const uint32_t mode = rng.below(10);
    if (mode == 0) return FlowMask::exact();
    if (mode == 1) return FlowMask::none();
    FlowMask m;
    auto* p = reinterpret_cast<uint8_t*>(&m);
    for (size_t i = 0; i < sizeof(m); ++i) {
        const uint32_t c = rng.below(3);
        p[i] = c == 0 ? 0 : c == 1 ? 0xff : static_cast<uint8_t>(rng.u32());
    }
    return m;
}

template <typename T>
bool nonzero(const T& v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    for (size_t i = 0; i < sizeof(T); ++i)
        if (p[i] != 0) return true;
    return false;
}

template <typename T>
void zero(T& v) {
    std::memset(static_cast<void*>(&v), 0, sizeof(T));
}

// Restricts (key, mask) to what the printer expresses losslessly: masks only within a field's
// width, only on fields of the layers the key's eth_type and proto select, prerequisites exact,
// tags printed as vlan(...) groups (present, tpid exact, something besides presence matched).
// These are the matches a megaflow holds; parse(print(key, mask)) must give (key & mask, mask).
void canonicalize(FlowKey& k, FlowMask& m) {
    k.nw_frag &= kFragAny | kFragLater;  // the printer shows frag text from the unmasked key
    m.layers = 0;
    m.pad0 = 0;
    m.ipv6_exthdr &= kIpv6ExtHdrMask;
    const FlowKey km = apply_mask(k, m);
    if (km.tun_id == 0 && km.tun_src.raw == 0 && km.tun_dst.raw == 0) {
        m.tun_id = 0;
        zero(m.tun_src);
        zero(m.tun_dst);
    }
    bool present = true;
    for (int i = 0; i < kMaxVlans; ++i) {
        VlanTag& t = k.vlans[i];
        VlanTag& tm = m.vlans[i];
        present = present && (t.tci.host() & kVlanPresent) != 0;
        if (!present) {
            zero(tm);
            continue;
        }
        if (t.tpid.raw == 0) t.tpid = be16(kEthTypeVlan);
        tm.tpid = be16(0xffff);
        uint16_t tci_mask = tm.tci.host() | kVlanPresent;
        if (t.tpid.host() == kEthTypeVlan && tci_mask == kVlanPresent) tci_mask |= kVlanVidMask;
        tm.tci = be16(tci_mask);
    }

    const uint16_t type = k.eth_type.host();
    const bool ip4 = type == kEthTypeIpv4;
    const bool ip6 = type == kEthTypeIpv6;
    const bool arp = type == kEthTypeArp || type == kEthTypeRarp;
    const uint8_t proto = k.nw_proto;
    const bool l4 =
        (ip4 || ip6) && (proto == kIpProtoTcp || proto == kIpProtoUdp || proto == kIpProtoSctp ||
                         (ip4 && proto == kIpProtoIcmp) || (ip6 && proto == kIpProtoIcmpv6));
    const uint16_t icmp_type = k.tp_src.host();
    const bool nd = l4 && ip6 && proto == kIpProtoIcmpv6 && k.tp_dst.raw == 0 &&
                    (icmp_type == kIcmpv6NdSolicit || icmp_type == kIcmpv6NdAdvert);
    if (!ip4 && !arp) {
        zero(m.nw_src);
        zero(m.nw_dst);
    }
    if (!ip6) {
        zero(m.ipv6_src);
        zero(m.ipv6_dst);
        zero(m.ipv6_label);
        m.ipv6_exthdr = 0;
    }
    if (!ip4 && !ip6) {
        m.nw_tos = m.nw_ttl = m.nw_frag = 0;
        if (!arp) m.nw_proto = 0;
    }
    if (!l4) {
        zero(m.tp_src);
        zero(m.tp_dst);
    }
    if (!l4 || proto != kIpProtoTcp) zero(m.tcp_flags);
    if (!nd) zero(m.nd_target);
    if (!nd && !arp) {
        zero(m.arp_sha);
        zero(m.arp_tha);
    }
    m.ipv6_label = be32(m.ipv6_label.host() & 0xfffff);
    m.tcp_flags = be16(m.tcp_flags.host() & 0x0fff);
    m.nw_frag &= kFragAny | kFragLater;
    if (nd && (nonzero(m.nd_target) || nonzero(m.arp_sha) || nonzero(m.arp_tha)))
        m.tp_src = be16(0xffff);
    if (nonzero(m.tp_src) || nonzero(m.tp_dst) || nonzero(m.tcp_flags)) m.nw_proto = 0xff;
    const bool l3_matched = nonzero(m.nw_src) || nonzero(m.nw_dst) || m.nw_proto != 0 ||
                            m.nw_tos != 0 || m.nw_ttl != 0 || m.nw_frag != 0 ||
                            nonzero(m.ipv6_src) || nonzero(m.ipv6_dst) || nonzero(m.ipv6_label) ||
                            m.ipv6_exthdr != 0 || nonzero(m.arp_sha) || nonzero(m.arp_tha);
    if (l3_matched) m.eth_type = be16(0xffff);
}

void expect_round_trip(FlowKey key, FlowMask mask, int iteration) {
    canonicalize(key, mask);
    const std::string text = flow_key_to_string(key, &mask);
    const auto r = parse_flow_string(text);
    ASSERT_TRUE(r.has_value()) << iteration << ": " << text << " -> " << r.error().message;
    const FlowKey want = apply_mask(key, mask);
    EXPECT_TRUE(r->second == mask)
        << iteration << ": " << text << "\n  mask back: " << flow_key_to_string(FlowKey(r->second));
    EXPECT_TRUE(r->first == want) << iteration << ": " << text
                                  << "\n  key back: " << flow_key_to_string(r->first, &r->second);
    EXPECT_EQ(print(*r), text);
}

TEST(FlowString, RoundTripKeysFromRandomFrames) {
    Rng rng(12345);
    for (int i = 0; i < 4000; ++i) {
        const auto frame = random_frame(rng);
        FlowKey key;
        PacketOffsets ofs;
        parse_flow(frame.data(), static_cast<uint32_t>(frame.size()), rng.u32(), key, ofs);
        expect_round_trip(key, random_mask(rng), i);
        if (HasFailure()) return;
    }
}

TEST(FlowString, RoundTripFilledKeys) {
    Rng rng(777);
    for (int i = 0; i < 4000; ++i) {
        expect_round_trip(random_filled_key(rng), random_mask(rng), i);
        if (HasFailure()) return;
    }
}

// Without canonicalising: whatever parses must print and parse back to the same key and mask
// (the fuzz target's property); a good share of these prints parse.
TEST(FlowString, ParsedResultsAreStableUnderPrint) {
    Rng rng(4242);
    int parsed = 0;
    constexpr int kRuns = 4000;
    for (int i = 0; i < kRuns; ++i) {
        const FlowKey key = random_filled_key(rng);
        const FlowMask mask = random_mask(rng);
        const auto first = parse_flow_string(flow_key_to_string(key, &mask));
        if (!first) continue;
        ++parsed;
        const std::string text = print(*first);
        const auto second = parse_flow_string(text);
        ASSERT_TRUE(second.has_value()) << text << " -> " << second.error().message;
        ASSERT_TRUE(second->first == first->first) << text;
        ASSERT_TRUE(second->second == first->second) << text;
    }
    EXPECT_GT(parsed, kRuns / 3);
}

}  // namespace
}  // namespace vs
