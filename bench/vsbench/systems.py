"""The switches vsbench measures, behind one small interface: our vswitchd, Open vSwitch 3.1 with
DPDK (Debian's openvswitch-switch-dpdk, run privately), Open vSwitch 3.1's userspace datapath
without DPDK (Debian's openvswitch-switch), the Linux bridge, and dpdk-testpmd io-forward (no
switching: the limit of the ports). Each owns the two ports its topology (topology.py) gives it,
OpenFlow ports 1 and 2, polls on core 1 (one PMD; the DPDK ones) and is started in its own scratch
directory with a unique DPDK file prefix. Only one Open vSwitch with the netdev datapath can run
on a host: before starting one, vsbench waits (up to OVS_WAIT_S) for any other ovs-vswitchd.

Rules (CONTRACT.md): normal = the default priority=0 NORMAL rule (learning switch); portfwd =
in_port=1 -> 2 and in_port=2 -> 1; l3 = one exact nw_dst rule per generated flow in table 0
(goto table 1, which sends in_port=1 -> 2 and 2 -> 1). --masks M spreads the l3 rules over M
distinct masks by adding nw_src prefixes /1../M-1 to some of them."""

import os
import re
import shutil
import signal
import subprocess
import time

from generator import flow_dst_ips
from procs import (EAL_BASE, BenchError, kill_pid, read_pidfile, remove_dpdk_runtime, start,
                   stop, tail, wait_for)

OVS_DPDK = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
OVS_PLAIN = "/usr/sbin/ovs-vswitchd"
OVS_WAIT_S = 300
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
BRIDGE = "brbench"


def rule_lines(rules, flows, masks):
    """OpenFlow 1.3 rules (ovs-ofctl add-flows syntax) for a rule set."""
    if rules == "normal":
        return []
    if rules == "portfwd":
        return ["table=0,priority=10,in_port=1,actions=output:2",
                "table=0,priority=10,in_port=2,actions=output:1"]
    if rules == "l3":
        lines = []
        for i, ip in enumerate(flow_dst_ips(flows)):
            m = i % masks
            src = f",nw_src=10.254.0.0/{m}" if m else ""
            lines.append(f"table=0,priority=10,ip,nw_dst={ip}{src},actions=goto_table:1")
        return lines + ["table=1,priority=10,in_port=1,actions=output:2",
                        "table=1,priority=10,in_port=2,actions=output:1"]
    if rules == "pipeline":
        return pipeline_lines(flows)
    raise BenchError(f"unknown rules '{rules}'")


PIPELINE_RULES_PER_TABLE = 2499


def pipeline_lines(flows):
    """10 000 rules over 4 tables, each table a kind of rule a real pipeline has, most of them
    for traffic other than the generator's (they still shape the lookups and the megaflow
    masks): table 0 an ingress ACL dropping 2 499 blocked sources, table 1 one exact rule per
    destination (the first 2 499 generated flows), table 2 2 499 UDP destination ports,
    table 3 2 499 blocked destination MACs and then in_port 1 <-> 2. Every table ends in a
    catch-all to the next, so flows beyond the rules' reach take the same path."""
    n = PIPELINE_RULES_PER_TABLE
    lines = [f"table=0,priority=100,ip,nw_src=10.99.{i >> 8}.{i & 255},actions=drop"
             for i in range(n)]
    lines.append("table=0,priority=1,actions=goto_table:1")
    lines += [f"table=1,priority=100,ip,nw_dst={ip},actions=goto_table:2"
              for ip in flow_dst_ips(min(flows, n))]
    lines += [f"table=1,priority=90,ip,nw_dst=10.98.{i >> 8}.{i & 255},actions=drop"
              for i in range(n - min(flows, n))]
    lines.append("table=1,priority=1,actions=goto_table:2")
    lines += [f"table=2,priority=100,udp,tp_dst={20000 + i},actions=goto_table:3"
              for i in range(n)]
    lines.append("table=2,priority=1,actions=goto_table:3")
    lines += [f"table=3,priority=100,dl_dst=02:99:00:00:{i >> 8:02x}:{i & 255:02x},actions=drop"
              for i in range(n)]
    return lines + ["table=3,priority=10,in_port=1,actions=output:2",
                    "table=3,priority=10,in_port=2,actions=output:1"]


def add_flows(mgmt_sock, lines, work):
    """Installs rules with the real ovs-ofctl; returns the seconds it took."""
    if not lines:
        return 0.0
    path = os.path.join(work, "flows.txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    t0 = time.time()
    p = subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "--no-names", "add-flows", f"unix:{mgmt_sock}", path],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise BenchError(f"ovs-ofctl add-flows failed: {p.stderr.strip()[:300]}")
    return round(time.time() - t0, 2)


def parse_pmd_stats(text, thread="pmd thread"):
    """The first PMD thread's counters from dpif-netdev/pmd-stats-show (ours or Open vSwitch's);
    thread="main thread": Open vSwitch's main thread, which polls its non-DPDK (system) ports."""
    section = text.split(thread, 1)[1] if thread in text else ""
    section = section.split("main thread" if thread != "main thread" else "pmd thread", 1)[0]

    def num(label):
        m = re.search(rf"^\s*{re.escape(label)}:\s*([\d.]+)", section, re.M)
        return float(m.group(1)) if m else None

    rx = num("packets received") or 0
    busy, idle = num("processing cycles") or 0, num("idle cycles") or 0
    emc, mega = num("emc hits") or 0, num("megaflow hits") or 0
    return {
        "pmd_packets": int(rx),
        "cycles_per_packet": round(busy / rx, 1) if rx and busy else None,
        "pmd_idle": round(idle / (busy + idle), 3) if busy + idle else None,
        "emc_hit_rate": round(emc / rx, 4) if rx else None,
        "megaflow_hit_rate": round(mega / rx, 4) if rx else None,
        # Open vSwitch 3.x: flows that match only in_port bypass both caches ("simple match").
        "simple_match_hit_rate": round((num("simple match hits") or 0) / rx, 4) if rx else None,
        "upcalls": int(num("miss with success upcall") or 0),
        "failed_upcalls": int(num("miss with failed upcall") or 0),
    }


class System:
    """A switch under test. Thread: the benchmark's (single) thread."""
    name = ""
    has_pmd_stats = True

    def __init__(self, work, bin_dir, topo):
        self.dir = os.path.join(work, self.name)
        shutil.rmtree(self.dir, ignore_errors=True)  # each start from a fresh DB and sockets
        os.makedirs(self.dir)
        self.bin_dir = bin_dir
        self.topo = topo  # topology.py: the ports, set up in start(), torn down in stop()
        self.rules = None

    def start(self):
        self.topo.setup(self.dir)
        self._start()

    def _start(self):
        raise NotImplementedError

    def install_rules(self, rules, flows, masks):
        self.rules = rules
        return add_flows(self.mgmt, rule_lines(rules, flows, masks), self.dir)

    def clear_stats(self):
        pass

    def stats(self):
        return {}

    def pids(self):
        return []

    def stop(self):
        raise NotImplementedError


class VSwitch(System):
    """Our vswitchd with its embedded DB, seeded from the command line."""
    name = "vswitch"

    def _start(self):
        self.ctl = os.path.join(self.dir, "vswitchd.ctl")
        self.mgmt = os.path.join(self.dir, f"{BRIDGE}.mgmt")
        self.log = os.path.join(self.dir, "vswitchd.log")
        env = dict(os.environ, VS_RUNDIR=self.dir, VS_DBDIR=self.dir)
        self.proc = start([os.path.join(self.bin_dir, "vswitchd"), "--bridge", BRIDGE,
                           "--rundir", self.dir, "--db-file", os.path.join(self.dir, "conf.db"),
                           "--no-internal-port", "--pmd-cpus", "1", "--log-file", self.log,
                           *[a for spec in self.topo.vswitch_ports() for a in ("--port", spec)]],
                          os.path.join(self.dir, "stdout.log"), env=env)
        wait_for(lambda: self.proc.poll() is not None or (
            os.path.exists(self.mgmt) and self.topo.ready()), 60, "vswitchd")
        if self.proc.poll() is not None:
            raise BenchError("vswitchd exited: " + tail(self.log, 400).strip())

    def appctl(self, *args):
        p = subprocess.run([os.path.join(self.bin_dir, "appctl"), "-t", self.ctl, *args],
                           capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise BenchError(f"appctl {' '.join(args)}: {p.stderr.strip()}")
        return p.stdout

    def clear_stats(self):
        self.appctl("dpif-netdev/pmd-stats-clear")

    def stats(self):
        out = self.appctl("dpif-netdev/pmd-stats-show")
        with open(os.path.join(self.dir, "pmd-stats.txt"), "a") as f:
            f.write(out)
        s = parse_pmd_stats(out)
        m = re.search(r"^\s*megaflows:\s*(\d+)", out, re.M)
        s["megaflows"] = int(m.group(1)) if m else None
        return s

    def pids(self):
        return [self.proc.pid]

    def stop(self):
        if getattr(self, "proc", None):
            stop(self.proc, signal.SIGTERM, timeout=20)
            # vswitchd names its DPDK prefix vs-<hash of rundir>-<pid>.
            for d in os.listdir("/var/run/dpdk") if os.path.isdir("/var/run/dpdk") else []:
                if d.startswith("vs-") and d.endswith(f"-{self.proc.pid}"):
                    remove_dpdk_runtime(d)
        self.topo.teardown()


def other_ovs_vswitchd():
    """Command lines of running ovs-vswitchd processes (another helper's, a test's) that may use
    the netdev datapath."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
            if not comm.startswith("ovs-vswitchd"):
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            if "--enable-dummy" not in cmdline:  # dummy datapaths (tests' references) don't clash
                found.append(f"{pid} {cmdline}")
        except OSError:
            pass
    return found


def wait_for_no_ovs(timeout=OVS_WAIT_S):
    """Only one Open vSwitch with the netdev datapath per host (PEERS.md): waits for others."""
    deadline = time.time() + timeout
    others = other_ovs_vswitchd()
    while others and time.time() < deadline:
        time.sleep(2)
        others = other_ovs_vswitchd()
    if others:
        raise BenchError(f"another ovs-vswitchd still runs after {timeout} s (only one Open "
                         f"vSwitch with the netdev datapath per host): {others[0][:120]}")


class OvsDpdk(System):
    """Open vSwitch 3.1 with DPDK, private ovsdb-server + ovs-vswitchd-dpdk (PEERS.md flags)."""
    name = "ovs-dpdk"
    binary = OVS_DPDK
    dpdk = True

    def _env(self):
        return dict(os.environ, OVS_RUNDIR=self.dir, OVS_DBDIR=self.dir, OVS_LOGDIR=self.dir,
                    OVS_SYSCONFDIR=self.dir)

    def _run(self, *args, timeout=60):
        p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                           env=self._env())
        if p.returncode != 0:
            raise BenchError(f"{' '.join(args[:3])}...: {p.stderr.strip()[:300]}")
        return p.stdout

    def vsctl(self, *args):
        return self._run("ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=60", *args)

    def _start(self):
        if not os.access(self.binary, os.X_OK):
            raise BenchError(f"{self.binary} missing: install openvswitch-switch"
                             + ("-dpdk" if self.dpdk else "") + " (scripts/install-deps.sh)")
        wait_for_no_ovs()
        d = self.dir
        self.db_sock = os.path.join(d, "db.sock")
        self.ctl = os.path.join(d, "ovs-vswitchd.ctl")
        self.mgmt = os.path.join(d, f"{BRIDGE}.mgmt")
        self.prefix = f"vsbench-ovs-{os.getpid()}"
        self.db_pid = self.vs_pid = None
        db = os.path.join(d, "conf.db")
        self._run("ovsdb-tool", "create", db, OVS_SCHEMA)
        self._run("ovsdb-server", db, f"--remote=punix:{self.db_sock}",
                  f"--pidfile={d}/ovsdb-server.pid", f"--unixctl={d}/ovsdb-server.ctl",
                  "--detach", f"--log-file={d}/ovsdb-server.log")
        self.db_pid = read_pidfile(f"{d}/ovsdb-server.pid")
        self.vsctl("--no-wait", "init")
        if self.dpdk:
            self.vsctl("--no-wait", "set", "Open_vSwitch", ".", "other_config:dpdk-init=true",
                       "other_config:pmd-cpu-mask=0x2", "other_config:dpdk-lcore-mask=0x1",
                       f'other_config:dpdk-extra="--no-huge -m 2048 --no-pci --legacy-mem '
                       f'--file-prefix={self.prefix}"')
        self._run(self.binary, f"unix:{self.db_sock}", f"--pidfile={d}/ovs-vswitchd.pid",
                  f"--unixctl={self.ctl}", "--detach", f"--log-file={d}/ovs-vswitchd.log",
                  timeout=120)
        self.vs_pid = read_pidfile(f"{d}/ovs-vswitchd.pid")
        self.vsctl("add-br", BRIDGE, "--", "set", "bridge", BRIDGE, "datapath_type=netdev")
        for i, (name, settings) in enumerate(self.interfaces()):
            self.vsctl("add-port", BRIDGE, name, "--", "set", "Interface", name, *settings,
                       f"ofport_request={i + 1}")
        # NORMAL floods to the bridge's own (tap) port too; keep it out, as PEERS.md measured.
        self._run("ovs-ofctl", "mod-port", f"unix:{self.mgmt}", BRIDGE, "no-flood")
        wait_for(self.topo.ready, 30, "Open vSwitch's ports")

    def interfaces(self):
        return self.topo.ovs_interfaces()

    def appctl(self, *args):
        return self._run("ovs-appctl", "-t", self.ctl, *args)

    def clear_stats(self):
        self.appctl("dpif-netdev/pmd-stats-clear")

    def stats(self):
        out = self.appctl("dpif-netdev/pmd-stats-show")
        with open(os.path.join(self.dir, "pmd-stats.txt"), "a") as f:
            f.write(out)
        return parse_pmd_stats(out, "pmd thread" if self.dpdk else "main thread")

    def pids(self):
        return [self.vs_pid, self.db_pid]

    def stop(self):
        if getattr(self, "vs_pid", None):
            subprocess.run(["ovs-appctl", "-t", self.ctl, "exit", "--cleanup"],
                           capture_output=True, timeout=30, env=self._env())
            kill_pid(self.vs_pid)
        if getattr(self, "db_pid", None):
            kill_pid(self.db_pid)
        if getattr(self, "prefix", None):
            remove_dpdk_runtime(self.prefix)
        self.topo.teardown()


class OvsNetdev(OvsDpdk):
    """Open vSwitch 3.1's userspace (netdev) datapath without DPDK: Debian's plain ovs-vswitchd,
    the switch's ends of the veths as plain system ports (netdev-linux, AF_PACKET sockets polled
    by its main thread). veth topology only."""
    name = "ovs"
    binary = OVS_PLAIN
    dpdk = False

    def interfaces(self):
        return [(sw, []) for sw in self.topo.sw]


class LinuxBridge(System):
    """The kernel's bridge over the switch's ends of the veths (veth topology only): a learning
    switch whatever --rules says, no PMD (the work is done in the sender's softirq)."""
    name = "linux-bridge"
    has_pmd_stats = False

    def _start(self):
        self.bridge = f"vsbbr{os.getpid() % 100000}"
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        for cmd in (["ip", "link", "add", self.bridge, "type", "bridge"],
                    *[["ip", "link", "set", sw, "master", self.bridge] for sw in self.topo.sw],
                    ["ip", "link", "set", self.bridge, "up"]):
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                raise BenchError(f"{' '.join(cmd)}: {p.stderr.strip()}")

    def install_rules(self, rules, flows, masks):
        self.rules = "normal"
        return 0.0

    def stop(self):
        if getattr(self, "bridge", None):
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        self.topo.teardown()


class TestPmdForward(System):
    """dpdk-testpmd io-forward between the topology's two ports: no lookup at all. Run
    interactively with --record-core-cycles, so its busy cycles per packet (the cost of the
    ports alone, the floor for any switch on them) are measured like ours."""
    name = "testpmd"
    has_pmd_stats = True

    def _start(self):
        self.prefix = f"vsbench-fwd-{os.getpid()}"
        self.log = os.path.join(self.dir, "testpmd.log")
        # stdbuf: its statistics must reach the log when asked for, not when a buffer fills.
        self.proc = start(["stdbuf", "-oL", "dpdk-testpmd", *EAL_BASE, "-m", "1024",
                           f"--file-prefix={self.prefix}", "-l", "0,1", "--main-lcore", "0",
                           *[a for v in self.topo.testpmd_vdevs() for a in ("--vdev", v)], "--",
                           "-i", "--forward-mode=io", "--nb-cores=1", "--record-core-cycles",
                           "--disable-link-check", "--total-num-mbufs=32768"], self.log,
                          stdin=subprocess.PIPE)
        wait_for(lambda: self.proc.poll() is not None or self.topo.ready(), 30,
                 "testpmd's ports")
        if self.proc.poll() is not None:
            raise BenchError("testpmd exited: " + tail(self.log, 400).strip())
        self._command("start")

    def _command(self, line):
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except OSError as e:
            raise BenchError(f"testpmd: cannot send '{line}': {e}") from None

    def clear_stats(self):
        self._command("stop")  # forwarding statistics restart with the next start
        self._command("start")

    def stats(self):
        offset = os.path.getsize(self.log)
        self._command("show fwd stats all")
        pattern = re.compile(r"CPU cycles/packet=([\d.]+) \(total cycles=(\d+) / "
                             r"total io packets=(\d+)\)")
        found = []

        def printed():
            with open(self.log, errors="replace") as f:
                f.seek(offset)
                found[:] = pattern.findall(f.read())
            return bool(found)

        try:
            wait_for(printed, 5, "testpmd's forwarding statistics")
        except BenchError:
            return {}
        _, busy, packets = found[-1]
        packets = int(packets)
        return {"pmd_packets": packets,
                "cycles_per_packet": round(int(busy) / packets, 1) if packets else None}

    def install_rules(self, rules, flows, masks):
        return 0.0

    def pids(self):
        return [self.proc.pid]

    def stop(self):
        if getattr(self, "proc", None):
            stop(self.proc, timeout=20)
            remove_dpdk_runtime(self.prefix)
        self.topo.teardown()


SYSTEMS = {"vswitch": VSwitch, "ovs-dpdk": OvsDpdk, "ovs": OvsNetdev,
           "linux-bridge": LinuxBridge, "testpmd": TestPmdForward}
