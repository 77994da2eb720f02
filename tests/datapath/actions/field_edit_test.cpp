// Tests for the set-field edits beyond addresses and ports (ECN, IPv6 flow label, ICMP type and
// code, ARP fields, ND target and link-layer options, set_queue): exact bytes after each edit,
// checksums against a from-scratch recomputation, and the edited key against what the real parser
// reads from the edited frame (an edit must leave key and packet in agreement).
#include <gtest/gtest.h>

#include <cstring>

#include "datapath/actions/action_list.hpp"
#include "datapath/actions/execute.hpp"
#include "datapath/actions/packet_edit.hpp"
#include "datapath/packet/flow_parse.hpp"
#include "tests/datapath/actions/test_packets.hpp"

namespace vs::test {
namespace {

// The frame in an mbuf whose PacketMeta the real parser filled.
rte_mbuf* parsed_mbuf(const std::vector<uint8_t>& frame) {
    rte_mbuf* m = make_mbuf(frame);
    PacketMeta* meta = packet_meta(m);
    std::memset(static_cast<void*>(meta), 0, sizeof(*meta));
    EXPECT_EQ(
        parse_flow(frame.data(), static_cast<uint32_t>(frame.size()), 1, meta->key, meta->ofs),
        ParseStatus::kOk);
    return m;
}

struct Result {
    std::vector<uint8_t> after;
    FlowKey key;
    bool ok;
};

// Runs one action through the executor's edit switch, then checks that parsing the edited frame
// gives the edited key.
Result run(const std::vector<uint8_t>& frame, const Action& a) {
    rte_mbuf* m = parsed_mbuf(frame);
    PacketMeta* meta = packet_meta(m);
    Result r;
    r.ok = detail::apply_edit<int>(a, m, meta->key, meta->ofs);
    r.after = mbuf_bytes(m);
    r.key = meta->key;
    FlowKey reparsed;
    PacketOffsets ofs;
    (void)parse_flow(r.after.data(), static_cast<uint32_t>(r.after.size()), 1, reparsed, ofs);
    EXPECT_TRUE(reparsed == r.key)
        << "key out of step with the packet after " << ActionList{a}.to_string();
    rte_pktmbuf_free(m);
    return r;
}

size_t diff_count(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    size_t n = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        n += a[i] != b[i];
    return n;
}

// ICMPv4 checksum over the ICMP message from l4 to the IP end.
uint16_t icmp4_csum(std::vector<uint8_t> b, size_t l3, size_t l4) {
    const size_t end = l3 + get16(b, l3 + 2);
    put16(b, l4 + 2, 0);
    return fold_not(sum16(&b[l4], end - l4));
}

std::vector<uint8_t> icmp4_frame(size_t* l3, size_t* l4) {
    PacketSpec s;
    s.proto = kIcmp;
    std::vector<uint8_t> b = build_frame(s, l3, l4);
    b[*l4] = 8;  // echo request, code 0
    put16(b, *l4 + 2, icmp4_csum(b, *l3, *l4));
    return b;
}

TEST(FieldEdit, EcnIpv4KeepsDscpAndFixesChecksum) {
    PacketSpec s;
    s.tos = 0x20;
    size_t l3 = 0;
    auto frame = build_frame(s, &l3);
    Result r = run(frame, Action::set_ecn(1));
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.after[l3 + 1], 0x21);
    EXPECT_EQ(r.key.nw_tos, 0x21);
    EXPECT_EQ(get16(r.after, l3 + 10), ipv4_csum(r.after, l3));
    EXPECT_EQ(get16(r.after, l3 + 16 + 20), get16(frame, l3 + 16 + 20));  // TCP checksum untouched
}

TEST(FieldEdit, EcnIpv6) {
    PacketSpec s;
    s.v6 = true;
    s.tos = 0xb8;
    size_t l3 = 0;
    auto frame = build_frame(s, &l3);
    Result r = run(frame, Action::set_ecn(3));
    ASSERT_TRUE(r.ok);
    const uint8_t tc = static_cast<uint8_t>((r.after[l3] & 0x0f) << 4 | r.after[l3 + 1] >> 4);
    EXPECT_EQ(tc, 0xbb);
    EXPECT_EQ(r.key.nw_tos, 0xbb);
    EXPECT_EQ(r.after[l3 + 1] & 0x0f, frame[l3 + 1] & 0x0f);  // flow label bits kept
    EXPECT_EQ(diff_count(frame, r.after), 1u);
}

TEST(FieldEdit, Ipv6FlowLabel) {
    PacketSpec s;
    s.v6 = true;
    s.tos = 0x20;
    size_t l3 = 0;
    auto frame = build_frame(s, &l3);
    Result r = run(frame, Action::set_ipv6_label(0xabcde));
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.after[l3 + 1], 0x0a);  // traffic class low nibble 0, label high nibble 0xa
    EXPECT_EQ(r.after[l3 + 2], 0xbc);
    EXPECT_EQ(r.after[l3 + 3], 0xde);
    EXPECT_EQ(r.key.ipv6_label.host(), 0xabcdeu);
    // On IPv4 a no-op.
    auto v4 = build_frame(PacketSpec{});
    Result r4 = run(v4, Action::set_ipv6_label(5));
    EXPECT_TRUE(r4.ok);
    EXPECT_EQ(r4.after, v4);
}

TEST(FieldEdit, Icmpv4TypeAndCode) {
    size_t l3 = 0, l4 = 0;
    auto frame = icmp4_frame(&l3, &l4);
    Result t = run(frame, Action::set_icmp_type(0));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.after[l4], 0);
    EXPECT_EQ(t.key.tp_src.host(), 0);
    EXPECT_EQ(get16(t.after, l4 + 2), icmp4_csum(t.after, l3, l4));
    Result c = run(frame, Action::set_icmp_code(7));
    ASSERT_TRUE(c.ok);
    EXPECT_EQ(c.after[l4 + 1], 7);
    EXPECT_EQ(c.key.tp_dst.host(), 7);
    EXPECT_EQ(get16(c.after, l4 + 2), icmp4_csum(c.after, l3, l4));
    // On TCP a no-op.
    auto tcp = build_frame(PacketSpec{});
    EXPECT_EQ(run(tcp, Action::set_icmp_type(3)).after, tcp);
}

TEST(FieldEdit, Icmpv6TypeKeepsPseudoHeaderChecksumValid) {
    PacketSpec s;
    s.v6 = true;
    s.proto = kIcmpv6;
    size_t l3 = 0, l4 = 0;
    auto frame = build_frame(s, &l3, &l4);
    Result r = run(frame, Action::set_icmp_type(129));
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.after[l4], 129);
    EXPECT_EQ(get16(r.after, l4 + 2), l4_csum(r.after, l3, l4, true, kIcmpv6));
}

std::vector<uint8_t> arp_frame() {
    std::vector<uint8_t> b = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0,
                              1,    0x08, 0x06, 0,    1,    0x08, 0,    6, 4, 0, 1,  // request
                              0x02, 0,    0,    0,    0,    1,    10,   0, 0, 1,     // sha, spa
                              0,    0,    0,    0,    0,    0,    10,   0, 0, 2};    // tha, tpa
    return b;
}

TEST(FieldEdit, ArpFields) {
    auto frame = arp_frame();
    const EthAddr mac{0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    Result op = run(frame, Action::set_arp_op(2));
    ASSERT_TRUE(op.ok);
    EXPECT_EQ(get16(op.after, 14 + 6), 2);
    EXPECT_EQ(op.key.nw_proto, 2);
    Result spa = run(frame, Action::set_arp_spa(Be32::from_host(0xc0a80001)));
    EXPECT_EQ(get16(spa.after, 14 + 14), 0xc0a8);
    EXPECT_EQ(spa.key.nw_src.host(), 0xc0a80001u);
    Result tpa = run(frame, Action::set_arp_tpa(Be32::from_host(0xc0a80002)));
    EXPECT_EQ(get16(tpa.after, 14 + 26), 0x0002);
    EXPECT_EQ(tpa.key.nw_dst.host(), 0xc0a80002u);
    Result sha = run(frame, Action::set_arp_sha(mac));
    EXPECT_EQ(0, std::memcmp(&sha.after[14 + 8], mac.data(), 6));
    EXPECT_EQ(sha.key.arp_sha, mac);
    Result tha = run(frame, Action::set_arp_tha(mac));
    EXPECT_EQ(0, std::memcmp(&tha.after[14 + 18], mac.data(), 6));
    EXPECT_EQ(diff_count(frame, tha.after), 6u);
    // An IPv4 packet is left alone.
    auto ip = build_frame(PacketSpec{});
    EXPECT_EQ(run(ip, Action::set_arp_spa(Be32::from_host(1))).after, ip);
}

// A neighbor solicitation (type 135) for 2001:db8::2 with a source link-layer address option,
// or an advertisement (136) with a target link-layer address option.
std::vector<uint8_t> nd_frame(uint8_t type, size_t* l3, size_t* l4) {
    PacketSpec s;
    s.v6 = true;
    s.proto = kIcmpv6;
    s.payload = 20 + 8;  // ICMPv6 header (4 here + 4 reserved) + target (16) + option (8)
    auto b = build_frame(s, l3, l4);
    const size_t p = *l4;
    std::fill(b.begin() + static_cast<long>(p), b.end(), 0);
    b[p] = type;
    std::memcpy(&b[p + 8], s.dst6.data(), 16);
    b[p + 24] = type == 135 ? 1 : 2;
    b[p + 25] = 1;
    for (int i = 0; i < 6; ++i)
        b[p + 26 + i] = static_cast<uint8_t>(0x10 + i);
    put16(b, p + 2, l4_csum(b, *l3, p, true, kIcmpv6));
    return b;
}

TEST(FieldEdit, NdTargetAndOptions) {
    size_t l3 = 0, l4 = 0;
    auto ns = nd_frame(135, &l3, &l4);
    const Ip6Addr target{0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa0};
    const EthAddr mac{0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    Result t = run(ns, Action::set_nd_target(target));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(0, std::memcmp(&t.after[l4 + 8], target.data(), 16));
    EXPECT_EQ(t.key.nd_target, target);
    EXPECT_EQ(get16(t.after, l4 + 2), l4_csum(t.after, l3, l4, true, kIcmpv6));
    Result sll = run(ns, Action::set_nd_sll(mac));
    ASSERT_TRUE(sll.ok);
    EXPECT_EQ(0, std::memcmp(&sll.after[l4 + 26], mac.data(), 6));
    EXPECT_EQ(sll.key.arp_sha, mac);
    EXPECT_EQ(get16(sll.after, l4 + 2), l4_csum(sll.after, l3, l4, true, kIcmpv6));
    // A solicitation has no target link-layer option: nothing to change, nothing added.
    Result tll_ns = run(ns, Action::set_nd_tll(mac));
    EXPECT_TRUE(tll_ns.ok);
    EXPECT_EQ(tll_ns.after, ns);
    auto na = nd_frame(136, &l3, &l4);
    Result tll = run(na, Action::set_nd_tll(mac));
    ASSERT_TRUE(tll.ok);
    EXPECT_EQ(0, std::memcmp(&tll.after[l4 + 26], mac.data(), 6));
    EXPECT_EQ(tll.key.arp_tha, mac);
    EXPECT_EQ(get16(tll.after, l4 + 2), l4_csum(tll.after, l3, l4, true, kIcmpv6));
}

TEST(FieldEdit, SetQueueRecordsQueueIdOnly) {
    auto frame = build_frame(PacketSpec{});
    rte_mbuf* m = parsed_mbuf(frame);
    PacketMeta* meta = packet_meta(m);
    EXPECT_TRUE(detail::apply_edit<int>(Action::set_queue(7), m, meta->key, meta->ofs));
    EXPECT_EQ(meta->queue_id, 7u);
    EXPECT_EQ(mbuf_bytes(m), frame);
    rte_pktmbuf_free(m);
}

TEST(FieldEdit, NewActionsRoundTripThroughText) {
    const EthAddr mac{0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    const Ip6Addr ip6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09};
    const ActionList list{Action::set_ecn(2),
                          Action::set_ipv6_label(0x12345),
                          Action::set_icmp_type(3),
                          Action::set_icmp_code(1),
                          Action::set_arp_op(2),
                          Action::set_arp_spa(Be32::from_host(0x0a000001)),
                          Action::set_arp_tpa(Be32::from_host(0x0a000002)),
                          Action::set_arp_sha(mac),
                          Action::set_arp_tha(mac),
                          Action::set_nd_target(ip6),
                          Action::set_nd_sll(mac),
                          Action::set_nd_tll(mac),
                          Action::set_queue(5),
                          Action::output(2)};
    const std::string text = list.to_string();
    EXPECT_EQ(text,
              "set(ipv4(tos=0x2/0x3)),set(ipv6(label=0x12345)),set(icmp(type=3)),"
              "set(icmp(code=1)),set(arp(op=2)),set(arp(sip=10.0.0.1)),set(arp(tip=10.0.0.2)),"
              "set(arp(sha=0a:0b:0c:0d:0e:0f)),set(arp(tha=0a:0b:0c:0d:0e:0f)),"
              "set(nd(target=2001:db8::9)),set(nd(sll=0a:0b:0c:0d:0e:0f)),"
              "set(nd(tll=0a:0b:0c:0d:0e:0f)),set_queue(5),2");
    auto parsed = parse_actions(text);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_TRUE(*parsed == list);
    EXPECT_FALSE(parse_actions("set(ipv4(tos=0x1/0x7))").has_value());
    EXPECT_FALSE(parse_actions("set(arp(op=70000))").has_value());
    EXPECT_FALSE(parse_actions("set(nd(sll=1.2.3.4))").has_value());
}

}  // namespace
}  // namespace vs::test
