// The per-type parts of GuestRuntime: how a guest is launched (in the supervisor, as its
// child), what switch port each NIC becomes, and how it is paused, stopped and cleaned up.
// kvm_driver.cpp: QEMU + QMP; lxc_driver.cpp: namespaces, veth, cgroups. Thread: one owner.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "vm-runtime/guest_spec.hpp"

namespace vs::vm {

struct PortPlan {
    std::string type;  // Interface type: dpdkvhostuserclient, system
    std::map<std::string, std::string> options;
};

struct Launch {
    pid_t pid = -1;
    std::string accel;
    std::vector<std::string> warnings;
};

namespace kvm {
// Picks the accelerator (other_config:accel=kvm|tcg|auto; auto tries KVM once per run dir) and
// starts QEMU; returns when its QMP socket is up.
[[nodiscard]] Result<Launch> launch(const GuestSpec& spec, const std::string& dir,
                                    const std::string& run_dir, const std::string& qemu);
[[nodiscard]] std::vector<std::string> qemu_args(const GuestSpec& spec, const std::string& dir,
                                                 const std::string& accel);
[[nodiscard]] PortPlan port_plan(const std::string& dir, size_t index, const NicSpec& nic);
// Removes the TAP devices of the guest's tap NICs.
void cleanup(const GuestSpec& spec);
[[nodiscard]] Result<void> qmp(const std::string& dir, const std::string& command);
[[nodiscard]] std::string state(const std::string& dir);
}  // namespace kvm

namespace lxc {
// Clones the container's init into new pid, net, mount, uts and ipc namespaces, gives it its
// veths (eth<i> inside, the port name outside) and cgroup limits, then lets it exec /sbin/init.
[[nodiscard]] Result<Launch> launch(const GuestSpec& spec, const std::string& dir,
                                    const std::string& run_dir);
[[nodiscard]] PortPlan port_plan();
[[nodiscard]] Result<void> freeze(const GuestSpec& spec, const std::string& run_dir, bool frozen);
[[nodiscard]] bool frozen(const GuestSpec& spec, const std::string& run_dir);
void cleanup(const GuestSpec& spec, const std::string& run_dir);
// The veth end that lives in the container until it is renamed eth<i>.
[[nodiscard]] std::string peer_name(const std::string& port);
}  // namespace lxc

namespace xen {
// `xl`: $VS_XL or "xl".
[[nodiscard]] std::string xl_tool();
[[nodiscard]] std::string xl_config(const GuestSpec& spec);
// Parses `text` with libxlutil and checks that it reads back name, memory, vcpus and vifs.
[[nodiscard]] Result<void> check_config(const std::string& text, const GuestSpec& spec);
// Needs `xl info` to work; writes DIR/xl.cfg and runs `xl create -F` until the domain exists.
[[nodiscard]] Result<Launch> launch(const GuestSpec& spec, const std::string& dir);
[[nodiscard]] Result<void> command(const std::string& verb, const std::string& name);
[[nodiscard]] std::string state(const std::string& name);
}  // namespace xen

}  // namespace vs::vm
