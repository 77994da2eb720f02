"""Bad input: runts and oversized frames arriving on a port are counted and dropped, frames with
broken L3/L4 headers are still switched at L2 (as an Ethernet switch does), and forwarding
between other hosts continues. The frames come from a pcap file through a `dpdk` port
(net_pcap)."""

import os
import shutil
import struct
import tempfile
import unittest

from vsenv import Switch, SwitchTest, wait_for

BCAST = b"\xff" * 6
SRC = bytes.fromhex("02810000000a")


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", 1, i, len(frame), len(frame)))
            f.write(frame)


def ipv4_udp(payload=b"x" * 18, ihl=5, total_len=None):
    ip_len = 20 + 8 + len(payload) if total_len is None else total_len
    ip = struct.pack("!BBHHHBBH4s4s", (4 << 4) | ihl, 0, ip_len, 1, 0, 64, 17, 0,
                     bytes([10, 81, 0, 9]), bytes([10, 81, 0, 255]))
    udp = struct.pack("!HHHH", 1000, 2000, 8 + len(payload), 0)
    return BCAST + SRC + b"\x08\x00" + ip + udp + payload


class BadInput(SwitchTest):
    def setUp(self):
        super().setUp()
        self.work = tempfile.mkdtemp(prefix="vs-bad-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.a = self.host("vsb", 0, 81)
        self.b = self.host("vsb", 1, 81)
        good = [ipv4_udp() for _ in range(5)]
        broken_l3 = [ipv4_udp(ihl=3), ipv4_udp()[:14 + 10], ipv4_udp(total_len=1400),
                     BCAST + SRC + b"\x86\xdd" + os.urandom(30)]
        runts = [b"\x01" * 10, BCAST + b"\x02" * 7]
        oversized = [ipv4_udp(payload=b"y" * 1600)]
        self.n_good, self.n_broken = len(good), len(broken_l3)
        self.n_runts, self.n_oversized = len(runts), len(oversized)
        frames = [runts[0], good[0], oversized[0], broken_l3[0], good[1], runts[1], broken_l3[1],
                  good[2], broken_l3[2], good[3], broken_l3[3], good[4]]
        self.rx_pcap = os.path.join(self.work, "in.pcap")
        write_pcap(self.rx_pcap, frames)
        self.tx_pcap = os.path.join(self.work, "out.pcap")
        self.switch = Switch([
            f"{self.a.port} type=system", f"{self.b.port} type=system",
            f"pcap0 type=dpdk options:dpdk-devargs=net_pcap0,rx_pcap={self.rx_pcap},"
            f"tx_pcap={self.tx_pcap}"])

    def test_bad_frames_counted_and_dropped(self):
        sw = self.switch
        total = self.n_good + self.n_broken + self.n_runts + self.n_oversized
        wait_for(lambda: sw.port_stats()["pcap0"].get("rx", 0) >= total, what="pcap frames")
        stats = sw.port_stats()["pcap0"]
        self.assertEqual(stats["rx"], total)
        self.assertEqual(stats["drops"]["malformed"], self.n_runts)
        self.assertEqual(stats["drops"]["oversized"], self.n_oversized)
        self.assertEqual(sw.pmd_stats()["malformed packets dropped"], self.n_runts)
        # Everything else was flooded (broadcast destination) to both hosts.
        forwarded = self.n_good + self.n_broken
        wait_for(lambda: sw.port_stats()[self.b.port]["tx"] >= forwarded, what="flooded frames")
        self.assertEqual(sw.port_stats()[self.b.port]["tx"], forwarded)
        # And the switch still forwards between the hosts.
        self.assertEqual(self.a.ping(self.b.ip, count=3), 3)


if __name__ == "__main__":
    unittest.main()
