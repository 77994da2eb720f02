#!/usr/bin/env python3
"""Flow-mod rate, side by side: N OpenFlow 1.3 rules (one exact IPv4 destination each) sent with
the real `ovs-ofctl add-flows` (it waits for the BARRIER reply, so every rule is in the tables)
to our vswitchd and to Open vSwitch's ovs-vswitchd (userspace, dummy datapath: the flow tables
are what is measured), in the same run, repeated; and the same with our `ofctl add-flows` on
both sides (ovs-ofctl's own parsing, about 130 000 rules/s here, caps what it can show of a
faster switch). Prints flow-mods per second per system and client, the median and spread over
the runs, and the ratio per client.
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

from switches import BIN, OpenVSwitch, Ours


def write_flows(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"priority=10,ip,nw_dst=10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255},"
                    "actions=output:2\n")


def clear(system):
    subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "del-flows", system.target], check=True)


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
    results = {"ovs-ofctl -> vswitch": [], "ovs-ofctl -> ovs": [], "ofctl -> vswitch": [],
               "ofctl -> ovs": []}
    try:
        ours, ovs = Ours(work), None
        systems.append(ours)
        ovs = OpenVSwitch(work)
        systems.append(ovs)
        ofctl = os.path.join(BIN, "ofctl")
        for _ in range(args.runs):
            for label, tool, system in (("ovs-ofctl -> vswitch", "ovs-ofctl", ours),
                                        ("ovs-ofctl -> ovs", "ovs-ofctl", ovs),
                                        ("ofctl -> vswitch", ofctl, ours),
                                        ("ofctl -> ovs", ofctl, ovs)):
                clear(system)
                results[label].append(args.flows / timed_add(tool, system.target, flows))
    finally:
        for s in systems:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    summary = {k: {"median": round(statistics.median(v)), "min": round(min(v)),
                   "max": round(max(v)), "runs": [round(x) for x in v]}
               for k, v in results.items()}
    ratio = summary["ovs-ofctl -> vswitch"]["median"] / summary["ovs-ofctl -> ovs"]["median"]
    ratio_ofctl = summary["ofctl -> vswitch"]["median"] / summary["ofctl -> ovs"]["median"]
    if args.json:
        print(json.dumps({"flows": args.flows, "flow_mods_per_s": summary,
                          "ratio_vs_ovs": round(ratio, 2),
                          "ratio_vs_ovs_ofctl": round(ratio_ofctl, 2)}, indent=1))
        return
    print(f"{args.flows} OpenFlow 1.3 flow-mods (add-flows to the BARRIER reply), "
          f"{args.runs} runs, flow-mods/s")
    for k, v in summary.items():
        print(f"  {k:22} median {v['median']:>9}  min {v['min']:>9}  max {v['max']:>9}")
    print(f"  vswitch / ovs (same client, ovs-ofctl): {ratio:.1f}x")
    print(f"  vswitch / ovs (same client, our ofctl): {ratio_ofctl:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
