// xl domain configurations of Xen guests, read back with Xen's own parser (libxlutil).
#include <gtest/gtest.h>

#include "vm-runtime/drivers.hpp"

namespace vs::vm {
namespace {

GuestSpec xen_guest() {
    GuestSpec spec;
    spec.name = "x1";
    spec.type = GuestType::kXen;
    spec.memory_mb = 512;
    spec.vcpus = 2;
    spec.kernel = "/img/vmlinux";
    spec.initrd = "/img/initrd.img";
    spec.cmdline = "quiet";
    spec.nics.push_back(*parse_network("bridge=br0,ip=10.3.0.1/24", GuestType::kXen, "x1", 0));
    spec.nics.push_back(*parse_network("bridge=br1", GuestType::kXen, "x1", 1));
    return spec;
}

TEST(XenConfig, GeneratedConfigReadsBackWithLibxlutil) {
    const GuestSpec spec = xen_guest();
    const std::string text = xen::xl_config(spec);
    EXPECT_NE(text.find("name = \"x1\""), std::string::npos);
    EXPECT_NE(text.find("type = \"pvh\""), std::string::npos);
    EXPECT_NE(text.find("memory = 512"), std::string::npos);
    EXPECT_NE(text.find("ramdisk = \"/img/initrd.img\""), std::string::npos);
    EXPECT_NE(text.find("vs.ip=10.3.0.1/24"), std::string::npos);
    EXPECT_NE(text.find("'bridge=br0,mac=" + spec.nics[0].mac + ",vifname=vx1-0"),
              std::string::npos);
    auto ok = xen::check_config(text, spec);
    EXPECT_TRUE(ok) << ok.error().message << "\n" << text;
}

TEST(XenConfig, DiskGuestsAreHvm) {
    GuestSpec spec = xen_guest();
    spec.kernel.clear();
    spec.initrd.clear();
    spec.disks["/img/disk.qcow2"] = "qcow2";
    const std::string text = xen::xl_config(spec);
    EXPECT_NE(text.find("type = \"hvm\""), std::string::npos);
    EXPECT_NE(text.find("'format=qcow2,vdev=xvda,access=rw,target=/img/disk.qcow2'"),
              std::string::npos);
    EXPECT_TRUE(xen::check_config(text, spec));
}

TEST(XenConfig, LibxlutilCatchesBrokenOrDifferentText) {
    const GuestSpec spec = xen_guest();
    std::string text = xen::xl_config(spec);
    auto broken = xen::check_config(text + "vif = [ 'unterminated\n", spec);
    ASSERT_FALSE(broken);
    EXPECT_NE(broken.error().message.find("libxlutil"), std::string::npos);
    GuestSpec other = spec;
    other.memory_mb = 1024;
    EXPECT_FALSE(xen::check_config(text, other));
    other = spec;
    other.nics.pop_back();
    EXPECT_FALSE(xen::check_config(text, other));
}

TEST(XenConfig, NicsOfXenGuestsAreVifs) {
    GuestSpec spec = xen_guest();
    EXPECT_EQ(spec.nics[0].type, "vif");
    spec.nics[0].type = "vhostuser";
    spec.kernel.clear();
    spec.disks["/nonexistent"] = "raw";
    EXPECT_FALSE(validate(spec));
}

}  // namespace
}  // namespace vs::vm
