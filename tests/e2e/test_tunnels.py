"""vxlan and geneve tunnels between two "hosts": network namespaces joined by an underlay veth
pair, each running its own vswitchd (own VS_RUNDIR/VS_DBDIR) under `ip netns exec`, configured
with the real ovs-vsctl: br0 with a guest namespace behind it (a veth whose host end is a
`system` port) and a tunnel port to the other host. The guests ping each other across the
tunnel; tshark decodes the underlay as VXLAN/Geneve with the configured VNI; the Linux kernel's
own vxlan and geneve devices are the far end in the interop tests; bad options end up in
Interface.error."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from vsenv import BIN_DIR, require_root, run, wait_for

UNDERLAY = "192.168.77"  # .1 on host a, .2 on host b; namespaces keep it private


class Netns:
    """A network namespace, with IPv6 off so neighbour discovery does not muddy counters."""

    def __init__(self, name):
        self.name = name
        run(f"ip netns add {name}")
        self.sh("ip link set lo up; sysctl -qw net.ipv6.conf.all.disable_ipv6=1; "
                "sysctl -qw net.ipv6.conf.default.disable_ipv6=1")

    def sh(self, cmd, check=True, timeout=60):
        return run(f"ip netns exec {self.name} sh -c '{cmd}'", check=check, timeout=timeout)

    def popen(self, args, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.name, *args], **kw)

    def destroy(self):
        run(f"ip netns del {self.name}", check=False)


class NsSwitch:
    """vswitchd in host namespace `ns` with its embedded DB; ovs-vsctl and appctl reach it
    through its run directory (Unix sockets are not bound to a network namespace)."""

    def __init__(self, ns, pmd_cpu):
        self.ns = ns
        self.rundir = tempfile.mkdtemp(prefix="vs-e2e-tun-")
        self.ctl = os.path.join(self.rundir, "vswitchd.ctl")
        self.log = os.path.join(self.rundir, "vswitchd.log")
        self.db_sock = os.path.join(self.rundir, "db.sock")
        args = [os.path.join(BIN_DIR, "vswitchd"), "--log-file", self.log, "--dpdk-mem", "512",
                "--mbufs", "16384", "--pmd-cpus", str(pmd_cpu)]
        env = dict(os.environ, VS_RUNDIR=self.rundir, VS_DBDIR=self.rundir)
        # `ip netns exec` execs the program: the PID is vswitchd's own.
        self.proc = ns.popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=env)
        try:
            wait_for(lambda: self.proc.poll() is not None or self._ready(), timeout=30,
                     what="vswitchd control and DB sockets")
        except AssertionError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            out = self.proc.stdout.read()
            self.stop()
            raise RuntimeError(f"vswitchd exited with {self.proc.returncode}:\n{out}")

    def _ready(self):
        if not (os.path.exists(self.ctl) and os.path.exists(self.db_sock)):
            return False
        return subprocess.run([os.path.join(BIN_DIR, "appctl"), "-t", self.ctl, "version"],
                              capture_output=True).returncode == 0

    def vsctl(self, *args, check=True):
        """The real ovs-vsctl, waiting until vswitchd has applied the change."""
        p = subprocess.run(["ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=20", *args],
                           capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise AssertionError(f"ovs-vsctl {' '.join(args)} failed: {p.stderr}\n"
                                 + self.log_text())
        return p.stdout.strip()

    def appctl(self, *args):
        return run(" ".join([os.path.join(BIN_DIR, "appctl"), "-t", self.ctl, *args]))

    def port_stats(self):
        """{port: (type, rx packets, tx packets)} from dpctl/show -s."""
        out, stats, current = self.appctl("dpctl/show", "-s"), {}, None
        for line in out.splitlines():
            m = re.match(r"\s+port \d+: (\S+) \((\S+)\)", line)
            if m:
                current = m.group(1)
                stats[current] = [m.group(2), 0, 0]
            m = re.match(r"\s+(RX|TX) packets:(\d+)", line)
            if m and current:
                stats[current][1 if m.group(1) == "RX" else 2] = int(m.group(2))
        return {k: tuple(v) for k, v in stats.items()}

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


class Capture:
    """tshark on an interface in a namespace, writing a pcap file until stopped."""

    def __init__(self, ns, iface, bpf, path):
        self.path = path
        self.err = tempfile.NamedTemporaryFile(prefix="vs-tshark-", delete=False)
        self.proc = ns.popen(["tshark", "-q", "-i", iface, "-f", bpf, "-w", path],
                             stdout=subprocess.DEVNULL, stderr=self.err)
        try:
            wait_for(lambda: self.proc.poll() is not None or "Capturing on" in self._stderr(),
                     timeout=30, what="tshark capturing")
        except AssertionError:
            self.stop()
            raise

    def _stderr(self):
        with open(self.err.name, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.err.closed:
            self.err.close()
            os.unlink(self.err.name)

    def decode(self, fields, display_filter):
        """Rows of the fields tshark decodes from the capture, one per matching packet."""
        # The first occurrence of a field is the outer header's.
        out = run(f"tshark -r {self.path} -Y '{display_filter}' -T fields -E occurrence=f "
                  + " ".join(f"-e {f}" for f in fields))
        return [line.split("\t") for line in out.splitlines() if line.strip()]


class Tunnels(unittest.TestCase):
    def setUp(self):
        require_root(self)
        for tool in ("ovs-vsctl", "tshark", "iperf3"):
            self.assertIsNotNone(shutil.which(tool),
                                 f"{tool} is missing: run scripts/install-deps.sh")
        t = os.getpid() % 10000
        self.t = t
        self.guest_net = f"10.91.{t % 200}"
        self.work = tempfile.mkdtemp(prefix="vs-e2e-tun-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.procs, self.namespaces, self.switches = [], [], []
        self.addCleanup(self._remove_everything)
        # Two hosts joined by the underlay.
        self.host_a, self.host_b = self.netns(f"tuh{t}a"), self.netns(f"tuh{t}b")
        self.ul_a, self.ul_b = f"tu{t}ua", f"tu{t}ub"
        run(f"ip link add {self.ul_a} netns {self.host_a.name} type veth peer name {self.ul_b} "
            f"netns {self.host_b.name}")
        self.host_a.sh(f"ip addr add {UNDERLAY}.1/24 dev {self.ul_a}; ip link set {self.ul_a} up")
        self.host_b.sh(f"ip addr add {UNDERLAY}.2/24 dev {self.ul_b}; ip link set {self.ul_b} up")

    def netns(self, name):
        ns = Netns(name)
        self.namespaces.append(ns)
        return ns

    def guest(self, host, index):
        """A guest namespace behind `host`: its eth0 is veth-paired with a port in the host's
        namespace (returned), which becomes a system port of br0."""
        ns = self.netns(f"tug{self.t}{'ab'[index]}")
        port = f"tug{self.t}{'ab'[index]}p"
        run(f"ip link add {port} netns {host.name} type veth peer name eth0 netns {ns.name}")
        ns.sh(f"ip link set eth0 address 02:91:00:00:00:0{index + 1} up; "
              f"ip addr add {self.guest_net}.{index + 1}/24 dev eth0; "
              "ethtool -K eth0 tx off tso off gso off >/dev/null 2>&1 || true")
        host.sh(f"ethtool -K {port} tx off tso off gso off gro off >/dev/null 2>&1 || true; "
                f"ip link set {port} up")
        ns.ip = f"{self.guest_net}.{index + 1}"
        return ns, port

    def switch(self, host, pmd_cpu):
        sw = NsSwitch(host, pmd_cpu)
        self.switches.append(sw)
        return sw

    def popen(self, ns, args):
        p = ns.popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.procs.append(p)
        return p

    def _remove_everything(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            if p.stdout:
                p.stdout.close()
        for sw in self.switches:
            sw.stop()
        for ns in reversed(self.namespaces):
            ns.destroy()

    def bridge_with_tunnel(self, host, index, remote, tunnel_type, options=()):
        """vswitchd on `host` with br0: the guest's port and a tunnel port to `remote`."""
        sw = self.switch(host, pmd_cpu=index % 2)
        guest, port = self.guest(host, index)
        sw.vsctl("add-br", "br0")
        host.sh("ip link set br0 up", check=False)
        sw.vsctl("add-port", "br0", port)
        opts = [f"options:remote_ip={remote}", *[f"options:{o}" for o in options]]
        sw.vsctl("add-port", "br0", "tun0", "--", "set", "Interface", "tun0",
                 f"type={tunnel_type}", *opts)
        self.assertEqual(sw.vsctl("get", "Interface", "tun0", "error"), "[]", sw.log_text())
        self.assertGreater(int(sw.vsctl("get", "Interface", "tun0", "ofport")), 0)
        return sw, guest

    def ping(self, src, dst_ip, count=5):
        """Pings; returns (received, average RTT in ms)."""
        out = src.sh(f"ping -c {count} -i 0.2 -W 2 -w 20 {dst_ip}", check=False, timeout=30)
        m = re.search(r"(\d+) received", out)
        rtt = re.search(r"= [\d.]+/([\d.]+)/", out)
        return (int(m.group(1)) if m else 0), (float(rtt.group(1)) if rtt else None), out

    def reach(self, src, dst_ip, what):
        # The first ping also resolves ARP across the tunnel and installs the megaflows.
        wait_for(lambda: self.ping(src, dst_ip, count=1)[0] == 1, timeout=20,
                 what=f"{what}: first reply from {dst_ip}")
        received, rtt, out = self.ping(src, dst_ip, count=10)
        self.assertEqual(received, 10, out)
        print(f"\n  {what}: 10/10 replies, average RTT {rtt} ms", end="")

    def two_switches(self, tunnel_type, options=()):
        sw_a, guest_a = self.bridge_with_tunnel(self.host_a, 0, f"{UNDERLAY}.2", tunnel_type,
                                                options)
        sw_b, guest_b = self.bridge_with_tunnel(self.host_b, 1, f"{UNDERLAY}.1", tunnel_type,
                                                options)
        return sw_a, guest_a, sw_b, guest_b

    def assert_tunnel_counters(self, sw, tunnel_type):
        stats = sw.port_stats()
        self.assertIn("tun0", stats, sw.appctl("dpctl/show"))
        kind, rx, tx = stats["tun0"]
        self.assertEqual(kind, tunnel_type)
        self.assertGreater(rx, 0)
        self.assertGreater(tx, 0)

    def iperf(self, client, server_ip, server):
        srv = self.popen(server, ["iperf3", "-s", "-1"])
        time.sleep(0.5)
        out = client.sh(f"iperf3 -c {server_ip} -t 3 -J", check=False, timeout=40)
        srv.wait(timeout=20)
        try:
            gbps = json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9
        except (ValueError, KeyError):
            self.fail(f"iperf3 across the tunnel failed:\n{out[-2000:]}")
        print(f"\n  iperf3 TCP across the tunnel: {gbps:.2f} Gbit/s", end="")
        return gbps

    def test_vxlan_guests_reach_each_other(self):
        sw_a, guest_a, sw_b, guest_b = self.two_switches("vxlan", ["key=5000"])
        cap = Capture(self.host_a, self.ul_a, "udp port 4789", os.path.join(self.work, "vx.pcap"))
        self.addCleanup(cap.stop)
        self.reach(guest_a, guest_b.ip, "vxlan key 5000")
        self.reach(guest_b, guest_a.ip, "vxlan key 5000, other way")
        cap.stop()
        rows = cap.decode(["vxlan.vni", "ip.src", "ip.dst", "icmp.type"], "vxlan && icmp")
        self.assertTrue(rows, "tshark decoded no VXLAN packet")
        self.assertEqual({r[0] for r in rows}, {"5000"})
        self.assertEqual({(r[1], r[2]) for r in rows},
                         {(f"{UNDERLAY}.1", f"{UNDERLAY}.2"), (f"{UNDERLAY}.2", f"{UNDERLAY}.1")})
        self.assert_tunnel_counters(sw_a, "vxlan")
        self.assert_tunnel_counters(sw_b, "vxlan")
        # Interface statistics reach the DB like any port's (written every 5 s by default).
        wait_for(lambda: int(sw_a.vsctl("get", "Interface", "tun0", "statistics:tx_packets",
                                        check=False) or 0) > 0, timeout=15,
                 what="tun0 statistics in the DB")
        # Large frames: the kernel fragments the outer packets (path-MTU discovery is off).
        out = guest_a.sh(f"ping -c 3 -i 0.2 -s 1472 -M do -W 2 {guest_b.ip}", check=False)
        self.assertIn("3 received", out)
        self.iperf(guest_a, guest_b.ip, guest_b)

    def test_geneve_guests_reach_each_other(self):
        sw_a, guest_a, sw_b, guest_b = self.two_switches("geneve", ["key=77"])
        cap = Capture(self.host_b, self.ul_b, "udp port 6081", os.path.join(self.work, "gn.pcap"))
        self.addCleanup(cap.stop)
        self.reach(guest_a, guest_b.ip, "geneve key 77")
        cap.stop()
        rows = cap.decode(["geneve.vni", "geneve.proto_type"], "geneve && icmp")
        self.assertTrue(rows, "tshark decoded no Geneve packet")
        self.assertEqual({int(r[0], 0) for r in rows}, {77})
        self.assertEqual({int(r[1], 16) for r in rows}, {0x6558})
        self.assert_tunnel_counters(sw_a, "geneve")

    def test_keys_keep_tunnels_apart(self):
        """Different keys on the two ends: nothing gets across; the receiver counts the
        datagrams as reaching no tunnel. Setting the same key heals it."""
        sw_a, guest_a = self.bridge_with_tunnel(self.host_a, 0, f"{UNDERLAY}.2", "vxlan",
                                                ["key=1"])
        sw_b, guest_b = self.bridge_with_tunnel(self.host_b, 1, f"{UNDERLAY}.1", "vxlan",
                                                ["key=2"])
        received, _, _ = self.ping(guest_a, guest_b.ip, count=2)
        self.assertEqual(received, 0)
        self.assertRegex(sw_b.appctl("dpctl/show"), r"tunnel datagrams: rx:\d+ no_tunnel:[1-9]")
        sw_b.vsctl("set", "Interface", "tun0", "options:key=1")
        try:
            self.reach(guest_a, guest_b.ip, "vxlan after the key was fixed")
        except AssertionError:
            print(sw_b.appctl("dpctl/show", "-s"), sw_b.log_text(), sw_a.appctl("dpctl/show", "-s"))
            raise

    def kernel_peer(self, kind, link_args, guest_a):
        """Host b without vswitchd: the kernel's own tunnel device, addressed in the guests'
        subnet, is the far end."""
        dev = f"tu{self.t}k"
        self.host_b.sh(f"ip link add {dev} type {kind} {link_args} remote {UNDERLAY}.1; "
                       f"ip addr add {self.guest_net}.2/24 dev {dev}; ip link set {dev} up")
        self.reach(guest_a, f"{self.guest_net}.2", f"kernel {kind} peer")

    def test_kernel_vxlan_interop(self):
        self.bridge_with_tunnel(self.host_a, 0, f"{UNDERLAY}.2", "vxlan", ["key=42"])
        guest_a = next(ns for ns in self.namespaces if ns.name == f"tug{self.t}a")
        self.kernel_peer("vxlan", f"id 42 dstport 4789 local {UNDERLAY}.2 dev {self.ul_b}",
                         guest_a)

    def test_independent_geneve_peer(self):
        """The kernel here has no geneve device: the far end is geneve_peer.py, a Geneve host
        written from RFC 8926 alone, whose every reply carries an option to skip. A datagram
        with the critical-options bit is dropped and counted."""
        sw, _ = self.bridge_with_tunnel(self.host_a, 0, f"{UNDERLAY}.2", "geneve", ["key=4242"])
        guest_a = next(ns for ns in self.namespaces if ns.name == f"tug{self.t}a")
        peer_ip = f"{self.guest_net}.2"
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "geneve_peer.py")
        peer = self.popen(self.host_b, ["/usr/bin/python3", script, "--ip", peer_ip,
                                        "--vni", "4242"])
        self.assertEqual(peer.stdout.readline().strip(), "listening")
        self.reach(guest_a, peer_ip, "independent Geneve peer (an option in every reply)")
        critical = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                    "s.sendto(bytes([1, 0x40, 0x65, 0x58, 0, 0x10, 0x92, 0, 1, 2, 0x83, 0]) "
                    f"+ bytes(60), ('{UNDERLAY}.1', 6081))")
        subprocess.run(["ip", "netns", "exec", self.host_b.name, "/usr/bin/python3", "-c",
                        critical], check=True, timeout=30)
        wait_for(lambda: re.search(r"bad_header:[1-9]", sw.appctl("dpctl/show")), timeout=5,
                 what="the critical-option datagram counted as a bad header")

    def test_bad_options_are_reported_in_interface_error(self):
        sw = self.switch(self.host_a, pmd_cpu=0)
        sw.vsctl("add-br", "br0")
        cases = [
            ([], "needs options:remote_ip"),
            (["options:remote_ip=flow"], "remote_ip=flow is not supported yet"),
            (["options:remote_ip=10.0.0.300"], "is not an IPv4 address"),
            (["options:remote_ip=10.0.0.2", "options:key=16777216"], "from 0 to 16777215"),
            (["options:remote_ip=10.0.0.2", "options:key=flow"], "key=flow is not supported yet"),
            (["options:remote_ip=10.0.0.2", "options:dst_port=0"], "dst_port '0'"),
        ]
        for i, (opts, expected) in enumerate(cases):
            name = f"bad{i}"
            sw.vsctl("add-port", "br0", name, "--", "set", "Interface", name, "type=vxlan", *opts)
            self.assertIn(expected, sw.vsctl("get", "Interface", name, "error"))
            self.assertEqual(sw.vsctl("get", "Interface", name, "ofport"), "-1")
        # Fixing the options brings the port up.
        sw.vsctl("set", "Interface", "bad0", f"options:remote_ip={UNDERLAY}.2")
        self.assertEqual(sw.vsctl("get", "Interface", "bad0", "error"), "[]")
        self.assertGreater(int(sw.vsctl("get", "Interface", "bad0", "ofport")), 0)
        self.assertIn("bad0 (vxlan)", sw.appctl("dpctl/show"))
        self.assertIn("vxlan", sw.vsctl("get", "Open_vSwitch", ".", "iface_types"))


if __name__ == "__main__":
    unittest.main()
