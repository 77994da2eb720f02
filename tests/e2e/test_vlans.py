"""The default bridge's VLANs and mirror, set with the real ovs-vsctl: two access ports of VLAN
10 reach each other, an access port of VLAN 20 gets none of their traffic, a trunk host asking
on VLAN 10 (a tagged ARP request from a raw socket: this kernel may lack 8021q, so no VLAN
subinterface) gets the VLAN 10 host's reply tagged 10, a mirror's output port gets copies of the
traffic of the port it watches, and the MAC table takes the bridge's mac-table-size."""

import shutil
import tempfile
import time
import unittest

from test_vswitchd_db import DbSwitch
from vsenv import SwitchTest, run, wait_for


# Runs in the trunk host's namespace: sends an ARP request for argv[3] from argv[1]/argv[2]
# (MAC/IP) with an 802.1Q tag of VID argv[4] (0: untagged) and prints "reply VID" for every ARP
# reply to it seen within 3 s (VID from the frame or, when the kernel took the tag off, from
# PACKET_AUXDATA).
ARP_PROBE = r"""
import socket, struct, sys, time
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
sip, tip, vid = socket.inet_aton(sys.argv[2]), socket.inet_aton(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.setsockopt(263, 8, 1)  # SOL_PACKET, PACKET_AUXDATA
s.bind(("eth0", 0))
tag = struct.pack("!HH", 0x8100, vid) if vid else b""
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + sip + b"\0" * 6 + tip
s.send(b"\xff" * 6 + mac + tag + b"\x08\x06" + arp)
s.settimeout(0.2)
end = time.time() + 3
while time.time() < end:
    try:
        data, anc, _, _ = s.recvmsg(2048, 256)
    except socket.timeout:
        continue
    rvid, off = None, 12
    if data[12:14] == b"\x81\x00":
        rvid, off = struct.unpack("!H", data[14:16])[0] & 0xFFF, 16
    for level, kind, value in anc:
        if level == 263 and kind == 8 and len(value) >= 20:
            status, tci = struct.unpack("I", value[:4])[0], struct.unpack("H", value[16:18])[0]
            if status & 0x10:
                rvid = tci & 0xFFF
    if data[off:off + 2] == b"\x08\x06" and data[off + 8:off + 10] == b"\x00\x02" \
            and data[off + 26:off + 30] == sip:
        print("reply", rvid)
"""


class Vlans(SwitchTest):
    def setUp(self):
        super().setUp()
        if shutil.which("ovs-vsctl") is None:
            self.skipTest("ovs-vsctl not installed (scripts/install-deps.sh installs it)")
        self.dbdir = tempfile.mkdtemp(prefix="vs-e2e-vlan-")
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        for i in range(5):
            self.host("vln", i, 79)
        self.br = f"vlnb{self.tag}"

    def fdb(self):
        """{(mac, vlan): port} from fdb/show."""
        out = {}
        for line in self.switch.appctl("fdb/show", self.br).splitlines()[1:]:
            port, vlan, mac = line.split()[:3]
            out[(mac, int(vlan))] = int(port)
        return out

    def arp_from_trunk(self, host, target_ip, vid):
        """The VIDs of the ARP replies `host` gets to a request sent with VLAN `vid`."""
        out = run(f"ip netns exec {host.ns} /usr/bin/python3 -c '{ARP_PROBE}' {host.mac} "
                  f"{host.ip} {target_ip} {vid}")
        return [line.split()[1] for line in out.splitlines() if line.startswith("reply")]

    def test_access_trunk_and_mirror(self):
        a, b, c, t, m = self.hosts
        self.switch = sw = DbSwitch(self.dbdir)
        sw.vsctl("add-br", self.br)
        wait_for(lambda: run(f"ip link show {self.br}", check=False), what=f"TAP {self.br}")
        run(f"sysctl -qw net.ipv6.conf.{self.br}.disable_ipv6=1", check=False)
        sw.vsctl("add-port", self.br, a.port, "tag=10")
        sw.vsctl("add-port", self.br, b.port, "tag=10")
        sw.vsctl("add-port", self.br, c.port, "tag=20")
        sw.vsctl("add-port", self.br, t.port, "trunks=10")
        sw.vsctl("add-port", self.br, m.port)
        # The trunk's host answers on VLAN 10 only through the raw probe; the mirror's is quiet.
        t.sh("ip addr flush dev eth0")
        m.sh("ip addr flush dev eth0")
        sw.vsctl("--", "--id=@a", "get", "Port", a.port, "--", "--id=@o", "get", "Port", m.port,
                 "--", "--id=@m", "create", "Mirror", "name=m0", "select_src_port=@a",
                 "select_dst_port=@a", "output_port=@o", "--", "set", "Bridge", self.br,
                 "mirrors=@m")
        self.assertEqual(sw.vsctl("get", "Open_vSwitch", ".", "cur_cfg"),
                         sw.vsctl("get", "Open_vSwitch", ".", "next_cfg"))

        stats = sw.port_stats()
        c_tx, m_tx = stats[c.port]["tx"], stats[m.port]["tx"]
        self.assertEqual(a.ping(b.ip, count=5), 5)
        # The trunk host asks for b on VLAN 10: b's reply comes back tagged 10.
        self.assertEqual(self.arp_from_trunk(t, b.ip, 10), ["10"])
        # VLAN 20 is another switch: a's ARP for c is never flooded to c.
        self.assertEqual(a.ping(c.ip, count=2, timeout=3, check=False), 0)
        time.sleep(0.5)
        stats = sw.port_stats()
        self.assertEqual(stats[c.port]["tx"], c_tx, "VLAN 10 traffic reached VLAN 20's port")
        # Every request from a and every reply to a (5 pings, both ways) was mirrored.
        self.assertGreaterEqual(stats[m.port]["tx"] - m_tx, 10)
        fdb = self.fdb()
        self.assertEqual(fdb.get((a.mac, 10)), stats[a.port]["no"])
        self.assertEqual(fdb.get((t.mac, 10)), stats[t.port]["no"])
        self.assertNotIn((a.mac, 0), fdb)

        # Untagged from the trunk is VLAN 0, not in trunks=10: dropped. VLAN 20: not trunked.
        self.assertEqual(self.arp_from_trunk(t, b.ip, 0), [])
        self.assertEqual(self.arp_from_trunk(t, c.ip, 20), [])

        # mac-table-size applies at once: the table shrinks to one entry.
        sw.vsctl("set", "Bridge", self.br, "other_config:mac-table-size=1")
        self.assertLessEqual(len(self.fdb()), 1)
        sw.vsctl("remove", "Bridge", self.br, "other_config", "mac-table-size")
        self.assertEqual(a.ping(b.ip, count=2), 2)
        self.assertGreaterEqual(len(self.fdb()), 2)


if __name__ == "__main__":
    unittest.main()
