"""OpenFlow channels of a bridge: the management socket RUNDIR/BR.mgmt answers the real
ovs-ofctl in OpenFlow 1.0 and 1.3 (show: features, port description, switch config) and refuses
a version it does not speak; a real controller (an os-ken app, Debian's python3-os-ken) set with
ovs-vsctl set-controller is dialled, completes the handshake and sees our datapath ID and ports,
and the Controller row says so (is_connected, status:state=ACTIVE); when the controller goes
away the row says BACKOFF with the reason, and the switch reconnects when it is back."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from test_vswitchd_db import DbSwitch
from vsenv import SwitchTest, wait_for

OSKEN_APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "osken_apps",
                         "features_recorder.py")


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Controller:
    """osken-manager running the features recorder on 127.0.0.1:PORT."""

    def __init__(self, port, record):
        self.port, self.record = port, record
        env = dict(os.environ, VS_OSKEN_RECORD=record)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "/usr/bin/osken-manager", "--ofp-listen-host", "127.0.0.1",
             "--ofp-tcp-listen-port", str(port), OSKEN_APP],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)

    def events(self, kind):
        try:
            with open(self.record) as f:
                return [e for e in map(json.loads, f) if e["event"] == kind]
        except OSError:
            return []

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


class VswitchdControllers(SwitchTest):
    def setUp(self):
        super().setUp()
        for tool in ("ovs-vsctl", "ovs-ofctl", "osken-manager"):
            if shutil.which(tool) is None:
                self.skipTest(f"{tool} is not installed (scripts/install-deps.sh installs it)")
        self.dbdir = tempfile.mkdtemp(prefix="vs-e2e-ctl-")
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        self.host("vct", 0, 84)
        self.br = f"vctbr{self.tag}"
        self.controller = None
        self.addCleanup(lambda: self.controller and self.controller.stop())
        self.switch = DbSwitch(self.dbdir)
        self.switch.vsctl("add-br", self.br)
        self.switch.vsctl("add-port", self.br, self.hosts[0].port)
        self.mgmt = f"unix:{self.switch.rundir}/{self.br}.mgmt"

    def ofctl(self, version, *args, check=True):
        p = subprocess.run(["ovs-ofctl", "-O", version, *args], capture_output=True, text=True,
                           timeout=20)
        if check and p.returncode != 0:
            raise AssertionError(f"ovs-ofctl {' '.join(args)}: {p.stderr}")
        return p

    def dpid(self):
        return self.switch.vsctl("get", "Bridge", self.br, "datapath_id").strip('"')

    def controller_column(self, column):
        return self.switch.vsctl("get", "Controller", self.br, column)

    def test_ovs_ofctl_show_over_the_management_socket(self):
        wait_for(lambda: self.dpid() not in ("", "[]"), timeout=15, what="datapath_id")
        port = self.hosts[0].port
        for version in ("OpenFlow13", "OpenFlow10"):
            out = self.ofctl(version, "show", self.mgmt).stdout
            self.assertIn(f"dpid:{self.dpid()}", out)
            self.assertIn("n_tables:254", out)
            self.assertIn(f"LOCAL({self.br})", out)
            ofport = self.switch.vsctl("get", "Interface", port, "ofport")
            self.assertIn(f" {ofport}({port}): addr:", out)
            self.assertIn("frags=normal miss_send_len=128", out)
        # Version negotiation fails cleanly for a version we do not speak.
        p = self.ofctl("OpenFlow12", "show", self.mgmt, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("version negotiation failed", p.stderr)
        # Meters are answered; a request we cannot carry out (queue statistics: there are no
        # QoS queues) gets the specification's ERROR, not silence.
        p = self.ofctl("OpenFlow13", "dump-meters", self.mgmt, check=False)
        self.assertIn("OFPST_METER_CONFIG reply", p.stdout)
        self.assertNotIn("OFPT_ERROR", p.stdout + p.stderr)
        p = self.ofctl("OpenFlow13", "queue-stats", self.mgmt, check=False)
        self.assertIn("OFPT_ERROR", p.stdout + p.stderr)
        self.assertIn("OFPBRC_BAD_STAT", p.stdout + p.stderr)

    def test_controller_connection_and_status(self):
        port = free_tcp_port()
        record = os.path.join(self.dbdir, "osken.jsonl")
        self.controller = Controller(port, record)
        self.switch.vsctl("set-controller", self.br, f"tcp:127.0.0.1:{port}")
        self.switch.vsctl("set", "Controller", self.br, "max_backoff=1000")
        wait_for(lambda: self.controller.events("barrier"), timeout=30,
                 what="os-ken handshake with the switch")
        features = self.controller.events("features")[0]
        self.assertEqual(features["dpid"], int(self.dpid(), 16))
        self.assertEqual(features["version"], 4)  # both speak 1.3: the highest common one
        ports = self.controller.events("port_desc")[0]["ports"]
        self.assertEqual(sorted(ports), sorted([self.br, self.hosts[0].port]))
        wait_for(lambda: self.controller_column("is_connected") == "true", timeout=15,
                 what="Controller is_connected")
        self.assertIn("state=ACTIVE", self.controller_column("status"))

        # The controller dies: the row tells, and the switch keeps trying.
        self.controller.stop()
        wait_for(lambda: self.controller_column("is_connected") == "false", timeout=30,
                 what="Controller is_connected=false")
        status = self.controller_column("status")
        self.assertTrue("state=BACKOFF" in status or "state=CONNECTING" in status, status)
        self.assertIn("last_error", status)
        # It comes back on the same port: reconnected within the back-off.
        os.unlink(record)
        self.controller = Controller(port, record)
        wait_for(lambda: self.controller.events("features"), timeout=30, what="reconnection")
        wait_for(lambda: self.controller_column("is_connected") == "true", timeout=15,
                 what="Controller is_connected again")

        # del-controller closes the channel and forgets the row.
        self.switch.vsctl("del-controller", self.br)
        self.assertEqual(self.switch.vsctl("list", "Controller"), "")


if __name__ == "__main__":
    unittest.main()
