"""Smoke test of vsbench (not a timed test: it checks that packets flowed through every system and
that the JSON has CONTRACT.md's shape, never how fast). One second, one run, the vhost topology,
our switch beside dpdk-testpmd io-forward and Open vSwitch with DPDK; needs root."""

import json
import os
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


class VsbenchCommandLine(unittest.TestCase):
    def test_usage_error_is_exit_2(self):
        p = vsbench("--rules", "bogus")
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown rules", p.stderr)

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
                    "--json")
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


if __name__ == "__main__":
    unittest.main()
