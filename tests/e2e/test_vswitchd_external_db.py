"""vswitchd --db=REMOTE: no embedded DB; it follows an external server — our vsdb-server, and
Open vSwitch's own ovsdb-server as an independent one — through a monitor and writes its status
back there. The real ovs-vsctl, talking only to that server and waiting for cur_cfg (no
--no-wait), adds bridges and ports that then forward; the server can go away and come back
(kill -9 and restart on the same file) while the switch keeps forwarding, and changes made
after it returns are applied. vswitchd may also start before its server exists."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from vsenv import BIN_DIR, SwitchTest, run, wait_for


class DbProcess:
    """A DB server on a unix socket in `workdir`: vsdb-server, or ovsdb-server when `ovs`."""

    def __init__(self, workdir, ovs=False):
        self.workdir, self.ovs = workdir, ovs
        self.sock = os.path.join(workdir, "ovs.sock" if ovs else "db.sock")
        self.file = os.path.join(workdir, "ovs.db" if ovs else "conf.db")
        self.proc = None
        if ovs and not os.path.exists(self.file):
            run(f"ovsdb-tool create {self.file} /usr/share/openvswitch/vswitch.ovsschema")

    def start(self):
        if self.ovs:
            args = ["ovsdb-server", self.file, f"--remote=punix:{self.sock}",
                    f"--unixctl={self.workdir}/ovsdb-server.ctl",
                    f"--log-file={self.workdir}/ovsdb-server.log"]
        else:
            args = [os.path.join(BIN_DIR, "vsdb-server"), "--db", self.file, "--remote",
                    f"punix:{self.sock}", "--log-file", f"{self.workdir}/vsdb-server.log"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None,
                 what="DB server socket")
        if self.proc.poll() is not None:
            raise RuntimeError(f"{args[0]} exited with {self.proc.returncode}")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        if os.path.exists(self.sock):
            os.unlink(self.sock)  # a killed server leaves its socket behind

    def vsctl(self, *args, no_wait=False):
        cmd = ["ovs-vsctl", f"--db=unix:{self.sock}", "--timeout=20"]
        if no_wait:
            cmd.append("--no-wait")
        p = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise AssertionError(f"ovs-vsctl {' '.join(args)}: {p.stderr}")
        return p.stdout.strip()


class ExternalSwitch:
    """vswitchd with --db pointing at a DB server; its run directory holds no DB."""

    def __init__(self, remote):
        self.rundir = tempfile.mkdtemp(prefix="vs-e2e-xdb-")
        self.ctl = os.path.join(self.rundir, "vswitchd.ctl")
        self.log = os.path.join(self.rundir, "vswitchd.log")
        args = [os.path.join(BIN_DIR, "vswitchd"), f"--db={remote}", "--log-file", self.log,
                "--dpdk-mem", "512", "--mbufs", "16384"]
        env = dict(os.environ, VS_RUNDIR=self.rundir, VS_DBDIR=self.rundir)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env)
        wait_for(lambda: self.proc.poll() is not None or self.appctl_ok("version"), timeout=30,
                 what="vswitchd control socket")
        if self.proc.poll() is not None:
            raise RuntimeError(f"vswitchd exited: {self.proc.stdout.read()}")

    def appctl_ok(self, *args):
        return subprocess.run([os.path.join(BIN_DIR, "appctl"), "-t", self.ctl, *args],
                              capture_output=True).returncode == 0

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        shutil.rmtree(self.rundir, ignore_errors=True)


class VswitchdExternalDb(SwitchTest):
    def setUp(self):
        super().setUp()
        if shutil.which("ovs-vsctl") is None or shutil.which("ovsdb-server") is None:
            self.skipTest("Open vSwitch's tools are not installed (scripts/install-deps.sh)")
        self.workdir = tempfile.mkdtemp(prefix="vs-e2e-xdb-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        for i in range(3):
            self.host("vxd", i, 83)
        self.bridge = f"vxdbr{self.tag}"
        self.server = None
        self.addCleanup(self._stop)

    def _stop(self):
        if self.switch:
            self.switch.stop()
            self.switch = None
        if self.server:
            self.server.kill()

    def ofport(self, iface):
        return int(self.server.vsctl("get", "Interface", iface, "ofport"))

    def attach_hosts_and_ping(self):
        a, b, c = self.hosts
        srv = self.server
        srv.vsctl("add-br", self.bridge)
        for h in (a, b, c):
            srv.vsctl("add-port", self.bridge, h.port)
        # Applied before ovs-vsctl returned: the switch wrote ofports and cur_cfg back there.
        for h in (a, b, c):
            self.assertGreater(self.ofport(h.port), 0)
        self.assertEqual(srv.vsctl("get", "Open_vSwitch", ".", "cur_cfg"),
                         srv.vsctl("get", "Open_vSwitch", ".", "next_cfg"))
        self.assertEqual(a.ping(b.ip, count=2), 2)
        self.assertEqual(a.ping(c.ip, count=2), 2)

    def test_follows_vsdb_server_across_its_restart(self):
        a, b, c = self.hosts
        self.server = DbProcess(self.workdir)
        self.server.start()
        self.switch = ExternalSwitch(f"unix:{self.server.sock}")
        self.assertFalse(os.path.exists(os.path.join(self.switch.rundir, "db.sock")),
                         "with --db the switch must not serve a DB of its own")
        self.attach_hosts_and_ping()

        # The server dies: forwarding goes on with the last configuration.
        self.server.kill()
        self.assertEqual(a.ping(b.ip, count=2), 2)
        # It comes back on the same file; the switch reconnects and applies what changes next.
        self.server.start()
        self.server.vsctl("del-port", self.bridge, c.port)
        self.assertEqual(a.ping(c.ip, count=2, check=False), 0, "deleted port still forwards")
        self.assertEqual(a.ping(b.ip, count=2), 2)
        self.assertNotIn(c.port, self.switch_ports())
        # Status keeps flowing to the server: statistics are written back periodically.
        wait_for(lambda: "rx_packets" in self.server.vsctl("get", "Interface", a.port,
                                                           "statistics"),
                 timeout=15, what="statistics written to the external DB")

    def test_open_vswitch_ovsdb_server_started_after_the_switch(self):
        a, b, _ = self.hosts
        self.server = DbProcess(self.workdir, ovs=True)
        self.switch = ExternalSwitch(f"unix:{self.server.sock}")  # nothing listens there yet
        time.sleep(0.5)
        self.server.start()
        wait_for(lambda: self.server.vsctl("get", "Open_vSwitch", ".", "ovs_version") != "[]",
                 timeout=15, what="the switch's root-row write-back")
        self.assertIn("system", self.server.vsctl("get", "Open_vSwitch", ".", "iface_types"))
        self.attach_hosts_and_ping()
        # Ours and ovs-vsctl's view agree through Open vSwitch's server.
        self.assertEqual(self.server.vsctl("list-ports", self.bridge).split(),
                         sorted(h.port for h in self.hosts))
        self.assertEqual(sorted(self.switch_ports()), sorted([self.bridge] +
                                                             [h.port for h in self.hosts]))
        self.server.vsctl("set", "Interface", b.port, "type=warp")
        self.assertEqual(self.ofport(b.port), -1)
        self.assertIn("warp", self.server.vsctl("get", "Interface", b.port, "error"))
        self.assertEqual(a.ping(b.ip, count=1, check=False), 0)

    def switch_ports(self):
        out = subprocess.run([os.path.join(BIN_DIR, "appctl"), "-t", self.switch.ctl,
                              "dpctl/show"], capture_output=True, text=True).stdout
        return [line.split()[2] for line in out.splitlines() if line.strip().startswith("port ")]


class ExternalDbUsage(unittest.TestCase):
    def test_bad_db_arguments_exit_with_one_line(self):
        vswitchd = os.path.join(BIN_DIR, "vswitchd")
        for args, text in ((["--db=unix:/x", "--remote=ptcp:1"], "--remote"),
                           (["--db=udp:1.2.3.4:5"], "unix:PATH or tcp:IP:PORT")):
            p = subprocess.run([vswitchd, *args, "--rundir", tempfile.gettempdir()],
                               capture_output=True, text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertIn(text, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)


if __name__ == "__main__":
    unittest.main()
