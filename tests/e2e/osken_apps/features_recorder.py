"""An os-ken app for the controller-connection tests: records each switch that completes the
handshake (datapath ID, negotiated version, its ports from PORT_DESC/FEATURES) as one JSON line
in the file named by $VS_OSKEN_RECORD."""

import json
import os

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls


class FeaturesRecorder(app_manager.OSKenApp):
    def _record(self, **fields):
        with open(os.environ["VS_OSKEN_RECORD"], "a") as f:
            f.write(json.dumps(fields) + "\n")

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        dp = ev.msg.datapath
        self._record(event="features", dpid=ev.msg.datapath_id, version=dp.ofproto.OFP_VERSION)
        parser = dp.ofproto_parser
        if dp.ofproto.OFP_VERSION >= 4:
            dp.send_msg(parser.OFPPortDescStatsRequest(dp, 0))
        dp.send_msg(parser.OFPBarrierRequest(dp))

    @set_ev_cls(ofp_event.EventOFPPortDescStatsReply, MAIN_DISPATCHER)
    def port_desc(self, ev):
        self._record(event="port_desc", ports=[p.name.decode() for p in ev.msg.body])

    @set_ev_cls(ofp_event.EventOFPBarrierReply, MAIN_DISPATCHER)
    def barrier(self, ev):
        self._record(event="barrier", xid=ev.msg.xid)
