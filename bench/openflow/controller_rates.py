#!/usr/bin/env python3
"""What a controller gets out of a switch, side by side: our vswitchd and Open vSwitch's
ovs-vswitchd (userspace, dummy datapath), in the same run, repeated. The controller is this
script: it listens on TCP and each switch connects to it as its Controller (set with
ovs-vsctl), OpenFlow 1.3. Three rates, each measured with the messages pipelined on the one
connection:

- flow-mods/s: N FLOW_MOD adds (one exact IPv4 destination each) streamed, to the BARRIER reply;
- packet-outs/s: N PACKET_OUTs (64-byte frame, output to port 5), to the BARRIER reply; the
  port's tx counter (ovs-ofctl dump-ports) must have grown by N;
- packet-ins/s: N PACKET_OUTs with output:TABLE whose table-miss rule sends to the controller,
  from the first send until the N-th PACKET_IN arrives (each round trip makes one packet-in).

Port 5 is a DPDK net_null device on ours and a dummy port on Open vSwitch (switches.py). Ours
gets controller_rate_limit 1 000 000 (our maximum); Open vSwitch its default, no limit. Prints
the median and spread over the runs and the ratios, and the switch's CPU time per message (all
its threads but the packet polling ones: our PMD thread and Open vSwitch's pmd threads), the
figure to compare when other work on the machine takes CPU from the switch.
Usage: controller_rates.py [--n 100000] [--runs 3] [--json]. Needs root."""

import argparse
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

from switches import PORT, OpenVSwitch, Ours, vsctl

OFP13 = 4
HELLO, ECHO_REQUEST, ECHO_REPLY, FEATURES_REQUEST, SET_CONFIG = 0, 2, 3, 5, 9
PACKET_IN, PACKET_OUT, FLOW_MOD, BARRIER_REQUEST, BARRIER_REPLY, ERROR = 10, 13, 14, 20, 21, 1
OFPP_TABLE, OFPP_CONTROLLER = 0xFFFFFFF9, 0xFFFFFFFD
NO_BUFFER = 0xFFFFFFFF
FRAME = (bytes.fromhex("020000000002" "020000000001" "0800") +
         bytes.fromhex("4500002e000000004011" "0000" "0a000001" "0a000002") +
         struct.pack("!HHHH", 1000, 2000, 26, 0) + bytes(18))


def msg(type_, body=b"", xid=0):
    return struct.pack("!BBHI", OFP13, type_, 8 + len(body), xid) + body


def output_action(port):
    return struct.pack("!HHIH6x", 0, 16, port, 0xFFFF)


def flow_mod(priority, oxms, actions):
    match = struct.pack("!HH", 1, 4 + len(oxms)) + oxms
    match += bytes(-len(match) % 8)
    apply = struct.pack("!HH4x", 4, 8 + len(actions)) + actions
    body = struct.pack("!QQBBHHHIIIH2x", 0, 0, 0, 0, 0, 0, priority, NO_BUFFER, 0xFFFFFFFF,
                       0xFFFFFFFF, 0)
    return msg(FLOW_MOD, body + match + apply)


def exact_ip_flow(i):
    eth_type = struct.pack("!HBBH", 0x8000, 5 << 1, 2, 0x0800)
    ipv4_dst = struct.pack("!HBBI", 0x8000, 12 << 1, 4, 0x0B000000 + i)
    return flow_mod(10, eth_type + ipv4_dst, output_action(PORT))


def packet_out(in_port, out_port):
    actions = output_action(out_port)
    return msg(PACKET_OUT, struct.pack("!IIH6x", NO_BUFFER, in_port, len(actions)) + actions +
               FRAME)


class Channel:
    """The switch's connection to us; a reader thread counts what comes back."""

    def __init__(self, sock):
        self.sock = sock
        self.lock = threading.Lock()
        self.cond = threading.Condition()
        self.packet_ins = 0
        self.barriers = set()
        self.errors = []
        self.closed = False
        sock.sendall(msg(HELLO))
        threading.Thread(target=self._read, daemon=True).start()

    def send(self, data):
        with self.lock:
            self.sock.sendall(data)

    def _read(self):
        buf = b""
        try:
            while True:
                try:
                    chunk = self.sock.recv(1 << 20)
                except OSError:
                    break  # closed by us at the end of a run
                if not chunk:
                    break
                buf += chunk
                pos, n_pin = 0, 0
                while len(buf) - pos >= 8:
                    _, type_, length, xid = struct.unpack_from("!BBHI", buf, pos)
                    if len(buf) - pos < length:
                        break
                    if type_ == PACKET_IN:
                        n_pin += 1
                    elif type_ == ECHO_REQUEST:
                        self.send(msg(ECHO_REPLY, buf[pos + 8:pos + length], xid))
                    elif type_ in (BARRIER_REPLY, ERROR):
                        with self.cond:
                            if type_ == ERROR:
                                self.errors.append(buf[pos + 8:pos + 12].hex())
                            else:
                                self.barriers.add(xid)
                            self.cond.notify_all()
                    pos += length
                buf = buf[pos:]
                if n_pin:
                    with self.cond:
                        self.packet_ins += n_pin
                        self.cond.notify_all()
        finally:
            with self.cond:
                self.closed = True
                self.cond.notify_all()

    def wait(self, predicate, timeout):
        with self.cond:
            if not self.cond.wait_for(lambda: predicate() or self.closed, timeout):
                raise RuntimeError("timed out waiting for the switch")
            if not predicate():
                raise RuntimeError("the switch closed the connection")

    def barrier(self, xid, timeout=120):
        self.send(msg(BARRIER_REQUEST, xid=xid))
        self.wait(lambda: xid in self.barriers, timeout)
        if self.errors:
            raise RuntimeError(f"switch sent ERROR {self.errors[:3]}")


def control_cpu_seconds(pid):
    """CPU time of every thread of `pid` except packet-polling (pmd*) ones."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                comm, rest = f.read().split("(", 1)[1].rsplit(")", 1)
        except OSError:
            continue  # the thread ended
        if comm.startswith("pmd"):
            continue
        fields = rest.split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def connect(system, listener, limit):
    """Points the switch's Controller at our listener; returns the accepted channel."""
    port = listener.getsockname()[1]
    limits = ["--", "set", "Controller", "br0", f"controller_rate_limit={limit}",
              f"controller_burst_limit={limit}"] if limit else []
    vsctl(system.db, "set-controller", "br0", f"tcp:127.0.0.1:{port}", *limits)
    listener.settimeout(30)
    sock, _ = listener.accept()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ch = Channel(sock)
    ch.send(msg(FEATURES_REQUEST, xid=1))
    # miss_send_len: 128 bytes of each packet in its PACKET_IN, as Open vSwitch's default.
    ch.send(msg(SET_CONFIG, struct.pack("!HH", 0, 128)))
    ch.barrier(2)
    return ch


def port_tx_packets(system):
    out = subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "dump-ports", system.target, str(PORT)],
                         check=True, capture_output=True, text=True).stdout
    tx = out.split("tx pkts=", 1)[1]
    return int(tx.split(",", 1)[0])


def del_flows(system):
    subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "del-flows", system.target], check=True)


def measure(system, ch, n, xid):
    """One run of the three rates on an open channel; returns (messages/s, switch CPU µs per
    message) for flow-mods, packet-outs and packet-ins."""
    del_flows(system)
    ch.barrier(xid)
    mods = b"".join(exact_ip_flow(i) for i in range(n))
    c0, t0 = control_cpu_seconds(system.pid), time.perf_counter()
    ch.send(mods)
    ch.barrier(xid + 1, timeout=600)
    flow_rate = n / (time.perf_counter() - t0)
    flow_cpu = (control_cpu_seconds(system.pid) - c0) * 1e6 / n

    del_flows(system)
    ch.barrier(xid + 2)
    tx0 = port_tx_packets(system)
    outs = packet_out(OFPP_CONTROLLER, PORT) * n
    c0, t0 = control_cpu_seconds(system.pid), time.perf_counter()
    ch.send(outs)
    ch.barrier(xid + 3, timeout=600)
    out_rate = n / (time.perf_counter() - t0)
    out_cpu = (control_cpu_seconds(system.pid) - c0) * 1e6 / n
    sent = port_tx_packets(system) - tx0
    if sent < n:
        raise RuntimeError(f"{system.name}: port 5 sent {sent} of {n} packet-outs")

    ch.send(flow_mod(0, b"", output_action(OFPP_CONTROLLER)))
    ch.barrier(xid + 4)
    base = ch.packet_ins
    ins = packet_out(PORT, OFPP_TABLE) * n
    c0, t0 = control_cpu_seconds(system.pid), time.perf_counter()
    ch.send(ins)
    ch.wait(lambda: ch.packet_ins - base >= n, 600)
    in_rate = n / (time.perf_counter() - t0)
    in_cpu = (control_cpu_seconds(system.pid) - c0) * 1e6 / n
    return (flow_rate, flow_cpu), (out_rate, out_cpu), (in_rate, in_cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100000, help="messages per rate and run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="vsbench-ctrl-")
    names = ("flow_mods_per_s", "packet_outs_per_s", "packet_ins_per_s")
    cpu_names = ("flow_mod_cpu_us", "packet_out_cpu_us", "packet_in_cpu_us")
    results = {s: {k: [] for k in names + cpu_names} for s in ("vswitch", "ovs")}
    try:
        # One system at a time, alternating per run, so both see the same machine.
        for run in range(args.runs):
            for cls, limit in ((Ours, 1000000), (OpenVSwitch, None)):
                system = cls(work, port=True)
                listener = socket.create_server(("127.0.0.1", 0))
                try:
                    ch = connect(system, listener, limit)
                    rates = measure(system, ch, args.n, 10 + run * 10)
                    for k, c, (rate, cpu) in zip(names, cpu_names, rates):
                        results[system.name][k].append(rate)
                        results[system.name][c].append(cpu)
                    ch.sock.close()
                finally:
                    listener.close()
                    system.stop()
                    if not os.environ.get("KEEP"):
                        shutil.rmtree(system.run, ignore_errors=True)
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    def rounded(x, k):
        return round(x, 2) if k in cpu_names else round(x)

    summary = {s: {k: {"median": rounded(statistics.median(v), k), "min": rounded(min(v), k),
                       "max": rounded(max(v), k), "runs": [rounded(x, k) for x in v]}
                   for k, v in r.items()} for s, r in results.items()}
    # Ratios ours / Open vSwitch: above 1 is better for rates; for CPU per message, below 1.
    ratios = {k: round(summary["vswitch"][k]["median"] / summary["ovs"][k]["median"], 2)
              if summary["ovs"][k]["median"] else None  # CPU time is read in 10 ms ticks
              for k in names + cpu_names}
    if args.json:
        print(json.dumps({"n": args.n, "runs": args.runs, "results": summary,
                          "ratio_vs_ovs": ratios}, indent=1))
        return 0
    print(f"{args.n} messages per rate, {args.runs} runs, OpenFlow 1.3 over TCP to this "
          "controller; median (min-max)")
    for k in names + cpu_names:
        cells = [f"{s} {v[k]['median']:>8} ({v[k]['min']}-{v[k]['max']})"
                 for s, v in summary.items()]
        print(f"  {k:18} {'   '.join(cells)}   ratio {ratios[k]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
