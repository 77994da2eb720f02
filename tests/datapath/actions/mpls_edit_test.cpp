// Tests for the MPLS edits: push onto IP, ARP and MPLS packets, pop back to what the stack
// carried (re-parsed, so that later edits see it), label/TC/BoS/TTL set-fields, dec_mpls_ttl at
// the TTL floor, and the TTL copies both ways with the IPv4 checksum kept valid. The key after
// each edit must equal what the real parser reads from the edited frame.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "datapath/actions/action_list.hpp"
#include "datapath/actions/execute.hpp"
#include "datapath/actions/packet_edit.hpp"
#include "datapath/packet/flow_parse.hpp"
#include "tests/datapath/actions/parsed_edits.hpp"
#include "tests/datapath/actions/test_packets.hpp"

namespace vs::test {
namespace {

// Ethernet + one label stack entry + the L3 packet of `inner` (an Ethernet frame).
std::vector<uint8_t> mpls_frame(const std::vector<uint8_t>& inner, uint32_t lse) {
    std::vector<uint8_t> b(inner.size() + 4);
    std::memcpy(b.data(), inner.data(), 12);
    put16(b, 12, 0x8847);
    put16(b, 14, static_cast<uint16_t>(lse >> 16));
    put16(b, 16, static_cast<uint16_t>(lse));
    std::memcpy(b.data() + 18, inner.data() + 14, inner.size() - 14);
    return b;
}

constexpr uint32_t kLse = 100u << 12 | 3u << 9 | 0x100 | 64;  // label 100, TC 3, BoS, TTL 64

TEST(MplsEdit, ParserKeepsTheTopEntry) {
    auto frame = mpls_frame(build_frame(PacketSpec{}), kLse);
    FlowKey k;
    PacketOffsets ofs;
    ASSERT_EQ(parse_flow(frame.data(), static_cast<uint32_t>(frame.size()), 1, k, ofs),
              ParseStatus::kOk);
    EXPECT_EQ(k.eth_type.host(), 0x8847);
    EXPECT_EQ(k.nw_src.host(), kLse);
    EXPECT_EQ(k.nw_proto, 0);
    EXPECT_EQ(ofs.l3, 14);
    EXPECT_EQ(ofs.l4, 0);
}

TEST(MplsEdit, PushOntoIpv4TakesItsTtlAndPopGivesTheSameFrameBack) {
    PacketSpec s;
    s.ttl = 33;
    const auto ip = build_frame(s);
    Edited pushed = run(ip, {Action::push_mpls(0x8847)});
    ASSERT_TRUE(pushed.ok);
    EXPECT_EQ(pushed.after, mpls_frame(ip, 0x100 | 33));
    EXPECT_EQ(pushed.key.nw_src.host(), 0x100u | 33);
    Edited back = run(pushed.after, {Action::pop_mpls(0x0800)});
    ASSERT_TRUE(back.ok);
    EXPECT_EQ(back.after, ip);
    // Within one list, an edit after the pop sees the IPv4 header again.
    Edited both = run(ip, {Action::push_mpls(0x8847), Action::pop_mpls(0x0800),
                           Action::set_ipv4_src(Be32::from_host(0x0b000001))});
    EXPECT_EQ(both.key.nw_src.host(), 0x0b000001u);
    EXPECT_EQ(get16(both.after, 14 + 10), ipv4_csum(both.after, 14));
}

TEST(MplsEdit, PushOntoVlanGoesAfterTheTagAndOntoMplsCopiesTheTopEntry) {
    PacketSpec s;
    s.vlans = {{0x8100, 10}};
    const auto ip = build_frame(s);
    Edited pushed = run(ip, {Action::push_mpls(0x8847)});
    ASSERT_TRUE(pushed.ok);
    EXPECT_EQ(get16(pushed.after, 12), 0x8100);
    EXPECT_EQ(get16(pushed.after, 16), 0x8847);
    EXPECT_EQ(pushed.key.vlans[0].tci.host() & kVlanVidMask, 10);
    const auto one = mpls_frame(build_frame(PacketSpec{}), kLse);
    Edited two = run(one, {Action::push_mpls(0x8847)});
    ASSERT_TRUE(two.ok);
    EXPECT_EQ(get16(two.after, 14), (kLse & ~0x100u) >> 16);
    EXPECT_EQ(get16(two.after, 16), (kLse & ~0x100u) & 0xffff);
    EXPECT_EQ(get16(two.after, 20), kLse & 0xffff);  // the old entry keeps BoS
    // ARP gets TTL 0.
    PacketSpec arp;
    arp.ip = false;
    Edited a = run(build_frame(arp), {Action::push_mpls(0x8848)});
    EXPECT_EQ(a.key.nw_src.host(), 0x100u);
    EXPECT_EQ(a.key.eth_type.host(), 0x8848);
}

TEST(MplsEdit, PopPadsAFrameLeftShorterThanTheEthernetMinimum) {
    PacketSpec s;
    s.proto = kUdp;
    s.payload = 18;  // 14 + 20 + 8 + 18 = 60 bytes; with MPLS 64, popped 60 again
    const auto ip = build_frame(s);
    EXPECT_EQ(run(mpls_frame(ip, kLse), {Action::pop_mpls(0x0800)}).after, ip);
    s.payload = 8;  // 50 bytes; with MPLS 54; popped: padded to 60 with zeros
    const auto small = build_frame(s);
    Edited e = run(mpls_frame(small, kLse), {Action::pop_mpls(0x0800)});
    ASSERT_EQ(e.after.size(), 60u);
    EXPECT_TRUE(std::equal(small.begin(), small.end(), e.after.begin()));
    EXPECT_EQ(std::count(e.after.begin() + 50, e.after.end(), 0), 10);
}

TEST(MplsEdit, SetFieldsAndTtls) {
    const auto frame = mpls_frame(build_frame(PacketSpec{}), kLse);
    Edited e = run(frame, {Action::set_mpls_label(203), Action::set_mpls_tc(5),
                           Action::set_mpls_ttl(9), Action::set_mpls_bos(1)});
    ASSERT_TRUE(e.ok);
    EXPECT_EQ(e.key.nw_src.host(), 203u << 12 | 5u << 9 | 0x100 | 9);
    Edited dec = run(frame, {Action::dec_mpls_ttl()});
    ASSERT_TRUE(dec.ok);
    EXPECT_EQ(dec.after[17], 63);
    EXPECT_FALSE(run(mpls_frame(build_frame(PacketSpec{}), 0x101), {Action::dec_mpls_ttl()}).ok);
}

TEST(MplsEdit, CopyTtlOutAndIn) {
    PacketSpec s;
    s.ttl = 32;
    const auto v4 = mpls_frame(build_frame(s), kLse);  // MPLS TTL 64, IPv4 TTL 32
    Edited out = run(v4, {Action::copy_ttl_out()});
    EXPECT_EQ(out.after[17], 32);
    Edited in = run(v4, {Action::copy_ttl_in()});
    EXPECT_EQ(in.after[18 + 8], 64);
    EXPECT_EQ(get16(in.after, 18 + 10), ipv4_csum(in.after, 18));
    s.v6 = true;
    const auto v6 = mpls_frame(build_frame(s), kLse);
    EXPECT_EQ(run(v6, {Action::copy_ttl_out()}).after[17], 32);
    EXPECT_EQ(run(v6, {Action::copy_ttl_in()}).after[18 + 7], 64);
}

TEST(MplsEdit, ActionsRoundTripThroughText) {
    const ActionList list{Action::push_mpls(0x8847), Action::pop_mpls(0x0800),
                          Action::set_mpls_label(7), Action::set_mpls_tc(2),
                          Action::set_mpls_bos(1),   Action::set_mpls_ttl(5),
                          Action::dec_mpls_ttl(),    Action::copy_ttl_out(),
                          Action::copy_ttl_in(),     Action::output(1)};
    const std::string text = list.to_string();
    EXPECT_EQ(text,
              "push_mpls(eth_type=0x8847),pop_mpls(eth_type=0x800),set(mpls(label=7)),"
              "set(mpls(tc=2)),set(mpls(bos=1)),set(mpls(ttl=5)),dec_mpls_ttl,copy_ttl_out,"
              "copy_ttl_in,1");
    auto parsed = parse_actions(text);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_TRUE(*parsed == list);
    EXPECT_FALSE(parse_actions("push_mpls(eth_type=0x800)").has_value());
}

}  // namespace
}  // namespace vs::test
