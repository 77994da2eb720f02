"""Cross-decoding with Open vSwitch's own ovs-ofctl (Debian's openvswitch-common): it talks to
a small fake switch on a unix socket, and every message it sends (HELLO with a version bitmap,
FLOW_MOD with many kinds of matches, actions and instructions, GROUP_MOD, PORT_MOD, PACKET_OUT,
SET_CONFIG, multipart/stats requests, BARRIER, Nicira extensions as opaque VENDOR messages...)
must decode in ours and re-encode to the same bytes, with the fields we expect. Since our
re-encoding is byte-identical, what we encode for those messages is what OVS itself sends."""

import os
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import unittest

import of_cross

OVS_OFCTL = shutil.which("ovs-ofctl")
VERSION_NAME = {1: "OpenFlow10", 4: "OpenFlow13"}
BARRIER_REQUEST = {1: 18, 4: 20}
ECHO_REQUEST = 2
FEATURES_REQUEST = 5
GET_CONFIG_REQUEST = 7
MULTIPART_REQUEST = {1: 16, 4: 18}


def header(version, msg_type, length, xid):
    return struct.pack("!BBHI", version, msg_type, length, xid)


def port(version, no):
    mac = bytes([2, 0, 0, 0, 0, no])
    name = f"p{no}".encode().ljust(16, b"\0")
    if version == 1:
        return struct.pack("!H6s16sIIIIII", no, mac, name, 0, 0, 0, 0, 0, 0)
    return struct.pack("!I4x6s2x16sIIIIIIII", no, mac, name, 0, 4, 0, 0, 0, 0, 0, 0)


def table_features():
    """Table 0 with the 8 properties OVS requires, each an empty list."""
    props = b"".join(struct.pack("!HH4x", t, 4) for t in (0, 2, 4, 6, 8, 10, 12, 14))
    return struct.pack("!HB5x32sQQII", 64 + len(props), 0, b"t0", 0, 0, 0, 1000) + props


def reply_to(version, msg):
    """What the fake switch answers, so that ovs-ofctl goes on sending: features (with ports
    1-3), config, barriers, echoes, and multipart/stats replies (port descriptions of ports
    1-3, an empty description, otherwise empty)."""
    msg_type, xid = msg[1], struct.unpack_from("!I", msg, 4)[0]
    ports = b"".join(port(version, n) for n in (1, 2, 3))
    if msg_type == ECHO_REQUEST:
        return header(version, 3, len(msg), xid) + msg[8:]
    if msg_type == BARRIER_REQUEST[version]:
        return header(version, msg_type + 1, 8, xid)
    if msg_type == FEATURES_REQUEST:
        if version == 1:
            body = struct.pack("!QIB3xII", 1, 0, 1, 0, 0xfff) + ports
        else:
            body = struct.pack("!QIBB2xII", 1, 0, 1, 0, 0, 0)
        return header(version, 6, 8 + len(body), xid) + body
    if msg_type == GET_CONFIG_REQUEST:
        return header(version, 8, 12, xid) + struct.pack("!HH", 0, 128)
    if msg_type == MULTIPART_REQUEST[version]:
        mp_type = struct.unpack_from("!H", msg, 8)[0]
        body = {0: b"\0" * 1056,
                13: ports,  # port descriptions
                12: table_features(),
                }.get(mp_type, b"") if version == 4 else b"\0" * 1056 if mp_type == 0 else b""
        head = struct.pack("!HH", mp_type, 0) + (b"\0" * 4 if version == 4 else b"")
        return header(version, msg_type + 1, 8 + len(head) + len(body), xid) + head + body
    return None


def ovs_ofctl(version, *args):
    """Runs `ovs-ofctl -O VERSION ARGS... unix:SOCK` against a fake switch; returns the
    messages it sent, each as bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "br.mgmt")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(1)
        cmd = [OVS_OFCTL, "-O", VERSION_NAME[version], args[0], "unix:" + path, *args[1:]]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            messages = []
            conns = {}  # socket -> unframed bytes; ovs-ofctl may connect more than once
            deadline = time.time() + 10
            idle_since = time.time()
            while time.time() < deadline and time.time() - idle_since < 2:
                ready, _, _ = select.select([server, *conns], [], [], 0.2)
                if not ready and proc.poll() is not None:
                    break
                for sock in ready:
                    idle_since = time.time()
                    if sock is server:
                        conn, _ = server.accept()
                        conn.sendall(header(version, 0, 8, 0))
                        conns[conn] = b""
                        continue
                    data = sock.recv(65536)
                    if not data:
                        del conns[sock]
                        sock.close()
                        continue
                    buf = conns[sock] + data
                    while len(buf) >= 8 and len(buf) >= struct.unpack_from("!H", buf, 2)[0]:
                        length = struct.unpack_from("!H", buf, 2)[0]
                        msg, buf = buf[:length], buf[length:]
                        messages.append(msg)
                        answer = reply_to(version, msg)
                        if answer:
                            sock.sendall(answer)
                    conns[sock] = buf
            for sock in conns:
                sock.close()
        finally:
            proc.kill()
            proc.wait()
            server.close()
    return messages


ARP = ("ffffffffffff000000000001080600010800060400010000000000"
       "01c0a80001000000000000c0a80002")

# (ovs-ofctl arguments, expected body type, fields expected in our decoding)
COMMANDS13 = [
    (("add-flow", "table=2,priority=300,cookie=0x55,idle_timeout=5,ip,in_port=1,"
      "nw_src=10.0.0.0/8,nw_dst=10.1.2.3,tcp,tp_dst=80,actions=set_field:00:11:22:33:44:55->"
      "eth_dst,push_vlan:0x8100,set_field:4100->vlan_vid,dec_ttl,group:3,output:2"),
     "FlowMod", {"priority": 300, "table_id": 2, "cookie": 0x55, "idle_timeout": 5}),
    (("add-flow", "priority=10,ipv6,ipv6_src=2001:db8::/32,icmp6,icmpv6_type=135,"
      "nd_target=2001:db8::1,actions=write_actions(output:3),write_metadata:0x5/0xff,"
      "goto_table:4"),
     "FlowMod", {"priority": 10}),
    (("add-flow", "arp,arp_op=1,arp_spa=1.2.3.4,arp_tha=00:00:00:00:00:01,dl_vlan=10,"
      "actions=pop_vlan,set_queue:3,CONTROLLER:128,LOCAL,NORMAL,FLOOD,ALL,IN_PORT"),
     "FlowMod", {}),
    (("add-flow", "mpls,mpls_label=17,mpls_tc=3,mpls_bos=1,actions=dec_mpls_ttl,"
      "pop_mpls:0x0800,output:1"),
     "FlowMod", {}),
    (("add-flow", "priority=1,actions=clear_actions"), "FlowMod", {"priority": 1}),
    (("del-flows", "--strict", "priority=5,udp,udp_src=53"), "FlowMod", {"priority": 5}),
    (("mod-flows", "in_port=7,actions=drop"), "FlowMod", {}),
    (("add-group", "group_id=5,type=select,bucket=weight=10,actions=output:1,"
      "bucket=weight=20,watch_port=2,actions=set_field:10.0.0.1->ip_dst,output:2"),
     "GroupMod", {"group_id": 5}),
    (("add-group", "group_id=6,type=ff,bucket=watch_port=1,actions=output:1,"
      "bucket=watch_port=2,actions=output:2"), "GroupMod", {"group_id": 6}),
    (("mod-port", "3", "down"), "PortMod", {"port_no": 3}),
    (("packet-out", "in_port=controller packet=" + ARP + " actions=output:1"), "PacketOut", {}),
    (("dump-flows", "table=0,ip"), "FlowStatsRequest", {"table_id": 0}),
    (("dump-aggregate",), "AggregateStatsRequest", {}),
    (("dump-ports",), "PortStatsRequest", {}),
    (("dump-ports-desc",), "PortDescRequest", {}),
    (("dump-tables",), "TableStatsRequest", {}),
    (("dump-table-features",), "TableFeaturesRequest", {}),
    (("dump-groups",), "GroupDescRequest", {}),
    (("dump-group-stats",), "GroupStatsRequest", {}),
    (("dump-group-features",), "GroupFeaturesRequest", {}),
    (("queue-stats",), "QueueStatsRequest", {}),
    (("queue-get-config", "1"), "QueueGetConfigRequest", {"port": 1}),
    (("get-frags",), "GetConfigRequest", {}),
    (("set-frags", "drop"), "SetConfig", {"flags": 1}),
    (("show",), "FeaturesRequest", {}),
]

COMMANDS10 = [
    (("add-flow", "priority=300,ip,in_port=1,nw_src=10.0.0.0/8,nw_tos=4,tcp,tp_dst=80,"
      "actions=mod_vlan_vid:10,mod_vlan_pcp:3,strip_vlan,mod_dl_src:00:00:00:00:00:07,"
      "mod_nw_dst:1.2.3.4,mod_nw_tos:8,mod_tp_src:11,enqueue:3:9,output:2"),
     "FlowMod", {"priority": 300}),
    (("del-flows", "--strict", "priority=5,udp,tp_src=53"), "FlowMod", {"priority": 5}),
    (("mod-port", "3", "down"), "PortMod", {"port_no": 3}),
    (("packet-out", "in_port=none packet=" + ARP + " actions=output:1"), "PacketOut", {}),
    (("dump-flows", "ip", "--flow-format=openflow10"), "FlowStatsRequest", {}),
    (("dump-aggregate", "--flow-format=openflow10"), "AggregateStatsRequest", {}),
    (("dump-flows", "ip"), "VendorStatsRequest", {}),  # NXM flow stats: opaque to us
    (("dump-ports",), "PortStatsRequest", {}),
    (("dump-tables",), "TableStatsRequest", {}),
    (("queue-stats",), "QueueStatsRequest", {}),
    (("queue-get-config", "1"), "QueueGetConfigRequest", {"port": 1}),
    (("show",), "FeaturesRequest", {}),
]


@unittest.skipIf(OVS_OFCTL is None, "ovs-ofctl is not installed (scripts/install-deps.sh)")
class OvsOfctlInOurs(unittest.TestCase):
    def check(self, version, commands):
        seen_types = set()
        total = 0
        for args, body_type, fields in commands:
            with self.subTest(command=" ".join(args)[:60]):
                sent = ovs_ofctl(version, *args)
                self.assertTrue(sent, "ovs-ofctl sent nothing")
                results = of_cross.decode(version, sent)
                bodies = []
                for msg, r in zip(sent, results):
                    self.assertEqual(r[0], "OK", f"{msg.hex()}: {r}")
                    self.assertEqual(r[1].hex(), msg.hex(), "our re-encoding differs")
                    bodies.append(r[2]["body"])
                    seen_types.add(r[2]["body"]["_type"])
                total += len(sent)
                ours = [b for b in bodies if b["_type"] == body_type]
                self.assertTrue(ours, f"no {body_type} in {[b['_type'] for b in bodies]}")
                for k, v in fields.items():
                    self.assertEqual(ours[0][k], v, k)
        print(f"\nversion {version}: {total} messages from ovs-ofctl decode in ours and "
              f"re-encode to the same bytes: {' '.join(sorted(seen_types))}")

    def test_of13(self):
        self.check(4, COMMANDS13)

    def test_of10(self):
        self.check(1, COMMANDS10)


if __name__ == "__main__":
    unittest.main()
