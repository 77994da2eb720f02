#!/usr/bin/env python3
"""Time from `vmctl start` to the guest answering ping through the switch, for a QEMU guest
(vhost-user; KVM where it boots, TCG here) and a container (veth), side by side with `lxc-start`
of the same rootfs (Debian's lxc, when installed; its veth end becomes a port of the same
bridge). Pings come from a network namespace on the bridge. Medians of --runs runs, each run
from a shut-off guest; the first VM start of a run directory also pays the 3 s KVM probe, so a
warm-up run is made first and left out. Needs root and a build (VS_BIN_DIR, default build/bin).

    sudo bench/vm/start_to_ping.py [--runs 5] [--images DIR] [--json]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

from test_vswitchd_db import DbSwitch  # noqa: E402
from vsenv import BIN_DIR, Host, run  # noqa: E402

NET = "10.81.0"


def wait_ping(host, ip, timeout=120):
    """Seconds until `ip` answers a ping from `host` (pings of 0.2 s, back to back)."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if host.ping(ip, count=1, interval=0.2, timeout=1, check=False):
            return time.time() - t0
    raise RuntimeError(f"{ip} did not answer within {timeout} s")


class Bench:
    def __init__(self, images):
        self.images = images
        self.dbdir = tempfile.mkdtemp(prefix="vs-bench-vm-")
        self.switch = DbSwitch(self.dbdir)
        self.br = "brbench"
        run(f"{BIN_DIR}/vsctl --db=unix:{self.switch.db_sock} --timeout=20 add-br {self.br}")
        self.pinger = Host("vsbvping", f"{NET}.100", "02:81:00:00:00:64")
        run(f"{BIN_DIR}/vsctl --db=unix:{self.switch.db_sock} --timeout=20 add-port {self.br} "
            f"{self.pinger.port}")

    def vmctl(self, *args):
        env = dict(os.environ, VS_RUNDIR=self.switch.rundir)
        p = subprocess.run([os.path.join(BIN_DIR, "vmctl"), *args], capture_output=True,
                           text=True, env=env, timeout=180)
        if p.returncode != 0:
            raise RuntimeError(f"vmctl {' '.join(args)}: {p.stderr}")
        return p.stdout

    def vmctl_runs(self, name, ip, define_args, runs):
        self.vmctl("define", "--name", name, *define_args)
        times = []
        for i in range(runs + 1):
            t0 = time.time()
            self.vmctl("start", name)
            wait_ping(self.pinger, ip)
            if i > 0:  # run 0 warms up (the KVM probe)
                times.append(time.time() - t0)
            self.vmctl("destroy", name)
        self.vmctl("undefine", name)
        return times

    def lxc_runs(self, ip, runs):
        lxcpath = tempfile.mkdtemp(prefix="vs-bench-lxc-")
        name, pair = "vsbenchct", "vlxcb-0"
        os.makedirs(os.path.join(lxcpath, name))
        with open(os.path.join(lxcpath, name, "config"), "w") as f:
            f.write(f"lxc.uts.name = {name}\n"
                    f"lxc.rootfs.path = dir:{os.path.join(self.images, 'rootfs')}\n"
                    "lxc.init.cmd = /sbin/init\n"
                    "lxc.mount.auto = proc:mixed sys:ro\n"
                    "lxc.net.0.type = veth\n"
                    f"lxc.net.0.veth.pair = {pair}\n"
                    "lxc.net.0.hwaddr = 02:81:00:00:00:03\n"
                    f"lxc.net.0.ipv4.address = {ip}/24\n"
                    "lxc.net.0.flags = up\n")
        db = f"--db=unix:{self.switch.db_sock}"
        times = []
        try:
            for i in range(runs + 1):
                t0 = time.time()
                run(f"lxc-start -P {lxcpath} -n {name} -d")
                run(f"ethtool -K {pair} tx off >/dev/null 2>&1 || true", check=False)
                # As vmctl does: the veth's host end becomes a port of the bridge.
                run(f"{BIN_DIR}/vsctl {db} --timeout=20 add-port {self.br} {pair}")
                wait_ping(self.pinger, ip)
                if i > 0:
                    times.append(time.time() - t0)
                run(f"lxc-stop -P {lxcpath} -n {name} -k", check=False)
                run(f"{BIN_DIR}/vsctl {db} --timeout=20 del-port {self.br} {pair}")
        finally:
            run(f"lxc-stop -P {lxcpath} -n {name} -k", check=False)
            shutil.rmtree(lxcpath, ignore_errors=True)
        return times

    def close(self):
        gdir = os.path.join(self.switch.rundir, "guests")
        for name in os.listdir(gdir) if os.path.isdir(gdir) else []:
            subprocess.run([os.path.join(BIN_DIR, "vmctl"), "destroy", name],
                           env=dict(os.environ, VS_RUNDIR=self.switch.rundir),
                           capture_output=True)
        self.switch.stop()
        self.pinger.destroy()
        shutil.rmtree(self.dbdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--images", default=os.path.join(BIN_DIR, "..", "guest-images"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    subprocess.run([os.path.join(REPO, "scripts", "build-guest-images"), args.images],
                   check=True, stdout=subprocess.DEVNULL)
    img = args.images
    bench = Bench(img)
    results = []
    try:
        vm = bench.vmctl_runs("benchvm", f"{NET}.1", [
            "--memory", "256", "--kernel", f"{img}/vmlinux", "--initrd", f"{img}/initrd.img",
            "--cmdline", "quiet", "--network", f"bridge={bench.br},ip={NET}.1/24"], args.runs)
        results.append({"system": "vmctl start (QEMU, vhost-user)", "runs": vm})
        ct = bench.vmctl_runs("benchct", f"{NET}.2", [
            "--type", "lxc", "--memory", "64", "--rootfs", f"{img}/rootfs",
            "--network", f"bridge={bench.br},ip={NET}.2/24"], args.runs)
        results.append({"system": "vmctl start (container, veth)", "runs": ct})
        if shutil.which("lxc-start"):
            results.append({"system": "lxc-start + vsctl add-port", "runs":
                            bench.lxc_runs(f"{NET}.3", args.runs)})
    finally:
        bench.close()
    for r in results:
        r["median_s"] = statistics.median(r["runs"])
    if args.json:
        print(json.dumps({"results": results}, indent=2))
    else:
        print(f"{'start to ping':40} {'median':>8}   runs (s)")
        for r in results:
            print(f"{r['system']:40} {r['median_s']:7.2f}s   "
                  + " ".join(f"{t:.2f}" for t in r["runs"]))


if __name__ == "__main__":
    main()
