// Tests for the VLAN edits: push (802.1Q and QinQ), pop, set VID/PCP; bytes, keys and offsets.
#include <gtest/gtest.h>

#include "datapath/actions/packet_edit.hpp"
#include "tests/datapath/actions/test_packets.hpp"

namespace vs::test {
namespace {

struct Pkt {
    rte_mbuf* m;
    PacketMeta* meta;
    explicit Pkt(const PacketSpec& s) : m(make_packet(s)), meta(packet_meta(m)) {}
    ~Pkt() { rte_pktmbuf_free(m); }
    FlowKey& key() { return meta->key; }
    PacketOffsets& ofs() { return meta->ofs; }
};

TEST(VlanEdit, PushOntoUntaggedMatchesATaggedFrame) {
    PacketSpec s;
    Pkt p(s);
    ASSERT_TRUE(edit::push_vlan(p.m, p.key(), p.ofs(), 0x8100, 0x2000 | 10 | kVlanPresent));
    PacketSpec tagged = s;
    tagged.vlans = {{0x8100, 0x200a}};  // DEI (the present bit) cleared on the wire
    EXPECT_EQ(mbuf_bytes(p.m), build_frame(tagged));
    EXPECT_EQ(p.ofs().l3, 18);
    EXPECT_EQ(p.ofs().l4, 38);
    EXPECT_EQ(p.key().vlans[0].tci.host(), 0x200a | kVlanPresent);
    EXPECT_EQ(p.key().vlans[0].tpid.host(), 0x8100);
    EXPECT_EQ(p.key().vlans[1].tci.host(), 0);
}

TEST(VlanEdit, PushThenPopRestoresTheFrame) {
    for (bool tagged : {false, true}) {
        PacketSpec s;
        if (tagged) s.vlans = {{0x8100, 7}};
        Pkt p(s);
        std::vector<uint8_t> before = mbuf_bytes(p.m);
        PacketMeta meta_before = *p.meta;
        ASSERT_TRUE(edit::push_vlan(p.m, p.key(), p.ofs(), 0x88a8, 100));
        EXPECT_EQ(rte_pktmbuf_data_len(p.m), before.size() + 4);
        ASSERT_TRUE(edit::pop_vlan(p.m, p.key(), p.ofs()));
        EXPECT_EQ(mbuf_bytes(p.m), before);
        EXPECT_EQ(p.key(), meta_before.key);
        EXPECT_EQ(p.ofs().l3, meta_before.ofs.l3);
        EXPECT_EQ(p.ofs().l4, meta_before.ofs.l4);
    }
}

TEST(VlanEdit, QinQPush) {
    PacketSpec s;
    s.vlans = {{0x8100, 5}};
    Pkt p(s);
    ASSERT_TRUE(edit::push_vlan(p.m, p.key(), p.ofs(), 0x88a8, 0xe000 | 300));
    PacketSpec want = s;
    want.vlans = {{0x88a8, 0xe000 | 300}, {0x8100, 5}};
    EXPECT_EQ(mbuf_bytes(p.m), build_frame(want));
    EXPECT_EQ(p.key().vlans[0].tpid.host(), 0x88a8);
    EXPECT_EQ(p.key().vlans[1].tci.host(), 5 | kVlanPresent);
    EXPECT_EQ(p.ofs().l3, 22);
    // Pop the outer tag: back to the single tag, the inner one now outermost.
    ASSERT_TRUE(edit::pop_vlan(p.m, p.key(), p.ofs()));
    EXPECT_EQ(mbuf_bytes(p.m), build_frame(s));
    EXPECT_EQ(p.key().vlans[0].tci.host(), 5 | kVlanPresent);
    EXPECT_EQ(p.key().vlans[1].tci.host(), 0);
}

TEST(VlanEdit, PopWithoutATagFails) {
    PacketSpec s;
    Pkt p(s);
    std::vector<uint8_t> before = mbuf_bytes(p.m);
    EXPECT_FALSE(edit::pop_vlan(p.m, p.key(), p.ofs()));
    EXPECT_EQ(mbuf_bytes(p.m), before);
    EXPECT_EQ(p.ofs().l3, 14);
}

TEST(VlanEdit, PushWithoutHeadroomFails) {
    PacketSpec s;
    Pkt p(s);
    rte_pktmbuf_prepend(p.m, rte_pktmbuf_headroom(p.m));  // use up the headroom
    EXPECT_FALSE(edit::push_vlan(p.m, p.key(), p.ofs(), 0x8100, 1));
}

TEST(VlanEdit, SetVidAndPcpOnOutermostTag) {
    PacketSpec s;
    s.vlans = {{0x88a8, 0x2000 | 1}, {0x8100, 2}};
    Pkt p(s);
    ASSERT_TRUE(edit::set_vlan_vid(p.m, p.key(), p.ofs(), 4094));
    ASSERT_TRUE(edit::set_vlan_pcp(p.m, p.key(), p.ofs(), 5));
    PacketSpec want = s;
    want.vlans[0].second = 0xa000 | 4094;
    EXPECT_EQ(mbuf_bytes(p.m), build_frame(want));
    EXPECT_EQ(p.key().vlans[0].tci.host(), 0xa000 | 4094 | kVlanPresent);
    EXPECT_EQ(p.key().vlans[1].tci.host(), 2 | kVlanPresent);
}

TEST(VlanEdit, SetVidWithoutTagIsANoOp) {
    PacketSpec s;
    Pkt p(s);
    std::vector<uint8_t> before = mbuf_bytes(p.m);
    EXPECT_TRUE(edit::set_vlan_vid(p.m, p.key(), p.ofs(), 9));
    EXPECT_TRUE(edit::set_vlan_pcp(p.m, p.key(), p.ofs(), 3));
    EXPECT_EQ(mbuf_bytes(p.m), before);
}

TEST(VlanEdit, L3EditsAfterPushUseTheShiftedOffsets) {
    PacketSpec s;
    Pkt p(s);
    ASSERT_TRUE(edit::push_vlan(p.m, p.key(), p.ofs(), 0x8100, 10));
    ASSERT_TRUE(edit::set_ipv4_src(p.m, p.key(), p.ofs(), Be32::from_host(0x0b0b0b0b)));
    ASSERT_TRUE(edit::set_tp_dst(p.m, p.key(), p.ofs(), 8080));
    PacketSpec want = s;
    want.vlans = {{0x8100, 10}};
    want.src4 = 0x0b0b0b0b;
    want.dport = 8080;
    EXPECT_EQ(mbuf_bytes(p.m), build_frame(want));
}

}  // namespace
}  // namespace vs::test
