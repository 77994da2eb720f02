"""vswitchd operations: ofproto/trace explains the learning switch's decision (flood for an
unknown destination, the learned port after traffic, the megaflow it installs) without learning;
coverage/show counters rise with traffic; memory/show counts the bridge and its ports; Interface
statistics and Bridge datapath_id are written back into the DB; SIGHUP reopens the log file and
SIGTERM exits 0, removing the pidfile and sockets."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

from vsenv import BIN_DIR, Switch, SwitchTest, run, wait_for


class OpsSwitch(Switch):
    """vswitchd with its embedded DB in its own VS_RUNDIR/VS_DBDIR and a pidfile."""

    def __init__(self, dbdir):
        self.rundir = tempfile.mkdtemp(prefix="vs-e2e-ops-")
        self.bridge = None
        self.ctl = os.path.join(self.rundir, "vswitchd.ctl")
        self.log = os.path.join(self.rundir, "vswitchd.log")
        self.db_sock = os.path.join(self.rundir, "db.sock")
        self.pidfile = os.path.join(self.rundir, "vswitchd.pid")
        args = [os.path.join(BIN_DIR, "vswitchd"), "--log-file", self.log, "--pidfile",
                self.pidfile, "--dpdk-mem", "512", "--mbufs", "16384"]
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
            raise RuntimeError(f"vswitchd exited with {self.proc.returncode}:\n"
                               f"{self.proc.stdout.read()}\n{self.log_text()}")

    def vsctl(self, *args):
        p = subprocess.run(["ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=20", *args],
                           capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise AssertionError(f"ovs-vsctl {' '.join(args)}: {p.stderr}\n{self.log_text()}")
        return p.stdout.strip()


def coverage_totals(text):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(\w+)\s+.*total: (\d+)$", text, re.M)}


class VswitchdOps(SwitchTest):
    def setUp(self):
        super().setUp()
        self.dbdir = tempfile.mkdtemp(prefix="vs-e2e-ops-db-")
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        self.a = self.host("vop", 0, 79)
        self.b = self.host("vop", 1, 79)
        self.br = f"vopbr{self.tag}"
        self.switch = OpsSwitch(self.dbdir)
        sw = self.switch
        sw.vsctl("add-br", self.br)
        wait_for(lambda: run(f"ip link show {self.br}", check=False), what=f"TAP {self.br}")
        run(f"sysctl -qw net.ipv6.conf.{self.br}.disable_ipv6=1", check=False)
        sw.vsctl("set", "Open_vSwitch", ".", "other_config:stats-update-interval=1000")
        for h in (self.a, self.b):
            sw.vsctl("add-port", self.br, h.port)
        self.pa = int(sw.vsctl("get", "Interface", self.a.port, "ofport"))
        self.pb = int(sw.vsctl("get", "Interface", self.b.port, "ofport"))

    def rx_packets(self, iface):
        """statistics:rx_packets plus one (0 counts as written), or None before the first
        write-back."""
        p = subprocess.run(["ovs-vsctl", f"--db=unix:{self.switch.db_sock}", "get", "Interface",
                            iface, "statistics"], capture_output=True, text=True, timeout=30)
        m = re.search(r"\brx_packets=(\d+)", p.stdout)
        return int(m.group(1)) + 1 if m else None

    def trace(self, flow):
        return self.switch.appctl("ofproto/trace", self.br, flow)

    def test_trace_coverage_memory_and_writebacks(self):
        sw, a, b = self.switch, self.a, self.b
        flow = f"in_port={self.pa},dl_src={a.mac},dl_dst={b.mac}"
        before = self.trace(flow)
        self.assertIn("not learned", before)
        self.assertIn("Datapath actions: flood", before)
        self.assertIn("Megaflow: in_port(", before)
        coverage0 = coverage_totals(sw.appctl("coverage/show"))
        rx0 = wait_for(lambda: self.rx_packets(a.port), timeout=10,
                       what="statistics:rx_packets to be written") - 1

        self.assertEqual(a.ping(b.ip, count=3), 3)

        after = self.trace(flow)
        self.assertIn(f"learned on port {self.pb} ({b.port})", after, after)
        self.assertIn(f"Datapath actions: {self.pb}\n", after, after)
        megaflow = re.search(r"^Megaflow: (.*)$", after, re.M).group(1)
        self.assertIn(f"in_port({self.pa})", megaflow)
        self.assertIn(f"eth(src={a.mac},dst={b.mac})", megaflow)
        flows = sw.appctl("dpctl/dump-flows")
        self.assertTrue(any(line.startswith(megaflow + ",") for line in flows.splitlines()),
                        f"{megaflow} not among:\n{flows}")
        # The datapath flow syntax works too.
        dp_style = self.trace(f"in_port({self.pa}),eth(src={a.mac},dst={b.mac})")
        self.assertIn(f"Datapath actions: {self.pb}\n", dp_style)

        # An unknown destination floods; tracing an unknown source learns nothing.
        stranger = "02:4f:00:00:00:77"
        unknown = self.trace(f"in_port={self.pa},dl_src={stranger},dl_dst=02:4f:00:00:00:99")
        self.assertIn("not learned", unknown)
        self.assertIn("Datapath actions: flood", unknown)
        self.assertNotIn(stranger, sw.appctl("fdb/show", self.br))
        by_name = self.trace(f"in_port={b.port},dl_src={b.mac},dl_dst={a.mac}")
        self.assertIn(f"Datapath actions: {self.pa}\n", by_name)

        # Errors: one line, exit 1.
        for args in (["nosuchbr", flow], [self.br, "in_port=1,bogus=3"]):
            p = sw.appctl("ofproto/trace", *args, check=False)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

        coverage1 = coverage_totals(sw.appctl("coverage/show"))
        for event in ("upcall", "flow_installed", "mac_learned"):
            self.assertGreater(coverage1.get(event, 0), coverage0.get(event, 0), event)
        self.assertGreater(coverage1.get("port_added", 0), 0)
        self.assertGreater(coverage1.get("db_commit", 0), 0)

        memory = dict(kv.split("=") for kv in sw.appctl("memory/show").split())
        self.assertEqual(memory["bridges"], "1")
        self.assertEqual(memory["ports"], "3")  # the internal port and the two hosts
        self.assertGreater(int(memory["rss_kb"]), 0)
        self.assertGreater(int(memory["db_rows"]), 0)

        wait_for(lambda: (self.rx_packets(a.port) or 0) - 1 >= rx0 + 3, timeout=10,
                 what="statistics:rx_packets to rise")
        dpid = sw.vsctl("get", "Bridge", self.br, "datapath_id").strip('"')
        self.assertRegex(dpid, r"^[0-9a-f]{16}$")

        # An access port: its untagged frames belong to its VLAN; other VLANs' frames drop.
        sw.vsctl("set", "Port", a.port, "tag=10")
        access = self.trace(f"in_port={self.pa},dl_src={a.mac},dl_dst=ff:ff:ff:ff:ff:ff")
        self.assertIn("-> VLAN 10", access)
        tagged = self.trace(f"in_port={self.pa},dl_vlan=20,dl_src={a.mac},dl_dst={b.mac}")
        self.assertIn("not carried", tagged)
        self.assertIn("Datapath actions: drop", tagged)

    def test_sighup_reopens_log_and_sigterm_exits_cleanly(self):
        sw = self.switch
        rotated = sw.log + ".1"
        os.rename(sw.log, rotated)
        sw.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: os.path.exists(sw.log), timeout=10, what="a new log file")
        sw.vsctl("del-port", self.br, self.b.port)
        wait_for(lambda: os.path.getsize(sw.log) > 0, timeout=10, what="lines in the new log")

        with open(sw.pidfile) as f:
            self.assertEqual(int(f.read()), sw.proc.pid)
        sw.proc.send_signal(signal.SIGTERM)
        self.assertEqual(sw.proc.wait(timeout=30), 0)
        for path in (sw.pidfile, sw.db_sock, sw.ctl):
            self.assertFalse(os.path.exists(path), path)
        # The bridge's internal port (a TAP the datapath made) went with it.
        self.assertEqual(subprocess.run(["ip", "link", "show", self.br],
                                        capture_output=True).returncode, 1)


if __name__ == "__main__":
    unittest.main()
