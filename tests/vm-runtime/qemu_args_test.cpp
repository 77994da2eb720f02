// QEMU's command line for a guest: vhost-user NICs on a shared memfd, vectors=0 under TCG only,
// the address of the first NIC on the kernel command line, QMP and console sockets.
#include <gtest/gtest.h>

#include <algorithm>

#include "vm-runtime/drivers.hpp"

namespace vs::vm {
namespace {

std::string joined(const std::vector<std::string>& args) {
    std::string out;
    for (const std::string& a : args)
        out += a + " ";
    return out;
}

GuestSpec guest() {
    GuestSpec spec;
    spec.name = "g";
    spec.memory_mb = 256;
    spec.kernel = "/img/vmlinux";
    spec.initrd = "/img/initrd.img";
    spec.cmdline = "quiet";
    spec.nics.push_back(*parse_network("bridge=br0,ip=10.2.0.1/24", GuestType::kKvm, "g", 0));
    return spec;
}

TEST(QemuArgs, VhostUserNicUnderTcg) {
    const std::string a = joined(kvm::qemu_args(guest(), "/run/g", "tcg"));
    EXPECT_NE(a.find("-accel tcg "), std::string::npos);
    EXPECT_NE(a.find("memory-backend-memfd,id=mem,size=256M,share=on"), std::string::npos);
    EXPECT_NE(a.find("-numa node,memdev=mem"), std::string::npos);
    EXPECT_NE(a.find("socket,id=nc0,path=/run/g/net0.sock,server=on,wait=off"), std::string::npos);
    EXPECT_NE(a.find("vhost-user,id=n0,chardev=nc0"), std::string::npos);
    EXPECT_NE(a.find(",vectors=0"), std::string::npos);
    EXPECT_NE(a.find("console=ttyS0 quiet vs.ip=10.2.0.1/24"), std::string::npos);
    EXPECT_NE(a.find("unix:/run/g/qmp.sock,server=on,wait=off"), std::string::npos);
    EXPECT_NE(a.find("path=/run/g/console.sock"), std::string::npos);
}

TEST(QemuArgs, MsixStaysUnderKvmAndAnExplicitAddressWins) {
    GuestSpec spec = guest();
    spec.cmdline = "vs.ip=10.9.9.9/8";
    const std::string a = joined(kvm::qemu_args(spec, "/run/g", "kvm"));
    EXPECT_EQ(a.find("vectors=0"), std::string::npos);
    EXPECT_EQ(a.find("vs.ip=10.2.0.1/24"), std::string::npos);
}

TEST(QemuArgs, NoNicNoSharedMemory) {
    GuestSpec spec = guest();
    spec.nics.clear();
    const std::string a = joined(kvm::qemu_args(spec, "/run/g", "tcg"));
    EXPECT_EQ(a.find("memfd"), std::string::npos);
    EXPECT_EQ(a.find("vs.ip"), std::string::npos);
}

TEST(QemuArgs, TapNicWithoutVhostNetOrSharedMemory) {
    GuestSpec spec = guest();
    spec.nics[0].type = "tap";
    const std::string a = joined(kvm::qemu_args(spec, "/run/g", "tcg"));
    EXPECT_NE(a.find("tap,id=n0,ifname=vg-0,script=no,downscript=no,vhost=off"), std::string::npos);
    EXPECT_EQ(a.find("memfd"), std::string::npos);
    EXPECT_EQ(a.find("vectors=0"), std::string::npos);
}

TEST(QemuArgs, HugepageBacking) {
    GuestSpec spec = guest();
    spec.other_config["hugepages"] = "/dev/hugepages";
    const std::string a = joined(kvm::qemu_args(spec, "/run/g", "tcg"));
    EXPECT_NE(a.find("memory-backend-file,id=mem,size=256M,mem-path=/dev/hugepages,share=on"),
              std::string::npos);
    EXPECT_EQ(a.find("memfd"), std::string::npos);
}

TEST(QemuArgs, PortPlans) {
    const PortPlan vhost = kvm::port_plan("/run/g", 1, guest().nics[0]);
    EXPECT_EQ(vhost.type, "dpdkvhostuserclient");
    EXPECT_EQ(vhost.options.at("vhost-server-path"), "/run/g/net1.sock");
    EXPECT_EQ(lxc::port_plan().type, "system");
    NicSpec tap = guest().nics[0];
    tap.type = "tap";
    EXPECT_EQ(kvm::port_plan("/run/g", 0, tap).type, "system");
    EXPECT_EQ(lxc::peer_name("vg-0"), "tg-0");
}

}  // namespace
}  // namespace vs::vm
