// The datapath as a whole, in-process: frames from a pcap file enter through a net_pcap port,
// miss, go up to a test upcall handler, get a megaflow installed, and leave through another
// net_pcap port whose capture is read back. Exercises parse → caches → upcall → install →
// execute → tx with real DPDK devices and a real PMD thread.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "datapath/datapath.hpp"

namespace vs {
namespace {

namespace fs = std::filesystem;
using Frame = std::vector<uint8_t>;

void write_pcap(const std::string& path, const std::vector<Frame>& frames) {
    std::ofstream f(path, std::ios::binary);
    const uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
    f.write(reinterpret_cast<const char*>(hdr), sizeof hdr);
    uint32_t t = 0;
    for (const Frame& fr : frames) {
        const uint32_t rec[4] = {1, t++, static_cast<uint32_t>(fr.size()),
                                 static_cast<uint32_t>(fr.size())};
        f.write(reinterpret_cast<const char*>(rec), sizeof rec);
        f.write(reinterpret_cast<const char*>(fr.data()), static_cast<std::streamsize>(fr.size()));
    }
}

std::vector<Frame> read_pcap(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<Frame> frames;
    char hdr[24];
    if (!f.read(hdr, sizeof hdr)) return frames;
    uint32_t rec[4];
    while (f.read(reinterpret_cast<char*>(rec), sizeof rec)) {
        Frame fr(rec[2]);
        f.read(reinterpret_cast<char*>(fr.data()), rec[2]);
        frames.push_back(std::move(fr));
    }
    return frames;
}

Frame udp_frame(uint8_t dst_last, uint16_t sport) {
    static const uint8_t kHeader[42] = {0x02, 0,    0,    0,    0, 0,  0x02, 0, 0,  0,
                                        0,    0x99, 0x08, 0x00,  // Ethernet
                                        0x45, 0,    0,    46,   0, 1,  0,    0, 64, 17,
                                        0,    0,    10,   0,    0, 1,  10,   0, 0,  2,  // IPv4
                                        0,    0,    0x07, 0xd0, 0, 26, 0,    0};        // UDP
    Frame f(60, 0xab);
    std::memcpy(f.data(), kHeader, sizeof kHeader);
    f[5] = dst_last;
    f[34] = static_cast<uint8_t>(sport >> 8);
    f[35] = static_cast<uint8_t>(sport);
    return f;
}

// Frames as strings: GCC 12's -O3 warns falsely on comparing vectors of bytes.
std::multiset<std::string> as_set(const std::vector<Frame>& frames) {
    std::multiset<std::string> out;
    for (const Frame& f : frames)
        out.emplace(f.begin(), f.end());
    return out;
}

// Sends everything to port `out`, keyed on eth_dst only.
class ForwardHandler : public UpcallHandler {
  public:
    explicit ForwardHandler(uint32_t out) : out_(out) {}
    bool handle(const Upcall& up, UpcallDecision& d) override {
        ++upcalls;
        last_key_ok =
            up.packet.size() >= 14 && std::memcmp(up.packet.data(), up.key.eth_dst.data(), 6) == 0;
        d.mask = FlowMask::none();
        d.mask.eth_dst.fill(0xff);
        d.actions = ActionList{Action::output(out_)};
        return true;
    }
    int upcalls = 0;
    bool last_key_ok = false;

  private:
    uint32_t out_;
};

class DatapathTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("vs-dp-test-" + std::to_string(getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::unique_ptr<Datapath> make_datapath(uint64_t idle_ms = 10000) {
        DatapathConfig c;
        c.rundir = dir_.string();
        c.mem_mb = 256;
        c.n_mbufs = 4095;
        c.flow_idle_ms = idle_ms;
        c.emc_insert_inv_prob = 1;  // the tests count exact-match hits from the first repeat
        auto dp = Datapath::create(c);
        EXPECT_TRUE(dp) << (dp ? "" : dp.error().message);
        return dp ? std::move(*dp) : nullptr;
    }
    PortConfig pcap_port(const std::string& name, const std::string& rx, const std::string& tx) {
        PortConfig p;
        p.name = name;
        p.type = "dpdk";
        p.options["dpdk-devargs"] = "net_pcap_" + name + ",rx_pcap=" + (dir_ / rx).string() +
                                    ",tx_pcap=" + (dir_ / tx).string();
        return p;
    }
    // Drives the control side until `done` or two seconds pass.
    template <typename F>
    bool pump(Datapath& dp, F done) {
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (std::chrono::steady_clock::now() < until) {
            dp.handle_upcalls();
            if (done()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return false;
    }
    uint64_t tx_of(Datapath& dp, const std::string& name) {
        for (const PortInfo& p : dp.ports()) {
            if (p.config.name == name) return p.stats.tx_packets;
        }
        return 0;
    }

    fs::path dir_;
};

TEST_F(DatapathTest, MissesAreUpcalledInstalledAndForwarded) {
    // Two frames first, so the megaflows exist before the bulk arrives on another port.
    const std::vector<Frame> warm = {udp_frame(0xa, 1), udp_frame(0xb, 2)};
    std::vector<Frame> bulk;
    for (int i = 0; i < 300; ++i)
        bulk.push_back(udp_frame(i % 2 ? 0xb : 0xa, 1000 + i % 4));
    write_pcap((dir_ / "warm.pcap").string(), warm);
    write_pcap((dir_ / "bulk.pcap").string(), bulk);
    write_pcap((dir_ / "empty.pcap").string(), {});
    const size_t total = warm.size() + bulk.size();
    {
        auto dp = make_datapath();
        ASSERT_TRUE(dp);
        auto out = dp->add_port(pcap_port("out", "empty.pcap", "out.pcap"));
        ASSERT_TRUE(out) << out.error().message;
        ForwardHandler handler(*out);
        dp->set_upcall_handler(&handler);
        ASSERT_TRUE(dp->add_port(pcap_port("warm", "warm.pcap", "warm-tx.pcap")));
        ASSERT_TRUE(pump(*dp, [&] { return tx_of(*dp, "out") == warm.size(); }));
        EXPECT_EQ(handler.upcalls, 2);
        EXPECT_TRUE(handler.last_key_ok);
        ASSERT_EQ(dp->dump_flows().size(), 2u);

        auto bulk_port = dp->add_port(pcap_port("bulk", "bulk.pcap", "bulk-tx.pcap"));
        ASSERT_TRUE(bulk_port) << bulk_port.error().message;
        ASSERT_TRUE(pump(*dp, [&] { return tx_of(*dp, "out") == total; }))
            << "forwarded " << tx_of(*dp, "out");
        EXPECT_EQ(handler.upcalls, 2) << "the bulk should have hit the megaflows";
        const auto flows = dp->dump_flows();
        ASSERT_EQ(flows.size(), 2u);
        uint64_t hits = 0;
        for (const FlowInfo& f : flows) {
            EXPECT_EQ(f.mask.in_port, 0u);
            EXPECT_EQ(f.mask.tp_src.raw, 0);  // the handler did not look at L4
            EXPECT_EQ(f.actions.to_string(), std::to_string(*out));
            EXPECT_EQ(f.packets, bulk.size() / 2);
            EXPECT_NE(f.used_ms, 0u);
            hits += f.packets;
        }
        EXPECT_EQ(hits, bulk.size());
        const auto pmds = dp->pmds();
        ASSERT_EQ(pmds.size(), 1u);
        EXPECT_EQ(pmds[0].stats.rx_packets, total);
        EXPECT_EQ(pmds[0].stats.upcalls, 2u);
        EXPECT_EQ(pmds[0].stats.emc_hits + pmds[0].stats.megaflow_hits, bulk.size());
        // Four distinct keys: after the first batch, the exact-match cache answers.
        EXPECT_GE(pmds[0].stats.emc_hits, bulk.size() - 64);
        EXPECT_EQ(dp->counters().upcalls_handled, 2u);
        EXPECT_EQ(dp->counters().flows_installed, 2u);
    }
    // The capture is complete once the port is closed.
    std::vector<Frame> all = warm;
    all.insert(all.end(), bulk.begin(), bulk.end());
    EXPECT_EQ(as_set(read_pcap((dir_ / "out.pcap").string())), as_set(all));
}

TEST_F(DatapathTest, IdleFlowsExpireAndPortsGoAway) {
    std::vector<Frame> in(10, udp_frame(0xa, 1));
    write_pcap((dir_ / "in.pcap").string(), in);
    write_pcap((dir_ / "empty.pcap").string(), {});
    auto dp = make_datapath(/*idle_ms=*/200);
    ASSERT_TRUE(dp);
    auto out = dp->add_port(pcap_port("out", "empty.pcap", "out.pcap"));
    ASSERT_TRUE(out);
    ForwardHandler handler(*out);
    dp->set_upcall_handler(&handler);
    auto src = dp->add_port(pcap_port("src", "in.pcap", "src-tx.pcap"));
    ASSERT_TRUE(src);
    ASSERT_TRUE(pump(*dp, [&] { return tx_of(*dp, "out") == in.size(); }));
    EXPECT_EQ(dp->dump_flows().size(), 1u);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    dp->maintain();
    EXPECT_EQ(dp->dump_flows().size(), 0u);
    EXPECT_EQ(dp->counters().flows_expired, 1u);

    // Port numbers: taken ones are refused, freed ones come back.
    PortConfig dup = pcap_port("dup", "empty.pcap", "dup.pcap");
    dup.port_no_request = *out;
    EXPECT_FALSE(dp->add_port(dup));
    EXPECT_FALSE(dp->add_port(pcap_port("out", "empty.pcap", "x.pcap")));  // name in use
    ASSERT_TRUE(dp->remove_port(*src));
    EXPECT_FALSE(dp->remove_port(*src));
    EXPECT_EQ(dp->ports().size(), 1u);
    auto again = dp->add_port(pcap_port("src2", "empty.pcap", "src2.pcap"));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *src);
}

// Drops everything, with a catch-all megaflow.
class DropHandler : public UpcallHandler {
  public:
    bool handle(const Upcall&, UpcallDecision& d) override {
        ++upcalls;
        d.mask = FlowMask::none();
        d.actions = ActionList{};
        return true;
    }
    int upcalls = 0;
};

TEST_F(DatapathTest, NullDevicePortRunsAtFullTilt) {
    auto dp = make_datapath();
    ASSERT_TRUE(dp);
    DropHandler handler;
    dp->set_upcall_handler(&handler);
    PortConfig null_port;
    null_port.name = "null0";
    null_port.type = "dpdk";
    null_port.options["dpdk-devargs"] = "net_null_vstest,size=64";
    ASSERT_TRUE(dp->add_port(null_port));
    ASSERT_TRUE(pump(*dp, [&] { return dp->ports()[0].stats.rx_packets > 100000; }));
    const PortInfo port = dp->ports()[0];
    const uint64_t dropped = port.stats.drops[static_cast<int>(DropReason::kAction)];
    EXPECT_GT(dropped, 50000u);  // the megaflow's empty action list: drop, counted
    EXPECT_GE(handler.upcalls, 1);
    const auto flows = dp->dump_flows();
    ASSERT_EQ(flows.size(), 1u);
    EXPECT_TRUE(flows[0].actions.empty());
    EXPECT_GT(flows[0].packets, 50000u);
}

TEST_F(DatapathTest, InstalledFlowsAndBadPortsGiveClearErrors) {
    auto dp = make_datapath();
    ASSERT_TRUE(dp);
    PortConfig bad;
    bad.name = "nope";
    bad.type = "system";  // no such kernel interface
    auto r = dp->add_port(bad);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("nope"), std::string::npos) << r.error().message;
    EXPECT_TRUE(dp->ports().empty());

    FlowKey key;
    key.clear();
    key.in_port = 1;
    FlowMask mask = FlowMask::none();
    mask.in_port = ~0u;
    ASSERT_TRUE(dp->install_flow(key, mask, ActionList{Action::output(2)}));
    auto flows = dp->dump_flows();
    ASSERT_EQ(flows.size(), 1u);
    EXPECT_EQ(flows[0].actions.to_string(), "2");
    EXPECT_EQ(dp->delete_flows([](const FlowView& f) { return f.key.in_port == 1; }), 1u);
    EXPECT_EQ(dp->flush_flows(), 0u);
}

}  // namespace
}  // namespace vs
