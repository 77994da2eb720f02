// Tunnel ports inside the whole datapath: frames from a net_pcap port are sent out of a vxlan
// port whose remote is this host (loopback), come back in through it after a trip through the
// kernel's UDP stack, and leave through a second net_pcap port. Exercises the net_ring device,
// the tunnel I/O thread, PMD polling of the ring and the port counters; and the errors of bad
// tunnel options at add_port().
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
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
    for (const Frame& fr : frames) {
        const uint32_t rec[4] = {1, 0, static_cast<uint32_t>(fr.size()),
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

Frame frame(uint8_t n) {
    Frame f(60 + n, n);
    const uint8_t eth[14] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5};
    std::memcpy(f.data(), eth, sizeof eth);
    return f;
}

uint16_t free_udp_port() {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

// in → tunnel, tunnel → out, by input port.
class RouteHandler : public UpcallHandler {
  public:
    std::map<uint32_t, uint32_t> routes;
    bool handle(const Upcall& up, UpcallDecision& d) override {
        auto it = routes.find(up.key.in_port);
        if (it == routes.end()) return false;
        d.mask = FlowMask::none();
        d.mask.in_port = ~0u;
        d.actions = ActionList{Action::output(it->second)};
        return true;
    }
};

class TunnelPortTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("vs-tun-test-" + std::to_string(getpid()));
        fs::create_directories(dir_);
        DatapathConfig c;
        c.rundir = dir_.string();
        c.mem_mb = 256;
        c.n_mbufs = 4095;
        auto dp = Datapath::create(c);
        ASSERT_TRUE(dp) << dp.error().message;
        dp_ = std::move(*dp);
    }
    void TearDown() override {
        dp_.reset();
        fs::remove_all(dir_);
    }
    PortConfig pcap_port(const std::string& name, const std::string& rx, const std::string& tx) {
        PortConfig p;
        p.name = name;
        p.type = "dpdk";
        p.options["dpdk-devargs"] = "net_pcap_" + name + ",rx_pcap=" + (dir_ / rx).string() +
                                    ",tx_pcap=" + (dir_ / tx).string();
        return p;
    }
    PortInfo info(const std::string& name) {
        for (const PortInfo& p : dp_->ports()) {
            if (p.config.name == name) return p;
        }
        return {};
    }
    template <typename F>
    bool pump(F done) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (std::chrono::steady_clock::now() < until) {
            dp_->handle_upcalls();
            if (done()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return false;
    }

    fs::path dir_;
    std::unique_ptr<Datapath> dp_;
};

TEST_F(TunnelPortTest, FramesGoOutAndComeBackThroughAVxlanPort) {
    std::vector<Frame> frames;
    for (uint8_t i = 0; i < 50; ++i)
        frames.push_back(frame(i));
    write_pcap((dir_ / "in.pcap").string(), frames);
    write_pcap((dir_ / "empty.pcap").string(), {});
    RouteHandler handler;
    dp_->set_upcall_handler(&handler);
    {
        PortConfig vx;
        vx.name = "vx0";
        vx.type = "vxlan";
        vx.options = {{"remote_ip", "127.0.0.1"},
                      {"key", "7"},
                      {"dst_port", std::to_string(free_udp_port())}};
        auto tun = dp_->add_port(vx);
        ASSERT_TRUE(tun) << tun.error().message;
        auto out = dp_->add_port(pcap_port("out", "empty.pcap", "out.pcap"));
        ASSERT_TRUE(out) << out.error().message;
        handler.routes[*tun] = *out;
        // The input port last: its frames start flowing as soon as it exists.
        auto in = dp_->add_port(pcap_port("in", "in.pcap", "in-tx.pcap"));
        ASSERT_TRUE(in) << in.error().message;
        handler.routes[*in] = *tun;
        ASSERT_TRUE(pump([&] { return info("out").stats.tx_packets == frames.size(); }))
            << "out sent " << info("out").stats.tx_packets;
        const PortInfo t = info("vx0");
        EXPECT_EQ(t.config.type, "vxlan");
        EXPECT_TRUE(t.link_up);
        EXPECT_EQ(t.stats.tx_packets, frames.size());
        EXPECT_EQ(t.stats.rx_packets, frames.size());
        EXPECT_EQ(t.stats.total_drops(), 0u);
        const TunnelCounters c = dp_->tunnel_counters();
        EXPECT_EQ(c.rx_datagrams, frames.size());
        EXPECT_EQ(c.no_tunnel + c.bad_header + c.truncated, 0u);
        // Removing the tunnel port stops its thread; the other ports stay.
        ASSERT_TRUE(dp_->remove_port(*tun));
        EXPECT_EQ(dp_->ports().size(), 2u);
        EXPECT_EQ(dp_->tunnel_counters().rx_datagrams, 0u);
        ASSERT_TRUE(dp_->remove_port(*in));
        ASSERT_TRUE(dp_->remove_port(*out));  // closes the capture
    }
    // Frames as strings: GCC 12's -O3 warns falsely on comparing vectors of bytes.
    std::multiset<std::string> sent, got;
    for (const Frame& f : frames)
        sent.emplace(f.begin(), f.end());
    for (const Frame& f : read_pcap((dir_ / "out.pcap").string()))
        got.emplace(f.begin(), f.end());
    EXPECT_EQ(got, sent);
}

TEST_F(TunnelPortTest, BadOptionsAndClashesAreRefusedWithAReason) {
    PortConfig p;
    p.name = "gn0";
    p.type = "geneve";
    auto no_remote = dp_->add_port(p);
    ASSERT_FALSE(no_remote);
    EXPECT_NE(no_remote.error().message.find("needs options:remote_ip"), std::string::npos);
    p.options = {{"remote_ip", "127.0.0.1"}, {"key", "flow"}};
    auto flow = dp_->add_port(p);
    ASSERT_FALSE(flow);
    EXPECT_NE(flow.error().message.find("key=flow is not supported yet"), std::string::npos);
    EXPECT_TRUE(dp_->ports().empty());

    const std::string udp_port = std::to_string(free_udp_port());
    p.options = {{"remote_ip", "127.0.0.1"}, {"dst_port", udp_port}};
    ASSERT_TRUE(dp_->add_port(p));
    p.name = "gn1";
    auto same = dp_->add_port(p);
    ASSERT_FALSE(same);
    EXPECT_NE(same.error().message.find("geneve port 'gn1': port 1 already is a geneve to "
                                        "127.0.0.1:" +
                                        udp_port + " key 0"),
              std::string::npos)
        << same.error().message;
    p.options["key"] = "1";
    EXPECT_TRUE(dp_->add_port(p));
    EXPECT_EQ(dp_->ports().size(), 2u);
}

}  // namespace
}  // namespace vs
