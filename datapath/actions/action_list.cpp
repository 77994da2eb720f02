// ActionList construction (copy_for_output), Action factories and equality, and printing in Open
// vSwitch's datapath action syntax. Control-thread code: it may allocate. The parser is in
// action_parse.cpp.
#include "datapath/actions/action_list.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstring>

namespace vs {

namespace {

bool modifies_packet(ActionType t) {
    switch (t) {
        case ActionType::kOutput:
        case ActionType::kFlood:
        case ActionType::kUpcall:
            return false;
        case ActionType::kSetEthSrc:
        case ActionType::kSetEthDst:
        case ActionType::kSetVlanVid:
        case ActionType::kSetVlanPcp:
        case ActionType::kPushVlan:
        case ActionType::kPopVlan:
        case ActionType::kSetIpv4Src:
        case ActionType::kSetIpv4Dst:
        case ActionType::kSetIpv6Src:
        case ActionType::kSetIpv6Dst:
        case ActionType::kSetDscp:
        case ActionType::kSetTtl:
        case ActionType::kDecTtl:
        case ActionType::kSetTpSrc:
        case ActionType::kSetTpDst:
        case ActionType::kSetEcn:
        case ActionType::kSetIpv6Label:
        case ActionType::kSetIcmpType:
        case ActionType::kSetIcmpCode:
        case ActionType::kSetArpOp:
        case ActionType::kSetArpSpa:
        case ActionType::kSetArpTpa:
        case ActionType::kSetArpSha:
        case ActionType::kSetArpTha:
        case ActionType::kSetNdTarget:
        case ActionType::kSetNdSll:
        case ActionType::kSetNdTll:
        case ActionType::kSetQueue:  // the queue id lives in the packet's metadata
        case ActionType::kPushMpls:
        case ActionType::kPopMpls:
        case ActionType::kSetMplsLabel:
        case ActionType::kSetMplsTc:
        case ActionType::kSetMplsBos:
        case ActionType::kSetMplsTtl:
        case ActionType::kDecMplsTtl:
        case ActionType::kCopyTtlOut:
        case ActionType::kCopyTtlIn:
        case ActionType::kPushPbb:
        case ActionType::kPopPbb:
        case ActionType::kSetPbbIsid:
        case ActionType::kTunnelPush:
        case ActionType::kTunnelPop:
        case ActionType::kMeter:  // a DSCP-remark band edits the packet
            return true;
    }
    return true;
}

bool consumes_packet(ActionType t) {
    return t == ActionType::kOutput || t == ActionType::kFlood || t == ActionType::kUpcall;
}

Action with_u8(ActionType t, uint8_t v) {
    Action a{t};
    std::memset(&a.v, 0, sizeof(a.v));
    a.v.u8 = v;
    return a;
}

std::string mac_str(const EthAddr& m) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4],
                       m[5]);
}

std::string ip4_str(uint32_t raw) {
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &raw, buf, sizeof(buf));
    return buf;
}

std::string ip6_str(const Ip6Addr& a) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a.data(), buf, sizeof(buf));
    return buf;
}

const char* reason_str(uint32_t r) {
    switch (static_cast<UpcallReason>(r)) {
        case UpcallReason::kMiss:
            return "miss";
        case UpcallReason::kAction:
            return "action";
        case UpcallReason::kSlowPath:
            return "slow_path";
    }
    return "?";
}

const char* tp_proto_str(uint8_t proto) {
    switch (proto) {
        case 6:
            return "tcp";
        case 17:
            return "udp";
        case 132:
            return "sctp";
        default:
            return "tp";
    }
}

std::string action_str(const Action& a) {
    switch (a.type) {
        case ActionType::kOutput:
            return std::to_string(a.u32);
        case ActionType::kFlood:
            return "flood";
        case ActionType::kUpcall:
            return fmt::format("userspace(reason={})", reason_str(a.u32));
        case ActionType::kSetEthSrc:
            return fmt::format("set(eth(src={}))", mac_str(a.v.mac));
        case ActionType::kSetEthDst:
            return fmt::format("set(eth(dst={}))", mac_str(a.v.mac));
        case ActionType::kSetVlanVid:
            return fmt::format("set(vlan(vid={}))", a.u16);
        case ActionType::kSetVlanPcp:
            return fmt::format("set(vlan(pcp={}))", a.v.u8);
        case ActionType::kPushVlan: {
            std::string tpid = a.u16 == 0x8100 ? "" : fmt::format("tpid={:#06x},", a.u16);
            return fmt::format("push_vlan({}vid={},pcp={})", tpid, a.u32 & kVlanVidMask,
                               (a.u32 & kVlanPcpMask) >> 13);
        }
        case ActionType::kPopVlan:
            return "pop_vlan";
        case ActionType::kSetIpv4Src:
            return fmt::format("set(ipv4(src={}))", ip4_str(a.u32));
        case ActionType::kSetIpv4Dst:
            return fmt::format("set(ipv4(dst={}))", ip4_str(a.u32));
        case ActionType::kSetIpv6Src:
            return fmt::format("set(ipv6(src={}))", ip6_str(a.v.ip6));
        case ActionType::kSetIpv6Dst:
            return fmt::format("set(ipv6(dst={}))", ip6_str(a.v.ip6));
        // DSCP keeps ECN, which OVS writes as a masked TOS; applies to IPv6 traffic class too.
        case ActionType::kSetDscp:
            return fmt::format("set(ipv4(tos={:#x}/0xfc))", a.v.u8 << 2);
        case ActionType::kSetTtl:
            return fmt::format("set(ipv4(ttl={}))", a.v.u8);
        case ActionType::kDecTtl:
            return "dec_ttl";
        case ActionType::kSetTpSrc:
            return fmt::format("set({}(src={}))", tp_proto_str(a.v.u8), a.u16);
        case ActionType::kSetTpDst:
            return fmt::format("set({}(dst={}))", tp_proto_str(a.v.u8), a.u16);
        case ActionType::kSetEcn:
            return fmt::format("set(ipv4(tos={:#x}/0x3))", a.v.u8);
        case ActionType::kSetIpv6Label:
            return fmt::format("set(ipv6(label={:#x}))", a.u32);
        case ActionType::kSetIcmpType:
            return fmt::format("set(icmp(type={}))", a.v.u8);
        case ActionType::kSetIcmpCode:
            return fmt::format("set(icmp(code={}))", a.v.u8);
        case ActionType::kSetArpOp:
            return fmt::format("set(arp(op={}))", a.u16);
        case ActionType::kSetArpSpa:
            return fmt::format("set(arp(sip={}))", ip4_str(a.u32));
        case ActionType::kSetArpTpa:
            return fmt::format("set(arp(tip={}))", ip4_str(a.u32));
        case ActionType::kSetArpSha:
            return fmt::format("set(arp(sha={}))", mac_str(a.v.mac));
        case ActionType::kSetArpTha:
            return fmt::format("set(arp(tha={}))", mac_str(a.v.mac));
        case ActionType::kSetNdTarget:
            return fmt::format("set(nd(target={}))", ip6_str(a.v.ip6));
        case ActionType::kSetNdSll:
            return fmt::format("set(nd(sll={}))", mac_str(a.v.mac));
        case ActionType::kSetNdTll:
            return fmt::format("set(nd(tll={}))", mac_str(a.v.mac));
        case ActionType::kSetQueue:
            return fmt::format("set_queue({})", a.u32);
        case ActionType::kPushMpls:
            return fmt::format("push_mpls(eth_type={:#x})", a.u16);
        case ActionType::kPopMpls:
            return fmt::format("pop_mpls(eth_type={:#x})", a.u16);
        case ActionType::kSetMplsLabel:
            return fmt::format("set(mpls(label={}))", a.u32);
        case ActionType::kSetMplsTc:
            return fmt::format("set(mpls(tc={}))", a.v.u8);
        case ActionType::kSetMplsBos:
            return fmt::format("set(mpls(bos={}))", a.v.u8);
        case ActionType::kSetMplsTtl:
            return fmt::format("set(mpls(ttl={}))", a.v.u8);
        case ActionType::kDecMplsTtl:
            return "dec_mpls_ttl";
        case ActionType::kCopyTtlOut:
            return "copy_ttl_out";
        case ActionType::kCopyTtlIn:
            return "copy_ttl_in";
        case ActionType::kPushPbb:
            return fmt::format("push_pbb(eth_type={:#x})", a.u16);
        case ActionType::kPopPbb:
            return "pop_pbb";
        case ActionType::kSetPbbIsid:
            return fmt::format("set(pbb(isid={}))", a.u32);
        case ActionType::kTunnelPush:
            return "tnl_push";
        case ActionType::kTunnelPop:
            return "tnl_pop";
        case ActionType::kMeter:
            return fmt::format("meter({})", a.u32);
    }
    return "?";
}

}  // namespace

Action Action::set_eth_src(const EthAddr& m) {
    Action a{ActionType::kSetEthSrc};
    std::memset(&a.v, 0, sizeof(a.v));
    a.v.mac = m;
    return a;
}

Action Action::set_eth_dst(const EthAddr& m) {
    Action a = set_eth_src(m);
    a.type = ActionType::kSetEthDst;
    return a;
}

Action Action::set_vlan_pcp(uint8_t pcp) {
    return with_u8(ActionType::kSetVlanPcp, pcp);
}

Action Action::set_ipv6_src(const Ip6Addr& addr) {
    Action a{ActionType::kSetIpv6Src};
    a.v.ip6 = addr;
    return a;
}

Action Action::set_ipv6_dst(const Ip6Addr& addr) {
    Action a = set_ipv6_src(addr);
    a.type = ActionType::kSetIpv6Dst;
    return a;
}

Action Action::set_dscp(uint8_t dscp) {
    return with_u8(ActionType::kSetDscp, dscp);
}
Action Action::set_ttl(uint8_t ttl) {
    return with_u8(ActionType::kSetTtl, ttl);
}

Action Action::set_tp_src(uint16_t port, uint8_t proto_hint) {
    Action a = with_u8(ActionType::kSetTpSrc, proto_hint);
    a.u16 = port;
    return a;
}

Action Action::set_tp_dst(uint16_t port, uint8_t proto_hint) {
    Action a = set_tp_src(port, proto_hint);
    a.type = ActionType::kSetTpDst;
    return a;
}

Action Action::set_ecn(uint8_t ecn) {
    return with_u8(ActionType::kSetEcn, ecn & 0x3);
}
Action Action::set_mpls_tc(uint8_t tc) {
    return with_u8(ActionType::kSetMplsTc, tc & 0x7);
}
Action Action::set_mpls_bos(uint8_t bos) {
    return with_u8(ActionType::kSetMplsBos, bos & 0x1);
}
Action Action::set_mpls_ttl(uint8_t ttl) {
    return with_u8(ActionType::kSetMplsTtl, ttl);
}
Action Action::set_icmp_type(uint8_t type) {
    return with_u8(ActionType::kSetIcmpType, type);
}
Action Action::set_icmp_code(uint8_t code) {
    return with_u8(ActionType::kSetIcmpCode, code);
}

namespace {

Action with_mac(ActionType t, const EthAddr& m) {
    Action a = Action::set_eth_src(m);
    a.type = t;
    return a;
}

}  // namespace

Action Action::set_arp_sha(const EthAddr& m) {
    return with_mac(ActionType::kSetArpSha, m);
}
Action Action::set_arp_tha(const EthAddr& m) {
    return with_mac(ActionType::kSetArpTha, m);
}
Action Action::set_nd_sll(const EthAddr& m) {
    return with_mac(ActionType::kSetNdSll, m);
}
Action Action::set_nd_tll(const EthAddr& m) {
    return with_mac(ActionType::kSetNdTll, m);
}
Action Action::set_nd_target(const Ip6Addr& addr) {
    Action a = set_ipv6_src(addr);
    a.type = ActionType::kSetNdTarget;
    return a;
}

bool operator==(const Action& a, const Action& b) {
    if (a.type != b.type || a.copy_for_output != b.copy_for_output || a.u16 != b.u16 ||
        a.u32 != b.u32) {
        return false;
    }
    switch (a.type) {
        case ActionType::kSetEthSrc:
        case ActionType::kSetEthDst:
        case ActionType::kSetArpSha:
        case ActionType::kSetArpTha:
        case ActionType::kSetNdSll:
        case ActionType::kSetNdTll:
            return a.v.mac == b.v.mac;
        case ActionType::kSetIpv6Src:
        case ActionType::kSetIpv6Dst:
        case ActionType::kSetNdTarget:
            return a.v.ip6 == b.v.ip6;
        case ActionType::kSetEcn:
        case ActionType::kSetIcmpType:
        case ActionType::kSetIcmpCode:
        case ActionType::kSetMplsTc:
        case ActionType::kSetMplsBos:
        case ActionType::kSetMplsTtl:
        case ActionType::kSetVlanPcp:
        case ActionType::kSetDscp:
        case ActionType::kSetTtl:
        case ActionType::kSetTpSrc:
        case ActionType::kSetTpDst:
            return a.v.u8 == b.v.u8;
        default:
            return true;
    }
}

ActionList::ActionList(std::vector<Action> actions) : actions_(std::move(actions)) {
    // Walk backwards. `dirty` says that some action after the current one modifies the packet
    // and some consumer (output, flood, upcall) after that modification sees the result.
    bool dirty = false;
    int n_consumers_after = 0;
    int n_consumers = 0;
    for (auto& a : actions_)
        n_consumers += consumes_packet(a.type) ? 1 : 0;
    for (size_t i = actions_.size(); i-- > 0;) {
        Action& a = actions_[i];
        a.copy_for_output = false;
        if (a.type == ActionType::kOutput || a.type == ActionType::kFlood) {
            a.copy_for_output = dirty;
        } else if (a.type == ActionType::kUpcall) {
            a.copy_for_output = dirty || n_consumers > 1;
        }
        if (consumes_packet(a.type)) {
            if (n_consumers_after == 0) n_run_ = i + 1;
            ++n_consumers_after;
        } else if (modifies_packet(a.type) && n_consumers_after > 0) {
            dirty = true;
        }
    }
}

// n_run_ follows from the actions, so comparing them is enough.
bool operator==(const ActionList& a, const ActionList& b) {
    return a.actions_ == b.actions_;
}

std::string ActionList::to_string() const {
    if (actions_.empty()) return "drop";
    std::string out;
    for (const Action& a : actions_) {
        if (!out.empty()) out += ',';
        out += action_str(a);
    }
    return out;
}

}  // namespace vs
