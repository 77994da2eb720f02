"""vmctl end to end: a QEMU guest (KVM where it boots, TCG here) on a bridge through vhost-user
and a container on the same bridge through a veth ping each other through vswitchd; suspend
stops the guest's traffic and resume restores it; shutdown is graceful (the guest sees the ACPI
power button, the container's init SIGPWR); destroy removes the switch port; undefine removes
the definition, which otherwise survives a restart of the switch; bad definitions fail with one
line and change nothing. Guest images come from scripts/build-guest-images (Debian packages,
cached in the build directory)."""

import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from test_vswitchd_db import DbSwitch
from vsenv import BIN_DIR, SwitchTest, run, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..")
IMAGES = os.environ.get("VS_GUEST_IMAGES") or os.path.join(BIN_DIR, "..", "guest-images")


def build_images():
    p = subprocess.run([os.path.join(REPO, "scripts", "build-guest-images"), IMAGES],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f"build-guest-images failed:\n{p.stdout}{p.stderr}")


class Vmctl(SwitchTest):
    def setUp(self):
        super().setUp()
        for tool in ("qemu-system-x86_64", "nsenter"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is missing: run scripts/install-deps.sh")
        build_images()
        self.kernel = os.path.join(IMAGES, "vmlinux")
        self.initrd = os.path.join(IMAGES, "initrd.img")
        self.rootfs = os.path.join(IMAGES, "rootfs")
        t = self.tag
        self.br = f"brvm{t}"
        self.net = f"10.79.{t % 200}"
        self.vm, self.ct = f"vm{t}", f"ct{t}"
        self.extra_env = {}
        self.dbdir = tempfile.mkdtemp(prefix="vs-e2e-vm-")
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        self.start_switch()
        self.addCleanup(self.kill_guests)

    def start_switch(self):
        self.switch = DbSwitch(self.dbdir)
        run(f"{BIN_DIR}/vsctl --db=unix:{self.switch.db_sock} --timeout=20 --may-exist "
            f"add-br {self.br}")

    # --- helpers ---------------------------------------------------------------------------

    def vmctl(self, *args, check=True, timeout=150):
        env = dict(os.environ, VS_RUNDIR=self.switch.rundir, **self.extra_env)
        p = subprocess.run([os.path.join(BIN_DIR, "vmctl"), *args], capture_output=True,
                           text=True, timeout=timeout, env=env)
        if check and p.returncode != 0:
            raise AssertionError(f"vmctl {' '.join(args)} failed ({p.returncode}): {p.stderr}"
                                 f"\n{self.switch.log_text()}")
        return p

    def guest_file(self, name, file):
        return os.path.join(self.switch.rundir, "guests", name, file)

    def kill_guests(self):
        """Ends what the supervisors started, by their recorded pids, even if a test failed
        half-way (destroy first: it also removes ports and veths)."""
        gdir = os.path.join(self.switch.rundir, "guests")
        if not os.path.isdir(gdir):
            return
        for name in os.listdir(gdir):
            if os.path.exists(os.path.join(gdir, name, "guest.pid")):
                self.vmctl("destroy", name, check=False, timeout=30)
            for f in ("guest.pid", "supervisor.pid"):
                try:
                    with open(os.path.join(gdir, name, f)) as fh:
                        os.kill(int(fh.read()), signal.SIGKILL)
                except (OSError, ValueError):
                    pass

    def define_vm(self, name=None, ip_last=1):
        name = name or self.vm
        self.vmctl("define", "--name", name, "--type", "kvm", "--memory", "256", "--vcpus", "1",
                   "--kernel", self.kernel, "--initrd", self.initrd, "--cmdline", "quiet",
                   "--network", f"bridge={self.br},type=vhostuser,ip={self.net}.{ip_last}/24")

    def define_ct(self, name=None, ip_last=2):
        name = name or self.ct
        self.vmctl("define", "--name", name, "--type", "lxc", "--memory", "64", "--rootfs",
                   self.rootfs, "--network", f"bridge={self.br},ip={self.net}.{ip_last}/24")

    def ct_ping(self, ip, count=1, wait=1):
        p = self.vmctl("exec", self.ct, "--", "ping", "-c", str(count), "-W", str(wait), ip,
                       check=False, timeout=count * wait + 10)
        m = re.search(r"(\d+) packets received", p.stdout)
        return int(m.group(1)) if m else 0

    def console_ping(self, ip):
        """Types a ping into the VM's serial console (its init runs a shell there) and reads
        the answer from the console socket."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.guest_file(self.vm, "console.sock"))
            s.settimeout(0.2)
            # Typed slowly: the UART takes 16 bytes at a time.
            for ch in f"ping -c 3 -W 1 {ip}\n":
                s.sendall(ch.encode())
                time.sleep(0.01)
            out, deadline = b"", time.time() + 30
            while time.time() < deadline:
                try:
                    out += s.recv(4096)
                except socket.timeout:
                    pass
                m = re.search(rb"(\d+) packets received", out)
                if m:
                    return int(m.group(1))
            raise AssertionError(f"no ping statistics on the VM's console:\n{out[-1500:]}")

    def console_session(self, line, expect):
        """`vmctl console` on a pseudo-terminal, as a person uses it: type a line, read the
        echo and the answer, detach with Ctrl-]."""
        pid, fd = pty.fork()
        if pid == 0:
            os.environ.update(VS_RUNDIR=self.switch.rundir)
            os.execv(os.path.join(BIN_DIR, "vmctl"), ["vmctl", "console", self.vm])
        out = b""
        try:
            time.sleep(0.3)
            for ch in line + "\r":
                os.write(fd, ch.encode())
                time.sleep(0.01)
            deadline = time.time() + 10
            while time.time() < deadline and expect.encode() not in out:
                if select.select([fd], [], [], 0.2)[0]:
                    out += os.read(fd, 4096)
            os.write(fd, b"\x1d")  # Ctrl-]
            deadline = time.time() + 5
            while time.time() < deadline:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    self.assertEqual(os.waitstatus_to_exitcode(status), 0)
                    pid = None
                    break
                if select.select([fd], [], [], 0.1)[0]:
                    try:
                        out += os.read(fd, 4096)
                    except OSError:
                        pass
            self.assertIsNone(pid, "vmctl console did not detach on Ctrl-]")
        finally:
            if pid:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
        return out.decode(errors="replace")

    def ports(self):
        return run(f"{BIN_DIR}/vsctl --db=unix:{self.switch.rundir}/db.sock list-ports "
                   f"{self.br}").split()

    def db_state(self, name):
        """The Guest row's state and accelerator, as another reader of the DB sees them."""
        out = run(f"{BIN_DIR}/vsctl --db=unix:{self.switch.rundir}/db.sock --bare "
                  f"--columns=state,accelerator find Guest name={name}")
        return out.split()

    def names(self):
        return [line.split()[1] for line in self.vmctl("list", "--all").stdout.splitlines()[2:]]

    # --- tests -----------------------------------------------------------------------------

    def test_vm_and_container_ping_through_the_switch(self):
        self.define_vm()
        self.define_ct()
        self.assertEqual(self.vmctl("domstate", self.vm).stdout.strip(), "shut off")

        t0 = time.time()
        p = self.vmctl("start", self.vm)
        self.assertIn("started", p.stdout)
        vm_started = time.time() - t0
        info = self.vmctl("dominfo", self.vm).stdout
        accel = re.search(r"Accelerator:\s+(\S+)", info).group(1)
        self.assertIn(accel, ("kvm", "tcg"))
        if accel == "tcg":
            self.assertIn("TCG", p.stderr)  # the fall-back is said, not silent
        t1 = time.time()
        self.vmctl("start", self.ct)
        ct_started = time.time() - t1
        self.assertIn(self.vmctl("domiflist", self.vm).stdout.split("\n")[2].split()[0],
                      self.ports())
        self.assertEqual(len(self.ports()), 2)
        self.assertEqual(self.db_state(self.vm), ["running", accel])

        # The container's ping answers once the VM has booted and set eth0 from vs.ip=.
        wait_for(lambda: self.ct_ping(f"{self.net}.1") > 0, timeout=90,
                 what="the container pinging the VM")
        boot_to_ping = time.time() - t0
        print(f"\n  vm start {vm_started:.1f} s ({accel}), boot to ping {boot_to_ping:.1f} s; "
              f"container start {ct_started:.2f} s")
        self.assertEqual(self.console_ping(f"{self.net}.2"), 3)
        self.assertIn("hello-from-vm3", self.console_session("echo hello-from-vm$((1+2))",
                                                             "hello-from-vm3"))

        # suspend stops the VM's traffic; resume brings it back.
        self.vmctl("suspend", self.vm)
        self.assertEqual(self.vmctl("domstate", self.vm).stdout.strip(), "paused")
        self.assertEqual(self.db_state(self.vm)[:1], ["paused"])
        self.assertEqual(self.ct_ping(f"{self.net}.1", count=2), 0)
        self.vmctl("resume", self.vm)
        self.assertEqual(self.vmctl("domstate", self.vm).stdout.strip(), "running")
        wait_for(lambda: self.ct_ping(f"{self.net}.1") > 0, timeout=15, what="ping after resume")

        # The container freezes and thaws the same way.
        self.vmctl("suspend", self.ct)
        self.assertEqual(self.vmctl("domstate", self.ct).stdout.strip(), "paused")
        self.vmctl("resume", self.ct)
        self.assertEqual(self.vmctl("domstate", self.ct).stdout.strip(), "running")
        self.assertGreater(self.ct_ping(f"{self.net}.1"), 0)

        # Graceful shutdown: the VM's init sees the power button, the container's SIGPWR;
        # their ports leave the bridge.
        self.vmctl("shutdown", self.vm)
        self.vmctl("shutdown", self.ct)
        wait_for(lambda: self.vmctl("domstate", self.vm).stdout.strip() == "shut off",
                 timeout=30, what="the VM powering off")
        wait_for(lambda: self.vmctl("domstate", self.ct).stdout.strip() == "shut off",
                 timeout=15, what="the container halting")
        with open(self.guest_file(self.vm, "console.log"), errors="replace") as f:
            self.assertIn("power button pressed", f.read())
        with open(self.guest_file(self.ct, "console.log"), errors="replace") as f:
            self.assertIn("SIGPWR", f.read())
        wait_for(lambda: self.ports() == [], timeout=10, what="ports removed after shutdown")
        self.assertEqual(self.db_state(self.vm), ["shut", "off"])

        # destroy: the port is gone when it returns, and so is the host's veth end.
        self.vmctl("start", self.ct)
        port = self.ports()[0]
        self.vmctl("destroy", self.ct)
        self.assertEqual(self.ports(), [])
        self.assertNotIn(port, run("ip -o link show"))
        self.assertEqual(self.vmctl("domstate", self.ct).stdout.strip(), "shut off")

        # undefine removes the definitions.
        self.vmctl("undefine", self.vm)
        self.vmctl("undefine", self.ct)
        self.assertEqual(self.names(), [])

    def test_tap_nic_and_a_transient_container(self):
        """A VM whose NIC is a TAP device (a `system` port of the bridge) and a container made
        with `create` (transient: gone from the definitions once destroyed)."""
        self.vmctl("define", "--name", self.vm, "--memory", "256", "--kernel", self.kernel,
                   "--initrd", self.initrd, "--cmdline", "quiet", "--network",
                   f"bridge={self.br},type=tap,ip={self.net}.1/24")
        self.vmctl("start", self.vm)
        tap = self.ports()[0]
        self.assertIn("tun", run(f"ip -d link show {tap}"))
        self.vmctl("create", "--name", self.ct, "--type", "lxc", "--rootfs", self.rootfs,
                   "--cpuset", "0", "--network", f"bridge={self.br},ip={self.net}.2/24")
        info = self.vmctl("dominfo", self.ct).stdout
        self.assertIn("Persistent:     no", info)
        pid = re.search(r"Id:\s+(\d+)", info).group(1)
        with open(f"/proc/{pid}/status") as f:
            self.assertIn("Cpus_allowed_list:\t0\n", f.read())  # --cpuset pins it
        wait_for(lambda: self.ct_ping(f"{self.net}.1") > 0, timeout=90,
                 what="the container pinging the VM on its TAP")
        # reboot resets the VM: it boots again and answers again.
        log = self.guest_file(self.vm, "console.log")
        self.vmctl("reboot", self.vm)
        def booted_twice():
            with open(log, errors="replace") as f:
                return f.read().count("vs-guest: ready") == 2
        wait_for(booted_twice,
                 timeout=60, what="the VM booting again after reboot")
        wait_for(lambda: self.ct_ping(f"{self.net}.1") > 0, timeout=30,
                 what="ping after reboot")
        # A container's reboot: init halts, the supervisor starts it again, same port.
        self.vmctl("reboot", self.ct)
        wait_for(lambda: re.search(r"Id:\s+(\d+)", self.vmctl("dominfo", self.ct).stdout)
                 and re.search(r"Id:\s+(\d+)", self.vmctl("dominfo", self.ct).stdout)
                 .group(1) != pid, timeout=15, what="the container's new init")
        wait_for(lambda: self.ct_ping(f"{self.net}.1") > 0, timeout=30,
                 what="the rebooted container pinging the VM")
        self.vmctl("destroy", self.vm)
        self.assertNotIn(tap, run("ip -o link show"))
        self.vmctl("destroy", self.ct)
        self.assertEqual(self.names(), [self.vm])
        self.assertEqual(self.ports(), [])

    def test_bad_definitions_change_nothing(self):
        self.define_ct()
        before = self.names()
        cases = {
            "unknown bridge": ["--name", "x1", "--type", "lxc", "--rootfs", self.rootfs,
                               "--network", "bridge=nosuchbr"],
            "duplicate name": ["--name", self.ct, "--type", "lxc", "--rootfs", self.rootfs],
            "missing kernel": ["--name", "x2", "--kernel", "/nonexistent/vmlinux"],
            "no kernel": ["--name", "x3"],
            "zero memory": ["--name", "x4", "--memory", "0", "--kernel", self.kernel],
            "slash in name": ["--name", "a/b", "--kernel", self.kernel],
        }
        for what, args in cases.items():
            p = self.vmctl("define", *args, check=False)
            self.assertEqual(p.returncode, 1, f"{what}: {p.stderr}")
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, f"{what}: {p.stderr}")
            self.assertTrue(p.stderr.startswith("vmctl: "), what)
        self.assertEqual(self.names(), before)
        # The same checks hold for a libvirt domain XML, and a good one defines.
        xml = os.path.join(self.dbdir, "ct.xml")
        for name, bridge in ((self.ct, self.br), ("x5", "nosuchbr"), ("x6", self.br)):
            with open(xml, "w") as f:
                f.write(f"<domain type='lxc'><name>{name}</name><memory unit='MiB'>32</memory>"
                        f"<devices><filesystem type='mount'><source dir='{self.rootfs}'/>"
                        f"<target dir='/'/></filesystem><interface type='bridge'>"
                        f"<source bridge='{bridge}'/><virtualport type='openvswitch'/>"
                        f"<ip address='{self.net}.9' prefix='24'/></interface></devices>"
                        f"</domain>")
            p = self.vmctl("define", xml, check=False)
            self.assertEqual(p.returncode, 0 if name == "x6" else 1, p.stderr)
        self.assertEqual(self.names(), sorted(before + ["x6"]))
        self.assertIn(f"{self.net}.9/24", self.vmctl("domiflist", "x6").stdout)
        self.assertEqual(self.vmctl("frobnicate", check=False).returncode, 2)
        self.assertEqual(self.vmctl("start", "nosuchguest", check=False).returncode, 1)
        self.assertEqual(self.vmctl("shutdown", self.ct, check=False).returncode, 1)

    def test_xen_guest_through_a_recording_standin_for_xl(self):
        """NOT Xen (no hypervisor runs here): `xl` is tests/e2e/xl_recording_standin, which
        records its command lines and acts out a domain. What is real: the xl configuration
        (checked with libxlutil by vmctl), the sequence of xl commands, and the vif netdev
        becoming a port of the bridge and leaving it when the domain goes."""
        standin = tempfile.mkdtemp(prefix="vs-xl-standin-")
        self.addCleanup(shutil.rmtree, standin, True)
        self.extra_env = {"VS_XL": os.path.join(HERE, "xl_recording_standin"),
                          "XL_STANDIN_DIR": standin}
        name = f"xen{self.tag}"
        self.vmctl("define", "--name", name, "--type", "xen", "--memory", "256", "--kernel",
                   self.kernel, "--initrd", self.initrd, "--network",
                   f"bridge={self.br},ip={self.net}.3/24")
        self.vmctl("start", name)
        self.assertEqual(len(self.ports()), 1)
        self.assertIn("Accelerator:    xen", self.vmctl("dominfo", name).stdout)
        with open(self.guest_file(name, "xl.cfg")) as f:
            cfg_text = f.read()
        self.assertIn(f"'bridge={self.br},mac=", cfg_text)
        self.assertIn(f"vs.ip={self.net}.3/24", cfg_text)
        self.vmctl("suspend", name)
        self.assertEqual(self.vmctl("domstate", name).stdout.strip(), "paused")
        self.vmctl("resume", name)
        self.assertEqual(self.vmctl("domstate", name).stdout.strip(), "running")
        self.vmctl("shutdown", name)
        wait_for(lambda: self.vmctl("domstate", name).stdout.strip() == "shut off",
                 timeout=15, what="the stand-in domain going")
        wait_for(lambda: self.ports() == [], timeout=10, what="the vif port removed")
        self.vmctl("start", name)
        self.vmctl("destroy", name)
        self.assertEqual(self.ports(), [])
        cfg = self.guest_file(name, "xl.cfg")
        with open(os.path.join(standin, "calls")) as f:
            calls = [c.strip() for c in f if not c.startswith("list")]
        self.assertEqual(calls, ["info", f"create -F {cfg}", f"pause {name}",
                                 f"unpause {name}", f"shutdown {name}", "info",
                                 f"create -F {cfg}", f"destroy {name}"])

    def test_start_fails_cleanly_when_the_bridge_is_gone(self):
        self.define_ct()
        run(f"{BIN_DIR}/vsctl --db=unix:{self.switch.db_sock} --timeout=20 del-br {self.br}")
        p = self.vmctl("start", self.ct, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.strip(), f"vmctl: bridge '{self.br}' does not exist")
        self.assertEqual(self.vmctl("domstate", self.ct).stdout.strip(), "shut off")
        self.assertNotIn(f"v{self.ct}-0", run("ip -o link show"))

    def test_definition_survives_a_switch_restart(self):
        """The definition is in the switch's DB file: a new vswitchd on the same file has it."""
        self.define_ct()
        self.switch.stop()
        self.switch = None
        self.start_switch()
        self.assertIn(self.ct, self.names())
        self.assertIn(self.br, self.vmctl("domiflist", self.ct).stdout)
        # Guests marked autostart start with `start --autostart`, in autostart-order.
        self.define_ct(name=f"{self.ct}b", ip_last=3)
        self.vmctl("autostart", self.ct)
        self.vmctl("autostart", f"{self.ct}b")
        self.vmctl("autostart", "--disable", f"{self.ct}b")
        self.assertIn("Autostart:      enable", self.vmctl("dominfo", self.ct).stdout)
        # They start with the service: a restarted vswitchd runs `vmctl start --autostart`.
        self.switch.stop()
        self.switch = None
        self.start_switch()
        wait_for(lambda: self.vmctl("domstate", self.ct).stdout.strip() == "running",
                 timeout=60, what="the autostart container started with the switch")
        self.assertEqual(self.vmctl("domstate", f"{self.ct}b").stdout.strip(), "shut off")
        self.vmctl("destroy", self.ct)


if __name__ == "__main__":
    unittest.main()
