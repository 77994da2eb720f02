"""The traffic generators of vsbench, on one core, sending N flows of UDP/IPv4 (flow i has
destination IP 10.253.0.0 + i) on each of their two ports and counting what comes back. They are
the "guest" of the vhost topology: net_virtio_user ports that connect to the switch's vhost-user
sockets (net_memif clients on the ring topology).

- testpmd (default): dpdk-testpmd --forward-mode=flowgen, uniform flows one after the other,
  varying only the destination IP, no latency.
- vsgen (../vsgen, chosen with --generator vsgen, and by default for --dist zipf, --latency or
  --rate): varies addresses and ports (../vsgen/flow_set.hpp has the mapping), uniform or Zipf
  (s = 1), an optional rate limit, and latency percentiles from TSC stamps in every packet
  (generator tx ring -> switch -> generator rx). The measured window is set by signals: SIGUSR1
  starts it, SIGUSR2 ends it and vsgen prints one JSON line.

Known limits (../shared/PEERS.md): flowgen ignores --eth-peer and the port MACs, every packet is
00:01:02:03:04:00 -> 00:01:02:03:04:01 (vsgen keeps those MACs), so a learning switch sees the
source on both ports and never learns the destination (it floods to the one other port); one core
tops out near 5 Mpps over virtio-user, so the switch's cycles per packet are the fair comparison
there."""

import ipaddress
import json
import os
import re
import signal
import statistics
import subprocess

from procs import EAL_BASE, BenchError, start, stop, remove_dpdk_runtime, tail, wait_for

FLOWGEN_DST_BASE = ipaddress.IPv4Address("10.253.0.0")  # testpmd flowgen's cfg_ip_dst


def flow_dst_ips(n_flows):
    return [str(FLOWGEN_DST_BASE + i) for i in range(n_flows)]


# Set once by vsbench from its command line (configure()); Generator() reads it.
SETTINGS = {"kind": "testpmd", "dist": "uniform", "latency": False, "rate_pps": 0, "masks": 1,
            "bin_dir": None}


def configure(**settings):
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f"unknown generator settings {unknown}")
    SETTINGS.update(settings)


def Generator(vdevs, flows, size, work, tag):  # noqa: N802 (was a class; callers construct it)
    """The configured generator on these DPDK virtual devices."""
    if SETTINGS["kind"] == "vsgen":
        return VsgenGenerator(vdevs, flows, size, work, tag)
    return TestpmdGenerator(vdevs, flows, size, work, tag)


class TestpmdGenerator:
    """One interactive testpmd flowgen process: start(), then begin()/end() around a
    measurement window, then stop(). Commands go to its stdin, replies are read from its log."""

    def __init__(self, vdevs, flows, size, work, tag):
        self.prefix = f"vsbench-gen-{os.getpid()}-{tag}"
        self.log = os.path.join(work, f"gen-{tag}.log")
        # Unbuffered stdout: replies must reach the log before the next prompt does.
        self.args = ["stdbuf", "-o0", "dpdk-testpmd", *EAL_BASE, "-m", "1024",
                     f"--file-prefix={self.prefix}", "-l", "0,1", "--main-lcore", "1"]
        for v in vdevs:
            self.args += ["--vdev", v]
        self.args += ["--", "-i", "--forward-mode=flowgen", f"--flowgen-flows={flows}",
                      f"--txpkts={size}", "--disable-link-check", "--total-num-mbufs=32768",
                      "--nb-cores=1"]
        self.proc = None

    def start(self):
        if os.path.exists(self.log):
            os.unlink(self.log)
        self.proc = start(self.args, self.log, stdin=subprocess.PIPE)
        wait_for(lambda: self.proc.poll() is not None or "testpmd>" in self._read(), 30,
                 "the generator's prompt")
        self._check_alive()
        self._command("start")
        # Started when packets come back.
        wait_for(lambda: self._check_alive() or
                 sum(self._port_stats()["rx_packets"]) > 0, 30, "the generator's first packets back")

    def _check_alive(self):
        if self.proc.poll() is not None:
            raise BenchError("generator exited: " + tail(self.log).strip().splitlines()[-1])
        return False

    def _read(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def _command(self, cmd):
        """Sends one command and returns what it printed (up to the next prompt)."""
        before = len(self._read())
        self.proc.stdin.write((cmd + "\n").encode())
        self.proc.stdin.flush()
        wait_for(lambda: self._check_alive() or "testpmd>" in self._read()[before:], 10,
                 f"the generator's reply to '{cmd}'")
        return self._read()[before:]

    def _port_stats(self):
        text = self._command("show port stats all")
        return {"rx_packets": [int(v) for v in re.findall(r"RX-packets:\s+(\d+)", text)],
                "rx_pps": [int(v) for v in re.findall(r"Rx-pps:\s+(\d+)", text)],
                "tx_pps": [int(v) for v in re.findall(r"Tx-pps:\s+(\d+)", text)]}

    def begin(self):
        """Starts a measurement window: resets the rate baseline and the forward statistics."""
        self._command("clear fwd stats all")
        self._port_stats()

    def end(self):
        """Ends the window: mean rx and tx packets per second over it (all ports), and the
        fraction of packets the generator could not send because the switch's rings were full."""
        stats = self._port_stats()
        text = self._command("show fwd stats all")
        m = re.search(r"Accumulated forward statistics.*?TX-packets:\s+(\d+)\s+TX-dropped:\s+"
                      r"(\d+)", text, re.S)
        full = None
        if m:
            sent, dropped = int(m.group(1)), int(m.group(2))
            full = round(dropped / max(1, sent + dropped), 4)
        return sum(stats["rx_pps"]), sum(stats["tx_pps"]), full

    def extra(self):
        return {"generator": "testpmd"}

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                pass
        stop(self.proc, timeout=15)
        remove_dpdk_runtime(self.prefix)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None


LATENCY_KEYS = ("p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns")


class VsgenGenerator:
    """One vsgen process, same interface as TestpmdGenerator. It sends from start() to stop();
    each begin() (SIGUSR1) and end() (SIGUSR2) bound one measured window, at whose end it prints
    one JSON line (so one process serves several runs, as the ring topology needs). extra()
    holds what testpmd cannot measure (latency, its busy share)."""

    def __init__(self, vdevs, flows, size, work, tag):
        self.prefix = f"vsbench-vsgen-{os.getpid()}-{tag}"
        self.log = os.path.join(work, f"gen-{tag}.log")
        self.out = os.path.join(work, f"gen-{tag}.json")
        binary = os.path.join(SETTINGS["bin_dir"] or "", "vsgen")
        if not os.access(binary, os.X_OK):
            raise BenchError(f"{binary} not built (cmake --build build --target vsgen)")
        # One lcore, core 0: the switch polls core 1 (a second EAL lcore would make the main
        # thread wait there).
        self.args = [binary, *EAL_BASE, "-m", "1024", f"--file-prefix={self.prefix}", "-l", "0"]
        for v in vdevs:
            self.args += ["--vdev", v]
        # The l3 rules with --masks > 1 match nw_src prefixes of 10.254.0.0: keep it fixed then.
        vary = "dst-ip,src-ip,src-port,dst-port" if SETTINGS["masks"] == 1 else \
            "dst-ip,src-port,dst-port"
        self.args += ["--", "--flows", str(flows), "--size", str(size), "--dist",
                      SETTINGS["dist"], "--vary", vary, "--rate", str(SETTINGS["rate_pps"]),
                      "--latency-every", "1" if SETTINGS["latency"] else "0",
                      "--start-on-signal", "--duration", "3600"]
        if SETTINGS["dist"] == "zipf":  # a ring of at least 4 indexes per flow (2^20..2^24)
            self.args += ["--zipf-ring-bits", str(min(24, max(20, (4 * flows - 1).bit_length())))]
        self.proc = None
        self.report = None

    def start(self):
        for path in (self.log, self.out):
            if os.path.exists(path):
                os.unlink(path)
        with open(self.out, "wb") as out, open(self.log, "wb") as log:
            self.proc = subprocess.Popen(self.args, stdout=out, stderr=log,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: self._check_alive() or "vsgen: receiving" in self._read(), 30,
                 "the generator's first packets back")

    def _check_alive(self):
        if self.proc.poll() is not None:
            raise BenchError("vsgen exited: " + (tail(self.log).strip().splitlines() or [""])[-1])
        return False

    def _read(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def _read_out(self):
        with open(self.out, errors="replace") as f:
            return f.read()

    def begin(self):
        started = self._read().count("vsgen: window start")
        self.proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: self._check_alive() or
                 self._read().count("vsgen: window start") > started, 10, "vsgen's window start")

    def end(self):
        reports = self._read_out().count("\n")
        self.proc.send_signal(signal.SIGUSR2)
        # One line per window; it keeps sending until the next window or stop().
        wait_for(lambda: self._check_alive() or self._read_out().count("\n") > reports, 15,
                 "vsgen's report")
        try:
            self.report = json.loads(self._read_out().strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise BenchError("vsgen printed no report: " + tail(self.log).strip()[-300:])
        r = self.report
        return r["rx_pps"], r["tx_pps"], round(r["tx_full"], 4)

    def extra(self):
        """Per-run fields: the generator, its busy share and, with --latency, percentiles."""
        r = self.report or {}
        out = {"generator": "vsgen", "dist": r.get("dist"),
               "generator_busy_share": round(r.get("busy_share", 0), 3),
               "generator_attempted_mpps": round(r.get("offered_pps", 0) / 1e6, 3),
               "rate_limit_pps": r.get("rate_limit_pps")}
        lat = r.get("latency")
        if SETTINGS["latency"] and lat:
            out["latency_ns"] = {k: lat[k] for k in ("samples",) + LATENCY_KEYS}
        return out

    def stop(self):
        stop(self.proc, timeout=15)
        remove_dpdk_runtime(self.prefix)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None


def summary(runs):
    """Fields of a result summarizing its runs' generator: which one, the distribution and the
    median of each latency percentile over the runs (with min-max of p99)."""
    out = {"generator": runs[0].get("generator", "testpmd"), "dist": runs[0].get("dist") or
           "uniform"}
    lats = [r["latency_ns"] for r in runs if r.get("latency_ns")]
    if lats:
        out["latency_ns"] = {k: round(statistics.median(l[k] for l in lats)) for k in LATENCY_KEYS}
        out["latency_ns"]["p99_spread"] = [min(l["p99_ns"] for l in lats),
                                           max(l["p99_ns"] for l in lats)]
    return out
