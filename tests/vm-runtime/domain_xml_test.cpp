// vmctl define FILE.xml: the libvirt domain XML subset.
#include "ctl/vmctl/domain_xml.hpp"

#include <gtest/gtest.h>

namespace vs::vmctl {
namespace {

TEST(DomainXml, KvmGuestWithKernelDiskAndOpenvswitchInterface) {
    auto spec = spec_from_xml(R"(<domain type='kvm'>
      <name>vm1</name>
      <memory unit='KiB'>262144</memory>
      <vcpu placement='static'>2</vcpu>
      <os><type arch='x86_64'>hvm</type><kernel>/img/vmlinux</kernel>
          <initrd>/img/initrd.img</initrd><cmdline>quiet vs.ip=10.4.0.1/24</cmdline></os>
      <devices>
        <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
          <source file='/img/disk.qcow2'/><target dev='vda' bus='virtio'/></disk>
        <disk type='file' device='cdrom'><source file='/img/cd.iso'/></disk>
        <interface type='bridge'><source bridge='br0'/><virtualport type='openvswitch'/>
          <mac address='52:54:00:00:00:0a'/><model type='virtio'/></interface>
        <interface type='vhostuser'><source bridge='br1'/></interface>
      </devices></domain>)");
    ASSERT_TRUE(spec) << spec.error().message;
    EXPECT_EQ(spec->name, "vm1");
    EXPECT_EQ(spec->type, vm::GuestType::kKvm);
    EXPECT_EQ(spec->memory_mb, 256);
    EXPECT_EQ(spec->vcpus, 2);
    EXPECT_EQ(spec->kernel, "/img/vmlinux");
    EXPECT_EQ(spec->initrd, "/img/initrd.img");
    EXPECT_EQ(spec->cmdline, "quiet vs.ip=10.4.0.1/24");
    ASSERT_EQ(spec->disks.size(), 1U);  // the cdrom is not a disk
    EXPECT_EQ(spec->disks.at("/img/disk.qcow2"), "qcow2");
    ASSERT_EQ(spec->nics.size(), 2U);
    EXPECT_EQ(spec->nics[0].bridge, "br0");
    EXPECT_EQ(spec->nics[0].type, "vhostuser");
    EXPECT_EQ(spec->nics[0].mac, "52:54:00:00:00:0a");
    EXPECT_EQ(spec->nics[1].bridge, "br1");
    EXPECT_EQ(spec->nics[1].port, "vvm1-1");
}

TEST(DomainXml, LxcContainerWithFilesystemAndIp) {
    auto spec = spec_from_xml(R"(<domain type='lxc'><name>ct1</name>
      <memory unit='MiB'>64</memory><os><type>exe</type><init>/sbin/init</init></os>
      <devices><filesystem type='mount'><source dir='/srv/rootfs'/><target dir='/'/></filesystem>
        <interface type='bridge'><source bridge='br0'/><ip address='10.4.0.2' prefix='16'/>
        </interface></devices></domain>)");
    ASSERT_TRUE(spec) << spec.error().message;
    EXPECT_EQ(spec->type, vm::GuestType::kLxc);
    EXPECT_EQ(spec->memory_mb, 64);
    EXPECT_EQ(spec->rootfs, "/srv/rootfs");
    ASSERT_EQ(spec->nics.size(), 1U);
    EXPECT_EQ(spec->nics[0].type, "veth");
    EXPECT_EQ(spec->nics[0].ip, "10.4.0.2/16");
}

TEST(DomainXml, ErrorsSayWhat) {
    EXPECT_FALSE(spec_from_xml("<domain"));
    EXPECT_FALSE(spec_from_xml("<notadomain/>"));
    EXPECT_FALSE(spec_from_xml("<domain type='vmware'><name>x</name></domain>"));
    EXPECT_FALSE(spec_from_xml("<domain><name>x</name><memory unit='parsecs'>1</memory></domain>"));
    auto net = spec_from_xml(
        "<domain><name>x</name><devices><interface type='network'><source network='default'/>"
        "</interface></devices></domain>");
    ASSERT_FALSE(net);
    EXPECT_NE(net.error().message.find("network"), std::string::npos);
}

}  // namespace
}  // namespace vs::vmctl
