#!/usr/bin/env python3
"""Wall time of N sequential `add-port br0 pI` invocations (--no-wait) by vsctl and by the real
ovs-vsctl against the same kind of fresh vsdb-server, RUNS times each; prints median and spread.
usage: bench/ctl/add_port_cli.py [--bin-dir build/bin] [--ports 200] [--runs 3]"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def one_run(bin_dir, tool, n):
    work = tempfile.mkdtemp(prefix="vs-bench-cli-")
    sock = os.path.join(work, "db.sock")
    server = subprocess.Popen([os.path.join(bin_dir, "vsdb-server"), os.path.join(work, "conf.db"),
                               f"--remote=punix:{sock}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not os.path.exists(sock) and time.time() < deadline:
            time.sleep(0.02)
        base = [tool, f"--db=unix:{sock}", "--no-wait"]
        subprocess.run(base + ["add-br", "br0"], check=True, capture_output=True)
        start = time.perf_counter()
        for i in range(n):
            subprocess.run(base + ["add-port", "br0", f"p{i}"], check=True, capture_output=True)
        elapsed = time.perf_counter() - start
        out = subprocess.run(base + ["list-ports", "br0"], check=True, capture_output=True,
                             text=True).stdout.split()
        assert len(out) == n, f"{tool}: {len(out)} ports, expected {n}"
        return elapsed
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                      "build", "bin"))
    ap.add_argument("--ports", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tools = {"vsctl": os.path.join(args.bin_dir, "vsctl"), "ovs-vsctl": shutil.which("ovs-vsctl")}
    for name, tool in tools.items():
        if not tool:
            print(f"{name}: not installed")
            continue
        times = [one_run(args.bin_dir, tool, args.ports) for _ in range(args.runs)]
        print(f"{name:10s} {args.ports} add-port: median {statistics.median(times):.2f} s "
              f"(min {min(times):.2f}, max {max(times):.2f}; runs: "
              f"{', '.join(f'{t:.2f}' for t in times)}) "
              f"= {statistics.median(times) / args.ports * 1000:.1f} ms per invocation")


if __name__ == "__main__":
    main()
