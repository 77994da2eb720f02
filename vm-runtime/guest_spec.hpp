// GuestSpec: what a guest is (virt-install's flags, the Guest/Guest_Interface rows of the config
// DB), its checks, and the names derived from it (switch ports, MACs).
//
// Design note of vm-runtime/: a guest's definition lives in the DB (GuestDb); `start` forks a
// supervisor process (Supervisor) that runs the guest as its child — a QEMU process (KvmDriver)
// or a container init in fresh namespaces (LxcDriver) — plugs its NICs into bridges by adding
// Port/Interface rows, and on the guest's exit removes them again. Everything a running guest
// has sits in RUNDIR/guests/NAME/ (pid files, QMP and console sockets, logs); state is read from
// there, never cached in the DB. Thread: single-threaded, one process per command.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::vm {

enum class GuestType { kKvm, kLxc, kXen };

struct NicSpec {
    std::string bridge;
    std::string type;  // "vhostuser" or "tap" (KVM), "veth" (LXC), "vif" (Xen)
    std::string mac;
    std::string ip;    // ADDR/PREFIX, or empty
    std::string port;  // the switch port (and host netdev) name
};

struct GuestSpec {
    std::string name;
    GuestType type = GuestType::kKvm;
    int64_t memory_mb = 256;
    int64_t vcpus = 1;
    std::string kernel, initrd, cmdline, rootfs;
    std::map<std::string, std::string> disks;  // path -> format
    std::vector<NicSpec> nics;
    bool autostart = false;
    int64_t autostart_order = 0;
    // accel=auto|kvm|tcg, cpuset=LIST (CPU pinning), hugepages=PATH (VM memory), transient=true
    std::map<std::string, std::string> other_config;
};

[[nodiscard]] const char* type_name(GuestType type);
[[nodiscard]] Result<GuestType> parse_type(const std::string& text);

// Names usable as a directory and in the DB: [A-Za-z0-9_.-], 1..64 characters, not "." or "..".
[[nodiscard]] Result<void> check_name(const std::string& name);

// "bridge=BR[,type=vhostuser|tap][,mac=M][,ip=ADDR/PREFIX]" for a guest of `type`; the NIC's
// index picks its default MAC and port name.
[[nodiscard]] Result<NicSpec> parse_network(const std::string& text, GuestType type,
                                            const std::string& guest, size_t index);

// Everything that can be checked without the DB or the bridges: name, memory, vcpus, a kernel
// (or disk) for VMs that exists, a rootfs with /sbin/init for containers, NIC types and MACs.
[[nodiscard]] Result<void> validate(const GuestSpec& spec);

// "0,2-3" -> {0, 2, 3}.
[[nodiscard]] Result<std::vector<int>> parse_cpuset(const std::string& text);

// The host-side name of NIC `index` of guest `guest`: "v" + name + "-" + index when that fits
// in a Linux interface name (15 characters), else "v" + 8 hex digits of the name's hash.
[[nodiscard]] std::string port_name(const std::string& guest, size_t index);
// A stable locally administered MAC (52:54:00:xx:xx:xx, QEMU's prefix) for NIC `index`.
[[nodiscard]] std::string default_mac(const std::string& guest, size_t index);

}  // namespace vs::vm
