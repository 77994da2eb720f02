#!/usr/bin/env python3
"""Config DB transaction rate: vsdb-server beside Open vSwitch's ovsdb-server, same run.

Each server gets a fresh database (ours: SQLite, WAL, synchronous=FULL; theirs: its journal,
made with ovsdb-tool from Debian's schema) with one bridge. Measured over one unix-socket
connection: N transactions that each add one port (Port + Interface + mutate of the bridge's
ports), then one transaction adding N ports; and the wall time of N `ovs-vsctl --no-wait
add-port` invocations. Usage: txn_rate.py [--n 1000] [--runs 3] [--json]"""

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
        self.n += 1
        self.sock.sendall(json.dumps({"method": method, "params": list(params),
                                      "id": self.n}).encode())
        while True:
            text = self.buf.decode().lstrip()
            if text:
                try:
                    msg, end = self.dec.raw_decode(text)
                    self.buf = text[end:].encode()
                    if msg.get("id") == self.n:
                        if msg.get("error") or any(isinstance(r, dict) and "error" in r
                                                   for r in msg["result"] or []):
                            raise RuntimeError(f"{method}: {msg}")
                        return msg["result"]
                    continue
                except ValueError:
                    pass
            self.buf += self.sock.recv(1 << 20)


def add_port_ops(i):
    return [{"op": "insert", "table": "Interface", "uuid-name": "i", "row": {"name": f"p{i}"}},
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


def one_run(system, n):
    work = tempfile.mkdtemp(prefix="vsbench-db-")
    proc, sock = start_server(system, work)
    try:
        rpc = Rpc(sock)
        rpc.call("transact", "Open_vSwitch",
                 {"op": "insert", "table": "Open_vSwitch", "row": {"bridges": ["named-uuid", "b"]}},
                 {"op": "insert", "table": "Bridge", "uuid-name": "b", "row": {"name": "br0"}})
        t0 = time.perf_counter()
        for i in range(n):
            rpc.call("transact", "Open_vSwitch", *add_port_ops(i))
        single = n / (time.perf_counter() - t0)
        ops = []
        for i in range(n, 2 * n):
            batch = add_port_ops(i)
            batch[0]["uuid-name"], batch[1]["uuid-name"] = f"i{i}", f"p{i}"
            batch[1]["row"]["interfaces"] = ["named-uuid", f"i{i}"]
            batch[2]["mutations"][0][2] = ["set", [["named-uuid", f"p{i}"]]]
            ops += batch
        t0 = time.perf_counter()
        rpc.call("transact", "Open_vSwitch", *ops)
        bulk_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for i in range(min(n, 200)):
            subprocess.run(["ovs-vsctl", f"--db=unix:{sock}", "--no-wait", "add-port", "br0",
                            f"v{i}"], check=True, capture_output=True)
        vsctl_s = (time.perf_counter() - t0) * n / min(n, 200)
        return {"txn_per_s": round(single), "bulk_s": round(bulk_s, 3),
                "vsctl_s": round(vsctl_s, 2)}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    for tool in ("ovsdb-server", "ovsdb-tool", "ovs-vsctl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found (scripts/install-deps.sh installs Open vSwitch)")
    results = []
    for system in ("vsdb-server", "ovsdb-server"):
        runs = [one_run(system, args.n) for _ in range(args.runs)]
        r = {"system": system, "n": args.n, "runs": runs}
        for key in ("txn_per_s", "bulk_s", "vsctl_s"):
            r[key] = statistics.median(x[key] for x in runs)
        results.append(r)
        if not args.json:
            print(f"{system:12} {r['txn_per_s']:>7} txn/s (runs "
                  f"{', '.join(str(x['txn_per_s']) for x in runs)}), {args.n} ports in one txn "
                  f"{r['bulk_s']} s, {args.n} ovs-vsctl add-port ~{r['vsctl_s']} s", flush=True)
    if args.json:
        json.dump({"results": results}, sys.stdout, indent=1)
        print()
    else:
        print(f"ratio txn/s vsdb-server / ovsdb-server: "
              f"{results[0]['txn_per_s'] / results[1]['txn_per_s']:.2f}")


if __name__ == "__main__":
    main()
