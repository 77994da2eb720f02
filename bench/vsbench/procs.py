"""Process plumbing for vsbench: starting and stopping the programs it runs, CPU accounting from
/proc (to tell our load from other users' on a shared machine), and DPDK runtime-dir cleanup.
Everything started here is stopped by process id, never by name."""

import os
import shutil
import signal
import subprocess
import time

# EAL arguments every DPDK process gets here: no hugepages, no PCI (see ../shared/PEERS.md).
EAL_BASE = ["--no-huge", "--no-pci", "--no-telemetry"]


class BenchError(RuntimeError):
    """A failed benchmark step; main() prints it as one line and exits 1."""


def start(args, log_path, stdin=subprocess.DEVNULL, env=None):
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=stdin,
                                env=env, start_new_session=True)
    finally:
        log.close()


def stop(proc, sig=signal.SIGINT, timeout=15):
    """Signals one process we started and waits; SIGKILL if it does not go in time."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def kill_pid(pid, timeout=10):
    """Stops a process we started that detached itself (known only by its pid file)."""
    if not pid:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def read_pidfile(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def remove_dpdk_runtime(prefix):
    shutil.rmtree(os.path.join("/var/run/dpdk", prefix), ignore_errors=True)


def wait_for(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise BenchError(f"timed out after {timeout:.0f}s waiting for {what}")


def tail(path, n_chars=1200):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-n_chars:]
    except OSError:
        return ""


def machine_jiffies():
    """(busy, total) jiffies over all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle + iowait
    return sum(v) - idle, sum(v)


def process_jiffies(pid):
    """utime + stime of a process (all its threads), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


class CpuMeter:
    """CPU use during a measurement window: the whole machine, our processes (switch under test
    and generator), and what is left: other users' load, which makes a run noisy."""

    def __init__(self, own_pids, gen_pid):
        self.own_pids = [p for p in own_pids if p]
        self.gen_pid = gen_pid
        self.start = self._sample()

    def _sample(self):
        busy, total = machine_jiffies()
        own = sum(process_jiffies(p) for p in self.own_pids)
        return busy, total, own, process_jiffies(self.gen_pid), time.time()

    def finish(self):
        b1, t1, o1, g1, w1 = self._sample()
        b0, t0, o0, g0, w0 = self.start
        n_cpus = os.cpu_count() or 1
        total = max(1, t1 - t0)
        hz = os.sysconf("SC_CLK_TCK")
        return {
            "machine_busy": round((b1 - b0) / total, 3),
            # Fraction of all CPUs used by processes other than ours during the window.
            "foreign_load": round(max(0, (b1 - b0) - (o1 - o0)) / total, 3),
            "foreign_cores": round(max(0, (b1 - b0) - (o1 - o0)) / total * n_cpus, 2),
            "generator_cores": round((g1 - g0) / hz / max(1e-3, w1 - w0), 2),
        }
