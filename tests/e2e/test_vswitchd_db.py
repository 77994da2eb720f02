"""vswitchd driven by its embedded config DB through the real ovs-vsctl WITHOUT --no-wait:
add-br/add-port return once applied (cur_cfg = next_cfg), hosts on the bridge ping, del-port
cuts a host off, a missing kernel netdev gets ofport -1 and an error while the rest works, a
second bridge does not see the first one's floods, and a restart on the same DB brings the
bridges and ports back."""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

from vsenv import BIN_DIR, Switch, SwitchTest, run, wait_for


class DbSwitch(Switch):
    """vswitchd with no --bridge: everything comes from the DB in `dbdir`, which outlives the
    process (restart). Its run directory is its own, as Switch's."""

    def __init__(self, dbdir, extra=()):
        self.rundir = tempfile.mkdtemp(prefix="vs-e2e-db-")
        self.bridge = None
        self.ctl = os.path.join(self.rundir, "vswitchd.ctl")
        self.log = os.path.join(self.rundir, "vswitchd.log")
        self.db_sock = os.path.join(self.rundir, "db.sock")
        args = [os.path.join(BIN_DIR, "vswitchd"), "--log-file", self.log, "--dpdk-mem", "512",
                "--mbufs", "16384", *extra]
        env = dict(os.environ, VS_RUNDIR=self.rundir, VS_DBDIR=dbdir)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env)
        try:
            wait_for(lambda: self.proc.poll() is not None or
                     (os.path.exists(self.db_sock) and self._ready()), timeout=30,
                     what="vswitchd control and DB sockets")
        except AssertionError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            out = self.proc.stdout.read()
            raise RuntimeError(f"vswitchd exited with {self.proc.returncode}:\n{out}\n"
                               + self.log_text())

    def vsctl(self, *args, check=True, db=None):
        """The real ovs-vsctl, waiting for vswitchd to apply the change (no --no-wait)."""
        db = db or f"unix:{self.db_sock}"
        p = subprocess.run(["ovs-vsctl", f"--db={db}", "--timeout=20", *args],
                           capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise AssertionError(f"ovs-vsctl {' '.join(args)} failed ({p.returncode}): "
                                 f"{p.stderr}\n{self.log_text()}")
        return p if not check else p.stdout.strip()


class VswitchdDb(SwitchTest):
    def setUp(self):
        super().setUp()
        if shutil.which("ovs-vsctl") is None:
            self.skipTest("ovs-vsctl not installed (scripts/install-deps.sh installs it)")
        self.dbdir = tempfile.mkdtemp(prefix="vs-e2e-db-")
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        for i in range(4):
            self.host("vdb", i, 78)
        t = self.tag
        self.br0, self.br1 = f"vdbr{t}", f"vdbs{t}"
        self.missing = f"vdbn{t}x"
        self.switch = None

    def start(self, extra=()):
        self.switch = DbSwitch(self.dbdir, extra)

    def restart(self):
        self.switch.stop()
        self.switch = None
        self.switch = DbSwitch(self.dbdir)

    def assert_applied(self):
        sw = self.switch
        self.assertEqual(sw.vsctl("get", "Open_vSwitch", ".", "cur_cfg"),
                         sw.vsctl("get", "Open_vSwitch", ".", "next_cfg"))

    def ofport(self, iface):
        return int(self.switch.vsctl("get", "Interface", iface, "ofport"))

    def quiet_internal_port(self, bridge):
        # The bridge's internal port is a TAP in this namespace: keep IPv6 chatter off it.
        wait_for(lambda: run(f"ip link show {bridge}", check=False), what=f"TAP {bridge}")
        run(f"sysctl -qw net.ipv6.conf.{bridge}.disable_ipv6=1", check=False)

    def test_vsctl_drives_bridges_and_ports(self):
        a, b, c, d = self.hosts
        self.start()
        sw = self.switch
        sw.vsctl("add-br", self.br0)
        self.assert_applied()
        self.quiet_internal_port(self.br0)
        for h in (a, b, c):
            sw.vsctl("add-port", self.br0, h.port)
        self.assert_applied()
        for h in (a, b, c):
            self.assertGreater(self.ofport(h.port), 0)
        self.assertEqual(sw.vsctl("get", "Interface", a.port, "error"), "[]")
        self.assertEqual(a.ping(b.ip, count=3), 3)
        self.assertEqual(a.ping(c.ip, count=2), 2)

        # del-port: b is cut off, the others keep talking.
        sw.vsctl("del-port", self.br0, b.port)
        self.assert_applied()
        self.assertNotIn(b.port, sw.port_stats())
        self.assertEqual(a.ping(b.ip, count=2, timeout=3, check=False), 0)
        self.assertEqual(a.ping(c.ip, count=2), 2)

        # An interface naming a missing kernel netdev: ofport -1 and an error; the rest works.
        p = sw.vsctl("add-port", self.br0, self.missing, check=False)
        self.assertEqual(sw.vsctl("get", "Open_vSwitch", ".", "cur_cfg"),
                         sw.vsctl("get", "Open_vSwitch", ".", "next_cfg"), p.stderr)
        self.assertEqual(self.ofport(self.missing), -1)
        error = sw.vsctl("get", "Interface", self.missing, "error")
        self.assertNotIn(error, ("", "[]"))
        self.assertIn(self.missing, error)
        self.assertEqual(a.ping(c.ip, count=2), 2)

        # A second bridge with d: a's floods (ARP for d's address) stay on the first bridge.
        sw.vsctl("add-br", self.br1, "--", "add-port", self.br1, d.port)
        self.assert_applied()
        self.quiet_internal_port(self.br1)
        self.assertGreater(self.ofport(d.port), 0)
        time.sleep(0.5)
        d_tx = sw.port_stats()[d.port]["tx"]
        c_tx = sw.port_stats()[c.port]["tx"]
        self.assertEqual(a.ping(d.ip, count=3, interval=0.5, timeout=3, check=False), 0)
        stats = sw.port_stats()
        self.assertGreater(stats[c.port]["tx"], c_tx, "a's ARP requests were not flooded to c")
        self.assertEqual(stats[d.port]["tx"], d_tx, "br0's floods reached a port of br1")
        self.assertNotIn(a.mac, sw.appctl("fdb/show", self.br1))
        self.assertIn(a.mac, sw.appctl("fdb/show", self.br0))

        # A restart on the same DB restores both bridges and their ports.
        ports_before = {h.port: self.ofport(h.port) for h in (a, c, d)}
        self.restart()
        sw = self.switch
        stats = wait_for(lambda: (lambda s: s if all(h.port in s for h in (a, c, d)) else None)(
            sw.port_stats()), what="ports restored after restart")
        for port, no in ports_before.items():
            self.assertEqual(stats[port]["no"], no)
        self.assert_applied()
        self.assertEqual(a.ping(c.ip, count=3), 3)
        self.assertEqual(a.ping(d.ip, count=2, timeout=3, check=False), 0)
        self.assertEqual(self.ofport(self.missing), -1)

        # del-br takes the bridge and its ports away.
        sw.vsctl("del-br", self.br1)
        self.assert_applied()
        self.assertNotIn(d.port, sw.port_stats())

        # The missing netdev appears: the periodic retry picks it up and clears the error.
        self.addCleanup(run, f"ip link del {self.missing}", check=False)
        run(f"ip link add {self.missing} type veth peer name {self.missing}p")
        run(f"ip link set {self.missing} up")
        wait_for(lambda: self.ofport(self.missing) > 0, timeout=15, what="retried interface")
        wait_for(lambda: sw.vsctl("get", "Interface", self.missing, "error") == "[]",
                 timeout=10, what="error cleared")

    def test_type_change_and_ofport_request(self):
        a, b = self.hosts[0], self.hosts[1]
        self.start()
        sw = self.switch
        sw.vsctl("add-br", self.br0, "--", "set", "Bridge", self.br0, "other_config:x=y")
        sw.vsctl("add-port", self.br0, a.port, "--", "set", "Interface", a.port,
                 "ofport_request=7")
        sw.vsctl("add-port", self.br0, b.port)
        self.assertEqual(self.ofport(a.port), 7)
        self.assertEqual(sw.port_stats()[a.port]["no"], 7)
        self.assertEqual(a.ping(b.ip, count=2), 2)
        # A bad type is refused with a clear error and leaves a's port alone.
        sw.vsctl("set", "Interface", b.port, "type=warp", check=False)
        self.assertEqual(self.ofport(b.port), -1)
        self.assertIn("warp", sw.vsctl("get", "Interface", b.port, "error"))
        sw.vsctl("set", "Interface", b.port, "type=system")
        self.assertGreater(self.ofport(b.port), 0)
        self.assertEqual(sw.vsctl("get", "Interface", b.port, "error"), "[]")
        self.assertEqual(a.ping(b.ip, count=2), 2)
        # Any DPDK device by devargs, and dpdkvhostuser with its socket in the run directory.
        sw.vsctl("add-port", self.br0, "vdbnull0", "--", "set", "Interface", "vdbnull0",
                 "type=dpdk", "options:dpdk-devargs=net_null0")
        self.assertGreater(self.ofport("vdbnull0"), 0)
        sw.vsctl("add-port", self.br0, "vdbvhu0", "--", "set", "Interface", "vdbvhu0",
                 "type=dpdkvhostuser")
        self.assertGreater(self.ofport("vdbvhu0"), 0)
        self.assertTrue(os.path.exists(os.path.join(sw.rundir, "vdbvhu0")))
        self.assert_applied()

    def test_tcp_remote_and_appctl_write_through_the_db(self):
        a, b = self.hosts[0], self.hosts[1]
        port = 16640 + self.tag % 1000
        self.start(["--remote", f"ptcp:{port}:127.0.0.1"])
        sw, tcp = self.switch, f"tcp:127.0.0.1:{port}"
        sw.vsctl("add-br", self.br0, db=tcp)
        self.assertEqual(sw.appctl("vswitchd/add-port", f"{a.port} type=system").strip(),
                         str(self.ofport(a.port)))
        sw.vsctl("add-port", self.br0, b.port, db=tcp)
        self.assertEqual(sw.vsctl("list-ports", self.br0, db=tcp).split(), sorted([a.port, b.port]))
        self.assertEqual(a.ping(b.ip, count=2), 2)
        bad = sw.appctl("vswitchd/add-port", "vdbq0 type=warp", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("warp", bad.stderr)
        self.assertNotIn("vdbq0", sw.vsctl("list-ports", self.br0))  # refused: not left in the DB
        sw.appctl("vswitchd/del-port", b.port)
        self.assertEqual(sw.vsctl("list-ports", self.br0).split(), [a.port])
        self.assert_applied()


class FlagsSeedTheDb(SwitchTest):
    """--bridge/--port (what vsenv.Switch and scripts/demo.sh use) land in the DB, so ovs-vsctl
    sees them; the DB sits in the switch's own run directory."""

    def test_flags_seed_the_db(self):
        if shutil.which("ovs-vsctl") is None:
            self.skipTest("ovs-vsctl not installed")
        a = self.host("vdf", 0, 79)
        self.switch = Switch([f"{a.port} type=system ofport_request=5"], bridge="br-seed",
                             internal_port=True)
        db = f"--db=unix:{self.switch.rundir}/db.sock"
        out = run(f"ovs-vsctl {db} --timeout=20 list-ports br-seed")
        self.assertEqual(out.split(), [a.port])
        self.assertEqual(run(f"ovs-vsctl {db} get Interface {a.port} ofport").strip(), "5")
        self.assertEqual(run(f"ovs-vsctl {db} get Interface br-seed type").strip(), "internal")
        self.assertEqual(self.switch.port_stats()[a.port]["no"], 5)


if __name__ == "__main__":
    unittest.main()
