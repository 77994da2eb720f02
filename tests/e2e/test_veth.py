"""Two containers (network namespaces with veth pairs) on a bridge of `system` ports: they ping,
a TCP transfer of several MB arrives intact, and once the MACs are learned, unicast between
them stops reaching a third host (checked with the switch's port counters)."""

import unittest

from vsenv import Switch, SwitchTest, tcp_transfer, wait_for


class VethSwitching(SwitchTest):
    def setUp(self):
        super().setUp()
        for i in range(3):
            self.host("vse", i, 77)
        self.switch = Switch([f"{h.port} type=system" for h in self.hosts])

    def test_ping_transfer_and_learning(self):
        a, b, c = self.hosts
        sw = self.switch
        self.assertEqual(a.ping(b.ip, count=3), 3)

        fdb = sw.appctl("fdb/show", sw.bridge)
        self.assertIn(a.mac, fdb)
        self.assertIn(b.mac, fdb)
        c_tx_before = sw.port_stats()[c.port]["tx"]
        self.assertGreater(c_tx_before, 0, "the first ARP request must have been flooded to c")

        sent, received = tcp_transfer(a, b, size_mb=8)
        self.assertEqual(sent, received, "the TCP transfer arrived corrupted")
        self.assertEqual(a.ping(b.ip, count=5), 5)

        stats = sw.port_stats()
        self.assertEqual(stats[c.port]["tx"], c_tx_before,
                         "unicast between learned hosts still reaches a third port")
        self.assertGreater(stats[b.port]["tx"], 5000, "the transfer did not cross port b")
        for port in (a.port, b.port, c.port):
            self.assertEqual(sum(stats[port]["drops"].values()), 0, f"drops on {port}: {stats}")

        # The transfer was carried by megaflows, not by upcalls.
        flows = sw.appctl("dpctl/dump-flows")
        no = {h.port: stats[h.port]["no"] for h in self.hosts}
        self.assertRegex(flows, rf"in_port\({no[a.port]}\),eth\(src={a.mac},dst={b.mac}\).*"
                                rf"actions:{no[b.port]}\n")
        pmd = sw.pmd_stats()
        self.assertGreater(pmd["emc hits"] + pmd["megaflow hits"], 5000)
        self.assertLess(pmd["miss with success upcall"], 50)

    def test_flows_expire_and_port_removal(self):
        a, b, c = self.hosts
        sw = self.switch
        self.assertEqual(a.ping(b.ip, count=2), 2)
        self.assertIn(b.mac, sw.appctl("dpctl/dump-flows"))
        sw.appctl("vswitchd/del-port", c.port)
        self.assertNotIn(c.port, sw.port_stats())
        self.assertEqual(a.ping(b.ip, count=2), 2, "traffic stopped after removing another port")
        sw.appctl("dpctl/del-flows")
        self.assertEqual(sw.appctl("dpctl/dump-flows").strip(), "")
        self.assertEqual(a.ping(b.ip, count=2), 2)
        wait_for(lambda: b.mac in sw.appctl("dpctl/dump-flows"), what="re-installed megaflow")


if __name__ == "__main__":
    unittest.main()
