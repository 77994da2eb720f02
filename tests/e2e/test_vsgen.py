"""vsgen, vsbench's traffic generator, against a real peer: dpdk-testpmd io-forward between two
vhost-user ports (net_vhost), vsgen on two virtio-user ports. Checks that packets come back, that
the Zipf sequence and the received traffic are skewed as Zipf predicts, that latency percentiles
are ordered and positive, that --rate limits the offered rate and that SIGINT ends a run cleanly
with its JSON. Not a timed test: no rate is asserted beyond "packets flowed". Needs root."""

import collections
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from vsenv import BIN_DIR, TestPmd, wait_for

VSGEN = os.path.join(BIN_DIR, "vsgen")


def vsgen(*args, eal=(), timeout=60):
    return subprocess.run([VSGEN, *eal, "--", *args], capture_output=True, text=True,
                          timeout=timeout)


class VsgenOffline(unittest.TestCase):
    """What needs no DPDK ports: options and the precomputed flow sequences."""

    def test_zipf_sequence_matches_the_distribution(self):
        p = vsgen("--flows", "1000", "--dist", "zipf", "--zipf-s", "1.0",
                  "--dump-sequence", "200000")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        seq = doc["sequence"]
        self.assertEqual(len(seq), 200000)
        self.assertTrue(all(0 <= i < 1000 for i in seq))
        # P(flow 0) = 1 / H(1000, 1) = 0.1336.
        self.assertAlmostEqual(doc["p_flow0"], 0.1336, places=3)
        counts = collections.Counter(seq)
        self.assertAlmostEqual(counts[0] / len(seq), doc["p_flow0"], delta=0.005)
        # Rank 2 is half as frequent as rank 1 when s = 1.
        self.assertAlmostEqual(counts[1] / counts[0], 0.5, delta=0.03)
        # Fixed seed: the same sequence every time.
        again = json.loads(vsgen("--flows", "1000", "--dist", "zipf",
                                 "--dump-sequence", "1000").stdout)["sequence"]
        self.assertEqual(again, seq[:1000])

    def test_uniform_sequence_is_round_robin(self):
        p = vsgen("--flows", "5", "--dump-sequence", "12")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["sequence"], [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1])

    def test_usage_errors_exit_2(self):
        for args in (["--dist", "pareto"], ["--size", "40"], ["--flows", "0"], ["--bogus", "1"],
                     ["--vary", "src-ip"], ["--src-mac", "00:11"],
                     ["--zipf-ring-bits", "30"]):
            p = vsgen(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn("vsgen:", p.stderr)


class VsgenAgainstTestpmd(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root (DPDK, vhost-user sockets)")
        if shutil.which("dpdk-testpmd") is None:
            self.skipTest("dpdk-testpmd not installed (Debian package dpdk)")
        self.dir = tempfile.mkdtemp(prefix="vs-vsgen-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.socks = [os.path.join(self.dir, f"vhu{i}") for i in range(2)]
        # The forwarder polls core 1, vsgen core 0 (PEERS.md's two-process layout).
        self.fwd = TestPmd([f"net_vhost{i},iface={s},queues=1" for i, s in enumerate(self.socks)],
                           cores="0,1", main_lcore=0, wait=False)
        self.addCleanup(self.fwd.stop)
        wait_for(lambda: not self.fwd.alive() or all(os.path.exists(s) for s in self.socks),
                 timeout=30, what="testpmd's vhost-user sockets")
        self.assertTrue(self.fwd.alive(), self.fwd.output())
        self.prefix = f"vs-e2e-vsgen-{os.getpid()}"
        self.addCleanup(shutil.rmtree, f"/var/run/dpdk/{self.prefix}", ignore_errors=True)

    def eal(self):
        args = ["--no-huge", "--no-pci", "--no-telemetry", "-m", "512",
                f"--file-prefix={self.prefix}", "-l", "0"]
        for i, s in enumerate(self.socks):
            args += ["--vdev", f"net_virtio_user{i},path={s},queues=1"]
        return args

    def run_vsgen(self, *args):
        p = vsgen(*args, eal=self.eal())
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        return json.loads(p.stdout.strip().splitlines()[-1])

    def test_zipf_traffic_comes_back_with_latency(self):
        r = self.run_vsgen("--flows", "1000", "--dist", "zipf", "--size", "128", "--warmup", "1",
                           "--duration", "2")
        self.assertEqual((r["flows"], r["dist"], r["size"]), (1000, "zipf", 128))
        self.assertGreater(r["rx_pkts"], 10000, r)
        self.assertLessEqual(r["rx_pkts"], r["tx_pkts"] + 1024)  # a burst in flight at the start
        self.assertEqual(r["rx_foreign"], 0)
        self.assertEqual([p["name"] for p in r["ports"]], ["net_virtio_user0", "net_virtio_user1"])
        for port in r["ports"]:
            self.assertGreater(port["rx_pkts"], 0, port)
            self.assertGreater(port["tx_pkts"], 0, port)
        # Received traffic is as skewed as sent: flow 0 carries 1/H(1000,1) = 13.4 % of it.
        self.assertAlmostEqual(r["rx_top_flows"][0] / r["rx_pkts"], 0.1336, delta=0.02)
        self.assertGreater(r["rx_top_flows"][0], 1.6 * r["rx_top_flows"][1])
        lat = r["latency"]
        self.assertEqual(lat["samples"], r["rx_pkts"])  # every packet stamped
        values = [lat[k] for k in ("p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns")]
        self.assertGreater(values[0], 0)
        self.assertEqual(values, sorted(values), lat)
        self.assertGreater(r["busy_share"], 0.5)  # unlimited: it never idles
        self.assertLessEqual(r["busy_share"], 1.0)

    def test_rate_limit(self):
        r = self.run_vsgen("--flows", "100", "--rate", "50000", "--warmup", "0.5",
                           "--duration", "2", "--latency-every", "10")
        # What it offers (sent or refused by a full ring) follows --rate; what comes back depends
        # on how much of its core the forwarder gets on a shared machine.
        self.assertAlmostEqual(r["offered_pps"], 50000, delta=5000)
        self.assertGreater(r["rx_pkts"], 0)
        self.assertAlmostEqual(r["latency"]["samples"], r["rx_pkts"] / 10,
                               delta=r["rx_pkts"] / 20 + 10)
        self.assertLess(r["busy_share"], 0.9, "a rate-limited generator mostly waits")

    def test_sigint_ends_the_run_with_its_report(self):
        proc = subprocess.Popen([VSGEN, *self.eal(), "--", "--flows", "10", "--warmup", "0.5",
                                 "--duration", "60"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 20
            line = ""
            while "window start" not in line and time.time() < deadline:
                line = proc.stderr.readline()
                if not line and proc.poll() is not None:
                    break
            self.assertIn("window start", line)
            time.sleep(1)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, err)
        r = json.loads(out.strip().splitlines()[-1])
        self.assertTrue(r["interrupted"])
        self.assertGreater(r["rx_pkts"], 0)
        self.assertLess(r["window_s"], 30)


    def test_signal_windows_repeat(self):
        """--start-on-signal: SIGUSR1 opens a window, SIGUSR2 closes it with one JSON line,
        traffic goes on in between and the next SIGUSR1 opens another (vsbench's runs)."""
        out = os.path.join(tempfile.mkdtemp(prefix="vs-vsgen-out-"), "out.json")
        self.addCleanup(shutil.rmtree, os.path.dirname(out), ignore_errors=True)
        with open(out, "w") as f:
            proc = subprocess.Popen([VSGEN, *self.eal(), "--", "--flows", "10",
                                     "--start-on-signal", "--duration", "60"], stdout=f,
                                    stderr=subprocess.PIPE, text=True)
        try:
            def read_out():
                with open(out) as f:
                    return f.read()

            def wait_stderr(text):
                deadline = time.time() + 20
                while time.time() < deadline:
                    line = proc.stderr.readline()
                    if text in line:
                        return
                    if not line and proc.poll() is not None:
                        break
                self.fail(f"no '{text}' from vsgen")

            wait_stderr("vsgen: receiving")
            for n in (1, 2):
                proc.send_signal(signal.SIGUSR1)
                wait_stderr("vsgen: window start")
                time.sleep(0.5)
                proc.send_signal(signal.SIGUSR2)
                wait_for(lambda: read_out().count("\n") == n, timeout=10, what=f"report {n}")
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0)
        reports = [json.loads(line) for line in read_out().splitlines()]
        self.assertEqual(len(reports), 2)  # SIGTERM between windows adds none
        for r in reports:
            self.assertFalse(r["interrupted"])
            self.assertGreater(r["rx_pkts"], 0)
            self.assertAlmostEqual(r["window_s"], 0.5, delta=0.4)


class VsbenchWithVsgen(unittest.TestCase):
    """vsbench picks vsgen for --dist zipf --latency and reports latency per run and system."""

    def test_zipf_latency_through_our_switch_and_testpmd(self):
        if os.geteuid() != 0:
            self.skipTest("needs root (DPDK, vhost-user sockets)")
        launcher = os.path.join(BIN_DIR, "vsbench")
        source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench",
                              "vsbench", "vsbench.py")
        cmd = [launcher] if os.access(launcher, os.X_OK) else ["/usr/bin/python3", source]
        p = subprocess.run(cmd + ["--rules", "l3", "--masks", "2", "--flows", "1000", "--dist",
                                  "zipf", "--latency", "--peer", "testpmd", "--duration", "1",
                                  "--runs", "1", "--json"], capture_output=True, text=True,
                           timeout=180, env=dict(os.environ, VS_BIN_DIR=BIN_DIR))
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        results = {r["system"]: r for r in json.loads(p.stdout)["results"]}
        self.assertEqual(set(results), {"vswitch", "testpmd"})
        for r in results.values():
            self.assertEqual((r["generator"], r["dist"]), ("vsgen", "zipf"))
            self.assertGreater(r["mpps"], 0, r["system"])
            lat = r["latency_ns"]
            values = [lat[k] for k in ("p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns")]
            self.assertGreater(values[0], 0)
            self.assertEqual(values, sorted(values))
            run = r["runs"][0]
            self.assertGreater(run["latency_ns"]["samples"], 0)
            self.assertIn("generator_busy_share", run)
        # The l3 rules matched vsgen's flows (masks 2: nw_src kept at 10.254.0.0): no loss.
        self.assertLess(results["vswitch"]["loss"], 0.05)
        self.assertGreater(results["vswitch"]["megaflow_hit_rate"]
                           + results["vswitch"]["emc_hit_rate"], 0.5)


if __name__ == "__main__":
    unittest.main()
