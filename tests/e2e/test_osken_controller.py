"""A real OpenFlow controller drives the switch: Debian's os-ken framework runs our learning
switch app (osken_apps/learning_switch.py) against a bridge with three hosts. The app's
table-miss rule replaces the bridge's default NORMAL rule, so every first packet goes to the
controller as a PACKET_IN and comes back as a PACKET_OUT; every pair of hosts then pings, and the
rules the app installed (in_port, eth_src, eth_dst -> output) show in ovs-ofctl dump-flows."""

import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile

from test_vswitchd_db import DbSwitch
from vsenv import SwitchTest, wait_for

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "osken_apps",
                   "learning_switch.py")


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OsKenController(SwitchTest):
    def setUp(self):
        super().setUp()
        for tool in ("ovs-vsctl", "ovs-ofctl", "osken-manager"):
            if shutil.which(tool) is None:
                self.skipTest(f"{tool} is not installed (scripts/install-deps.sh installs it)")
        self.dbdir = tempfile.mkdtemp(prefix="vs-e2e-osk-")
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        for i in range(3):
            self.host("vok", i, 86)
        self.br = f"vokbr{self.tag}"
        port = free_tcp_port()
        self.log = os.path.join(self.dbdir, "osken.log")
        with open(self.log, "w") as log:
            self.controller = subprocess.Popen(
                ["/usr/bin/python3", "/usr/bin/osken-manager", "--ofp-listen-host", "127.0.0.1",
                 "--ofp-tcp-listen-port", str(port), APP], stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(self.stop_controller)
        self.switch = DbSwitch(self.dbdir)
        sw = self.switch
        sw.vsctl("add-br", self.br)
        for h in self.hosts:
            sw.vsctl("add-port", self.br, h.port)
        sw.vsctl("set-controller", self.br, f"tcp:127.0.0.1:{port}")
        sw.vsctl("set", "Controller", self.br, "max_backoff=1000")
        self.mgmt = f"unix:{sw.rundir}/{self.br}.mgmt"

    def stop_controller(self):
        if self.controller.poll() is None:
            self.controller.send_signal(signal.SIGKILL)
            self.controller.wait()

    def dump_flows(self):
        return subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "dump-flows", self.mgmt],
                              capture_output=True, text=True, timeout=20).stdout

    def test_every_pair_pings_through_the_controllers_rules(self):
        # The app's table-miss rule replaced NORMAL: the controller is in charge.
        wait_for(lambda: "actions=CONTROLLER:65535" in self.dump_flows(), timeout=30,
                 what="the app's table-miss rule")
        self.assertNotIn("actions=NORMAL", self.dump_flows())
        for a, b in itertools.permutations(self.hosts, 2):
            if a.ping(b.ip, count=2, timeout=10, check=False) < 1:
                with open(self.log) as f:
                    self.fail(f"{a.name} -> {b.name}: no reply\n{f.read()[-2000:]}")
        flows = self.dump_flows()
        learned = re.findall(r"priority=1,in_port=\S+,dl_src=(\S+),dl_dst=(\S+) actions=output:",
                             flows)
        macs = {h.mac for h in self.hosts}
        pairs = {(s, d) for s, d in learned if s in macs and d in macs}
        # Each ordered pair of hosts has its rule (the pings went both ways).
        self.assertEqual(len(pairs), 6, flows)
        # Those rules carried the later pings: their counters moved.
        counted = re.findall(r"n_packets=(\d+).*priority=1,", flows)
        self.assertTrue(any(int(n) > 0 for n in counted), flows)

        # Controller loss with fail_mode=secure: the installed rules stay and keep forwarding,
        # a miss (here: a->c after its rule is removed) goes to no one and is dropped.
        a, b, c = self.hosts
        self.switch.vsctl("set-fail-mode", self.br, "secure")
        self.stop_controller()
        wait_for(lambda: self.switch.vsctl("get", "Controller", self.br, "is_connected") ==
                 "false", timeout=20, what="controller seen as gone")
        subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "--strict", "del-flows", self.mgmt,
                        f"priority=1,dl_src={a.mac},dl_dst={c.mac},in_port="
                        f"{self.switch.vsctl('get', 'Interface', a.port, 'ofport')}"], check=True)
        self.assertEqual(a.ping(b.ip, count=2), 2)
        self.assertEqual(a.ping(c.ip, count=2, check=False), 0)
        # Standalone: with no controller the bridge falls back to a learning switch.
        self.switch.vsctl("set-fail-mode", self.br, "standalone")
        self.assertGreaterEqual(a.ping(c.ip, count=3, check=False), 2)
