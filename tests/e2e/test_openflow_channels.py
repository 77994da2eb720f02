"""OpenFlow 1.3 channel semantics over BR.mgmt with raw clients (messages built with os-ken's
parsers, Debian's python3-os-ken, an independent encoder): controller roles (a new master
demotes the old one, a stale generation ID is refused, a slave may not modify the tables), PORT_MOD
(no-forward takes a port out of the forwarding, also out of the learning switch's flood;
port-down shows in Interface.admin_state; bad port numbers get PORT_MOD_FAILED), and
PORT_STATUS reaching a channel that asked for asynchronous messages when a port is added and
removed."""

import shutil
import socket
import struct
import tempfile
import time

from os_ken.ofproto import ofproto_v1_3 as ofp
from os_ken.ofproto import ofproto_v1_3_parser as parser

from test_vswitchd_db import DbSwitch
from vsenv import SwitchTest, wait_for


class _Datapath:
    """What os-ken's message classes need to serialize without a live connection."""
    ofproto = ofp
    ofproto_parser = parser

    def set_xid(self, msg):
        msg.set_xid(1)


class Channel:
    """One OpenFlow 1.3 channel: HELLO done, then request/reply by raw bytes."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(5)
        self.sock.connect(path)
        self.send(parser.OFPHello(_Datapath()))
        assert self.recv()[1] == ofp.OFPT_HELLO

    def send(self, msg, xid=1):
        msg.set_xid(xid)
        msg.serialize()
        self.sock.sendall(bytes(msg.buf))

    def recv(self):
        head = self._read(8)
        version, kind, length, xid = struct.unpack("!BBHI", head)
        return version, kind, xid, head + self._read(length - 8)

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def call(self, msg, xid=7):
        """The reply (or ERROR) to `msg`, skipping asynchronous messages."""
        self.send(msg, xid)
        self.send(parser.OFPBarrierRequest(_Datapath()), xid + 1)
        answer = None
        while True:
            _, kind, rxid, data = self.recv()
            if rxid == xid and answer is None:
                answer = (kind, data)
            if kind == ofp.OFPT_BARRIER_REPLY and rxid == xid + 1:
                return answer

    def close(self):
        self.sock.close()


def error_of(answer):
    kind, data = answer
    assert kind == ofp.OFPT_ERROR, f"expected an ERROR, got type {kind}"
    return struct.unpack("!HH", data[8:12])


class OpenFlowChannels(SwitchTest):
    def setUp(self):
        super().setUp()
        if shutil.which("ovs-vsctl") is None:
            self.skipTest("ovs-vsctl is not installed (scripts/install-deps.sh installs it)")
        self.dbdir = tempfile.mkdtemp(prefix="vs-e2e-och-")
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        for i in range(2):
            self.host("voc", i, 87)
        self.br = f"vocbr{self.tag}"
        self.switch = DbSwitch(self.dbdir)
        self.switch.vsctl("add-br", self.br)
        for h in self.hosts:
            self.switch.vsctl("add-port", self.br, h.port)
        self.path = f"{self.switch.rundir}/{self.br}.mgmt"
        self.channels = []
        self.addCleanup(lambda: [c.close() for c in self.channels])

    def channel(self):
        c = Channel(self.path)
        self.channels.append(c)
        return c

    def role(self, channel, role, generation):
        return channel.call(parser.OFPRoleRequest(_Datapath(), role, generation))

    def test_roles(self):
        one, two = self.channel(), self.channel()
        kind, data = self.role(one, ofp.OFPCR_ROLE_MASTER, 5)
        self.assertEqual(kind, ofp.OFPT_ROLE_REPLY)
        self.assertEqual(struct.unpack("!I", data[8:12])[0], ofp.OFPCR_ROLE_MASTER)
        # An older generation ID is stale.
        self.assertEqual(error_of(self.role(two, ofp.OFPCR_ROLE_MASTER, 4)),
                         (ofp.OFPET_ROLE_REQUEST_FAILED, ofp.OFPRRFC_STALE))
        # A newer master demotes the first one, which may then not change the tables.
        self.assertEqual(self.role(two, ofp.OFPCR_ROLE_MASTER, 6)[0], ofp.OFPT_ROLE_REPLY)
        kind, data = self.role(one, ofp.OFPCR_ROLE_NOCHANGE, 0)
        self.assertEqual(struct.unpack("!I", data[8:12])[0], ofp.OFPCR_ROLE_SLAVE)
        def mod():
            return parser.OFPFlowMod(_Datapath(), priority=3, match=parser.OFPMatch(),
                                     instructions=[])
        self.assertEqual(error_of(one.call(mod())), (ofp.OFPET_BAD_REQUEST, ofp.OFPBRC_IS_SLAVE))
        self.assertIsNone(two.call(mod()), "the master's FLOW_MOD is answered by nothing but "
                                           "the barrier")

    def rx_packets(self, host):
        return int(host.sh(f"cat /sys/class/net/{host.dev}/statistics/rx_packets"))

    def test_no_forward_leaves_the_flood_and_port_down_shows_in_the_db(self):
        a, b = self.hosts
        c = self.host("voc", 2, 87)
        self.switch.vsctl("add-port", self.br, c.port)
        ofport_c = int(self.switch.vsctl("get", "Interface", c.port, "ofport"))
        mac_c = self.switch.vsctl("get", "Interface", c.port, "mac_in_use").strip('"')
        ctl = self.channel()
        # Broadcast ARP for an address nobody has: the learning switch floods it.
        nobody = a.ip.rsplit(".", 1)[0] + ".250"
        before = self.rx_packets(c)
        a.ping(nobody, count=2, timeout=3, check=False)
        self.assertGreater(self.rx_packets(c) - before, 0, "c hears the flooded ARP requests")
        no_fwd = parser.OFPPortMod(_Datapath(), ofport_c, mac_c, ofp.OFPPC_NO_FWD,
                                   ofp.OFPPC_NO_FWD, 0)
        self.assertIsNone(ctl.call(no_fwd))
        before = self.rx_packets(c)
        a.ping(nobody, count=2, timeout=3, check=False)
        self.assertEqual(a.ping(b.ip, count=2), 2, "a and b still reach each other")
        self.assertEqual(self.rx_packets(c) - before, 0, "a no-forward port gets no flood")

        self.assertEqual(self.switch.vsctl("get", "Interface", c.port, "admin_state"), "up")
        down = parser.OFPPortMod(_Datapath(), ofport_c, mac_c, ofp.OFPPC_PORT_DOWN,
                                 ofp.OFPPC_PORT_DOWN | ofp.OFPPC_NO_FWD, 0)
        self.assertIsNone(ctl.call(down))
        wait_for(lambda: self.switch.vsctl("get", "Interface", c.port, "admin_state") == "down",
                 what="admin_state down after PORT_MOD")
        up = parser.OFPPortMod(_Datapath(), ofport_c, mac_c, 0, ofp.OFPPC_PORT_DOWN, 0)
        self.assertIsNone(ctl.call(up))
        wait_for(lambda: self.switch.vsctl("get", "Interface", c.port, "admin_state") == "up",
                 what="admin_state up again")
        self.assertEqual(a.ping(c.ip, count=2), 2, "c forwards again")

    def test_port_mod_and_port_status(self):
        a, b = self.hosts
        watcher = self.channel()
        watcher.call(parser.OFPSetConfig(_Datapath(), 0, 128))  # wants asynchronous messages
        ofport_b = int(self.switch.vsctl("get", "Interface", b.port, "ofport"))
        mac_b = self.switch.vsctl("get", "Interface", b.port, "mac_in_use").strip('"')
        self.assertEqual(a.ping(b.ip, count=2), 2)
        ctl = self.channel()
        no_fwd = parser.OFPPortMod(_Datapath(), ofport_b, mac_b, ofp.OFPPC_NO_FWD,
                                   ofp.OFPPC_NO_FWD, 0)
        self.assertIsNone(ctl.call(no_fwd))
        self.assertEqual(a.ping(b.ip, count=2, check=False), 0, "b's port may not forward")
        fwd = parser.OFPPortMod(_Datapath(), ofport_b, mac_b, 0, ofp.OFPPC_NO_FWD, 0)
        self.assertIsNone(ctl.call(fwd))
        self.assertEqual(a.ping(b.ip, count=2), 2)
        bad = parser.OFPPortMod(_Datapath(), 4000, mac_b, 0, ofp.OFPPC_NO_FWD, 0)
        self.assertEqual(error_of(ctl.call(bad)), (ofp.OFPET_PORT_MOD_FAILED, ofp.OFPPMFC_BAD_PORT))

        # The watcher heard of the port mods, and hears of a port coming and going.
        self.switch.vsctl("add-port", self.br, "vocnull0", "--", "set", "Interface", "vocnull0",
                          "type=dpdk", "options:dpdk-devargs=net_null7")
        self.switch.vsctl("del-port", self.br, "vocnull0")
        reasons = []
        deadline = time.time() + 10
        while time.time() < deadline and ofp.OFPPR_DELETE not in reasons:
            _, kind, _, data = watcher.recv()
            if kind == ofp.OFPT_PORT_STATUS:
                reasons.append(data[8])
                if data[8] != ofp.OFPPR_MODIFY:
                    self.assertIn(b"vocnull0", data)
        self.assertIn(ofp.OFPPR_MODIFY, reasons)
        self.assertIn(ofp.OFPPR_ADD, reasons)
        self.assertIn(ofp.OFPPR_DELETE, reasons)
