"""Test hosts and a running vswitchd for end-to-end tests: network namespaces with veth pairs as
hosts, the switch as a real process with its own run directory, and cleanup of everything a test
made, even when it fails. Needs root (namespaces, veth, TAP)."""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

BIN_DIR = os.environ.get("VS_BIN_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "bin")


def run(cmd, check=True, timeout=60, **kw):
    """Runs a shell command; returns its stdout. Raises with stderr on failure when check."""
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"command failed ({p.returncode}): {cmd}\n{p.stdout}{p.stderr}")
    return p.stdout


def require_root(test):
    if os.geteuid() != 0 or not os.path.exists("/dev/net/tun"):
        raise unittest.SkipTest("needs root, network namespaces and /dev/net/tun")


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Host:
    """A network namespace with one veth interface; the other end stays in the root namespace
    to be attached to the switch as a `system` port."""

    def __init__(self, name, ip, mac, prefix=24, mtu=1500):
        self.name, self.ip, self.mac = name, ip, mac
        self.ns = f"{name}"
        self.port = f"{name}-p"   # root-namespace end (the switch's port)
        self.dev = "eth0"
        run(f"ip netns add {self.ns}")
        run(f"ip link add {self.port} mtu {mtu} type veth peer name {self.dev} netns {self.ns}")
        self.sh(f"ip link set lo up; ip link set {self.dev} address {mac} mtu {mtu} up; "
                f"ip addr add {ip}/{prefix} dev {self.dev}")
        # Userspace switches see what the kernel hands to AF_PACKET: no partial checksums, no
        # GSO super-frames, and no IPv6 chatter muddying counters.
        self.sh(f"ethtool -K {self.dev} tx off tso off gso off gro off >/dev/null 2>&1 || true;"
                f" sysctl -qw net.ipv6.conf.all.disable_ipv6=1")
        run(f"ethtool -K {self.port} tx off tso off gso off gro off >/dev/null 2>&1 || true")
        run(f"sysctl -qw net.ipv6.conf.{self.port}.disable_ipv6=1")
        run(f"ip link set {self.port} up")

    def sh(self, cmd, check=True, timeout=60):
        return run(f"ip netns exec {self.ns} sh -c '{cmd}'", check=check, timeout=timeout)

    def popen(self, cmd, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.ns, "sh", "-c", cmd], **kw)

    def ping(self, ip, count=3, interval=0.2, timeout=10, size=56, check=True):
        out = self.sh(f"ping -c {count} -i {interval} -W 1 -s {size} -w {timeout} {ip}",
                      check=False, timeout=timeout + 5)
        m = re.search(r"(\d+) received", out)
        received = int(m.group(1)) if m else 0
        if check and received == 0:
            raise AssertionError(f"{self.name}: no reply from {ip}:\n{out}")
        return received

    def destroy(self):
        run(f"ip netns del {self.ns}", check=False)
        run(f"ip link del {self.port}", check=False)


class Switch:
    """A vswitchd process with its own run directory, and appctl against it."""

    def __init__(self, ports, bridge="br-e2e", internal_port=False, extra=()):
        self.rundir = tempfile.mkdtemp(prefix="vs-e2e-")
        self.bridge = bridge
        self.ctl = os.path.join(self.rundir, "vswitchd.ctl")
        self.log = os.path.join(self.rundir, "vswitchd.log")
        args = [os.path.join(BIN_DIR, "vswitchd"), "--bridge", bridge, "--rundir", self.rundir,
                "--log-file", self.log, "--dpdk-mem", "512", "--mbufs", "16384"]
        if not internal_port:
            args.append("--no-internal-port")
        for p in ports:
            args += ["--port", p]
        args += list(extra)
        # The switch's config DB lives in its run directory too, so runs never share one.
        env = dict(os.environ, VS_RUNDIR=self.rundir, VS_DBDIR=self.rundir)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env)
        try:
            wait_for(lambda: self.proc.poll() is not None or self._ready(), timeout=30,
                     what="vswitchd control socket")
        except AssertionError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            out = self.proc.stdout.read()
            raise RuntimeError(f"vswitchd exited with {self.proc.returncode}:\n{out}\n"
                               + self.log_text())

    def _ready(self):
        if not os.path.exists(self.ctl):
            return False
        # The socket appears before the ports are added; "version" answers only when ready.
        return subprocess.run([os.path.join(BIN_DIR, "appctl"), "-t", self.ctl, "version"],
                              capture_output=True).returncode == 0

    def appctl(self, *args, check=True):
        p = subprocess.run([os.path.join(BIN_DIR, "appctl"), "-t", self.ctl, *args],
                           capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise RuntimeError(f"appctl {' '.join(args)}: {p.stderr}")
        return p.stdout if check else p

    def port_stats(self):
        """{port name: {"rx": n, "tx": n, "drops": {reason: n}}} from dpctl/show -s."""
        stats, current = {}, None
        for line in self.appctl("dpctl/show", "-s").splitlines():
            m = re.match(r"\s+port (\d+): (\S+) \((\S+)\)", line)
            if m:
                current = stats.setdefault(m.group(2), {"no": int(m.group(1)), "drops": {}})
                continue
            m = re.match(r"\s+RX packets:(\d+) bytes:(\d+)", line)
            if m and current is not None:
                current["rx"] = int(m.group(1))
            m = re.match(r"\s+TX packets:(\d+) bytes:(\d+)", line)
            if m and current is not None:
                current["tx"] = int(m.group(1))
            if line.strip().startswith("drops:") and current is not None:
                for k, v in re.findall(r"(\w+):(\d+)", line):
                    current["drops"][k] = int(v)
        return stats

    def pmd_stats(self):
        out = self.appctl("dpif-netdev/pmd-stats-show")
        return {k.strip(): float(v) for k, v in re.findall(r"^\s+([a-z .]+): ([\d.]+)", out, re.M)}

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        shutil.rmtree(self.rundir, ignore_errors=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tcp_transfer(src, dst, size_mb=8, port=5201, timeout=60):
    """Sends size_mb of random bytes from host src to host dst over TCP; returns (sent sha256,
    received sha256)."""
    work = tempfile.mkdtemp(prefix="vs-tcp-")
    try:
        data, out = os.path.join(work, "in.bin"), os.path.join(work, "out.bin")
        with open(data, "wb") as f:
            f.write(os.urandom(size_mb << 20))
        listener = dst.popen(f"nc -l -N -p {port} > {out}")
        time.sleep(0.3)
        try:
            src.sh(f"nc -N -w 10 {dst.ip} {port} < {data}", timeout=timeout)
            listener.wait(timeout=timeout)
        finally:
            if listener.poll() is None:
                listener.kill()
                listener.wait()
        return sha256_file(data), sha256_file(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


class NamespaceHost(Host):
    """A network namespace whose interface is made by someone else (a TAP device created by
    the switch or by a DPDK peer) and moved in with adopt()."""

    def __init__(self, name, ip, mac, prefix=24):
        self.name, self.ip, self.mac, self.prefix = name, ip, mac, prefix
        self.ns, self.port, self.dev = name, None, None
        run(f"ip netns add {self.ns}")

    def adopt(self, ifname):
        wait_for(lambda: run(f"ip link show {ifname}", check=False), timeout=15,
                 what=f"interface {ifname}")
        run(f"ip link set {ifname} netns {self.ns}")
        self.dev = ifname
        self.sh(f"ip link set lo up; ip link set {ifname} address {self.mac} up; "
                f"ip addr add {self.ip}/{self.prefix} dev {ifname}; "
                f"sysctl -qw net.ipv6.conf.all.disable_ipv6=1; "
                f"ethtool -K {ifname} tx off tso off gso off >/dev/null 2>&1 || true")

    def destroy(self):
        run(f"ip netns del {self.ns}", check=False)


class TestPmd:
    """dpdk-testpmd as a DPDK peer process (no hugepages, its own file prefix), forwarding
    between the virtual devices it is given."""

    def __init__(self, vdevs, mode="io", cores="0,1", main_lcore=1, extra=(), wait=True):
        self.prefix = f"vs-e2e-tpmd-{os.getpid()}-{int(time.time() * 1000) % 100000}"
        args = ["dpdk-testpmd", "--no-huge", "-m", "512", "--no-pci", f"--file-prefix={self.prefix}",
                "-l", cores, "--main-lcore", str(main_lcore), "--no-telemetry"]
        for v in vdevs:
            args += ["--vdev", v]
        args += ["--", f"--forward-mode={mode}", "--auto-start", "--stats-period", "1",
                 "--total-num-mbufs=16384", "--disable-link-check", *extra]
        self.log = tempfile.NamedTemporaryFile(prefix="vs-testpmd-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        if wait:
            self.wait_ready()

    def wait_ready(self):
        """Waits until it forwards. Its TAP queues are opened by interface name while ports
        start: moving the interface to another namespace before that would make testpmd create
        a second one. A virtio-user port in server mode waits here for its client."""
        try:
            wait_for(lambda: not self.alive() or "Port statistics" in self.output(), timeout=30,
                     what="testpmd forwarding")
        except AssertionError:
            self.stop()
            raise
        if not self.alive():
            out = self.output()
            self.stop()
            raise RuntimeError(f"dpdk-testpmd exited:\n{out}")

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()[-3000:]

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        os.unlink(self.log.name)
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)


class SwitchTest(unittest.TestCase):
    """Base for end-to-end tests: skips without root, and removes the switch, DPDK peers and
    hosts a test made (in that order) even when it fails."""

    def setUp(self):
        require_root(self)
        self.tag = os.getpid() % 10000
        self.switch, self.peers, self.hosts = None, [], []
        self.addCleanup(self._remove_everything)

    def host(self, prefix, index, net, cls=None):
        """A host named PREFIX<tag><a|b|..> with IP 10.NET.x.<index+1> and a matching MAC."""
        h = (cls or Host)(f"{prefix}{self.tag}{'abcdefgh'[index]}",
                          f"10.{net}.{self.tag % 200}.{index + 1}",
                          f"02:{net:02x}:00:00:00:{index + 1:02x}")
        self.hosts.append(h)
        return h

    def _remove_everything(self):
        for p in self.peers:
            p.stop()
        if self.switch:
            self.switch.stop()
        for h in self.hosts:
            h.destroy()
