"""The topologies of vsbench: how the switch under test is wired to the traffic generator.

- vhost: two vhost-user server ports on the switch; the generator (dpdk-testpmd flowgen) is the
  "guest" with two net_virtio_user ports.
- ring: port to port over DPDK virtual devices between processes: two net_memif ports on the
  switch in the server role (a Unix socket each in the switch's scratch directory, not in the
  abstract namespace so readiness can be seen), the generator holds the client ends. memif works
  without hugepages on DPDK 22.11 (the regions are memfd-backed; checked here).
- veth: two network namespaces as hosts, each holding one end of a veth pair whose other end is a
  `system` port of the switch (ours: AF_PACKET; Open vSwitch's userspace datapath: its netdev-linux
  ports; Open vSwitch with DPDK and testpmd: net_af_packet devargs; the Linux bridge: bridge
  ports). The generator is dpdk-testpmd flowgen over net_af_packet inside the sender namespace, one
  direction only; the rates are the kernel's counters of the two namespace ends (sent by one,
  received by the other). A veth has no back-pressure: the switch drops on its side (an AF_PACKET
  ring or the kernel backlog overflows), so a run with less than 5 % loss is generator-bound.
  After each packet-rate window, iperf3 TCP (one stream) between the namespaces gives Gbit/s, the
  headline for this topology. Transmit checksum offload is off on the namespace ends for every
  system (PEERS.md: partial-checksum frames must not reach AF_PACKET ports).

A Topology creates what a system needs before the system starts (setup), tears it down after the
system stops (teardown), and makes the generator for one run."""

import json
import os
import subprocess
import time

from generator import Generator
from procs import EAL_BASE, BenchError, remove_dpdk_runtime, start, stop, tail, wait_for

# Which systems can run on which topology (the Linux bridge and Open vSwitch's userspace datapath
# without DPDK have no DPDK ports; they need kernel interfaces), and why not where they cannot.
PEERS = {
    "vhost": ("vswitch", "testpmd", "ovs-dpdk"),
    "ring": ("vswitch", "testpmd"),
    "veth": ("vswitch", "testpmd", "ovs-dpdk", "ovs", "linux-bridge"),
}
WHY_NOT = {
    "ovs": "it has no DPDK ports",
    "linux-bridge": "it has no DPDK ports",
    # Seen here with Debian's 3.1 + DPDK 22.11: its memif server ports count the same received
    # slots again and again (millions of packets per second more than were sent) and transmit
    # none (every packet a tx drop), with ring sizes 2048 or 1024; testpmd and ours forward.
    ("ovs-dpdk", "ring"): "Open vSwitch 3.1's net_memif ports re-receive stale slots and "
                          "transmit nothing here",
}
VETH_NET = "10.250.0."  # .1 sender namespace, .2 receiver namespace
IPERF_PORT = 5299


def run_cmd(*args, timeout=30, check=True):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise BenchError(f"{' '.join(args[:6])}: {p.stderr.strip()[:300]}")
    return p


class Vhost:
    name = "vhost"

    def __init__(self, work):
        self.work = work

    def setup(self, system_dir):
        self.sockets = [os.path.join(system_dir, f"vhu{i}") for i in range(2)]

    def teardown(self):
        pass

    def vswitch_ports(self):
        return [f"vhu{i} type=dpdkvhostuser ofport_request={i + 1}" for i in range(2)]

    def ovs_interfaces(self):
        return [(f"vhu{i}", ["type=dpdkvhostuser"]) for i in range(2)]

    def testpmd_vdevs(self):
        return [f"net_vhost{i},iface={s},queues=1" for i, s in enumerate(self.sockets)]

    def ready(self):
        return all(os.path.exists(s) for s in self.sockets)

    def generator(self, flows, size, work, tag):
        return Generator([f"net_virtio_user{i},path={s},queues=1" for i, s in
                          enumerate(self.sockets)], flows, size, work, tag)

    def after_window(self, system, duration):
        return {}


class Ring(Vhost):
    name = "ring"

    def _devargs(self, i, role):
        return f"net_memif{i},role={role},id=0,socket={self.sockets[i]},socket-abstract=no"

    def vswitch_ports(self):
        return [f"memif{i} type=dpdk options:dpdk-devargs={self._devargs(i, 'server')} "
                f"ofport_request={i + 1}" for i in range(2)]

    def ovs_interfaces(self):
        return [(f"memif{i}", ["type=dpdk", f'options:dpdk-devargs="{self._devargs(i, "server")}"'])
                for i in range(2)]

    def testpmd_vdevs(self):
        return [self._devargs(i, "server") for i in range(2)]

    def setup(self, system_dir):
        self.sockets = [os.path.join(system_dir, f"memif{i}.sock") for i in range(2)]
        self.client = None

    def generator(self, flows, size, work, tag):
        """One client connection for all the runs on one switch start: DPDK 22.11's memif server
        accepts no second client once the first has disconnected (its listening socket is no
        longer served: "Failed to connect socket" in the next generator's log, for good, with
        our switch and testpmd alike). Each run is a measurement window of the same generator."""
        if self.client is None:
            self.client = MemifClient(Generator([self._devargs(i, "client") for i in range(2)],
                                                flows, size, work, tag), (flows, size))
        elif self.client.key != (flows, size):
            raise BenchError("--topology ring: one client per switch start (DPDK 22.11 memif), "
                             "so one --size per invocation")
        return self.client

    def teardown(self):
        if getattr(self, "client", None) is not None:
            self.client.close()
            self.client = None


class MemifClient:
    """The generator of a ring topology, kept connected from its first run to the switch's
    teardown: start() starts it only once (later runs get a fresh warm-up), stop() is left to
    close(). Each run is one measured window of it (testpmd: clear/show stats; vsgen: signals)."""

    def __init__(self, gen, key):
        self.gen, self.key, self.started = gen, key, False

    def start(self):
        if self.started:
            if self.gen.proc is not None and self.gen.proc.poll() is not None:
                raise BenchError("--topology ring: the generator exits after a window and the "
                                 "memif server takes no second client (DPDK 22.11): use --runs 1")
            return
        self.started = True
        self.gen.start()

    def stop(self):
        pass  # close(), at the switch's teardown

    def close(self):
        self.gen.stop()

    def __getattr__(self, name):  # begin, end, extra, pid: the generator's own
        return getattr(self.gen, name)


def netns_stat(ns, dev, counter):
    p = run_cmd("ip", "-n", ns, "-j", "-s", "link", "show", "dev", dev)
    return int(json.loads(p.stdout)[0]["stats64"][counter.split("_")[0]][counter.split("_")[1]])


class Veth(Vhost):
    name = "veth"

    def __init__(self, work):
        super().__init__(work)
        tag = f"vsb{os.getpid() % 100000}"
        self.ns = [f"{tag}n{i}" for i in range(2)]  # the two hosts
        self.sw = [f"{tag}s{i}" for i in range(2)]  # the switch's ends (root namespace)
        self.host = [f"{tag}h{i}" for i in range(2)]  # the hosts' ends
        self.created = False

    def setup(self, system_dir):
        self.teardown()  # a fresh pair per system: no offload or XDP state left from the last
        self.created = True
        for i in range(2):
            ns, sw, host = self.ns[i], self.sw[i], self.host[i]
            run_cmd("ip", "netns", "add", ns)
            run_cmd("ip", "link", "add", sw, "type", "veth", "peer", "name", host)
            run_cmd("ip", "link", "set", host, "netns", ns)
            for path in (f"/proc/sys/net/ipv6/conf/{sw}/disable_ipv6",):
                with open(path, "w") as f:
                    f.write("1")
            run_cmd("ip", "link", "set", sw, "up")
            run_cmd("ip", "netns", "exec", ns, "sysctl", "-q",
                    f"net.ipv6.conf.{host}.disable_ipv6=1")
            run_cmd("ip", "-n", ns, "addr", "add", f"{VETH_NET}{i + 1}/24", "dev", host)
            run_cmd("ip", "-n", ns, "link", "set", host, "up")
            run_cmd("ip", "-n", ns, "link", "set", "lo", "up")
            run_cmd("ip", "netns", "exec", ns, "ethtool", "-K", host, "tx", "off")

    def teardown(self):
        if not self.created:
            return
        for ns, sw in zip(self.ns, self.sw):
            run_cmd("ip", "link", "del", sw, check=False)
            run_cmd("ip", "netns", "del", ns, check=False)
        self.created = False

    def vswitch_ports(self):
        return [f"{sw} type=system ofport_request={i + 1}" for i, sw in enumerate(self.sw)]

    def ovs_interfaces(self):  # Open vSwitch with DPDK
        return [(f"p{i}", ["type=dpdk", f'options:dpdk-devargs="net_af_packet{i},iface={sw},'
                                        'qpairs=1"']) for i, sw in enumerate(self.sw)]

    def testpmd_vdevs(self):
        return [f"net_af_packet{i},iface={sw},qpairs=1" for i, sw in enumerate(self.sw)]

    def ready(self):
        return True

    def generator(self, flows, size, work, tag):
        return VethGenerator(self, flows, size, work, tag)

    def after_window(self, system, duration):
        """iperf3 TCP from the sender namespace to the receiver's: Gbit/s (None with the l3
        rules, which match only the generator's destinations and drop everything else)."""
        if getattr(system, "rules", None) == "l3":
            return {"tcp_gbps": None}
        self.iperf_runs = getattr(self, "iperf_runs", 0) + 1
        log = os.path.join(self.work, f"iperf3-server-{self.iperf_runs}.log")  # fresh: "listening"
        server = start(["ip", "netns", "exec", self.ns[1], "iperf3", "-s", "-1", "--forceflush",
                        "-B", f"{VETH_NET}2", "-p", str(IPERF_PORT)], log)
        try:
            # -s -1 serves one client and exits; wait until it listens.
            wait_for(lambda: server.poll() is not None or "listening" in tail(log, 400), 10,
                     "iperf3's server")
            p = run_cmd("ip", "netns", "exec", self.ns[0], "iperf3", "-c", f"{VETH_NET}2", "-p",
                        str(IPERF_PORT), "-t", str(max(1, round(duration))), "-J",
                        "--connect-timeout", "5000", timeout=duration + 30, check=False)
            try:
                gbps = json.loads(p.stdout)["end"]["sum_received"]["bits_per_second"] / 1e9
            except (ValueError, KeyError):
                raise BenchError(f"iperf3 through {system.name} failed: "
                                 + (p.stdout + p.stderr).strip()[-300:])
            return {"tcp_gbps": round(gbps, 3)}
        finally:
            stop(server, timeout=5)


class VethGenerator:
    """dpdk-testpmd flowgen over net_af_packet in the sender namespace, sending one way; counts
    come from the two namespace ends' kernel counters (the same for every system)."""

    def __init__(self, topo, flows, size, work, tag):
        self.topo = topo
        self.prefix = f"vsbench-gen-{os.getpid()}-{tag}"
        self.log = os.path.join(work, f"gen-{tag}.log")
        self.args = ["ip", "netns", "exec", topo.ns[0], "dpdk-testpmd", *EAL_BASE, "-m", "1024",
                     f"--file-prefix={self.prefix}", "-l", "0,1", "--main-lcore", "1",
                     "--vdev", f"net_af_packet0,iface={topo.host[0]},qpairs=1", "--",
                     "--forward-mode=flowgen", f"--flowgen-flows={flows}", f"--txpkts={size}",
                     "--disable-link-check", "--total-num-mbufs=16384", "--nb-cores=1",
                     "--auto-start"]
        self.proc = None

    def _counters(self):
        return (netns_stat(self.topo.ns[0], self.topo.host[0], "tx_packets"),
                netns_stat(self.topo.ns[1], self.topo.host[1], "rx_packets"), time.time())

    def start(self):
        base = self._counters()
        # Without -i, testpmd exits at the end of its stdin: keep a pipe open.
        self.proc = start(self.args, self.log, stdin=subprocess.PIPE)

        def through():
            if self.proc.poll() is not None:
                raise BenchError("generator exited: " + tail(self.log, 400).strip())
            return self._counters()[1] > base[1] + 1000
        wait_for(through, 30, "the generator's packets through the switch")

    def begin(self):
        self.t0 = self._counters()

    def end(self):
        tx0, rx0, w0 = self.t0
        tx1, rx1, w1 = self._counters()
        dt = max(1e-3, w1 - w0)
        return (rx1 - rx0) / dt, (tx1 - tx0) / dt, None

    def stop(self):
        stop(self.proc, timeout=15)
        remove_dpdk_runtime(self.prefix)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None


TOPOLOGIES = {"vhost": Vhost, "ring": Ring, "veth": Veth}
