// A libvirt domain XML subset for `vmctl define FILE.xml`: domain type, name, memory (with
// libvirt's units, KiB by default), vcpu, os kernel/initrd/cmdline, disks, filesystem (the
// container's rootfs), and interfaces of type bridge (with or without
// <virtualport type='openvswitch'/>) or vhostuser (<source bridge=.../>, our extension: the
// switch is the other end) with mac and ip. Thread: any.
#pragma once

#include <string>

#include "vm-runtime/guest_spec.hpp"

namespace vs::vmctl {

// The result still needs vm::validate(); unknown elements are ignored, as virsh's parser
// ignores what a driver does not use.
[[nodiscard]] Result<vm::GuestSpec> spec_from_xml(const std::string& text);

}  // namespace vs::vmctl
