"""Cross-decoding with os-ken (Debian's python3-os-ken), an independent OpenFlow implementation:
  * every sample message we encode that os-ken can parse is parsed by it, and its view of every
    field equals ours;
  * messages os-ken builds and serializes (controller-to-switch ones included) decode in ours to
    the same fields, and re-encode to the same bytes.
Run by ctest with OF_TOOL set (tests/openflow/CMakeLists.txt)."""

import unittest

import of_cross

try:
    from os_ken.ofproto import ofproto_v1_0, ofproto_v1_0_parser
    from os_ken.ofproto import ofproto_v1_3, ofproto_v1_3_parser
except ImportError as e:  # python3-os-ken is installed by scripts/install-deps.sh
    raise SystemExit(f"python3-os-ken is required (scripts/install-deps.sh): {e}") from e

# Bodies os-ken has no parser for (controller-to-switch messages, mostly): checked the other
# way round below, and by tshark.
OSKEN_CANNOT_PARSE = {
    1: {"FeaturesRequest", "GetConfigRequest", "SetConfig", "PacketOut", "FlowMod", "PortMod",
        "BarrierRequest", "QueueGetConfigRequest", "DescStatsRequest", "FlowStatsRequest",
        "AggregateStatsRequest", "TableStatsRequest", "PortStatsRequest", "QueueStatsRequest",
        "VendorStatsRequest"},
}


class OursInOsKen(unittest.TestCase):
    def check(self, version, ofproto, parser):
        dp = of_cross.Datapath(ofproto, parser)
        parsed = 0
        compared = 0
        skipped = []
        for buf, ours in of_cross.samples(version, for_osken=True):
            name = ours["body"]["_type"]
            with self.subTest(message=name):
                try:
                    theirs = of_cross.osken_parse(dp, buf)
                except Exception as e:  # noqa: BLE001 - report which message os-ken rejects
                    self.fail(f"os-ken cannot parse our {name}: {e!r} ({buf.hex()})")
                if theirs is None or type(theirs).__name__ in ("OFPMultipartRequest",):
                    skipped.append(name)
                    continue
                cmp = of_cross.Comparer(ofproto)
                cmp.message(ours, theirs)
                self.assertEqual(cmp.mismatches, [], f"{name}: {theirs}")
                self.assertLessEqual(set(cmp.missing), of_cross.NOT_IN_OSKEN, name)
                self.assertGreaterEqual(cmp.compared, 1)
                compared += cmp.compared
                parsed += 1
        print(f"\nversion {version}: os-ken parsed {parsed} of our sample messages, "
              f"{compared} fields equal; no parser in os-ken for: {' '.join(sorted(skipped))}")
        return parsed

    def test_of13(self):
        self.assertGreaterEqual(self.check(4, ofproto_v1_3, ofproto_v1_3_parser), 25)

    def test_of10(self):
        self.assertGreaterEqual(self.check(1, ofproto_v1_0, ofproto_v1_0_parser), 10)


def messages13(dp):
    ofp, p = dp.ofproto, dp.ofproto_parser
    match = p.OFPMatch(in_port=3, eth_dst=("00:11:22:33:44:55", "ff:ff:ff:00:00:00"),
                       eth_type=0x0800, vlan_vid=(0x1000 | 10, 0x1fff), ip_proto=6,
                       ipv4_src=("10.0.0.0", "255.0.0.0"), ipv4_dst="10.1.2.3", tcp_dst=80,
                       metadata=(0x1234, 0xffff), ip_dscp=10, tunnel_id=(99, 0xff))
    match6 = p.OFPMatch(eth_type=0x86dd, ipv6_src=("2001:db8::1", "ffff:ffff::"),
                        ipv6_dst="fe80::1", ip_proto=58, icmpv6_type=135,
                        ipv6_nd_target="2001:db8::2", ipv6_flabel=(5, 0xfffff),
                        ipv6_exthdr=(0x10, 0x1ff), pbb_isid=(0x123456, 0xffffff),
                        mpls_label=17, mpls_tc=3, mpls_bos=1, arp_op=1, arp_spa="1.2.3.4",
                        arp_tha="00:00:00:00:00:01")
    actions = [p.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER),
               p.OFPActionCopyTtlOut(), p.OFPActionCopyTtlIn(), p.OFPActionSetMplsTtl(7),
               p.OFPActionDecMplsTtl(), p.OFPActionPushVlan(0x8100), p.OFPActionPopVlan(),
               p.OFPActionPushMpls(0x8847), p.OFPActionPopMpls(0x0800), p.OFPActionSetQueue(3),
               p.OFPActionGroup(5), p.OFPActionSetNwTtl(64), p.OFPActionDecNwTtl(),
               p.OFPActionSetField(eth_src="00:00:00:00:00:09"),
               p.OFPActionSetField(ipv4_dst="192.168.0.1"), p.OFPActionSetField(vlan_vid=0x1005),
               p.OFPActionPushPbb(0x88e7), p.OFPActionPopPbb(),
               p.OFPActionExperimenterUnknown(0x2320, b"\x00\x0e\x00\x00\x00\x00\x00\x00")]
    insts = [p.OFPInstructionMeter(4), p.OFPInstructionActions(ofp.OIT_APPLY_ACTIONS
                                                               if hasattr(ofp, "OIT_APPLY_ACTIONS")
                                                               else ofp.OFPIT_APPLY_ACTIONS,
                                                               actions),
             p.OFPInstructionActions(ofp.OFPIT_CLEAR_ACTIONS, []),
             p.OFPInstructionActions(ofp.OFPIT_WRITE_ACTIONS, [p.OFPActionOutput(2)]),
             p.OFPInstructionWriteMetadata(0xabcdef, 0xffffff), p.OFPInstructionGotoTable(3)]
    buckets = [p.OFPBucket(weight=10, watch_port=1, watch_group=ofp.OFPG_ANY,
                           actions=[p.OFPActionOutput(1)]),
               p.OFPBucket(weight=20, watch_port=2, watch_group=ofp.OFPG_ANY,
                           actions=[p.OFPActionSetField(eth_dst="00:00:00:00:00:02"),
                                    p.OFPActionOutput(2)])]
    bands = [p.OFPMeterBandDrop(rate=1000, burst_size=10),
             p.OFPMeterBandDscpRemark(rate=500, burst_size=5, prec_level=1)]
    props = [p.OFPTableFeaturePropInstructions(
                 type_=ofp.OFPTFPT_INSTRUCTIONS,
                 instruction_ids=[p.OFPInstructionId(ofp.OFPIT_GOTO_TABLE),
                                  p.OFPInstructionId(ofp.OFPIT_APPLY_ACTIONS)]),
             p.OFPTableFeaturePropNextTables(type_=ofp.OFPTFPT_NEXT_TABLES, table_ids=[1, 2, 3]),
             p.OFPTableFeaturePropActions(type_=ofp.OFPTFPT_APPLY_ACTIONS,
                                          action_ids=[p.OFPActionId(ofp.OFPAT_OUTPUT)]),
             p.OFPTableFeaturePropOxm(type_=ofp.OFPTFPT_MATCH,
                                      oxm_ids=[p.OFPOxmId("in_port"),
                                               p.OFPOxmId("eth_dst", hasmask=True)])]
    tf = p.OFPTableFeaturesStats(table_id=0, name=b"table0", metadata_match=0xff,
                                 metadata_write=0xff, config=0, max_entries=1000,
                                 properties=props)
    return [
        p.OFPHello(dp),  # os-ken serializes no hello elements
        p.OFPEchoRequest(dp, data=b"ping"),
        p.OFPEchoReply(dp, data=b"pong"),
        p.OFPErrorMsg(dp, type_=ofp.OFPET_BAD_REQUEST, code=ofp.OFPBRC_BAD_LEN,
                      data=b"\x04\x0e\x00\x08\x00\x00\x00\x01"),
        p.OFPExperimenter(dp, experimenter=0x2320, exp_type=7, data=b"abcdefgh"),
        p.OFPFeaturesRequest(dp),
        p.OFPGetConfigRequest(dp),
        p.OFPSetConfig(dp, ofp.OFPC_FRAG_NORMAL, 128),
        p.OFPPacketOut(dp, buffer_id=ofp.OFP_NO_BUFFER, in_port=ofp.OFPP_CONTROLLER,
                       actions=[p.OFPActionOutput(ofp.OFPP_FLOOD)], data=b"\xff" * 6 + b"x" * 54),
        p.OFPFlowMod(dp, cookie=0x1111, cookie_mask=0xffff, table_id=1,
                     command=ofp.OFPFC_MODIFY_STRICT, idle_timeout=10, hard_timeout=20,
                     priority=300, buffer_id=ofp.OFP_NO_BUFFER, out_port=ofp.OFPP_ANY,
                     out_group=ofp.OFPG_ANY, flags=ofp.OFPFF_SEND_FLOW_REM, match=match,
                     instructions=insts),
        p.OFPFlowMod(dp, match=match6, instructions=[]),
        p.OFPGroupMod(dp, ofp.OFPGC_ADD, ofp.OFPGT_SELECT, 7, buckets),
        p.OFPPortMod(dp, port_no=3, hw_addr="00:11:22:33:44:66", config=1, mask=1, advertise=0),
        p.OFPTableMod(dp, 2, 3),
        p.OFPMeterMod(dp, ofp.OFPMC_ADD, ofp.OFPMF_KBPS, 3, bands),
        p.OFPDescStatsRequest(dp, 0),
        p.OFPFlowStatsRequest(dp, 0, 1, ofp.OFPP_ANY, ofp.OFPG_ANY, 5, 7, match),
        p.OFPAggregateStatsRequest(dp, 0, ofp.OFPTT_ALL, 2, ofp.OFPG_ANY, 0, 0, p.OFPMatch()),
        p.OFPTableStatsRequest(dp, 0),
        p.OFPPortStatsRequest(dp, 0, ofp.OFPP_ANY),
        p.OFPQueueStatsRequest(dp, 0, 1, ofp.OFPQ_ALL),
        p.OFPGroupStatsRequest(dp, 0, ofp.OFPG_ALL),
        p.OFPGroupDescStatsRequest(dp, 0),
        p.OFPGroupFeaturesStatsRequest(dp, 0),
        p.OFPMeterStatsRequest(dp, 0, ofp.OFPM_ALL),
        p.OFPMeterConfigStatsRequest(dp, 0, 3),
        p.OFPMeterFeaturesStatsRequest(dp, 0),
        p.OFPTableFeaturesStatsRequest(dp, 0, [tf]),
        p.OFPPortDescStatsRequest(dp, 0),
        p.OFPExperimenterStatsRequest(dp, 0, 0x2320, 3, b"12345678"),
        p.OFPBarrierRequest(dp),
        p.OFPQueueGetConfigRequest(dp, 4),
        p.OFPRoleRequest(dp, ofp.OFPCR_ROLE_MASTER, 12345),
        p.OFPGetAsyncRequest(dp),
        p.OFPSetAsync(dp, [1, 2], [3, 4], [5, 6]),
    ]


def messages10(dp):
    ofp, p = dp.ofproto, dp.ofproto_parser
    match = p.OFPMatch(wildcards=ofp.OFPFW_ALL & ~(ofp.OFPFW_IN_PORT | ofp.OFPFW_DL_TYPE),
                       in_port=1, dl_src=b"\x00\x01\x02\x03\x04\x05",
                       dl_dst=b"\x00\x01\x02\x03\x04\x06", dl_vlan=10, dl_vlan_pcp=1,
                       dl_type=0x0800, nw_tos=4, nw_proto=6, nw_src=0x0a000001,
                       nw_dst=0x0a000002, tp_src=1000, tp_dst=80)
    actions = [p.OFPActionOutput(2, 128), p.OFPActionVlanVid(10), p.OFPActionVlanPcp(3),
               p.OFPActionStripVlan(), p.OFPActionSetDlSrc(b"\x00\x00\x00\x00\x00\x07"),
               p.OFPActionSetDlDst(b"\x00\x00\x00\x00\x00\x08"), p.OFPActionSetNwSrc(0x01020304),
               p.OFPActionSetNwDst(0x05060708), p.OFPActionSetNwTos(8), p.OFPActionSetTpSrc(11),
               p.OFPActionSetTpDst(12), p.OFPActionEnqueue(3, 9)]
    vendor = p.OFPVendor(dp)
    vendor.vendor = 0x2320
    vendor.data = b"12345678"
    return [
        p.OFPHello(dp),
        p.OFPEchoRequest(dp, data=b"ping"),
        p.OFPEchoReply(dp, data=b"pong"),
        p.OFPErrorMsg(dp, type_=ofp.OFPET_BAD_REQUEST, code=ofp.OFPBRC_BAD_LEN,
                      data=b"\x01\x0e\x00\x08\x00\x00\x00\x01"),
        vendor,
        p.OFPFeaturesRequest(dp),
        p.OFPGetConfigRequest(dp),
        p.OFPSetConfig(dp, 0, 128),
        p.OFPPacketOut(dp, ofp.OFP_NO_BUFFER, ofp.OFPP_NONE, [p.OFPActionOutput(1)],
                       b"\xff" * 6 + b"x" * 54),
        p.OFPFlowMod(dp, match, 0x1234, ofp.OFPFC_ADD, 10, 20, 300, ofp.OFP_NO_BUFFER,
                     ofp.OFPP_NONE, ofp.OFPFF_SEND_FLOW_REM, actions),
        p.OFPPortMod(dp, 3, "00:11:22:33:44:55", 1, 1, 0),
        p.OFPBarrierRequest(dp),
        p.OFPQueueGetConfigRequest(dp, 2),
        p.OFPDescStatsRequest(dp, 0),
        p.OFPFlowStatsRequest(dp, 0, match, 0xff, ofp.OFPP_NONE),
        p.OFPAggregateStatsRequest(dp, 0, match, 0xff, ofp.OFPP_NONE),
        p.OFPTableStatsRequest(dp, 0),
        p.OFPPortStatsRequest(dp, 0, ofp.OFPP_NONE),
        p.OFPQueueStatsRequest(dp, 0, ofp.OFPP_ALL, ofp.OFPQ_ALL),
    ]


class OsKenInOurs(unittest.TestCase):
    def check(self, version, ofproto, parser, build):
        dp = of_cross.Datapath(ofproto, parser)
        msgs = build(dp)
        blobs = []
        for i, m in enumerate(msgs):
            m.set_xid(1000 + i)
            m.serialize()
            blobs.append(bytes(m.buf))
        results = of_cross.decode(version, blobs)
        self.assertEqual(len(results), len(msgs))
        for m, blob, r in zip(msgs, blobs, results):
            name = type(m).__name__
            with self.subTest(message=name):
                self.assertEqual(r[0], "OK", f"{name} {blob.hex()}: {r}")
                self.assertEqual(r[1].hex(), blob.hex(), f"{name}: our re-encoding differs")
                cmp = of_cross.Comparer(ofproto)
                cmp.message(r[2], m)
                self.assertEqual(cmp.mismatches, [], name)
                self.assertLessEqual(set(cmp.missing), of_cross.NOT_IN_OSKEN, name)
        print(f"\nversion {version}: {len(msgs)} messages serialized by os-ken decode in ours "
              "to the same fields and re-encode to the same bytes")

    def test_of13(self):
        self.check(4, ofproto_v1_3, ofproto_v1_3_parser, messages13)

    def test_of10(self):
        self.check(1, ofproto_v1_0, ofproto_v1_0_parser, messages10)


if __name__ == "__main__":
    unittest.main()
