"""A vhost-user port with a DPDK virtio-user peer: dpdk-testpmd connects to the switch's
dpdkvhostuser socket with net_virtio_user and io-forwards to a TAP device in a namespace, so a
container on a `system` port talks to that namespace through the vhost-user link."""

import os
import unittest

from vsenv import NamespaceHost, Switch, SwitchTest, TestPmd, tcp_transfer, wait_for


class VhostUserPort(SwitchTest):
    def setUp(self):
        super().setUp()
        self.a = self.host("vsv", 0, 79)
        self.b = self.host("vsv", 1, 79, cls=NamespaceHost)
        self.vhu = f"vhu{self.tag}"
        self.switch = Switch([f"{self.a.port} type=system", f"{self.vhu} type=dpdkvhostuser"])
        sock = os.path.join(self.switch.rundir, self.vhu)
        self.assertTrue(os.path.exists(sock), "the dpdkvhostuser socket was not created")
        self.tap = f"vvtap{self.tag}"
        self.pmd = TestPmd([f"net_virtio_user0,path={sock},queues=1",
                            f"net_tap0,iface={self.tap}"])
        self.peers.append(self.pmd)
        self.b.adopt(self.tap)

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
        self.assertGreater(stats[self.vhu]["rx"], 100)  # ACKs: how many depends on the receiver
        self.assertTrue(self.pmd.alive(), self.pmd.output())


class VhostUserClientPort(SwitchTest):
    """The same through a dpdkvhostuserclient port: testpmd's virtio-user is the socket's
    server and the switch connects to it."""

    def setUp(self):
        super().setUp()
        self.a = self.host("vsw", 0, 83)
        self.b = self.host("vsw", 1, 83, cls=NamespaceHost)
        self.sock = f"/tmp/vs-e2e-vhuc-{self.tag}.sock"
        self.tap = f"vwtap{self.tag}"
        self.pmd = TestPmd([f"net_virtio_user0,path={self.sock},queues=1,server=1",
                            f"net_tap0,iface={self.tap}"], wait=False)
        self.peers.append(self.pmd)
        self.addCleanup(lambda: os.path.exists(self.sock) and os.unlink(self.sock))
        wait_for(lambda: os.path.exists(self.sock), timeout=20, what="virtio-user server socket")
        self.vhu = f"vhc{self.tag}"
        self.switch = Switch([f"{self.a.port} type=system",
                              f"{self.vhu} type=dpdkvhostuserclient "
                              f"options:vhost-server-path={self.sock}"])
        self.pmd.wait_ready()
        self.b.adopt(self.tap)

    def test_traffic_over_vhost_user_client(self):
        self.assertGreaterEqual(self.a.ping(self.b.ip, count=5, timeout=15), 4,
                                self.pmd.output())
        sent, received = tcp_transfer(self.a, self.b, size_mb=2)
        self.assertEqual(sent, received)
        stats = self.switch.port_stats()
        self.assertGreater(stats[self.vhu]["tx"], 1000)
        self.assertIn(f"{self.vhu} (dpdkvhostuserclient)", self.switch.appctl("dpctl/show"))


if __name__ == "__main__":
    unittest.main()
