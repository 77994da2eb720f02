// GuestSpec: names, --network parsing, validation, derived port names and MACs, DB rows.
#include "vm-runtime/guest_spec.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "vm-runtime/guest_db.hpp"

namespace vs::vm {
namespace {

TEST(GuestSpec, NamesWithSlashesOrOddCharactersAreRefused) {
    EXPECT_TRUE(check_name("vm-1_a.b"));
    EXPECT_FALSE(check_name(""));
    EXPECT_FALSE(check_name("a/b"));
    EXPECT_FALSE(check_name(".."));
    EXPECT_FALSE(check_name("a b"));
    EXPECT_FALSE(check_name(std::string(65, 'x')));
}

TEST(GuestSpec, NetworkDefaultsFollowTheGuestType) {
    auto vm = parse_network("bridge=br0,ip=10.0.0.1/24", GuestType::kKvm, "g", 0);
    ASSERT_TRUE(vm) << vm.error().message;
    EXPECT_EQ(vm->bridge, "br0");
    EXPECT_EQ(vm->type, "vhostuser");
    EXPECT_EQ(vm->ip, "10.0.0.1/24");
    EXPECT_EQ(vm->port, "vg-0");
    EXPECT_EQ(vm->mac, default_mac("g", 0));
    auto ct = parse_network("bridge=br1,mac=02:AA:00:00:00:01", GuestType::kLxc, "c", 1);
    ASSERT_TRUE(ct);
    EXPECT_EQ(ct->type, "veth");
    EXPECT_EQ(ct->mac, "02:aa:00:00:00:01");
    EXPECT_EQ(ct->port, "vc-1");
    EXPECT_FALSE(parse_network("ip=10.0.0.1/24", GuestType::kKvm, "g", 0));
    EXPECT_FALSE(parse_network("bridge=br0,colour=red", GuestType::kKvm, "g", 0));
}

TEST(GuestSpec, CpuSets) {
    EXPECT_EQ(*parse_cpuset("0,2-3"), (std::vector<int>{0, 2, 3}));
    EXPECT_EQ(*parse_cpuset("1"), (std::vector<int>{1}));
    EXPECT_FALSE(parse_cpuset("3-1"));
    EXPECT_FALSE(parse_cpuset("a"));
    EXPECT_FALSE(parse_cpuset(""));
}

TEST(GuestSpec, PortNamesFitLinuxInterfaceNames) {
    EXPECT_EQ(port_name("short", 3), "vshort-3");
    const std::string long_name = port_name("a-rather-long-guest-name", 0);
    EXPECT_LE(long_name.size(), 15U);
    EXPECT_EQ(long_name, port_name("a-rather-long-guest-name", 0));  // stable
    EXPECT_NE(long_name, port_name("a-rather-long-guest-namf", 0));
    EXPECT_NE(default_mac("g", 0), default_mac("g", 1));
    EXPECT_EQ(default_mac("g", 0).substr(0, 9), "52:54:00:");
}

class Validate : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ =
            std::filesystem::temp_directory_path() / ("vm-spec-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_ / "rootfs/sbin");
        std::ofstream(dir_ / "vmlinux") << "kernel";
        std::ofstream(dir_ / "rootfs/sbin/init") << "#!/bin/sh\n";
        std::filesystem::permissions(dir_ / "rootfs/sbin/init", std::filesystem::perms::owner_all);
        vm_.name = "vm";
        vm_.kernel = (dir_ / "vmlinux").string();
        vm_.nics.push_back(*parse_network("bridge=br0", GuestType::kKvm, "vm", 0));
        ct_.name = "ct";
        ct_.type = GuestType::kLxc;
        ct_.rootfs = (dir_ / "rootfs").string();
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path dir_;
    GuestSpec vm_, ct_;
};

TEST_F(Validate, GoodDefinitionsPass) {
    EXPECT_TRUE(validate(vm_));
    EXPECT_TRUE(validate(ct_));
}

TEST_F(Validate, EachBadFieldIsNamed) {
    GuestSpec s = vm_;
    s.memory_mb = 0;
    EXPECT_NE(validate(s).error().message.find("memory"), std::string::npos);
    s = vm_;
    s.kernel = "/nonexistent/vmlinux";
    EXPECT_NE(validate(s).error().message.find("/nonexistent/vmlinux"), std::string::npos);
    s = vm_;
    s.kernel.clear();
    EXPECT_FALSE(validate(s));
    s = vm_;
    s.vcpus = 0;
    EXPECT_FALSE(validate(s));
    s = vm_;
    s.nics[0].mac = "01:00:5e:00:00:01";  // multicast
    EXPECT_FALSE(validate(s));
    s = vm_;
    s.nics[0].ip = "10.0.0.300/24";
    EXPECT_FALSE(validate(s));
    s = vm_;
    s.nics[0].type = "veth";  // a container's NIC on a VM
    EXPECT_FALSE(validate(s));
    s = ct_;
    s.rootfs = dir_.string();  // no sbin/init
    EXPECT_NE(validate(s).error().message.find("/sbin/init"), std::string::npos);
}

TEST_F(Validate, RowsRoundTrip) {
    vm_.cmdline = "quiet";
    vm_.autostart = true;
    vm_.autostart_order = 2;
    vm_.other_config["accel"] = "tcg";
    vm_.nics.push_back(*parse_network("bridge=br1,ip=10.0.0.2/24", GuestType::kKvm, "vm", 1));
    nlohmann::json row = guest_row(vm_);
    EXPECT_EQ(row["interfaces"][1].size(), 2U);
    // What the server would store: named uuids resolved, unset optionals as empty sets.
    std::map<std::string, nlohmann::json> interfaces;
    nlohmann::json uuids = nlohmann::json::array();
    for (size_t i = 0; i < vm_.nics.size(); ++i) {
        const std::string uuid = "uuid-" + std::to_string(1 - i);  // stored in any order
        interfaces[uuid] = interface_row(vm_.nics[i]);
        uuids.push_back({"uuid", uuid});
    }
    row["interfaces"] = {"set", uuids};
    auto back = spec_from_rows(row, interfaces);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->name, "vm");
    EXPECT_EQ(back->kernel, vm_.kernel);
    EXPECT_EQ(back->initrd, "");
    EXPECT_EQ(back->cmdline, "quiet");
    EXPECT_TRUE(back->autostart);
    EXPECT_EQ(back->autostart_order, 2);
    EXPECT_EQ(back->other_config.at("accel"), "tcg");
    ASSERT_EQ(back->nics.size(), 2U);
    EXPECT_EQ(back->nics[0].bridge, "br0");
    EXPECT_EQ(back->nics[1].bridge, "br1");
    EXPECT_EQ(back->nics[1].ip, "10.0.0.2/24");
}

}  // namespace
}  // namespace vs::vm
