#!/usr/bin/env python3
"""Config DB transaction rate: vsdb-server beside Open vSwitch's ovsdb-server, same run.

Each server gets a fresh database (ours: SQLite, WAL; theirs: its journal, made with ovsdb-tool
from Debian's schema) with one bridge. Both write every transaction to their file before the
reply (it survives kill -9); --durable adds {"op": "commit", "durable": true} to every
transaction, which makes both also sync to the disk. Measured over one unix-socket connection:
N transactions that each add one port (Port + Interface + mutate of the bridge's ports), one
reply awaited before the next request; the same with 16 requests in flight; one transaction
adding N ports; the server's CPU time per transaction; and the wall time of N `ovs-vsctl
--no-wait add-port` invocations against each server, and of our `vsctl` against ours
(--vsctl-n timed, scaled to N; the bridge has 3N ports by then).
Usage: txn_rate.py [--n 1000] [--runs 3] [--durable] [--vsctl-n 200] [--json]"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("VS_BIN_DIR", os.path.join(ROOT, "build", "bin"))
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


class Rpc:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buf = b""
        self.n = 0
        self.dec = json.JSONDecoder()

    def call(self, method, *params):
        self.send(method, *params)
        return self.reply(self.n)

    def send(self, method, *params):
        self.n += 1
        self.sock.sendall(json.dumps({"method": method, "params": list(params),
                                      "id": self.n}).encode())

    def reply(self, wanted):
        while True:
            text = self.buf.decode().lstrip()
            if text:
                try:
                    msg, end = self.dec.raw_decode(text)
                    self.buf = text[end:].encode()
                    if msg.get("id") == wanted:
                        if msg.get("error") or any(isinstance(r, dict) and "error" in r
                                                   for r in msg["result"] or []):
                            raise RuntimeError(f"{method}: {msg}")
                        return msg["result"]
                    continue
                except ValueError:
                    pass
            self.buf += self.sock.recv(1 << 20)


def cpu_seconds(pid):
    # schedstat's first field: nanoseconds on a CPU, summed over the process's threads (work
    # moved to another thread, such as an SQLite checkpoint, still counts).
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(open(f"/proc/{pid}/task/{task}/schedstat").read().split()[0])
        except OSError:
            pass  # the thread ended meanwhile
    return total / 1e9


def add_port_ops(i, durable=False):
    commit = [{"op": "commit", "durable": True}] if durable else []
    return commit + [{"op": "insert", "table": "Interface", "uuid-name": "i", "row": {"name": f"p{i}"}},
            {"op": "insert", "table": "Port", "uuid-name": "p",
             "row": {"name": f"p{i}", "interfaces": ["named-uuid", "i"]}},
            {"op": "mutate", "table": "Bridge", "where": [["name", "==", "br0"]],
             "mutations": [["ports", "insert", ["set", [["named-uuid", "p"]]]]]}]


def start_server(system, work):
    sock = os.path.join(work, "db.sock")
    if system == "vsdb-server":
        args = [os.path.join(BIN, "vsdb-server"), os.path.join(work, "conf.db"),
                f"--remote=punix:{sock}"]
    else:
        db = os.path.join(work, "ovs.db")
        subprocess.run(["ovsdb-tool", "create", db, OVS_SCHEMA], check=True)
        args = ["ovsdb-server", db, f"--remote=punix:{sock}", "--no-chdir",
                f"--unixctl={os.path.join(work, 'ovsdb.ctl')}",
                f"--log-file={os.path.join(work, 'ovsdb.log')}"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    return proc, sock


def one_run(system, n, durable, vsctl_n):
    work = tempfile.mkdtemp(prefix="vsbench-db-")
    proc, sock = start_server(system, work)
    try:
        rpc = Rpc(sock)
        rpc.call("transact", "Open_vSwitch",
                 {"op": "insert", "table": "Open_vSwitch", "row": {"bridges": ["named-uuid", "b"]}},
                 {"op": "insert", "table": "Bridge", "uuid-name": "b", "row": {"name": "br0"}})
        cpu0 = cpu_seconds(proc.pid)
        t0 = time.perf_counter()
        for i in range(n):
            rpc.call("transact", "Open_vSwitch", *add_port_ops(i, durable))
        single = n / (time.perf_counter() - t0)
        cpu_us = (cpu_seconds(proc.pid) - cpu0) / n * 1e6
        t0 = time.perf_counter()
        window = 16
        for i in range(n):
            rpc.send("transact", "Open_vSwitch", *add_port_ops(n + i, durable))
            if i >= window - 1:
                rpc.reply(rpc.n - window + 1)
        for k in range(window - 1, 0, -1):
            rpc.reply(rpc.n - k + 1)
        pipelined = n / (time.perf_counter() - t0)
        ops = []
        for i in range(2 * n, 3 * n):
            batch = add_port_ops(i)
            batch[0]["uuid-name"], batch[1]["uuid-name"] = f"i{i}", f"p{i}"
            batch[1]["row"]["interfaces"] = ["named-uuid", f"i{i}"]
            batch[2]["mutations"][0][2] = ["set", [["named-uuid", f"p{i}"]]]
            ops += batch
        t0 = time.perf_counter()
        rpc.call("transact", "Open_vSwitch", *ops)
        bulk_s = time.perf_counter() - t0
        def time_cli(program, prefix):
            t0 = time.perf_counter()
            for i in range(vsctl_n):
                subprocess.run([program, f"--db=unix:{sock}", "--no-wait", "add-port", "br0",
                                f"{prefix}{i}"], check=True, capture_output=True)
            return round((time.perf_counter() - t0) * n / vsctl_n, 2)

        out = {"txn_per_s": round(single), "pipelined_per_s": round(pipelined),
               "cpu_us": round(cpu_us, 1), "bulk_s": round(bulk_s, 3),
               "vsctl_s": time_cli("ovs-vsctl", "v")}
        ours = os.path.join(BIN, "vsctl")
        if system == "vsdb-server" and os.path.exists(ours):
            out["our_vsctl_s"] = time_cli(ours, "w")
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--durable", action="store_true")
    ap.add_argument("--vsctl-n", type=int, default=200, help="ovs-vsctl runs timed (scaled to N)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    for tool in ("ovsdb-server", "ovsdb-tool", "ovs-vsctl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found (scripts/install-deps.sh installs Open vSwitch)")
    results = []
    keys = ("txn_per_s", "pipelined_per_s", "cpu_us", "bulk_s", "vsctl_s")
    # Runs alternate between the servers so that machine noise falls on both.
    runs = {"vsdb-server": [], "ovsdb-server": []}
    for _ in range(args.runs):
        for system in runs:
            runs[system].append(one_run(system, args.n, args.durable, args.vsctl_n))
    for system, measured in runs.items():
        r = {"system": system, "n": args.n, "durable": args.durable, "runs": measured}
        for key in keys + ("our_vsctl_s",):
            if all(key in x for x in measured):
                r[key] = statistics.median(x[key] for x in measured)
        results.append(r)
        if not args.json:
            spread = lambda key: f"{min(x[key] for x in measured)}-{max(x[key] for x in measured)}"
            print(f"{system:12} {r['txn_per_s']:>7} txn/s ({spread('txn_per_s')}), "
                  f"{r['pipelined_per_s']:>7} txn/s with 16 in flight ({spread('pipelined_per_s')}), "
                  f"server CPU {r['cpu_us']} us/txn, {args.n} ports in one txn {r['bulk_s']} s, "
                  f"{args.n} ovs-vsctl add-port ~{r['vsctl_s']} s"
                  + (f", {args.n} vsctl add-port ~{r['our_vsctl_s']} s" if "our_vsctl_s" in r
                     else ""), flush=True)
    if args.json:
        json.dump({"results": results}, sys.stdout, indent=1)
        print()
    else:
        ours, theirs = results
        print(f"ratio vsdb-server / ovsdb-server: txn/s {ours['txn_per_s'] / theirs['txn_per_s']:.2f}, "
              f"pipelined {ours['pipelined_per_s'] / theirs['pipelined_per_s']:.2f}, "
              f"CPU per txn {theirs['cpu_us'] / max(ours['cpu_us'], 0.1):.2f}x less")


if __name__ == "__main__":
    main()
