// vxlan/geneve interface options in Open vSwitch's names, and the errors that reach
// Interface.error.
#include "datapath/tunnel/tunnel_config.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "datapath/port/port_config.hpp"

namespace vs {
namespace {

using Options = std::map<std::string, std::string>;

uint32_t ip(const char* text) {
    return inet_addr(text);
}

std::string error_of(const std::string& type, const Options& o) {
    auto c = parse_tunnel_config("tun0", type, o);
    return c ? "" : c.error().message;
}

TEST(TunnelConfig, DefaultsFollowOpenVswitch) {
    auto v = parse_tunnel_config("vx0", "vxlan", {{"remote_ip", "192.168.5.2"}});
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->type, TunnelType::kVxlan);
    EXPECT_EQ(v->remote_ip, ip("192.168.5.2"));
    EXPECT_EQ(v->local_ip, 0u);
    EXPECT_EQ(v->vni, 0u);
    EXPECT_EQ(v->dst_port, 4789);
    auto g = parse_tunnel_config("gn0", "geneve", {{"remote_ip", "10.0.0.1"}});
    ASSERT_TRUE(g) << g.error().message;
    EXPECT_EQ(g->type, TunnelType::kGeneve);
    EXPECT_EQ(g->dst_port, 6081);
}

TEST(TunnelConfig, EveryOptionIsRead) {
    auto c = parse_tunnel_config("vx0", "vxlan",
                                 {{"remote_ip", "192.168.5.2"},
                                  {"local_ip", "192.168.5.1"},
                                  {"key", "5000"},
                                  {"dst_port", "8472"}});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->local_ip, ip("192.168.5.1"));
    EXPECT_EQ(c->vni, 5000u);
    EXPECT_EQ(c->dst_port, 8472);
    auto hex =
        parse_tunnel_config("vx0", "geneve", {{"remote_ip", "1.2.3.4"}, {"key", "0xffffff"}});
    ASSERT_TRUE(hex) << hex.error().message;
    EXPECT_EQ(hex->vni, kMaxVni);
}

TEST(TunnelConfig, BadOptionsSayWhatIsWrong) {
    EXPECT_NE(error_of("vxlan", {}).find("needs options:remote_ip"), std::string::npos);
    EXPECT_NE(error_of("vxlan", {{"remote_ip", ""}}).find("needs options:remote_ip"),
              std::string::npos);
    EXPECT_NE(error_of("vxlan", {{"remote_ip", "10.0.0"}}).find("not an IPv4 address"),
              std::string::npos);
    EXPECT_NE(error_of("vxlan", {{"remote_ip", "fe80::1"}}).find("IPv6"), std::string::npos);
    EXPECT_NE(error_of("vxlan", {{"remote_ip", "flow"}}).find("remote_ip=flow is not supported"),
              std::string::npos);
    EXPECT_NE(error_of("vxlan", {{"remote_ip", "0.0.0.0"}}).find("not a unicast"),
              std::string::npos);
    EXPECT_NE(error_of("vxlan", {{"remote_ip", "239.1.1.1"}}).find("not a unicast"),
              std::string::npos);
    const Options remote = {{"remote_ip", "10.0.0.2"}};
    auto with = [&](const std::string& k, const std::string& v) {
        Options o = remote;
        o[k] = v;
        return error_of("geneve", o);
    };
    EXPECT_NE(with("key", "16777216").find("key '16777216' is not a number from 0 to 16777215"),
              std::string::npos);
    EXPECT_NE(with("key", "-1").find("key '-1'"), std::string::npos);
    EXPECT_NE(with("key", "abc").find("key 'abc'"), std::string::npos);
    EXPECT_NE(with("key", "flow").find("key=flow is not supported yet"), std::string::npos);
    EXPECT_NE(with("dst_port", "0").find("dst_port '0'"), std::string::npos);
    EXPECT_NE(with("dst_port", "65536").find("dst_port '65536'"), std::string::npos);
    EXPECT_NE(with("local_ip", "nope").find("local_ip 'nope'"), std::string::npos);
    EXPECT_NE(with("tos", "inherit").find("option 'tos' is not supported"), std::string::npos);
    // The message names the port and its type.
    EXPECT_EQ(with("dst_port", "x").rfind("geneve port 'tun0': ", 0), 0u);
}

TEST(TunnelConfig, PortDevargsValidateTunnelsToo) {
    PortConfig p;
    p.name = "vx1";
    p.type = "vxlan";
    auto bad = port_devargs(p, 3, "/tmp");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("remote_ip"), std::string::npos);
    p.options["remote_ip"] = "10.1.1.1";
    auto ok = port_devargs(p, 3, "/tmp");
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(*ok, "net_ring_tunvs3");
    EXPECT_TRUE(is_tunnel_type("geneve"));
    EXPECT_FALSE(is_tunnel_type("system"));
}

}  // namespace
}  // namespace vs
