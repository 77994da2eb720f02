#!/usr/bin/env python3
"""Port-to-port packet rate over vhost-user, side by side with dpdk-testpmd io-forward.

The device under test owns two vhost-user sockets (servers, type dpdkvhostuser) and forwards
port 0 <-> port 1; a dpdk-testpmd generator (flowgen, 64-byte UDP, N flows varied by destination
IP) connects to both as the guest (virtio-user) and sends on both. The DUT is either vswitchd (megaflows
in_port(1) -> 2 and in_port(2) -> 1, installed with appctl dpctl/add-flow) or dpdk-testpmd in
io-forward mode (no switching: the limit for these ports). The generator's receive rate is the
forwarding rate. vswitchd also reports its PMD's busy cycles per packet.

Cores: the DUT polls on core 1, the generator forwards on core 0 (2-core machine).
Usage: p2p.py [--flows 1,10000] [--duration 10] [--runs 3] [--json]"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("VS_BIN_DIR", os.path.join(ROOT, "build", "bin"))
EAL = ["--no-huge", "-m", "1024", "--no-pci", "--no-telemetry"]


def start(args, log):
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def stop(proc, sig=signal.SIGINT):
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_busy():
    """(busy, total) jiffies of the whole machine, to report foreign load."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def appctl(ctl, *args):
    return subprocess.run([os.path.join(BIN, "appctl"), "-t", ctl, *args], capture_output=True,
                          text=True, timeout=30, check=True).stdout


def wait_for(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def rx_pps_series(log_path):
    """Per-second sums of both generator ports' Rx-pps, in order."""
    with open(log_path, errors="replace") as f:
        values = [int(v) for v in re.findall(r"Rx-pps:\s+(\d+)", f.read())]
    return [values[i] + values[i + 1] for i in range(0, len(values) - 1, 2)]


def one_run(system, flows, duration, work, vswitchd_args=()):
    socks = [os.path.join(work, f"s{i}") for i in range(2)]
    for s in socks:
        if os.path.exists(s):
            os.unlink(s)
    gen_log = open(os.path.join(work, "gen.log"), "w")
    dut_log = open(os.path.join(work, "dut.log"), "w")
    gen = dut = None
    try:
        ctl = os.path.join(work, "vswitchd.ctl")
        if system == "vswitch":
            dut = start([os.path.join(BIN, "vswitchd"), "--bridge", "brbench", "--rundir", work,
                         "--no-internal-port", "--pmd-cpus", "1", "--max-idle", "600000",
                         "--port", "s0 type=dpdkvhostuser", "--port", "s1 type=dpdkvhostuser",
                         "--log-file", os.path.join(work, "vswitchd.log"), *vswitchd_args],
                        dut_log)
            wait_for(lambda: os.path.exists(ctl) and subprocess.run(
                [os.path.join(BIN, "appctl"), "-t", ctl, "version"],
                capture_output=True).returncode == 0, 30, "vswitchd")
            appctl(ctl, "dpctl/add-flow", "in_port(1)", "2")
            appctl(ctl, "dpctl/add-flow", "in_port(2)", "1")
        else:
            dut = start(["dpdk-testpmd", *EAL, f"--file-prefix=vsbench-dut-{os.getpid()}", "-l",
                         "0,1", "--main-lcore", "0",
                         "--vdev", f"net_vhost0,iface={socks[0]},queues=1",
                         "--vdev", f"net_vhost1,iface={socks[1]},queues=1", "--",
                         "--forward-mode=io", "--auto-start", "--nb-cores=1", "--stats-period", "1",
                         "--disable-link-check", "--total-num-mbufs=32768"], dut_log)
        # The DUT owns the vhost-user sockets (servers); the generator connects as the guest.
        wait_for(lambda: all(os.path.exists(s) for s in socks), 30, "vhost-user sockets")
        gen = start(["dpdk-testpmd", *EAL, f"--file-prefix=vsbench-gen-{os.getpid()}", "-l", "0,1",
                     "--main-lcore", "1",
                     "--vdev", f"net_virtio_user0,path={socks[0]},queues=1",
                     "--vdev", f"net_virtio_user1,path={socks[1]},queues=1", "--",
                     "--forward-mode=flowgen", f"--flowgen-flows={flows}", "--txpkts=64",
                     "--stats-period", "1", "--auto-start", "--disable-link-check",
                     "--total-num-mbufs=32768", "--nb-cores=1"], gen_log)
        time.sleep(3)  # links up, caches warm
        if system == "vswitch":
            appctl(ctl, "dpif-netdev/pmd-stats-clear")
        n_before = len(rx_pps_series(gen_log.name))
        cpu0 = cpu_busy()
        time.sleep(duration)
        cpu1 = cpu_busy()
        series = rx_pps_series(gen_log.name)[n_before:]
        cycles = None
        if system == "vswitch":
            out = appctl(ctl, "dpif-netdev/pmd-stats-show")
            m = re.search(r"avg processing cycles per packet: ([\d.]+)", out)
            cycles = float(m.group(1)) if m else None
        if not series:
            with open(gen_log.name, errors="replace") as g, open(dut_log.name, errors="replace") as d:
                raise RuntimeError("no generator statistics; generator:\n" + g.read()[-1500:] +
                                   "\nDUT:\n" + d.read()[-1500:])
        mpps = statistics.median(series) / 1e6
        # Our two pollers keep both cores busy; what is above that is someone else's load.
        busy = (cpu1[0] - cpu0[0]) / max(1, cpu1[1] - cpu0[1])
        return {"mpps": round(mpps, 3), "cycles_per_packet": cycles, "machine_busy": round(busy, 3)}
    finally:
        stop(dut, signal.SIGTERM if system == "vswitch" else signal.SIGINT)
        stop(gen)
        for prefix in (f"vsbench-gen-{os.getpid()}", f"vsbench-dut-{os.getpid()}"):
            shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
        gen_log.close()
        dut_log.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--flows", default="1,10000")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--vswitchd-args", default="", help="extra vswitchd arguments")
    args = ap.parse_args()
    if shutil.which("dpdk-testpmd") is None:
        sys.exit("dpdk-testpmd not found (Debian package dpdk-dev)")
    work = tempfile.mkdtemp(prefix="vsbench-")
    results = []
    try:
        for flows in [int(f) for f in args.flows.split(",")]:
            for system in ("vswitch", "testpmd"):
                runs = [one_run(system, flows, args.duration, work, args.vswitchd_args.split())
                        for _ in range(args.runs)]
                mpps = [r["mpps"] for r in runs]
                cyc = [r["cycles_per_packet"] for r in runs if r["cycles_per_packet"]]
                results.append({
                    "system": system, "topology": "vhost", "size": 64, "flows": flows,
                    "masks": 1, "mpps": statistics.median(mpps),
                    "mpps_spread": [min(mpps), max(mpps)],
                    "gbps": round(statistics.median(mpps) * 64 * 8 / 1e3, 3),
                    "cycles_per_packet": statistics.median(cyc) if cyc else None,
                    "runs": runs})
                if not args.json:
                    r = results[-1]
                    print(f"{system:8} flows={flows:<6} {r['mpps']:.2f} Mpps "
                          f"(runs {', '.join(f'{m:.2f}' for m in mpps)})"
                          + (f", {r['cycles_per_packet']:.0f} cycles/pkt" if cyc else ""),
                          flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    by = {(r["system"], r["flows"]): r for r in results}
    for r in results:
        peer = by.get(("testpmd", r["flows"]))
        if r["system"] == "vswitch" and peer and peer["mpps"]:
            r["ratio_to_testpmd"] = round(r["mpps"] / peer["mpps"], 3)
            if not args.json:
                print(f"flows={r['flows']}: vswitch / testpmd io-forward = "
                      f"{r['ratio_to_testpmd']:.2f}")
    if args.json:
        json.dump({"machine": {"cpus": os.cpu_count(), "uname": os.uname().release},
                   "results": results}, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
