// vmctl's virt-install-style flags.
#include "ctl/vmctl/define_args.hpp"

#include <gtest/gtest.h>

namespace vs::vmctl {
namespace {

TEST(DefineArgs, VirtInstallFlags) {
    auto spec = spec_from_args({"--name", "g1", "--type=lxc", "--memory", "64", "--vcpus=2",
                                "--rootfs", "/srv/rootfs", "--network", "bridge=br0,ip=10.1.0.2/24",
                                "--autostart", "--autostart-order", "3"});
    ASSERT_TRUE(spec) << spec.error().message;
    EXPECT_EQ(spec->name, "g1");
    EXPECT_EQ(spec->type, vm::GuestType::kLxc);
    EXPECT_EQ(spec->memory_mb, 64);
    EXPECT_EQ(spec->vcpus, 2);
    EXPECT_EQ(spec->rootfs, "/srv/rootfs");
    ASSERT_EQ(spec->nics.size(), 1U);
    EXPECT_EQ(spec->nics[0].type, "veth");
    EXPECT_EQ(spec->nics[0].port, "vg1-0");  // named after --name, given before or after
    EXPECT_TRUE(spec->autostart);
    EXPECT_EQ(spec->autostart_order, 3);
}

TEST(DefineArgs, RelativePathsBecomeAbsolute) {
    auto spec = spec_from_args(
        {"--name", "g", "--kernel", "img/vmlinux", "--disk", "d.qcow2,format=qcow2"});
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->kernel.front(), '/');
    ASSERT_EQ(spec->disks.size(), 1U);
    EXPECT_EQ(spec->disks.begin()->second, "qcow2");
}

TEST(DefineArgs, UsageErrorsThrowOthersReturn) {
    EXPECT_THROW((void)spec_from_args({"--name"}), UsageError);
    EXPECT_THROW((void)spec_from_args({"--frobnicate", "x"}), UsageError);
    EXPECT_THROW((void)spec_from_args({"--memory", "lots"}), UsageError);
    EXPECT_FALSE(spec_from_args({"--name", "g", "--type", "vmware"}));
    EXPECT_FALSE(spec_from_args({"--name", "g", "--accel", "hvf"}));
    EXPECT_FALSE(spec_from_args({"--name", "g", "--network", "mac=02:00:00:00:00:01"}));
}

}  // namespace
}  // namespace vs::vmctl
