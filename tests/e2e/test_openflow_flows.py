"""OpenFlow 1.3 flow tables driven by the real ovs-ofctl over BR.mgmt: a new bridge holds
"priority=0 actions=NORMAL"; deleting it stops traffic; in_port->output rules (also through
goto_table) carry exactly the traffic they name; counters move; a FLOW_MOD with an action we do
not carry out gets the specification's ERROR and changes nothing; strict delete removes one
rule; NORMAL restored brings everyone back. Each flow-mod is in effect when ovs-ofctl returns
(its BARRIER reply), so no test waits for rules to apply."""

import re
import shutil
import subprocess
import tempfile

from test_vswitchd_db import DbSwitch
from vsenv import SwitchTest, wait_for


class OpenFlowFlows(SwitchTest):
    def setUp(self):
        super().setUp()
        for tool in ("ovs-vsctl", "ovs-ofctl"):
            if shutil.which(tool) is None:
                self.skipTest(f"{tool} is not installed (scripts/install-deps.sh installs it)")
        self.dbdir = tempfile.mkdtemp(prefix="vs-e2e-of-")
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        for i in range(3):
            self.host("vof", i, 85)
        self.br = f"vofbr{self.tag}"
        self.switch = DbSwitch(self.dbdir)
        self.switch.vsctl("add-br", self.br)
        for h in self.hosts:
            self.switch.vsctl("add-port", self.br, h.port)
        self.mgmt = f"unix:{self.switch.rundir}/{self.br}.mgmt"

    def ofctl(self, *args, check=True):
        p = subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", *args], capture_output=True,
                           text=True, timeout=20)
        if check and p.returncode != 0:
            raise AssertionError(f"ovs-ofctl {' '.join(args)}: {p.stderr}")
        return p

    def flows(self):
        """[(table, priority, match, actions, n_packets)] from dump-flows."""
        out = []
        for line in self.ofctl("dump-flows", self.br_target()).stdout.splitlines()[1:]:
            table = int(re.search(r"table=(\d+)", line).group(1))
            packets = int(re.search(r"n_packets=(\d+)", line).group(1))
            m = re.search(r"n_bytes=\d+, (.*) actions=(.*)$", line)
            out.append((table, m.group(1), m.group(2), packets))
        return out

    def br_target(self):
        return self.mgmt

    def ofport(self, host):
        return int(self.switch.vsctl("get", "Interface", host.port, "ofport"))

    def test_flow_tables_steer_traffic(self):
        a, b, c = self.hosts
        t = self.br_target()
        self.assertEqual(self.flows(), [(0, "priority=0", "NORMAL", self.flows()[0][3])])
        self.assertEqual(a.ping(b.ip, count=2), 2)

        self.ofctl("del-flows", t)
        self.assertEqual(self.flows(), [])
        self.assertEqual(a.ping(b.ip, count=2, check=False), 0, "no rules: nothing may pass")

        pa, pb, pc = (self.ofport(h) for h in (a, b, c))
        self.ofctl("add-flow", t, f"priority=10,in_port={pa},actions=goto_table:1")
        self.ofctl("add-flow", t, f"table=1,priority=10,actions=output:{pb}")
        self.ofctl("add-flow", t, f"priority=10,in_port={pb},actions=output:{pa}")
        self.assertEqual(a.ping(b.ip, count=3), 3)
        self.assertEqual(a.ping(c.ip, count=2, check=False), 0, "c is not in any rule")
        counted = {(f[0], f[1]): f[3] for f in self.flows()}
        # Counters include what the cached megaflows carried, not only the first packet of
        # each: a's 3 echo requests (and its ARP) all went through table 1's rule.
        self.assertGreaterEqual(counted[(1, "priority=10")], 3)
        self.assertGreaterEqual(counted[(0, f"priority=10,in_port={pb}")], 3)

        # An action we do not carry out: the spec's ERROR, and the tables stay as they were.
        before = self.flows()
        p = self.ofctl("add-flow", t, "priority=5,actions=resubmit:1", check=False)  # Nicira
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("OFPBAC_BAD_TYPE", p.stderr + p.stdout)
        self.assertEqual([f[:3] for f in self.flows()], [f[:3] for f in before])

        # Strict delete removes exactly the one rule: b can no longer answer a.
        self.ofctl("--strict", "del-flows", t, f"priority=10,in_port={pb}")
        self.assertNotIn(f"priority=10,in_port={pb}", [f[1] for f in self.flows()])
        self.assertEqual(a.ping(b.ip, count=2, check=False), 0)

        self.ofctl("del-flows", t)
        self.ofctl("add-flow", t, "priority=0,actions=NORMAL")
        self.assertEqual(a.ping(c.ip, count=2), 2)
        self.assertEqual(b.ping(c.ip, count=2), 2)

        # Timeouts: a hard timeout removes a rule however busy; an idle one once unused.
        self.ofctl("add-flow", t, "priority=7,hard_timeout=1,dl_type=0x88b5,actions=drop")
        self.ofctl("add-flow", t, "priority=6,idle_timeout=1,dl_type=0x88b6,actions=drop")
        self.assertEqual(len([f for f in self.flows() if "priority=7" in f[1] or
                              "priority=6" in f[1]]), 2)
        wait_for(lambda: not [f for f in self.flows() if "priority=7" in f[1] or
                              "priority=6" in f[1]], timeout=10, what="rules timed out")

    def test_groups(self):
        a, b, c = self.hosts
        t = self.br_target()
        pa, pb, pc = (self.ofport(h) for h in (a, b, c))
        self.ofctl("del-flows", t)
        # An "all" group copies a's traffic to b and c; both answer straight back to a.
        self.ofctl("add-group", t, f"group_id=1,type=all,bucket=output:{pb},bucket=output:{pc}")
        self.ofctl("add-group", t, f"group_id=2,type=indirect,bucket=output:{pa}")
        self.ofctl("add-flow", t, f"priority=10,in_port={pa},actions=group:1")
        self.ofctl("add-flow", t, f"priority=10,in_port={pb},actions=group:2")
        self.ofctl("add-flow", t, f"priority=10,in_port={pc},actions=group:2")
        self.assertEqual(a.ping(b.ip, count=2), 2)
        self.assertEqual(a.ping(c.ip, count=2), 2)
        stats = self.ofctl("dump-group-stats", t).stdout
        m = re.search(r"group_id=1,.*?packet_count=(\d+).*?bucket0:packet_count=(\d+)", stats)
        self.assertTrue(m and int(m.group(1)) >= 4 and int(m.group(2)) >= 4, stats)
        # A group that does not exist cannot be used; deleting a group takes its flows along.
        p = self.ofctl("add-flow", t, "priority=9,ip,actions=group:99", check=False)
        self.assertIn("OFPBAC_BAD_OUT_GROUP", p.stderr + p.stdout)
        self.ofctl("del-groups", t, "group_id=2")
        self.assertEqual([f[1] for f in self.flows()], [f"priority=10,in_port={pa}"])
        self.assertEqual(a.ping(b.ip, count=2, check=False), 0, "b's way back went with group 2")
