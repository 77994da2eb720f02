// The executor's meter action: a sink with meter() decides per packet; a drop verdict drops the
// packet (DropReason::kMeter) after any earlier output kept its copy, a remark verdict raises an
// AF DSCP's drop precedence in the packet (IPv4 checksum kept right, IPv6 traffic class too,
// non-IP untouched), and a sink without meter() lets every packet pass.
#include <gtest/gtest.h>
#include <rte_mempool.h>

#include "datapath/actions/execute.hpp"
#include "tests/datapath/actions/test_packets.hpp"

namespace vs::test {
namespace {

struct MeterSink {
    std::vector<std::pair<uint32_t, rte_mbuf*>> outputs;
    std::vector<std::pair<rte_mbuf*, DropReason>> drops;
    std::vector<uint32_t> ports{1, 2};
    MeterVerdict verdict;
    std::vector<uint32_t> charged;  // meter ids, in order

    void output(uint32_t port, rte_mbuf* m) { outputs.push_back({port, m}); }
    std::span<const uint32_t> flood_ports() const { return ports; }
    void upcall(rte_mbuf* m, UpcallReason) { drops.push_back({m, DropReason::kUpcallFailed}); }
    void drop(rte_mbuf* m, DropReason r) { drops.push_back({m, r}); }
    rte_mempool* clone_pool() const { return test_pool(); }
    MeterVerdict meter(uint32_t id, uint32_t) {
        charged.push_back(id);
        return verdict;
    }
    ~MeterSink() {
        for (auto& o : outputs)
            rte_pktmbuf_free(o.second);
        for (auto& d : drops)
            rte_pktmbuf_free(d.first);
    }
};

ActionList acts(std::string_view s) {
    auto r = parse_actions(s);
    EXPECT_TRUE(r.has_value()) << s;
    return r ? *r : ActionList{};
}

std::vector<uint8_t> bytes_of(const rte_mbuf* m) {
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    return {p, p + rte_pktmbuf_data_len(m)};
}

class MeterExecute : public ::testing::Test {
  protected:
    void SetUp() override { in_use_ = rte_mempool_in_use_count(test_pool()); }
    void TearDown() override { EXPECT_EQ(rte_mempool_in_use_count(test_pool()), in_use_); }
    unsigned in_use_ = 0;
};

TEST_F(MeterExecute, SyntaxRoundTrips) {
    EXPECT_EQ(acts("meter(7),2").to_string(), "meter(7),2");
    EXPECT_FALSE(parse_actions("meter(x),2"));
}

TEST_F(MeterExecute, PassAndDrop) {
    MeterSink sink;
    rte_mbuf* m = make_packet({});
    execute_actions(acts("meter(3),2"), &m, 1, sink);
    ASSERT_EQ(sink.outputs.size(), 1u);
    EXPECT_EQ(sink.charged, std::vector<uint32_t>{3});
    sink.verdict.drop = true;
    rte_mbuf* d = make_packet({});
    execute_actions(acts("meter(3),2"), &d, 1, sink);
    EXPECT_EQ(sink.outputs.size(), 1u);
    ASSERT_EQ(sink.drops.size(), 1u);
    EXPECT_EQ(sink.drops[0].second, DropReason::kMeter);
}

TEST_F(MeterExecute, DropAfterAnOutputKeepsThatOutput) {
    MeterSink sink;
    sink.verdict.drop = true;
    rte_mbuf* m = make_packet({});
    execute_actions(acts("1,meter(4),2"), &m, 1, sink);
    ASSERT_EQ(sink.outputs.size(), 1u);
    EXPECT_EQ(sink.outputs[0].first, 1u);
    ASSERT_EQ(sink.drops.size(), 1u);
    EXPECT_EQ(sink.drops[0].second, DropReason::kMeter);
}

TEST_F(MeterExecute, RemarkRaisesDropPrecedence) {
    MeterSink sink;
    sink.verdict.prec_level = 1;
    PacketSpec v4;
    v4.tos = 18 << 2;  // AF21
    rte_mbuf* m = make_packet(v4);
    execute_actions(acts("meter(1),2"), &m, 1, sink);
    ASSERT_EQ(sink.outputs.size(), 1u);
    std::vector<uint8_t> b = bytes_of(sink.outputs[0].second);
    const size_t l3 = l3_of(b);
    EXPECT_EQ(b[l3 + 1] >> 2, 20);  // AF22
    EXPECT_EQ(get16(b, l3 + 10), ipv4_csum(b, l3));

    PacketSpec v6;
    v6.v6 = true;
    v6.tos = 10 << 2;  // AF11
    rte_mbuf* m6 = make_packet(v6);
    execute_actions(acts("meter(1),2"), &m6, 1, sink);
    ASSERT_EQ(sink.outputs.size(), 2u);
    b = bytes_of(sink.outputs[1].second);
    const size_t l3v6 = l3_of(b);
    const uint8_t tc = static_cast<uint8_t>(((b[l3v6] & 0x0f) << 4) | (b[l3v6 + 1] >> 4));
    EXPECT_EQ(tc >> 2, 12);  // AF12

    PacketSpec arp;
    arp.ip = false;
    rte_mbuf* a = make_packet(arp);
    const std::vector<uint8_t> before = bytes_of(a);
    execute_actions(acts("meter(1),2"), &a, 1, sink);
    ASSERT_EQ(sink.outputs.size(), 3u);
    EXPECT_EQ(bytes_of(sink.outputs[2].second), before);
}

TEST_F(MeterExecute, SinkWithoutMeterPassesEverything) {
    struct NoMeter {
        std::vector<rte_mbuf*> outputs;
        std::vector<uint32_t> ports{1};
        void output(uint32_t, rte_mbuf* m) { outputs.push_back(m); }
        std::span<const uint32_t> flood_ports() const { return ports; }
        void upcall(rte_mbuf* m, UpcallReason) { rte_pktmbuf_free(m); }
        void drop(rte_mbuf* m, DropReason) { rte_pktmbuf_free(m); }
        rte_mempool* clone_pool() const { return test_pool(); }
    } sink;
    rte_mbuf* m = make_packet({});
    execute_actions(acts("meter(1),2"), &m, 1, sink);
    ASSERT_EQ(sink.outputs.size(), 1u);
    rte_pktmbuf_free(sink.outputs[0]);
}

}  // namespace
}  // namespace vs::test
