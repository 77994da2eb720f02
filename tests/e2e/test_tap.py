"""A container on a `system` port reaches a host behind a `tap` port (a TAP device the switch
creates, moved into its own namespace), with ping and an intact TCP transfer."""

import os
import unittest

from vsenv import Host, NamespaceHost, Switch, require_root, tcp_transfer


class TapPort(unittest.TestCase):
    def setUp(self):
        require_root(self)
        tag = os.getpid() % 10000
        self.switch, self.hosts = None, []
        self.addCleanup(self._cleanup)
        self.a = Host(f"vst{tag}a", f"10.78.{tag % 200}.1", "02:78:00:00:00:01")
        self.hosts.append(self.a)
        self.t = NamespaceHost(f"vst{tag}t", f"10.78.{tag % 200}.2", "02:78:00:00:00:02")
        self.hosts.append(self.t)
        self.tap = f"vstap{tag}"
        self.switch = Switch([f"{self.a.port} type=system", f"{self.tap} type=tap"])
        self.t.adopt(self.tap)

    def _cleanup(self):
        if self.switch:
            self.switch.stop()
        for h in self.hosts:
            h.destroy()

    def test_ping_and_transfer_through_tap(self):
        self.assertEqual(self.a.ping(self.t.ip, count=3), 3)
        sent, received = tcp_transfer(self.a, self.t, size_mb=4)
        self.assertEqual(sent, received)
        sent, received = tcp_transfer(self.t, self.a, size_mb=4, port=5202)
        self.assertEqual(sent, received)
        stats = self.switch.port_stats()
        self.assertGreater(stats[self.tap]["rx"], 2000)
        self.assertGreater(stats[self.tap]["tx"], 2000)
        self.assertIn(self.t.mac, self.switch.appctl("fdb/show", self.switch.bridge))


if __name__ == "__main__":
    unittest.main()
