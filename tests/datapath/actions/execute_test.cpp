// Tests for execute_actions(): delivery to outputs, flood, upcall and drop through a recording
// Sink; copies versus shared references; and that every mbuf returns to its pool.
#include "datapath/actions/execute.hpp"

#include <gtest/gtest.h>
#include <rte_mempool.h>

#include "tests/datapath/actions/test_packets.hpp"

namespace vs::test {
namespace {

// Records what it receives; frees everything it owns when destroyed.
struct RecordingSink {
    struct Out {
        uint32_t port;
        rte_mbuf* m;
    };
    std::vector<Out> outputs;
    std::vector<std::pair<rte_mbuf*, UpcallReason>> upcalls;
    std::vector<std::pair<rte_mbuf*, DropReason>> drops;
    std::vector<uint32_t> ports{1, 2, 3, 4};
    rte_mempool* pool = test_pool();

    void output(uint32_t port, rte_mbuf* m) { outputs.push_back({port, m}); }
    std::span<const uint32_t> flood_ports() const { return ports; }
    void upcall(rte_mbuf* m, UpcallReason r) { upcalls.push_back({m, r}); }
    void drop(rte_mbuf* m, DropReason r) { drops.push_back({m, r}); }
    rte_mempool* clone_pool() const { return pool; }

    ~RecordingSink() {
        for (auto& o : outputs)
            rte_pktmbuf_free(o.m);
        for (auto& u : upcalls)
            rte_pktmbuf_free(u.first);
        for (auto& d : drops)
            rte_pktmbuf_free(d.first);
    }
};
static_assert(ActionSink<RecordingSink>);

ActionList acts(std::string_view s) {
    auto r = parse_actions(s);
    EXPECT_TRUE(r.has_value()) << s;
    return r ? *r : ActionList{};
}

class Execute : public ::testing::Test {
  protected:
    void SetUp() override { in_use_ = rte_mempool_in_use_count(test_pool()); }
    // No leak: every mbuf the test made (and every copy) is back in the pool.
    void TearDown() override { EXPECT_EQ(rte_mempool_in_use_count(test_pool()), in_use_); }
    void run(std::string_view actions, rte_mbuf* m, RecordingSink& sink) {
        execute_actions(acts(actions), &m, 1, sink);
    }
    unsigned in_use_ = 0;
};

TEST_F(Execute, SingleOutput) {
    RecordingSink sink;
    rte_mbuf* m = make_packet({});
    run("3", m, sink);
    ASSERT_EQ(sink.outputs.size(), 1u);
    EXPECT_EQ(sink.outputs[0].port, 3u);
    EXPECT_EQ(sink.outputs[0].m, m);
    EXPECT_EQ(rte_mbuf_refcnt_read(m), 1);
    EXPECT_TRUE(sink.drops.empty());
}

TEST_F(Execute, MultipleOutputsShareTheMbuf) {
    RecordingSink sink;
    rte_mbuf* m = make_packet({});
    run("2,3,4", m, sink);
    ASSERT_EQ(sink.outputs.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(sink.outputs[i].port, i + 2);
        EXPECT_EQ(sink.outputs[i].m, m);
    }
    EXPECT_EQ(rte_mbuf_refcnt_read(m), 3);
}

TEST_F(Execute, FloodSkipsTheInputPort) {
    RecordingSink sink;
    PacketSpec s;
    s.in_port = 3;
    rte_mbuf* m = make_packet(s);
    run("flood", m, sink);
    ASSERT_EQ(sink.outputs.size(), 3u);
    EXPECT_EQ(sink.outputs[0].port, 1u);
    EXPECT_EQ(sink.outputs[1].port, 2u);
    EXPECT_EQ(sink.outputs[2].port, 4u);
    EXPECT_EQ(rte_mbuf_refcnt_read(m), 3);
}

TEST_F(Execute, EditAfterOutputDoesNotChangeTheEarlierOutput) {
    RecordingSink sink;
    PacketSpec s;
    rte_mbuf* m = make_packet(s);
    std::vector<uint8_t> before = mbuf_bytes(m);
    run("2,set(ipv4(src=9.9.9.9)),push_vlan(vid=7,pcp=0),flood,3", m, sink);
    ASSERT_EQ(sink.outputs.size(), 5u);  // 2, then flood to 2,3,4 (in_port 1 skipped), then 3
    EXPECT_NE(sink.outputs[0].m, m);
    EXPECT_EQ(mbuf_bytes(sink.outputs[0].m), before);
    EXPECT_EQ(rte_mbuf_refcnt_read(sink.outputs[0].m), 1);
    PacketSpec want = s;
    want.src4 = 0x09090909;
    want.vlans = {{0x8100, 7}};
    for (size_t i = 1; i < 5; ++i)
        EXPECT_EQ(mbuf_bytes(sink.outputs[i].m), build_frame(want));
    // The flood precedes no edit: its outputs share the original with the final output.
    EXPECT_EQ(sink.outputs[4].m, m);
    EXPECT_EQ(rte_mbuf_refcnt_read(m), 4);
    // The copy carries the metadata too.
    EXPECT_EQ(packet_meta(sink.outputs[0].m)->key.in_port, 1u);
}

TEST_F(Execute, UpcallAloneTakesThePacket) {
    RecordingSink sink;
    rte_mbuf* m = make_packet({});
    run("userspace(reason=miss)", m, sink);
    ASSERT_EQ(sink.upcalls.size(), 1u);
    EXPECT_EQ(sink.upcalls[0].first, m);
    EXPECT_EQ(sink.upcalls[0].second, UpcallReason::kMiss);
    EXPECT_EQ(rte_mbuf_refcnt_read(m), 1);
}

TEST_F(Execute, UpcallWithOutputGetsItsOwnCopy) {
    RecordingSink sink;
    rte_mbuf* m = make_packet({});
    run("2,userspace(reason=action)", m, sink);
    ASSERT_EQ(sink.upcalls.size(), 1u);
    ASSERT_EQ(sink.outputs.size(), 1u);
    EXPECT_NE(sink.upcalls[0].first, m);
    EXPECT_EQ(sink.outputs[0].m, m);
    EXPECT_EQ(rte_mbuf_refcnt_read(m), 1);
    EXPECT_EQ(rte_mbuf_refcnt_read(sink.upcalls[0].first), 1);
    EXPECT_EQ(mbuf_bytes(sink.upcalls[0].first), mbuf_bytes(m));
}

TEST_F(Execute, EmptyListDrops) {
    RecordingSink sink;
    rte_mbuf* m = make_packet({});
    run("drop", m, sink);
    ASSERT_EQ(sink.drops.size(), 1u);
    EXPECT_EQ(sink.drops[0].second, DropReason::kAction);
    EXPECT_TRUE(sink.outputs.empty());
}

TEST_F(Execute, EditsWithoutOutputDrop) {
    RecordingSink sink;
    rte_mbuf* m = make_packet({});
    run("set(ipv4(ttl=1)),pop_vlan", m, sink);  // pop would fail, but is never run
    ASSERT_EQ(sink.drops.size(), 1u);
    EXPECT_EQ(sink.drops[0].second, DropReason::kAction);
}

TEST_F(Execute, DecTtlAtOneDropsAndStops) {
    RecordingSink sink;
    PacketSpec s;
    s.ttl = 1;
    rte_mbuf* m = make_packet(s);
    run("2,dec_ttl,3", m, sink);
    ASSERT_EQ(sink.outputs.size(), 1u);  // the copy sent before dec_ttl
    EXPECT_EQ(sink.outputs[0].port, 2u);
    ASSERT_EQ(sink.drops.size(), 1u);
    EXPECT_EQ(sink.drops[0].first, m);
    EXPECT_EQ(sink.drops[0].second, DropReason::kActionFailed);
}

TEST_F(Execute, FailedActionsDrop) {
    for (const char* a : {"pop_vlan,1", "tnl_push,1", "tnl_pop,1"}) {
        RecordingSink sink;
        rte_mbuf* m = make_packet({});
        run(a, m, sink);
        EXPECT_TRUE(sink.outputs.empty()) << a;
        ASSERT_EQ(sink.drops.size(), 1u) << a;
        EXPECT_EQ(sink.drops[0].second, DropReason::kActionFailed) << a;
    }
}

TEST_F(Execute, CopyFailureCountsANoMbufDrop) {
    rte_mempool* tiny = rte_pktmbuf_pool_create("vs_act_tiny", 2, 0, kPacketMetaSize,
                                                RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    ASSERT_NE(tiny, nullptr);
    rte_mbuf* hold[2] = {rte_pktmbuf_alloc(tiny), rte_pktmbuf_alloc(tiny)};
    {
        RecordingSink sink;
        sink.pool = tiny;
        rte_mbuf* m = make_packet({});
        run("2,set(eth(dst=00:00:00:00:00:09)),3", m, sink);
        ASSERT_EQ(sink.drops.size(), 1u);
        EXPECT_EQ(sink.drops[0].second, DropReason::kNoMbuf);
        ASSERT_EQ(sink.outputs.size(), 1u);
        EXPECT_EQ(sink.outputs[0].port, 3u);
        EXPECT_EQ(sink.outputs[0].m, m);
        EXPECT_EQ(rte_mbuf_refcnt_read(m), 2);  // one for the drop, one for output 3
        EXPECT_EQ(mbuf_bytes(m)[5], 9);
    }
    rte_pktmbuf_free(hold[0]);
    rte_pktmbuf_free(hold[1]);
    rte_mempool_free(tiny);
}

TEST_F(Execute, ChainedMbufSharedOnEverySegment) {
    RecordingSink sink;
    rte_mbuf* m = make_packet({});
    rte_mbuf* tail = make_mbuf(std::vector<uint8_t>(100, 0xab));
    ASSERT_EQ(rte_pktmbuf_chain(m, tail), 0);
    run("1,2", m, sink);
    EXPECT_EQ(rte_mbuf_refcnt_read(m), 2);
    EXPECT_EQ(rte_mbuf_refcnt_read(tail), 2);
}

TEST_F(Execute, BatchOfMixedPacketsLeaksNothing) {
    RecordingSink sink;
    std::vector<rte_mbuf*> pkts;
    for (uint32_t i = 0; i < 32; ++i) {
        PacketSpec s;
        s.ttl = static_cast<uint8_t>(i % 3);  // some fail dec_ttl
        s.in_port = i % 5;
        s.proto = i % 2 ? kTcp : kUdp;
        pkts.push_back(make_packet(s));
    }
    execute_actions(acts("flood,dec_ttl,set(tp(dst=7)),push_vlan(vid=1,pcp=0),2,3"), pkts.data(),
                    32, sink);
    size_t n_dropped = 0;
    for (auto& d : sink.drops)
        n_dropped += d.second == DropReason::kActionFailed;
    EXPECT_EQ(n_dropped, 22u);  // ttl 0 or 1
    // Flood: 7 packets with in_port 0 reach 4 ports, 25 reach 3; then 10 survivors reach 2 and 3.
    EXPECT_EQ(sink.outputs.size(), 7u * 4 + 25u * 3 + 10u * 2);
}

}  // namespace
}  // namespace vs::test
