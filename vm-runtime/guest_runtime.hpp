// GuestRuntime: the lifecycle of defined guests on this host (virsh's verbs), for vmctl.
// `start` forks a supervisor (setsid, outlives vmctl) that launches the guest through its
// driver, adds a switch port per NIC and reports "ok" or the error back; when the guest exits
// (shutdown, destroy, crash) the supervisor removes the ports, the host netdevs and cgroups.
// The DB's Guest state/accelerator columns mirror start, stop, suspend and resume for other
// readers; this class reads the state live. Per guest, RUNDIR/guests/NAME/ holds supervisor.pid,
// guest.pid, accel, qmp.sock, console.sock, console.log, net<i>.sock (vhost-user) and the logs.
// Thread: single-threaded; each call may block for the guest's answer.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "vm-runtime/guest_spec.hpp"

namespace vs::vm {

class GuestDb;

struct RuntimeConfig {
    std::string run_dir;    // VS_RUNDIR
    std::string db_remote;  // unix:RUNDIR/db.sock by default
    std::string qemu = "qemu-system-x86_64";
};

class GuestRuntime {
  public:
    explicit GuestRuntime(RuntimeConfig config) : config_(std::move(config)) {}

    // Starts a shut-off guest; returns once its ports are on their bridges. Warnings (e.g.
    // the fall-back from KVM to TCG) are appended to `warnings`.
    [[nodiscard]] Result<void> start(const GuestSpec& spec, std::vector<std::string>& warnings);
    // Graceful: the ACPI power button (KVM) or SIGPWR to the container's init. Returns at once.
    [[nodiscard]] Result<void> shutdown(const GuestSpec& spec);
    // Immediate: kills the guest and waits until its supervisor removed its ports.
    [[nodiscard]] Result<void> destroy(const GuestSpec& spec);
    [[nodiscard]] Result<void> suspend(const GuestSpec& spec);
    [[nodiscard]] Result<void> resume(const GuestSpec& spec);
    // VMs: a reset (QMP system_reset); containers: SIGPWR to init, and the supervisor starts
    // them again (as it does when their init calls reboot(2)).
    [[nodiscard]] Result<void> reboot(const GuestSpec& spec);
    // Runs argv inside a running container (lxc-attach); returns only on error.
    [[nodiscard]] Result<void> exec(const GuestSpec& spec, const std::vector<std::string>& argv);
    // Attaches the terminal to the serial console until Ctrl-] or EOF.
    [[nodiscard]] Result<void> console(const GuestSpec& spec);

    // "running", "paused" or "shut off".
    [[nodiscard]] std::string state(const GuestSpec& spec) const;
    [[nodiscard]] std::optional<pid_t> guest_pid(const GuestSpec& spec) const;
    // "kvm", "tcg" (VMs), "namespaces" (containers), or empty when shut off.
    [[nodiscard]] std::string accelerator(const GuestSpec& spec) const;

    [[nodiscard]] std::string guest_dir(const std::string& name) const;

  private:
    [[nodiscard]] int supervise(const GuestSpec& spec, int report_fd);
    // One boot: launch, ports, wait, clean-up. Returns the error that stopped the start (empty
    // when the guest ran); `status` is the guest's wait status. Reports "ok" on `report_fd`
    // and closes it (sets it to -1) once the guest runs; leaves it open on an error.
    [[nodiscard]] std::string run_once(const GuestSpec& spec, GuestDb& db, int& report_fd,
                                       int& status);
    [[nodiscard]] Result<void> require_running(const GuestSpec& spec) const;

    RuntimeConfig config_;
};

}  // namespace vs::vm
