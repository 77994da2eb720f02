"""A `system` port over AF_XDP (options:afxdp=true) beside one over AF_PACKET with two rx
queues, served by two PMD threads: the rx queues are spread over both threads and traffic
crosses intact."""

import re
import unittest

from vsenv import Switch, SwitchTest, tcp_transfer


class AfXdpAndPmds(SwitchTest):
    def setUp(self):
        super().setUp()
        self.a = self.host("vsx", 0, 82)
        self.b = self.host("vsx", 1, 82)
        self.switch = Switch([f"{self.a.port} type=system options:afxdp=true",
                              f"{self.b.port} type=system n_rxq=2"],
                             extra=["--pmd-threads", "2"])

    def test_afxdp_port_and_two_pmd_threads(self):
        self.assertEqual(self.a.ping(self.b.ip, count=3), 3)
        sent, received = tcp_transfer(self.a, self.b, size_mb=4)
        self.assertEqual(sent, received)
        show = self.switch.appctl("dpctl/show", "-s")
        self.assertIn(f"{self.b.port} (system)", show)
        self.assertIn("rxq:2", show)
        rxqs = self.switch.appctl("dpif-netdev/pmd-rxq-show")
        per_pmd = rxqs.split("pmd thread")[1:]
        self.assertEqual(len(per_pmd), 2)
        self.assertTrue(all("queue-id" in p for p in per_pmd), rxqs)
        cores = re.findall(r"core_id (\d+)", rxqs)
        self.assertEqual(len(set(cores)), 2, f"both PMD threads on one core: {rxqs}")
        log = self.switch.log_text()
        self.assertIn("net_af_xdp", log)
        stats = self.switch.port_stats()
        self.assertGreater(stats[self.a.port]["rx"], 2000)


if __name__ == "__main__":
    unittest.main()
