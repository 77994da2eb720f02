"""The traffic generator of vsbench: dpdk-testpmd in flowgen mode on one core, sending N flows of
UDP/IPv4 (destination IP 10.253.0.0 + i, one flow after the other) on each of its two ports and
counting what comes back. It is the "guest" of the vhost topology: net_virtio_user ports that
connect to the switch's vhost-user sockets.

Known limits (../shared/PEERS.md): flowgen ignores --eth-peer and the port MACs, every packet is
00:01:02:03:04:00 -> 00:01:02:03:04:01, so a learning switch sees the source on both ports and
never learns the destination (it floods to the one other port); one core tops out near 5 Mpps
over virtio-user, so the switch's cycles per packet are the fair comparison there."""

import ipaddress
import os
import re
import subprocess

from procs import EAL_BASE, BenchError, start, stop, remove_dpdk_runtime, tail, wait_for

FLOWGEN_DST_BASE = ipaddress.IPv4Address("10.253.0.0")  # testpmd flowgen's cfg_ip_dst


def flow_dst_ips(n_flows):
    return [str(FLOWGEN_DST_BASE + i) for i in range(n_flows)]


class Generator:
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
