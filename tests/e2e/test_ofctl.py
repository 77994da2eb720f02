"""ofctl and the real ovs-ofctl side by side on one bridge of vswitchd: flows added by either show
the same in both tools' dump-flows (compared line by line, counters and xids aside); add-flows
FILE, mod-flows (--strict), del-flows (--strict, filters), dump-flows filters; show,
dump-ports-desc, dump-ports, dump-tables and the group commands print what ovs-ofctl prints, or,
where vswitchd rejects the request, both print the same ERROR and ofctl exits 1; OpenFlow 1.0
likewise (flows in 1.0 only as far as vswitchd answers them); bad input is one line and exit
1, usage errors exit 2."""

import os
import re
import shutil
import subprocess
import tempfile
import time

from test_vswitchd_db import DbSwitch
from vsenv import BIN_DIR, SwitchTest, wait_for

OF13 = "OpenFlow13"
OF10 = "OpenFlow10"

FLOWS = [
    "priority=100,tcp,in_port={a},tp_dst=80,idle_timeout=30,cookie=0x5,actions=output:{b}",
    "priority=90,ip,nw_src=10.0.0.0/8,nw_dst=10.1.2.3,actions=mod_nw_tos:8,output:{b}",
    "priority=80,udp,udp_dst=53,actions=mod_vlan_vid:5,output:{a}",
    "priority=70,arp,arp_tpa=10.9.9.9,actions=NORMAL",
    "priority=60,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,actions=LOCAL",
    "priority=50,in_port={b},dl_vlan=7,actions=strip_vlan,output:{a}",
    "table=1,priority=10,icmp,icmp_type=8,actions=CONTROLLER:128",
    "priority=40,ipv6,ipv6_dst=2001:db8::/32,actions=drop",
    "priority=30,metadata=0x5/0xff,tcp,actions=goto_table:1",
    "priority=20,in_port={a},actions=write_metadata:0x5/0xff,goto_table:1",
]


def normalise(text):
    text = re.sub(r"xid=0x[0-9a-f]+", "xid=X", text)
    text = re.sub(r"duration=[0-9.]+s", "duration=X", text)
    # Counters that traffic between the two tools' requests may move (port and table stats too).
    text = re.sub(r"(n_packets|n_bytes|packet_count|byte_count|pkts|bytes|drop|errs|frame|over|"
                  r"crc|coll|lookup|matched)=\d+", r"\1=N", text)
    return text


def flow_lines(text):
    """The flow lines of a dump-flows output, normalised and sorted."""
    return sorted(normalise(line) for line in text.splitlines() if line.startswith(" "))


class OfctlBridgeTest(SwitchTest):
    """A DB-driven vswitchd with one bridge of namespace hosts, driven by our ofctl and the real
    ovs-ofctl side by side."""

    def bridge_with_hosts(self, prefix, net, n_hosts):
        for tool in ("ovs-vsctl", "ovs-ofctl"):
            if shutil.which(tool) is None:
                self.skipTest(f"{tool} is not installed (scripts/install-deps.sh installs it)")
        self.ofctl_bin = os.path.join(BIN_DIR, "ofctl")
        if not os.path.exists(self.ofctl_bin):
            self.skipTest(f"{self.ofctl_bin} is not built")
        self.dbdir = tempfile.mkdtemp(prefix=f"vs-e2e-{prefix}-")
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        for i in range(n_hosts):
            self.host(prefix, i, net)
        self.br = f"{prefix}br{self.tag}"
        self.switch = DbSwitch(self.dbdir)
        self.switch.vsctl("add-br", self.br)
        for h in self.hosts:
            self.switch.vsctl("add-port", self.br, h.port)
        self.target = f"unix:{self.switch.rundir}/{self.br}.mgmt"


class Ofctl(OfctlBridgeTest):
    def setUp(self):
        super().setUp()
        self.bridge_with_hosts("vofc", 86, 2)
        self.ports = {k: int(self.switch.vsctl("get", "Interface", h.port, "ofport"))
                      for k, h in zip("ab", self.hosts)}

    def ours(self, *args, version=OF13, check=True, target=True):
        options = [a for a in args if a.startswith("--")]
        args = [a for a in args if not a.startswith("--")]
        argv = [self.ofctl_bin, "-O", version, *options, *args[:1]]
        if target:
            argv.append(self.target)
        argv += list(args[1:])
        env = dict(os.environ, VS_RUNDIR=self.switch.rundir)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)
        if check and p.returncode != 0:
            raise AssertionError(f"ofctl {' '.join(args)} ({p.returncode}): {p.stderr}")
        return p

    def theirs(self, *args, version=OF13, check=True):
        argv = ["ovs-ofctl", "-O", version, args[0], self.target, *args[1:]]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise AssertionError(f"ovs-ofctl {' '.join(args)} ({p.returncode}): {p.stderr}")
        return p

    def flows(self):
        return [f.format(**self.ports) for f in FLOWS]

    def assert_same_dump(self, *filter_args, version=OF13):
        ours = self.ours("dump-flows", *filter_args, version=version)
        theirs = self.theirs("dump-flows", *filter_args, version=version)
        self.assertEqual(flow_lines(ours.stdout), flow_lines(theirs.stdout))
        self.assertEqual(normalise(ours.stdout.splitlines()[0]),
                         normalise(theirs.stdout.splitlines()[0]))
        return flow_lines(ours.stdout)

    def assert_same_or_same_error(self, *args, version=OF13):
        """Both print the same, or vswitchd rejects the request: the same ERROR from both, and
        ofctl exits 1. Returns whether the request was rejected."""
        ours = self.ours(*args, version=version, check=False)
        theirs = self.theirs(*args, version=version, check=False)
        their_text = theirs.stdout + theirs.stderr
        if "OFPT_ERROR" in their_text:
            self.assertEqual(ours.returncode, 1, f"ofctl {args}: {ours.stdout}{ours.stderr}")
            first = lambda t: normalise(next(ln for ln in t.splitlines() if "OFPT_ERROR" in ln))
            self.assertEqual(first(ours.stderr), first(their_text))
            return True
        self.assertEqual(theirs.returncode, 0, their_text)
        self.assertEqual(ours.returncode, 0, ours.stderr)
        self.assertEqual(normalise(ours.stdout), normalise(theirs.stdout))
        return False

    def test_flows_side_by_side_openflow13(self):
        self.ours("del-flows")
        self.assertEqual(self.assert_same_dump(), [])
        for flow in self.flows():
            self.ours("add-flow", flow)
        self.assertEqual(len(self.assert_same_dump()), len(FLOWS))

        # What ovs-ofctl adds reads the same in ofctl's dump as in its own.
        self.theirs("del-flows")
        for flow in self.flows():
            self.theirs("add-flow", flow)
        by_them = self.assert_same_dump()
        self.ours("del-flows")
        for flow in self.flows():
            self.ours("add-flow", flow)
        self.assertEqual(self.assert_same_dump(), by_them, "same flows from either tool")

        # Filters.
        self.assert_same_dump("table=1")
        self.assert_same_dump("tcp")
        self.assert_same_dump(f"in_port={self.ports['a']}")
        self.assert_same_dump("cookie=0x5/0xffffffffffffffff")

        # mod-flows: loose changes every match, strict only the exact one.
        self.ours("mod-flows", "tcp,actions=output:LOCAL")
        lines = self.assert_same_dump("tcp")
        self.assertTrue(all(line.endswith("actions=LOCAL") for line in lines), lines)
        self.ours("--strict", "mod-flows",
                  f"priority=50,in_port={self.ports['b']},dl_vlan=7,actions=drop")
        self.assertIn("drop", "".join(self.assert_same_dump("dl_vlan=7")))

        # del-flows --strict removes exactly one; a loose filter removes all it matches.
        before = len(self.assert_same_dump())
        self.ours("--strict", "del-flows", "priority=70,arp,arp_tpa=10.9.9.9")
        self.assertEqual(len(self.assert_same_dump()), before - 1)
        self.ours("--strict", "del-flows", "arp")  # no flow has exactly this match
        self.assertEqual(len(self.assert_same_dump()), before - 1)
        self.ours("del-flows", "ip")
        after = self.assert_same_dump()
        self.assertFalse(any(",ip," in line or " ip," in line for line in after), after)
        self.ours("del-flows")
        self.assertEqual(self.assert_same_dump(), [])

    def test_add_flows_file(self):
        path = os.path.join(self.dbdir, "flows.txt")
        with open(path, "w") as f:
            f.write("# a comment, then a blank line\n\n")
            f.write("\n".join(self.flows()) + "\n")
        self.ours("del-flows")
        self.ours("add-flows", path)
        ours = self.assert_same_dump()
        self.theirs("del-flows")
        self.theirs("add-flows", path)
        self.assertEqual(self.assert_same_dump(), ours)
        self.assertEqual(len(ours), len(FLOWS))
        # A bad line: nothing is sent, one line names it.
        with open(path, "a") as f:
            f.write("priority=1,foo=2,actions=drop\n")
        p = self.ours("add-flows", path, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "ofctl: unknown keyword foo\n")

    def test_show_ports_tables(self):
        for version in (OF13, OF10):
            with self.subTest(version=version):
                self.assert_same_or_same_error("show", version=version)
                self.assert_same_or_same_error("dump-tables", version=version)
        self.assert_same_or_same_error("dump-ports-desc")
        # OpenFlow 1.0 has no port description request: ovs-ofctl sends its own extension,
        # ofctl takes the ports from FEATURES as show does.
        ours = self.ours("dump-ports-desc", version=OF10).stdout
        show = self.ours("show").stdout
        for h in self.hosts:
            self.assertIn(f"({h.port}): addr:", show)
            self.assertIn(f"({h.port}): addr:", ours)
        for args in (("dump-ports",), ("dump-ports", str(self.ports["a"]))):
            for version in (OF13, OF10):
                with self.subTest(args=args, version=version):
                    self.assert_same_or_same_error(*args, version=version)

    def first_error(self, p):
        lines = [ln for ln in (p.stdout + p.stderr).splitlines() if "OFPT_ERROR" in ln]
        return normalise(lines[0]) if p.returncode != 0 and lines else None

    def test_groups(self):
        a, b = self.ports["a"], self.ports["b"]
        results = [self.first_error(tool("add-group", f"group_id={gid},type=all,bucket=output:{a}",
                                         check=False))
                   for tool, gid in ((self.ours, 1), (self.theirs, 2))]
        self.assertEqual(results[0], results[1])
        if results[0] is not None:  # vswitchd does not take groups (yet): the same ERROR
            return
        self.assert_same_or_same_error("dump-groups")
        self.assert_same_or_same_error("dump-group-stats")
        self.ours("mod-group", f"group_id=1,type=select,bucket=weight:5,output:{b}")
        self.theirs("mod-group", f"group_id=2,type=select,bucket=weight:5,output:{b}")
        lines = self.ours("dump-groups").stdout.splitlines()[1:]
        self.assertEqual(sorted(lines), sorted(self.theirs("dump-groups").stdout.splitlines()[1:]))
        self.assertEqual(sorted(ln.replace("group_id=2", "group_id=1") for ln in lines),
                         2 * [f" group_id=1,type=select,bucket=weight:5,actions=output:{b}"])
        self.ours("del-groups", "group_id=2")
        self.assertEqual(len(self.theirs("dump-groups").stdout.splitlines()), 2)
        self.ours("del-groups")
        self.assertEqual(len(self.theirs("dump-groups").stdout.splitlines()), 1)

    def test_errors_for_rejected_requests(self):
        # A table vswitchd does not have: the specification's ERROR, printed as ovs-ofctl
        # prints it, with the request, and exit 1; the tables are unchanged.
        before = self.assert_same_dump()
        ours = self.ours("add-flow", "table=254,priority=5,actions=drop", check=False)
        theirs = self.theirs("add-flow", "table=254,priority=5,actions=drop", check=False)
        self.assertEqual((ours.returncode, theirs.returncode), (1, 1))
        self.assertEqual([normalise(ln) for ln in ours.stderr.splitlines()],
                         [normalise(ln) for ln in theirs.stderr.splitlines()])
        self.assertIn("OFPFMFC_BAD_TABLE_ID", ours.stderr)
        self.assertEqual(self.assert_same_dump(), before)
        # Instructions and actions vswitchd may or may not carry out: both tools agree.
        for flow in ("priority=5,actions=meter:1,output:1", "priority=5,actions=set_queue:3,output:1"):
            ours = self.ours("add-flow", flow, check=False)
            theirs = self.theirs("add-flow", flow, check=False)
            self.assertEqual(self.first_error(ours), self.first_error(theirs), flow)
            self.assertEqual(ours.returncode != 0, theirs.returncode != 0, flow)
        self.assert_same_dump()

    def test_openflow10(self):
        self.assert_same_or_same_error("show", version=OF10)
        # Flows in 1.0 where vswitchd answers them (the flow stats of 1.0 are its to add).
        rejected = self.assert_same_or_same_error("dump-flows", version=OF10)
        if rejected:
            return
        self.ours("del-flows", version=OF10)
        for flow in self.flows()[:6]:
            self.ours("add-flow", flow, version=OF10)
        self.assertEqual(len(self.assert_same_dump(version=OF10)), 6)
        self.assertEqual(len(self.assert_same_dump(version=OF13)), 6)

    def test_packet_out_and_monitor(self):
        a, b = self.hosts
        pa = self.ports["a"]
        # A broadcast ARP request from 02:aa:bb:cc:dd:ee for b's address.
        frame = ("ffffffffffff02aabbccddee0806" "0001080006040001" "02aabbccddee0a0a0a0a"
                 "000000000000" + "".join(f"{int(x):02x}" for x in b.ip.split(".")))

        def rx():
            return int(a.sh("cat /sys/class/net/eth0/statistics/rx_packets").strip())

        before = rx()
        self.ours("packet-out", f"in_port=LOCAL packet={frame} actions=output:{pa}")
        wait_for(lambda: rx() >= before + 1, timeout=5, what="the packet-out frame at host a")
        self.ours("packet-out", "LOCAL", f"output:{pa}", frame)  # ovs-ofctl's older form
        wait_for(lambda: rx() >= before + 2, timeout=5, what="the second frame at host a")

        # monitor: a table miss sent to the controller shows as a PACKET_IN in both tools.
        self.ours("del-flows")
        self.ours("add-flow", "priority=0,actions=CONTROLLER:128")
        monitors = []
        env = dict(os.environ, OVS_RUNDIR=self.dbdir)
        for argv in ([self.ofctl_bin, "-O", OF13, "monitor", self.target, "128"],
                     ["ovs-ofctl", "-O", OF13, "monitor", self.target, "128"]):
            p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, env=env)
            self.addCleanup(lambda p=p: (p.poll() is None and p.kill(), p.wait()))
            monitors.append(p)
        time.sleep(1)
        a.ping(b.ip, count=1, check=False)
        time.sleep(1)
        outputs = []
        for p in monitors:
            p.terminate()
            outputs.append(p.communicate(timeout=10)[0])
        ours, theirs = ([ln for ln in o.splitlines() if "PACKET_IN" in ln] for o in outputs)
        # Both tools see the packet-ins (other traffic, e.g. from LOCAL, may come first).
        self.assertTrue(ours and theirs, outputs)
        self.assertTrue(any(f"in_port={pa}" in ln for ln in ours), ours)
        self.assertTrue(any(f"in_port={pa}" in ln for ln in theirs), theirs)

    def test_bad_input_and_usage(self):
        for flag in ("--help", "--version"):
            p = subprocess.run([self.ofctl_bin, flag], capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 0)
        self.assertIn("0.1.0", p.stdout)
        p = self.ours("add-flow", "foo=1,actions=drop", check=False)
        self.assertEqual((p.returncode, p.stderr), (1, "ofctl: unknown keyword foo\n"))
        p = self.ours("add-flow", "actions=bogus", check=False)
        self.assertEqual((p.returncode, p.stderr), (1, "ofctl: unknown action bogus\n"))
        p = self.ours("frobnicate", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.splitlines()), 1)
        p = self.ours("add-flow", check=False)
        self.assertEqual(p.returncode, 2)
        p = self.ours("show", version="OpenFlow99", check=False)
        self.assertEqual(p.returncode, 2)
        # A bridge name means unix:$VS_RUNDIR/BRIDGE.mgmt; a missing one fails in one line.
        self.assertIn("OFPT_FEATURES_REPLY", self.ours("show", self.br, target=False).stdout)
        p = self.ours("show", "nosuchbr", target=False, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        self.assertIn("nosuchbr.mgmt", p.stderr)
