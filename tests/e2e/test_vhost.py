"""A vhost-user port with a DPDK virtio-user peer: dpdk-testpmd connects to the switch's
dpdkvhostuser socket with net_virtio_user and io-forwards to a TAP device in a namespace, so a
container on a `system` port talks to that namespace through the vhost-user link."""

import os
import unittest

from vsenv import NamespaceHost, Host, Switch, TestPmd, require_root, tcp_transfer, wait_for


class VhostUserPort(unittest.TestCase):
    def setUp(self):
        require_root(self)
        tag = os.getpid() % 10000
        self.switch, self.pmd, self.hosts = None, None, []
        self.addCleanup(self._cleanup)
        self.a = Host(f"vsv{tag}a", f"10.79.{tag % 200}.1", "02:79:00:00:00:01")
        self.hosts.append(self.a)
        self.b = NamespaceHost(f"vsv{tag}b", f"10.79.{tag % 200}.2", "02:79:00:00:00:02")
        self.hosts.append(self.b)
        self.vhu = f"vhu{tag}"
        self.switch = Switch([f"{self.a.port} type=system", f"{self.vhu} type=dpdkvhostuser"])
        sock = os.path.join(self.switch.rundir, self.vhu)
        self.assertTrue(os.path.exists(sock), "the dpdkvhostuser socket was not created")
        self.tap = f"vvtap{tag}"
        self.pmd = TestPmd([f"net_virtio_user0,path={sock},queues=1",
                            f"net_tap0,iface={self.tap}"])
        self.b.adopt(self.tap)

    def _cleanup(self):
        if self.pmd:
            self.pmd.stop()
        if self.switch:
            self.switch.stop()
        for h in self.hosts:
            h.destroy()

    def test_traffic_over_vhost_user(self):
        wait_for(lambda: "link:up" in self.switch.appctl("dpctl/show", "-s").split(
            f"{self.vhu} (dpdkvhostuser)")[1].split("port ")[0], timeout=20,
                 what="vhost-user link up")
        self.assertGreaterEqual(self.a.ping(self.b.ip, count=5, timeout=15), 4,
                                self.pmd.output())
        sent, received = tcp_transfer(self.a, self.b, size_mb=4)
        self.assertEqual(sent, received)
        stats = self.switch.port_stats()
        self.assertGreater(stats[self.vhu]["tx"], 2000)
        self.assertGreater(stats[self.vhu]["rx"], 1000)
        self.assertTrue(self.pmd.alive(), self.pmd.output())


if __name__ == "__main__":
    unittest.main()
