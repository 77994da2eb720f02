"""A container on a `system` port reaches a host behind a `tap` port (a TAP device the switch
creates, moved into its own namespace), with ping and an intact TCP transfer."""

import unittest

from vsenv import NamespaceHost, Switch, SwitchTest, tcp_transfer


class TapPort(SwitchTest):
    def setUp(self):
        super().setUp()
        self.a = self.host("vst", 0, 78)
        self.t = self.host("vst", 1, 78, cls=NamespaceHost)
        self.tap = f"vstap{self.tag}"
        self.switch = Switch([f"{self.a.port} type=system", f"{self.tap} type=tap"])
        self.t.adopt(self.tap)

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
