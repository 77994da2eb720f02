#!/usr/bin/env python3
"""Flow-mod rate, side by side: N OpenFlow 1.3 rules (one exact IPv4 destination each) sent with
the real `ovs-ofctl add-flows` (it waits for the BARRIER reply, so every rule is in the tables)
to our vswitchd and to Open vSwitch's ovs-vswitchd (userspace, dummy datapath: the flow tables
are what is measured), in the same run, repeated. Also our `ofctl add-flows` against ours.
Prints flow-mods per second per system, the median and spread over the runs, and the ratio.
Usage: flow_mod_rate.py [--flows 100000] [--runs 3] [--json]. Needs root (vswitchd's DPDK)."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("VS_BIN_DIR", os.path.join(ROOT, "build", "bin"))
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


def write_flows(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"priority=10,ip,nw_dst=10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255},"
                    "actions=output:2\n")


def wait_path(path, proc, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited")
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up")


class Ours:
    name = "vswitch"

    def __init__(self, work):
        self.run = os.path.join(work, "vs")
        os.makedirs(self.run)
        env = dict(os.environ, VS_RUNDIR=self.run, VS_DBDIR=self.run)
        self.proc = subprocess.Popen(
            [os.path.join(BIN, "vswitchd"), "--bridge", "br0", "--dpdk-mem", "512",
             "--mbufs", "16384", "--log-file", os.path.join(self.run, "vswitchd.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        self.target = f"unix:{self.run}/br0.mgmt"
        wait_path(f"{self.run}/br0.mgmt", self.proc, "vswitchd")

    def clear(self):
        subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "del-flows", self.target], check=True)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


class OpenVSwitch:
    name = "ovs"

    def __init__(self, work):
        self.run = os.path.join(work, "ovs")
        os.makedirs(self.run)
        self.env = dict(os.environ, OVS_RUNDIR=self.run, OVS_DBDIR=self.run,
                        OVS_LOGDIR=self.run)
        db, sock = os.path.join(self.run, "conf.db"), os.path.join(self.run, "db.sock")
        subprocess.run(["ovsdb-tool", "create", db, OVS_SCHEMA], check=True, env=self.env)
        subprocess.run(["ovsdb-server", db, f"--remote=punix:{sock}", "--detach", "--no-chdir",
                        f"--pidfile={self.run}/ovsdb-server.pid",
                        f"--unixctl={self.run}/ovsdb-server.ctl",
                        f"--log-file={self.run}/ovsdb-server.log"], check=True, env=self.env)
        subprocess.run(["ovs-vsctl", f"--db=unix:{sock}", "--no-wait", "init"], check=True)
        subprocess.run(["ovs-vswitchd", f"unix:{sock}", "--enable-dummy=override", "--detach",
                        "--no-chdir", f"--pidfile={self.run}/ovs-vswitchd.pid",
                        f"--unixctl={self.run}/ovs-vswitchd.ctl",
                        f"--log-file={self.run}/ovs-vswitchd.log"], check=True, env=self.env)
        subprocess.run(["ovs-vsctl", f"--db=unix:{sock}", "--timeout=20", "add-br", "br0", "--",
                        "set", "bridge", "br0", "datapath_type=dummy"], check=True)
        self.target = f"unix:{self.run}/br0.mgmt"
        wait_path(f"{self.run}/br0.mgmt", None, "ovs-vswitchd")

    def clear(self):
        subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "del-flows", self.target], check=True)

    def stop(self):
        # ovsdb-server's exit takes no --cleanup (with it, the server stays up).
        for ctl, args in (("ovs-vswitchd.ctl", ["--cleanup"]), ("ovsdb-server.ctl", [])):
            subprocess.run(["ovs-appctl", "-t", os.path.join(self.run, ctl), "exit", *args],
                           capture_output=True, env=self.env)


def timed_add(tool, target, flows):
    t0 = time.perf_counter()
    subprocess.run([tool, "-O", "OpenFlow13", "add-flows", target, flows], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flows", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="vsbench-flowmod-")
    flows = os.path.join(work, "flows.txt")
    write_flows(flows, args.flows)
    systems = []
    results = {"ovs-ofctl -> vswitch": [], "ofctl -> vswitch": [], "ovs-ofctl -> ovs": []}
    try:
        ours, ovs = Ours(work), None
        systems.append(ours)
        ovs = OpenVSwitch(work)
        systems.append(ovs)
        for _ in range(args.runs):
            for label, tool, system in (("ovs-ofctl -> vswitch", "ovs-ofctl", ours),
                                        ("ofctl -> vswitch", os.path.join(BIN, "ofctl"), ours),
                                        ("ovs-ofctl -> ovs", "ovs-ofctl", ovs)):
                system.clear()
                results[label].append(args.flows / timed_add(tool, system.target, flows))
    finally:
        for s in systems:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    summary = {k: {"median": round(statistics.median(v)), "min": round(min(v)),
                   "max": round(max(v)), "runs": [round(x) for x in v]}
               for k, v in results.items()}
    ratio = summary["ovs-ofctl -> vswitch"]["median"] / summary["ovs-ofctl -> ovs"]["median"]
    if args.json:
        print(json.dumps({"flows": args.flows, "flow_mods_per_s": summary,
                          "ratio_vs_ovs": round(ratio, 2)}, indent=1))
        return
    print(f"{args.flows} OpenFlow 1.3 flow-mods (add-flows to the BARRIER reply), "
          f"{args.runs} runs, flow-mods/s")
    for k, v in summary.items():
        print(f"  {k:22} median {v['median']:>9}  min {v['min']:>9}  max {v['max']:>9}")
    print(f"  vswitch / ovs (same client, ovs-ofctl): {ratio:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
