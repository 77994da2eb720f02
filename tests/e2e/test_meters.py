"""OpenFlow 1.3 meters end to end: the real ovs-ofctl adds a pkt/s meter with a drop band and a
flow through it between two namespace hosts; a UDP flood from one host reaches the other at
about the meter's rate, and meter-stats shows what came in and what the band dropped. ofctl's
meter commands print what ovs-ofctl prints (dump-meters, meter-stats, meter-features, errors),
and deleting a meter deletes the flows that use it. Needs root."""

import os
import re
import subprocess
import time

from test_ofctl import OfctlBridgeTest

OF13 = "OpenFlow13"

# A UDP blaster: as many datagrams as the kernel takes for `seconds`.
BLASTER = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + float(sys.argv[2])
n = 0
while time.time() < end:
    for _ in range(64):
        try:
            s.sendto(b"x" * 64, (sys.argv[1], 9999))
            n += 1
        except OSError:
            pass
print(n)
"""


def normalise(text):
    text = re.sub(r"xid=0x[0-9a-f]+", "xid=X", text)
    text = re.sub(r"duration:[0-9.]+s", "duration:X", text)
    return re.sub(r"(packet_in_count|byte_in_count|packet_count|byte_count):\d+", r"\1:N", text)


class Meters(OfctlBridgeTest):
    def setUp(self):
        super().setUp()
        self.bridge_with_hosts("vmtr", 87, 2)
        self.a, self.b = self.hosts
        self.port = {h: int(self.switch.vsctl("get", "Interface", h.port, "ofport"))
                     for h in self.hosts}

    def ours(self, *args, check=True):
        argv = [self.ofctl_bin, "-O", OF13, args[0], self.target, *args[1:]]
        env = dict(os.environ, VS_RUNDIR=self.switch.rundir)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)
        if check and p.returncode != 0:
            raise AssertionError(f"ofctl {' '.join(args)} ({p.returncode}): {p.stderr}")
        return p

    def theirs(self, *args, check=True):
        argv = ["ovs-ofctl", "-O", OF13, args[0], self.target, *args[1:]]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise AssertionError(f"ovs-ofctl {' '.join(args)} ({p.returncode}): {p.stderr}")
        return p

    def assert_same(self, *args):
        ours, theirs = self.ours(*args), self.theirs(*args)
        self.assertEqual(normalise(ours.stdout), normalise(theirs.stdout))
        return theirs.stdout

    def assert_same_error(self, *args):
        ours, theirs = self.ours(*args, check=False), self.theirs(*args, check=False)
        self.assertEqual(ours.returncode, 1, ours.stdout + ours.stderr)
        self.assertNotEqual(theirs.returncode, 0)
        first = lambda t: normalise(next(ln for ln in t.splitlines() if "OFPT_ERROR" in ln))
        self.assertEqual(first(ours.stderr), first(theirs.stderr))
        return first(theirs.stderr)

    def meter_stats(self, meter=1):
        text = self.theirs("meter-stats", f"meter={meter}").stdout
        m = re.search(r"packet_in_count:(\d+) .*\n0: packet_count:(\d+)", text)
        self.assertIsNotNone(m, text)
        return int(m.group(1)), int(m.group(2))

    def test_meter_commands_print_like_ovs_ofctl(self):
        self.theirs("add-meter", "meter=1,kbps,bands=type=drop,rate=1000")
        self.ours("add-meter", "meter=2,pktps,burst,stats,bands=type=dscp_remark,rate=100,"
                  "burst_size=10,prec_level=1,type=drop,rate=500,burst_size=50")
        dump = self.assert_same("dump-meters")
        self.assertIn("meter=1 kbps bands=\ntype=drop rate=1000\n", dump)
        self.assertIn("type=dscp_remark rate=100 burst_size=10 prec_level=1", dump)
        self.assert_same("dump-meters", "meter=2")
        self.assert_same("meter-stats")
        self.assert_same("meter-features")
        self.assertIn("flow_count:0", self.assert_same("meter-stats", "meter=1"))

        # The specification's errors, as both tools print them.
        self.assertIn("METER_EXISTS",
                      self.assert_same_error("add-meter", "meter=1,kbps,bands=type=drop,rate=5"))
        self.assertIn("UNKNOWN_METER",
                      self.assert_same_error("mod-meter", "meter=9,kbps,bands=type=drop,rate=5"))
        self.assertIn("UNKNOWN_METER", self.assert_same_error(
            "add-flow", f"in_port={self.port[self.a]},actions=meter:7,output:{self.port[self.b]}"))

        # A flow with a meter prints "meter:N" first; deleting the meter deletes the flow.
        flow = f"in_port={self.port[self.a]},udp,actions=meter:1,output:{self.port[self.b]}"
        self.ours("add-flow", flow)
        dumped = self.theirs("dump-flows").stdout
        self.assertIn(f"actions=meter:1,output:{self.port[self.b]}", dumped)
        self.assertEqual(self.ours("dump-flows").stdout.count("meter:1"), 1)
        self.assertIn("flow_count:1", self.assert_same("meter-stats", "meter=1"))
        self.ours("mod-meter", "meter=1,kbps,bands=type=drop,rate=2000")
        self.assertIn("rate=2000", self.assert_same("dump-meters", "meter=1"))
        self.ours("del-meters", "meter=1")
        self.assertNotIn("meter:1", self.theirs("dump-flows").stdout)
        self.assertNotIn("meter=1 ", self.assert_same("dump-meters"))
        self.ours("del-meters")
        self.assertEqual(self.assert_same("dump-meters").count("meter="), 0)

    def test_drop_band_limits_a_udp_flood(self):
        rate_pps, burst, seconds = 200, 20, 4.0
        self.theirs("add-meter", f"meter=1,pktps,burst,stats,bands=type=drop,rate={rate_pps},"
                    f"burst_size={burst}")
        self.theirs("add-flow", f"priority=10,in_port={self.port[self.a]},udp,"
                    f"actions=meter:1,output:{self.port[self.b]}")
        self.a.sh(f"ip neigh replace {self.b.ip} lladdr {self.b.mac} dev eth0")
        self.assertGreater(self.a.ping(self.b.ip, count=2), 0)  # NORMAL still carries ICMP

        # Datagrams that reach host b: counted by an iptables-free way, b's interface counter.
        def rx_b():
            return int(self.b.sh("cat /sys/class/net/eth0/statistics/rx_packets").strip())

        before_rx = rx_b()
        blaster = os.path.join(self.dbdir, "blaster.py")
        with open(blaster, "w") as f:
            f.write(BLASTER)
        start = time.time()
        sent = int(self.a.sh(f"/usr/bin/python3 {blaster} {self.b.ip} {seconds}",
                             timeout=60).strip())
        elapsed = time.time() - start
        time.sleep(0.5)  # the last packets out of the switch's tx buffers
        forwarded = rx_b() - before_rx
        packets_in, dropped = self.meter_stats()

        offered_pps = sent / elapsed
        forwarded_pps = forwarded / elapsed
        print(f"\noffered {offered_pps:.0f} pkt/s, forwarded {forwarded_pps:.0f} pkt/s "
              f"(meter {rate_pps}), meter in {packets_in}, band drops {dropped}")
        # The kernel takes more than reaches the switch (its AF_PACKET ring overflows): what
        # the meter saw is the offered load.
        self.assertGreater(packets_in, 3 * rate_pps * elapsed, "the flood must exceed the meter")
        # Generous bounds: the machine is shared and the sender bursty.
        self.assertGreater(forwarded_pps, 0.5 * rate_pps)
        self.assertLess(forwarded_pps, 1.5 * rate_pps + burst / elapsed)
        self.assertGreater(dropped, packets_in // 2)
        self.assertGreaterEqual(packets_in, forwarded)
        self.assertLessEqual(packets_in - dropped, forwarded + 5)

        # The counters keep growing with more traffic, and the stats show them.
        self.a.sh(f"/usr/bin/python3 {blaster} {self.b.ip} 1", timeout=60)
        self.assertGreater(self.meter_stats()[1], dropped)
        stats = self.ours("meter-stats").stdout
        self.assertRegex(stats, r"meter:1 flow_count:1 packet_in_count:[1-9]\d* ")
