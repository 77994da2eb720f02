"""vswitchd under churn and faults, driven through its embedded DB with the real ovs-vsctl:
- a ping flood between two untouched hosts loses nothing while 50 other ports come and go;
- a clashing ofport_request is refused with an error naming the number and its holder, and
  the interface gets the number once it frees up; invalid options (vhost-user client without a
  socket path, a non-numeric n_rxq, an unknown type, an unknown DPDK device) are refused with a
  clear Interface.error while the other ports keep forwarding;
- after kill -9, a new vswitchd on the same DB and run directory (stale sockets, pid file and
  DPDK runtime directory left behind) brings traffic back; the time it takes is printed, not
  asserted (bench/vswitchd/restart_time.py measures it repeatedly)."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from vsenv import BIN_DIR, SwitchTest, run, wait_for
from test_vswitchd_db import DbSwitch


class FaultSwitch(DbSwitch):
    """DbSwitch that may reuse a run directory (a restart after kill -9) and writes a pidfile;
    `launched` is when its process was started."""

    def __init__(self, dbdir, rundir=None, extra=()):
        self.rundir = rundir or tempfile.mkdtemp(prefix="vs-e2e-flt-")
        self.bridge = None
        self.ctl = os.path.join(self.rundir, "vswitchd.ctl")
        self.log = os.path.join(self.rundir, "vswitchd.log")
        self.db_sock = os.path.join(self.rundir, "db.sock")
        self.pidfile = os.path.join(self.rundir, "vswitchd.pid")
        args = [os.path.join(BIN_DIR, "vswitchd"), "--log-file", self.log, "--pidfile",
                self.pidfile, "--dpdk-mem", "512", "--mbufs", "16384", *extra]
        env = dict(os.environ, VS_RUNDIR=self.rundir, VS_DBDIR=dbdir)
        self.launched = time.time()
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=env)

    def wait_ready(self):
        """Waits until the control socket answers (the DB is served before it)."""
        try:
            wait_for(lambda: self.proc.poll() is not None or self._ready(), timeout=30,
                     what="vswitchd control socket")
        except AssertionError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            raise RuntimeError(f"vswitchd exited with {self.proc.returncode}:\n{self.log_text()}")
        return self

    def kill9(self):
        """SIGKILL: nothing is cleaned up, the run directory stays as the process left it."""
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.rundir, ignore_errors=True)


def stop_process(proc):
    """Ends a process this test started (by its Popen handle) and closes its output."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    if proc.stdout:
        proc.stdout.close()


def icmp_counters(host):
    """The Icmp counters of the host's network namespace (/proc/net/snmp): OutEchos, InEchos,
    InEchoReps... Kernel counters, so a reply that arrives after ping exited still counts."""
    lines = [l.split() for l in host.sh("cat /proc/net/snmp").splitlines()
             if l.startswith("Icmp:")]
    return {k: int(v) for k, v in zip(lines[0][1:], lines[1][1:])}


def first_reply_time(proc, deadline_s):
    """Reads `ping -D` output until its first reply; returns that reply's time stamp (epoch
    seconds) or None when ping ends or the deadline passes first."""
    end = time.time() + deadline_s
    while time.time() < end:
        line = proc.stdout.readline()
        if not line:
            return None
        m = re.match(r"\[(\d+\.\d+)\] \d+ bytes from", line)
        if m:
            return float(m.group(1))
    return None


class FaultTest(SwitchTest):
    def setUp(self):
        super().setUp()
        if shutil.which("ovs-vsctl") is None:
            self.fail("ovs-vsctl is needed (scripts/install-deps.sh installs it)")
        self.dbdir = tempfile.mkdtemp(prefix="vs-e2e-flt-db-")
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        self.br = f"vfbr{self.tag}"

    def start(self, rundir=None):
        self.switch = FaultSwitch(self.dbdir, rundir).wait_ready()
        return self.switch

    def bridge_with_hosts(self, n_hosts, net):
        """br with its internal port and `n_hosts` hosts as system ports."""
        hosts = [self.host("vfh", i, net) for i in range(n_hosts)]
        sw = self.start()
        sw.vsctl("add-br", self.br)
        wait_for(lambda: run(f"ip link show {self.br}", check=False), what=f"TAP {self.br}")
        run(f"sysctl -qw net.ipv6.conf.{self.br}.disable_ipv6=1", check=False)
        for h in hosts:
            sw.vsctl("add-port", self.br, h.port)
        return sw, hosts

    def ofport(self, iface):
        return int(self.switch.vsctl("get", "Interface", iface, "ofport"))

    def error(self, iface):
        return self.switch.vsctl("get", "Interface", iface, "error")

    def assert_applied(self):
        sw = self.switch
        self.assertEqual(sw.vsctl("get", "Open_vSwitch", ".", "cur_cfg"),
                         sw.vsctl("get", "Open_vSwitch", ".", "next_cfg"))

    def veth_pairs(self, n, prefix):
        """n veth pairs in the root namespace, up, without IPv6; returns the switch-side ends.
        Removed when the test ends."""
        names = [f"{prefix}{self.tag}{i:02d}" for i in range(n)]
        self.addCleanup(run, "ip -force -batch - ", check=False,
                        input="".join(f"link del {p}\n" for p in names))
        run("ip -batch -", input="".join(f"link add {p} type veth peer name {p}p\n"
                                         f"link set {p} up\nlink set {p}p up\n" for p in names))
        run("sysctl -qw " + " ".join(f"net.ipv6.conf.{p}.disable_ipv6=1 "
                                     f"net.ipv6.conf.{p}p.disable_ipv6=1" for p in names))
        return names


class ChurnUnderLoad(FaultTest):
    """Traffic between untouched ports continues without loss while 50 other ports are added
    and removed."""

    def test_ping_flood_survives_port_churn(self):
        sw, (a, b) = self.bridge_with_hosts(2, 81)
        self.assertEqual(a.ping(b.ip, count=2), 2)
        others = self.veth_pairs(50, "vfc")
        spare = self.veth_pairs(5, "vfs")
        before = (icmp_counters(a), icmp_counters(b))
        ping = a.popen(f"exec ping -f -q {b.ip}", stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
        self.addCleanup(stop_process, ping)
        started = time.time()
        # DPDK's table of ethdevs holds 32 (Debian's build): a, b and the internal port leave
        # room for 29, so the 50 come and go 25 at a time.
        first, second = others[:25], others[25:]

        def one_by_one(cmd, ports):  # one ovs-vsctl, commit and reconcile per port
            return [[cmd, self.br, p] for p in ports]

        def together(cmd, ports):  # one transaction for them all
            return [sum((["--", cmd, self.br, p] for p in ports), [])[1:]]

        phases = [
            ("one by one", one_by_one("add-port", first), one_by_one("del-port", first)),
            ("one by one", one_by_one("add-port", second), one_by_one("del-port", second)),
            ("together", together("add-port", first), together("del-port", first)),
            ("together", together("add-port", second), together("del-port", second)),
            # A sliding window: one comes as another goes.
            ("interleaved", one_by_one("add-port", first),
             [c for pair in zip(one_by_one("add-port", second), one_by_one("del-port", first))
              for c in pair] + one_by_one("del-port", second)),
        ]
        for what, adds, dels in phases:
            for cmd in adds:
                sw.vsctl(*cmd)
            self.assertEqual(len(sw.port_stats()), 28, what)  # a, b, internal, 25 others
            if what == "together" and adds[0][-1] == first[-1]:
                self.fill_ethdev_table(spare)
            for cmd in dels:
                sw.vsctl(*cmd)
            self.assertEqual(sorted(sw.port_stats()), sorted([a.port, b.port, self.br]), what)
        churn_s = time.time() - started
        time.sleep(0.3)
        ping.send_signal(signal.SIGINT)
        out, _ = ping.communicate(timeout=10)
        time.sleep(0.5)  # a reply in flight when ping stopped still reaches a's kernel
        after = (icmp_counters(a), icmp_counters(b))
        sent = after[0]["OutEchos"] - before[0]["OutEchos"]
        reached_b = after[1]["InEchos"] - before[1]["InEchos"]
        answered = after[0]["InEchoReps"] - before[0]["InEchoReps"]
        pmd = sw.pmd_stats()
        summary = re.search(r"\d+ packets transmitted.*", out)
        print(f"\nchurn: 50 ports added and removed 3 times (25 at a time) in {churn_s:.1f} s; "
              f"ping -f: {sent} requests sent, {reached_b} reached b, {answered} replies reached "
              f"a, lost {sent - answered} (ping: {summary.group(0) if summary else out[-200:]}); "
              f"lost upcalls {pmd.get('lost upcalls', 0):.0f}", file=sys.stderr)
        self.assertGreater(sent, 1000, out)
        self.assertEqual(reached_b, sent, "requests lost on the way to b")
        self.assertEqual(answered, sent, "replies lost on the way to a")
        self.assertEqual(pmd.get("lost upcalls", 0), 0)
        self.assert_applied()

    def fill_ethdev_table(self, spare):
        """With 28 ports, 4 of `spare` fill DPDK's 32 ethdevs and the fifth is refused with an
        error naming the limit; then they go again."""
        sw = self.switch
        sw.vsctl(*sum((["--", "add-port", self.br, p] for p in spare), [])[1:])
        self.assertEqual(len(sw.port_stats()), 32)
        self.assertEqual(self.ofport(spare[-1]), -1)
        self.assertIn("32 ports", self.error(spare[-1]))
        sw.vsctl(*sum((["--", "del-port", self.br, p] for p in spare), [])[1:])


class BadRows(FaultTest):
    """Interfaces the daemon cannot create get ofport -1 and an Interface.error saying why;
    the rest of the bridge keeps forwarding."""

    def test_clashing_ofport_request(self):
        sw, (a, b, c) = self.bridge_with_hosts(3, 82)
        # c holds 9; a (whose row comes first in every listing) asks for it too.
        sw.vsctl("set", "Interface", c.port, "ofport_request=9")
        self.assertEqual(self.ofport(c.port), 9)
        sw.vsctl("set", "Interface", a.port, "ofport_request=9")
        self.assertEqual(self.ofport(a.port), -1)
        err = self.error(a.port)
        self.assertIn("9", err)
        self.assertIn(c.port, err)
        self.assertNotIn(a.port, sw.port_stats())
        self.assertEqual(sw.port_stats()[c.port]["no"], 9)
        self.assertEqual(c.ping(b.ip, count=3), 3)
        self.assertEqual(b.ping(a.ip, count=2, timeout=2, check=False), 0)
        self.assert_applied()
        # The holder keeps its number across a restart, and the clash stays refused.
        sw.stop()
        sw = self.start()
        self.assertEqual(self.ofport(c.port), 9)
        self.assertEqual(self.ofport(a.port), -1)
        self.assertIn(c.port, self.error(a.port))
        self.assertEqual(c.ping(b.ip, count=2), 2)
        # The holder asks for another number: a gets 9 at once.
        sw.vsctl("set", "Interface", c.port, "ofport_request=10")
        self.assertEqual(self.ofport(c.port), 10)
        self.assertEqual(self.ofport(a.port), 9)
        self.assertEqual(self.error(a.port), "[]")
        self.assertEqual(sw.port_stats()[a.port]["no"], 9)
        self.assertEqual(a.ping(c.ip, count=2), 2)
        self.assertEqual(b.ping(a.ip, count=2), 2)
        # A clash with a number the datapath picked itself; del-port of the holder frees it.
        no_b = self.ofport(b.port)
        sw.vsctl("set", "Interface", a.port, f"ofport_request={no_b}")
        self.assertEqual(self.ofport(a.port), -1)
        self.assertIn(b.port, self.error(a.port))
        self.assertEqual(b.ping(c.ip, count=2), 2)
        sw.vsctl("del-port", self.br, b.port)
        self.assertEqual(self.ofport(a.port), no_b)
        self.assertEqual(self.error(a.port), "[]")
        self.assertEqual(a.ping(c.ip, count=2), 2)
        self.assert_applied()

    def test_invalid_options_and_types(self):
        sw, (a, b) = self.bridge_with_hosts(2, 83)
        t = self.tag
        cases = {
            # name: (ovs-vsctl settings, words the error must contain)
            f"vfvc{t}": (["type=dpdkvhostuserclient"], ["vhost-server-path"]),
            f"vfwp{t}": (["type=warp"], ["warp"]),
            f"vfdk{t}": (["type=dpdk"], ["dpdk-devargs"]),
            f"vfdb{t}": (["type=dpdk", "options:dpdk-devargs=net_bogus0"], ["net_bogus0"]),
            a.port + "x": ([], [a.port + "x"]),  # no such kernel interface
        }
        rxq = self.veth_pairs(1, "vfq")[0]
        cases[rxq] = (["options:n_rxq=lots"], ["n_rxq", "lots"])
        for name, (settings, _) in cases.items():
            cmd = ["add-port", self.br, name]
            if settings:
                cmd += ["--", "set", "Interface", name, *settings]
            sw.vsctl(*cmd)
        self.assert_applied()
        for name, (_, words) in cases.items():
            self.assertEqual(self.ofport(name), -1, name)
            err = self.error(name)
            print(f"{name}: {err}", file=sys.stderr)
            for w in words:
                self.assertIn(w, err, f"{name}: {err}")
            self.assertNotIn(name, sw.port_stats())
        self.assertEqual(a.ping(b.ip, count=3), 3)
        # Fixing the option brings the interface up and clears the error.
        sw.vsctl("set", "Interface", rxq, "options:n_rxq=1")
        self.assertGreater(self.ofport(rxq), 0)
        self.assertEqual(self.error(rxq), "[]")
        # Breaking it again takes the interface out, with the reason.
        sw.vsctl("set", "Interface", rxq, "options:n_rxq=0")
        self.assertEqual(self.ofport(rxq), -1)
        self.assertIn("n_rxq", self.error(rxq))
        self.assertEqual(a.ping(b.ip, count=2), 2)
        self.assert_applied()


class KillAndRestart(FaultTest):
    """kill -9, then a new vswitchd on the same DB and run directory: bridges, ports and ofports
    come back and traffic resumes."""

    def test_traffic_resumes_after_kill9(self):
        sw, (a, b) = self.bridge_with_hosts(2, 84)
        vhu = f"vfvh{self.tag}"
        sw.vsctl("add-port", self.br, vhu, "--", "set", "Interface", vhu, "type=dpdkvhostuser")
        before = {n: self.ofport(n) for n in (a.port, b.port, vhu)}
        self.assertEqual(a.ping(b.ip, count=2), 2)
        rundir, old_pid = sw.rundir, sw.proc.pid
        sw.kill9()
        for leftover in ("db.sock", "vswitchd.ctl", "vswitchd.pid", vhu):
            self.assertTrue(os.path.exists(os.path.join(rundir, leftover)), leftover)
        # Ping every 10 ms from before the new process starts; its first reply tells when
        # traffic resumed.
        ping = a.popen(f"exec ping -D -O -i 0.01 -W 1 -w 30 {b.ip}", stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
        self.addCleanup(stop_process, ping)
        time.sleep(0.05)
        self.switch = sw = FaultSwitch(self.dbdir, rundir)
        replied = first_reply_time(ping, 10)
        stop_process(ping)
        self.assertIsNotNone(replied, "no reply within 10 s of the restart\n" + sw.log_text())
        resumed_s = replied - sw.launched
        print(f"\nkill -9 restart: traffic resumed {resumed_s:.2f} s after the new vswitchd "
              "was started", file=sys.stderr)
        sw.wait_ready()
        with open(sw.pidfile) as f:
            self.assertEqual(int(f.read()), sw.proc.pid)
        self.assertEqual({n: self.ofport(n) for n in before}, before)
        self.assertEqual(sw.port_stats()[vhu]["no"], before[vhu])
        self.assertEqual(self.error(vhu), "[]")  # its stale socket was replaced
        self.assertIn(self.br, sw.port_stats())  # the internal port's TAP is back
        self.assertEqual(self.error(self.br), "[]")
        self.assertEqual(a.ping(b.ip, count=3), 3)
        self.assert_applied()
        stale = [d for d in os.listdir("/var/run/dpdk") if d.endswith(f"-{old_pid}")]
        self.assertEqual(stale, [], "the killed process's DPDK runtime directory is left")


if __name__ == "__main__":
    unittest.main()
