"""Smoke test of vsbench (not a timed test: it checks that packets flowed through every system and
that the JSON has CONTRACT.md's shape, never how fast). One second, one run, on each topology: vhost
(our switch beside dpdk-testpmd io-forward and Open vSwitch with DPDK), ring (memif, beside
testpmd) and veth (beside the Linux bridge and Open vSwitch's userspace datapath); needs root."""

import json
import os
import re
import subprocess
import unittest

from vsenv import BIN_DIR

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "vsbench",
                      "vsbench.py")


def vsbench(*args, timeout=120):
    launcher = os.path.join(BIN_DIR, "vsbench")
    cmd = [launcher] if os.access(launcher, os.X_OK) else ["/usr/bin/python3", SOURCE]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, VS_BIN_DIR=BIN_DIR))


def ip_links():
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


class VsbenchCommandLine(unittest.TestCase):
    def test_usage_error_is_exit_2(self):
        p = vsbench("--rules", "bogus")
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown rules", p.stderr)

    def test_peer_without_the_topology_is_exit_2(self):
        p = vsbench("--topology", "ring", "--peer", "linux-bridge")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--peer linux-bridge cannot run on --topology ring", p.stderr)
        self.assertIn("it runs on: veth", p.stderr)

    def test_version(self):
        p = vsbench("--version")
        self.assertEqual(p.returncode, 0)
        self.assertIn("vsbench", p.stdout)


class VsbenchSmoke(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root (DPDK, vhost-user)")

    def test_vhost_l3_with_peers(self):
        p = vsbench("--topology", "vhost", "--rules", "l3", "--size", "64", "--flows", "10",
                    "--peer", "testpmd", "--peer", "ovs-dpdk", "--duration", "1", "--runs", "1",
                    "--json", timeout=420)  # vsbench waits up to 300 s for another ovs-vswitchd
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertIn("cpus", doc["machine"])
        by_system = {r["system"]: r for r in doc["results"]}
        self.assertEqual(set(by_system), {"vswitch", "testpmd", "ovs-dpdk"})
        for r in doc["results"]:
            for key in ("system", "topology", "size", "flows", "masks", "mpps", "gbps",
                        "cycles_per_packet", "runs"):
                self.assertIn(key, r)
            self.assertEqual((r["topology"], r["size"], r["flows"]), ("vhost", 64, 10))
            self.assertEqual(len(r["runs"]), 1)
            self.assertGreater(r["mpps"], 0, f"no packets through {r['system']}")
            self.assertIn("foreign_load", r["runs"][0])
            self.assertIn("generator_bound", r["runs"][0])
        ours = by_system["vswitch"]
        self.assertGreater(ours["cycles_per_packet"], 0)
        self.assertGreater(ours["megaflow_hit_rate"] + ours["emc_hit_rate"], 0)
        self.assertIn("ovs-dpdk", ours["ratios"])
        self.assertIn("testpmd", ours["ratios"])

    def check_layout(self, doc, topology, flows, systems):
        self.assertIn("cpus", doc["machine"])
        by_system = {r["system"]: r for r in doc["results"]}
        self.assertEqual(set(by_system), systems)
        for r in doc["results"]:
            for key in ("system", "topology", "rules", "size", "flows", "masks", "mpps", "gbps",
                        "cycles_per_packet", "mpps_spread", "offered_mpps", "loss",
                        "generator_bound_runs", "runs"):
                self.assertIn(key, r)
            self.assertEqual((r["topology"], r["size"], r["flows"]), (topology, 64, flows))
            self.assertEqual(len(r["runs"]), 1)
            self.assertGreater(r["mpps"], 0, f"no packets through {r['system']}")
            self.assertGreater(r["offered_mpps"], 0, f"nothing offered to {r['system']}")
            self.assertIn("foreign_load", r["runs"][0])
            self.assertIn("generator_bound", r["runs"][0])
        return by_system

    def test_ring_memif_with_testpmd(self):
        # The pipeline rule set (10 000 rules over 4 tables) must forward too.
        p = vsbench("--topology", "ring", "--rules", "pipeline", "--size", "64", "--flows", "100",
                    "--peer", "testpmd", "--duration", "1", "--runs", "1", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        by_system = self.check_layout(json.loads(p.stdout), "ring", 100, {"vswitch", "testpmd"})
        ours = by_system["vswitch"]
        self.assertGreater(ours["cycles_per_packet"], 0)
        self.assertGreater(ours["megaflow_hit_rate"] + ours["emc_hit_rate"], 0)
        self.assertIn("testpmd", ours["ratios"])
        # io-forward's own busy cycles per packet: the cost of the ports alone.
        self.assertGreater(by_system["testpmd"]["cycles_per_packet"], 0)

    def test_veth_with_linux_bridge_and_ovs(self):
        # Open vSwitch's userspace datapath: vsbench waits while another ovs-vswitchd runs.
        before = set(re.findall(r"vsb\d+[sh]\d", ip_links()))
        p = vsbench("--topology", "veth", "--rules", "normal", "--size", "64", "--flows", "10",
                    "--peer", "linux-bridge", "--peer", "ovs", "--duration", "1", "--runs", "1",
                    "--json", timeout=420)
        self.assertEqual(p.returncode, 0, p.stderr)
        by_system = self.check_layout(json.loads(p.stdout), "veth", 10,
                                      {"vswitch", "linux-bridge", "ovs"})
        for name, r in by_system.items():
            self.assertGreater(r["tcp_gbps"], 0, f"no iperf3 TCP through {name}")
            self.assertEqual(r["rules"], "normal")
        self.assertGreater(by_system["vswitch"]["cycles_per_packet"], 0)
        self.assertIn("linux-bridge", by_system["vswitch"]["ratios"])
        self.assertIn("ovs", by_system["vswitch"]["ratios"])
        self.assertEqual(set(re.findall(r"vsb\d+[sh]\d", ip_links())) - before, set(),
                         "veths left behind")


if __name__ == "__main__":
    unittest.main()
