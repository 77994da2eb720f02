#!/usr/bin/env python3
"""Time from launching vswitchd after a kill -9 until traffic flows again, RUNS times: two hosts
(network namespaces, veth ends as `system` ports) on a bridge with its internal port, configured
through the embedded DB; each run kill -9s the switch, starts a new one on the same DB and run
directory while one host pings the other every 10 ms, and takes the first reply's time stamp.
Also from the new switch's log: when the datapath (DPDK EAL, mbuf pool, PMD thread) was up and
when the daemon was ready (DB served, bridges and ports restored). Needs root and ovs-vsctl.
usage: bench/vswitchd/restart_time.py [--bin-dir build/bin] [--runs 10]"""

import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

E2E_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "e2e")


def log_time(log_text, pattern):
    """Epoch seconds of the first log line matching `pattern` (UTC stamps with milliseconds)."""
    for line in log_text.splitlines():
        if re.search(pattern, line):
            stamp = line.split("|", 1)[0]
            dt = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
            return dt.replace(tzinfo=datetime.timezone.utc).timestamp()
    return None


def one_restart(switch, dbdir, a, b, fault):
    rundir = switch.rundir
    switch.kill9()
    ping = a.popen(f"exec ping -D -O -i 0.01 -W 1 -w 30 {b.ip}", stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(0.05)
        os.unlink(switch.log)  # the new process's log alone
        new = fault.FaultSwitch(dbdir, rundir)
        replied = fault.first_reply_time(ping, 15)
    finally:
        fault.stop_process(ping)
    new.wait_ready()
    if replied is None:
        raise RuntimeError("no reply within 15 s\n" + new.log_text())
    log = new.log_text()
    up = log_time(log, r"PMD thread\(s\)")
    ready = log_time(log, r"\|ready: ")
    return new, {"traffic": replied - new.launched,
                 "datapath up": (up - new.launched) if up else float("nan"),
                 "daemon ready": (ready - new.launched) if ready else float("nan")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "..", "..", "build", "bin"))
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    os.environ["VS_BIN_DIR"] = os.path.abspath(args.bin_dir)
    sys.path.insert(0, E2E_DIR)
    import test_vswitchd_faults as fault  # noqa: E402 (needs VS_BIN_DIR set first)
    from vsenv import Host, run, wait_for

    tag = os.getpid() % 10000
    dbdir = tempfile.mkdtemp(prefix="vs-bench-restart-db-")
    hosts, switch = [], None
    try:
        for i in range(2):
            hosts.append(Host(f"vrb{tag}{'ab'[i]}", f"10.86.{tag % 200}.{i + 1}",
                              f"02:56:00:00:00:{i + 1:02x}"))
        a, b = hosts
        switch = fault.FaultSwitch(dbdir).wait_ready()
        br = f"vrbr{tag}"
        switch.vsctl("add-br", br)
        wait_for(lambda: run(f"ip link show {br}", check=False), what=f"TAP {br}")
        run(f"sysctl -qw net.ipv6.conf.{br}.disable_ipv6=1", check=False)
        for h in hosts:
            switch.vsctl("add-port", br, h.port)
        if a.ping(b.ip, count=2) != 2:
            raise RuntimeError("no traffic before the first restart")
        samples = []
        for i in range(args.runs):
            switch, times = one_restart(switch, dbdir, a, b, fault)
            samples.append(times)
            print(f"run {i + 1}: " + ", ".join(f"{k} {v:.3f} s" for k, v in times.items()),
                  flush=True)
        for key in samples[0]:
            values = [s[key] for s in samples]
            print(f"{key:13s} after launch: median {statistics.median(values):.3f} s "
                  f"(min {min(values):.3f}, max {max(values):.3f}; {len(values)} runs)")
    finally:
        if switch:
            switch.stop()
        for h in hosts:
            h.destroy()
        shutil.rmtree(dbdir, ignore_errors=True)


if __name__ == "__main__":
    main()
