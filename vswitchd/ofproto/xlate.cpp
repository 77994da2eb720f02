// xlate: the OpenFlow 1.3 pipeline (section 5) over one packet's key.
#include "vswitchd/ofproto/xlate.hpp"

#include <algorithm>
#include <cstring>

#include "datapath/packet/flow_parse.hpp"

namespace vs {

namespace {

using of13::OxmField;

struct Run {
    const XlateEnv& env;
    const Upcall& upcall;
    UpcallDecision& decision;
    XlateResult& result;
    FlowKey key;  // as the actions so far left the packet
    uint64_t metadata = 0;
    uint64_t metadata_looked = 0;
    std::vector<Action> actions;
    bool normal_failed = false;
    // MPLS entries popped so far; once a pop has exposed what the stack carried, the key holds
    // fields a megaflow of the MPLS packet cannot match, so later lookups make it uncacheable.
    size_t mpls_popped = 0;
    bool pbb_popped = false;            // as mpls_popped, for a PBB pop
    std::vector<uint8_t> popped_frame;  // the frame after the pops, for a PACKET_IN

    void output(uint32_t dp_port) {
        if (dp_port != key.in_port) actions.push_back(Action::output(dp_port));
    }

    void normal() {
        UpcallDecision sub;
        const Upcall as_modified{key, upcall.reason, upcall.pmd, upcall.packet};
        if (!env.normal(as_modified, sub)) {
            normal_failed = true;
            return;
        }
        for (const Action& a : sub.actions)
            actions.push_back(a);
        for (size_t w = 0; w < FlowKey::kWords; ++w)
            decision.mask.words()[w] |= sub.mask.words()[w];
        decision.install = decision.install && sub.install;
    }

    void do_output(const of13::ActionOutput& out, uint8_t table, const OfRule& rule) {
        namespace port = of13::port_no;
        switch (out.port) {
            case port::kNormal:
                normal();
                break;
            case port::kFlood:
            case port::kAll:
                for (uint32_t p : env.bridge_ports)
                    output(p);
                break;
            case port::kInPort:
                actions.push_back(Action::output(key.in_port));
                break;
            case port::kLocal:
                if (env.local_port) output(*env.local_port);
                break;
            case port::kController:
                result.to_controller = true;
                result.controller_max_len = out.max_len;
                result.controller_table = table;
                result.controller_cookie = rule.cookie;
                if (mpls_popped > 0 || pbb_popped) result.controller_packet = popped_frame;
                decision.install = false;  // every such packet must reach the control thread
                break;
            default:
                if (auto dp = env.ports.to_datapath(out.port)) output(*dp);
        }
    }

    void set_field(const of13::Oxm& f) {
        const uint64_t v = f.value.size() <= 8 ? f.value_uint() : 0;
        EthAddr mac{};
        if (f.value.size() == 6) std::copy(f.value.begin(), f.value.end(), mac.begin());
        if (set_field_more(f, v, mac)) return;
        if (f.is(OxmField::kEthDst)) {
            actions.push_back(Action::set_eth_dst(mac));
            key.eth_dst = mac;
        } else if (f.is(OxmField::kEthSrc)) {
            actions.push_back(Action::set_eth_src(mac));
            key.eth_src = mac;
        } else if (f.is(OxmField::kVlanVid)) {
            actions.push_back(Action::set_vlan_vid(static_cast<uint16_t>(v & kVlanVidMask)));
            const uint16_t tci = key.vlans[0].tci.host();
            if (tci & kVlanPresent) {
                key.vlans[0].tci = Be16::from_host(
                    static_cast<uint16_t>((tci & ~kVlanVidMask) | (v & kVlanVidMask)));
            }
        } else if (f.is(OxmField::kVlanPcp)) {
            actions.push_back(Action::set_vlan_pcp(static_cast<uint8_t>(v & 7)));
            const uint16_t tci = key.vlans[0].tci.host();
            if (tci & kVlanPresent) {
                key.vlans[0].tci =
                    Be16::from_host(static_cast<uint16_t>((tci & ~kVlanPcpMask) | ((v & 7) << 13)));
            }
        } else if (f.is(OxmField::kIpDscp)) {
            actions.push_back(Action::set_dscp(static_cast<uint8_t>(v & 0x3f)));
            key.nw_tos = static_cast<uint8_t>((key.nw_tos & 0x03) | ((v & 0x3f) << 2));
        } else if (f.is(OxmField::kIpEcn)) {
            actions.push_back(Action::set_ecn(static_cast<uint8_t>(v & 0x03)));
            key.nw_tos = static_cast<uint8_t>((key.nw_tos & 0xfc) | (v & 0x03));
        } else if (f.is(OxmField::kIpv4Src)) {
            actions.push_back(Action::set_ipv4_src(Be32::from_host(static_cast<uint32_t>(v))));
            key.nw_src = Be32::from_host(static_cast<uint32_t>(v));
        } else if (f.is(OxmField::kIpv4Dst)) {
            actions.push_back(Action::set_ipv4_dst(Be32::from_host(static_cast<uint32_t>(v))));
            key.nw_dst = Be32::from_host(static_cast<uint32_t>(v));
        } else if (f.is(OxmField::kTcpSrc) || f.is(OxmField::kUdpSrc) || f.is(OxmField::kSctpSrc)) {
            actions.push_back(Action::set_tp_src(static_cast<uint16_t>(v), key.nw_proto));
            key.tp_src = Be16::from_host(static_cast<uint16_t>(v));
        } else if (f.is(OxmField::kTcpDst) || f.is(OxmField::kUdpDst) || f.is(OxmField::kSctpDst)) {
            actions.push_back(Action::set_tp_dst(static_cast<uint16_t>(v), key.nw_proto));
            key.tp_dst = Be16::from_host(static_cast<uint16_t>(v));
        }
    }

    // The set-fields of ICMP, ARP, IPv6 and ND fields and tunnel_id; false for any other field.
    bool set_field_more(const of13::Oxm& f, uint64_t v, const EthAddr& mac) {
        Ip6Addr ip6{};
        if (f.value.size() == 16) std::copy(f.value.begin(), f.value.end(), ip6.begin());
        const auto v32 = Be32::from_host(static_cast<uint32_t>(v));
        if (f.is(OxmField::kIcmpv4Type) || f.is(OxmField::kIcmpv6Type)) {
            actions.push_back(Action::set_icmp_type(static_cast<uint8_t>(v)));
            key.tp_src = Be16::from_host(static_cast<uint8_t>(v));
        } else if (f.is(OxmField::kIcmpv4Code) || f.is(OxmField::kIcmpv6Code)) {
            actions.push_back(Action::set_icmp_code(static_cast<uint8_t>(v)));
            key.tp_dst = Be16::from_host(static_cast<uint8_t>(v));
        } else if (f.is(OxmField::kArpOp)) {
            actions.push_back(Action::set_arp_op(static_cast<uint16_t>(v)));
            key.nw_proto = v <= 0xff ? static_cast<uint8_t>(v) : 0;
        } else if (f.is(OxmField::kArpSpa)) {
            actions.push_back(Action::set_arp_spa(v32));
            key.nw_src = v32;
        } else if (f.is(OxmField::kArpTpa)) {
            actions.push_back(Action::set_arp_tpa(v32));
            key.nw_dst = v32;
        } else if (f.is(OxmField::kArpSha)) {
            actions.push_back(Action::set_arp_sha(mac));
            key.arp_sha = mac;
        } else if (f.is(OxmField::kArpTha)) {
            actions.push_back(Action::set_arp_tha(mac));
            key.arp_tha = mac;
        } else if (f.is(OxmField::kIpv6Src)) {
            actions.push_back(Action::set_ipv6_src(ip6));
            key.ipv6_src = ip6;
        } else if (f.is(OxmField::kIpv6Dst)) {
            actions.push_back(Action::set_ipv6_dst(ip6));
            key.ipv6_dst = ip6;
        } else if (f.is(OxmField::kIpv6Flabel)) {
            actions.push_back(Action::set_ipv6_label(static_cast<uint32_t>(v & 0xfffff)));
            key.ipv6_label = Be32::from_host(static_cast<uint32_t>(v & 0xfffff));
        } else if (f.is(OxmField::kIpv6NdTarget)) {
            actions.push_back(Action::set_nd_target(ip6));
            key.nd_target = ip6;
        } else if (f.is(OxmField::kIpv6NdSll)) {
            actions.push_back(Action::set_nd_sll(mac));
            key.arp_sha = mac;
        } else if (f.is(OxmField::kIpv6NdTll)) {
            actions.push_back(Action::set_nd_tll(mac));
            key.arp_tha = mac;
        } else if (f.is(OxmField::kMplsLabel) || f.is(OxmField::kMplsTc) ||
                   f.is(OxmField::kMplsBos)) {
            set_mpls_field(f, v);
        } else if (f.is(OxmField::kPbbIsid)) {
            actions.push_back(Action::set_pbb_isid(static_cast<uint32_t>(v)));
            if (key.eth_type.host() == kEthTypePbb) {
                key.nw_src = Be32::from_host((key.nw_src.host() & ~kPbbIsidMask) |
                                             (static_cast<uint32_t>(v) & kPbbIsidMask));
            }
        } else if (f.is(OxmField::kTunnelId)) {
            // Pipeline metadata here: later tables match it; no datapath action (tunnel ports
            // take their key from their configuration).
            key.tun_id = v;
        } else {
            return false;
        }
        return true;
    }

    static bool is_mpls(const FlowKey& k) {
        const uint16_t t = k.eth_type.host();
        return (t == kEthTypeMpls || t == kEthTypeMplsMcast) && (k.layers & kLayerL3);
    }

    // Changes bits `mask` of the top MPLS entry in the key (no-op without MPLS, as in the
    // datapath).
    void set_lse(uint32_t mask, uint32_t bits) {
        if (is_mpls(key)) key.nw_src = Be32::from_host((key.nw_src.host() & ~mask) | (bits & mask));
    }

    void set_mpls_field(const of13::Oxm& f, uint64_t v) {
        if (f.is(OxmField::kMplsLabel)) {
            actions.push_back(Action::set_mpls_label(static_cast<uint32_t>(v)));
            set_lse(kMplsLabelMask, static_cast<uint32_t>(v) << kMplsLabelShift);
        } else if (f.is(OxmField::kMplsTc)) {
            actions.push_back(Action::set_mpls_tc(static_cast<uint8_t>(v)));
            set_lse(kMplsTcMask, static_cast<uint32_t>(v) << kMplsTcShift);
        } else {
            actions.push_back(Action::set_mpls_bos(static_cast<uint8_t>(v)));
            set_lse(kMplsBos, v ? kMplsBos : 0);
        }
    }

    // As the datapath's push: a copy of the top entry with BoS cleared, or label 0, TC 0, BoS 1
    // and the IP TTL; the key becomes that of an MPLS packet.
    void push_mpls(uint16_t eth_type) {
        decision.mask.eth_type = Be16{0xffff};
        decision.mask.nw_ttl = 0xff;
        uint32_t lse;
        if (is_mpls(key)) {
            decision.mask.nw_src = Be32{0xffffffff};
            lse = key.nw_src.host() & ~kMplsBos;
        } else {
            const uint16_t t = key.eth_type.host();
            const bool ip = (t == kEthTypeIpv4 || t == kEthTypeIpv6) && (key.layers & kLayerL3);
            lse = kMplsBos | (ip ? key.nw_ttl : 0);
        }
        actions.push_back(Action::push_mpls(eth_type));
        FlowKey k{};
        copy_l2(key, k);
        k.eth_type = Be16::from_host(eth_type);
        k.layers = kLayerL2 | kLayerL3;
        k.nw_src = Be32::from_host(lse);
        key = k;
    }

    // Ethernet addresses, VLAN tags, in_port and tunnel metadata.
    static void copy_l2(const FlowKey& from, FlowKey& to) {
        to.tun_id = from.tun_id;
        to.tun_src = from.tun_src;
        to.tun_dst = from.tun_dst;
        to.in_port = from.in_port;
        to.eth_dst = from.eth_dst;
        to.eth_src = from.eth_src;
        std::memcpy(static_cast<void*>(to.vlans), from.vlans, sizeof to.vlans);
    }

    // The key after a pop: the frame re-parsed without its first mpls_popped entries (the
    // datapath does the same), with the L2 fields and metadata the pipeline has so far.
    void pop_mpls(uint16_t eth_type) {
        decision.mask.eth_type = Be16{0xffff};
        actions.push_back(Action::pop_mpls(eth_type));
        if (!is_mpls(key)) return;
        ++mpls_popped;
        FlowKey k{};
        const std::span<const uint8_t> p = upcall.packet;
        FlowKey orig;
        PacketOffsets ofs;
        const auto size = static_cast<uint32_t>(p.size());
        const bool parsed =
            !p.empty() &&
            parse_flow_general(p.data(), size, key.in_port, orig, ofs) == ParseStatus::kOk &&
            is_mpls(orig) && ofs.l3 + 4 * mpls_popped <= size;
        if (parsed) {
            std::vector<uint8_t> frame(p.begin(), p.begin() + ofs.l3);
            frame[ofs.l3 - 2] = static_cast<uint8_t>(eth_type >> 8);
            frame[ofs.l3 - 1] = static_cast<uint8_t>(eth_type);
            frame.insert(frame.end(), p.begin() + ofs.l3 + 4 * mpls_popped, p.end());
            if (frame.size() < 60) frame.resize(60, 0);  // padded, as the datapath's pop does
            PacketOffsets inner_ofs;
            (void)parse_flow_general(frame.data(), static_cast<uint32_t>(frame.size()), key.in_port,
                                     k, inner_ofs);
            popped_frame = std::move(frame);
        } else {
            k.eth_type = Be16::from_host(eth_type);  // what it carried is unknown here
            k.layers = kLayerL2;
        }
        copy_l2(key, k);
        key = k;
    }

    // As the datapath's push: a backbone header with the frame's addresses and an I-TAG of zeros.
    void push_pbb(uint16_t eth_type) {
        actions.push_back(Action::push_pbb(eth_type));
        FlowKey k{};
        copy_l2(key, k);
        std::memset(static_cast<void*>(k.vlans), 0, sizeof k.vlans);  // now inside
        k.eth_type = Be16::from_host(eth_type);
        k.layers = kLayerL2 | kLayerL3;
        key = k;
    }

    // The key after a PBB pop: the customer frame (after the I-TAG) parsed, as the datapath does.
    void pop_pbb() {
        decision.mask.eth_type = Be16{0xffff};
        actions.push_back(Action::pop_pbb());
        if (key.eth_type.host() != kEthTypePbb || !(key.layers & kLayerL3)) return;
        const std::span<const uint8_t> p = upcall.packet;
        FlowKey orig;
        PacketOffsets ofs;
        const auto size = static_cast<uint32_t>(p.size());
        const bool parsed =
            !pbb_popped && mpls_popped == 0 && !p.empty() &&
            parse_flow_general(p.data(), size, key.in_port, orig, ofs) == ParseStatus::kOk &&
            orig.eth_type.host() == kEthTypePbb && ofs.l3 + 4u + 14u <= size;
        FlowKey k{};
        if (parsed) {
            std::vector<uint8_t> frame(p.begin() + ofs.l3 + 4, p.end());
            if (frame.size() < 60) frame.resize(60, 0);
            PacketOffsets inner_ofs;
            (void)parse_flow_general(frame.data(), static_cast<uint32_t>(frame.size()), key.in_port,
                                     k, inner_ofs);
            popped_frame = std::move(frame);
        }
        k.in_port = key.in_port;
        k.tun_id = key.tun_id;
        k.tun_src = key.tun_src;
        k.tun_dst = key.tun_dst;
        pbb_popped = true;
        key = k;
    }

    void apply(const of13::Action& a, uint8_t table, const OfRule& rule) {
        if (const auto* out = std::get_if<of13::ActionOutput>(&a)) {
            do_output(*out, table, rule);
        } else if (const auto* set = std::get_if<of13::ActionSetField>(&a)) {
            set_field(set->field);
        } else if (const auto* push = std::get_if<of13::ActionPushVlan>(&a)) {
            // The new tag copies the outer tag's VID and PCP when there is one (section 7.2.5).
            decision.mask.vlans[0].tci = Be16::from_host(0xffff);
            const uint16_t outer = key.vlans[0].tci.host();
            const uint16_t tci = (outer & kVlanPresent) ? outer : kVlanPresent;
            actions.push_back(Action::push_vlan(push->ethertype, tci));
            key.vlans[1] = key.vlans[0];
            key.vlans[0] = {Be16::from_host(push->ethertype), Be16::from_host(tci)};
        } else if (std::holds_alternative<of13::ActionPopVlan>(a)) {
            decision.mask.vlans[0].tci = Be16::from_host(0xffff);
            actions.push_back(Action::pop_vlan());
            key.vlans[0] = key.vlans[1];
            key.vlans[1] = {};
        } else if (const auto* ttl = std::get_if<of13::ActionSetNwTtl>(&a)) {
            actions.push_back(Action::set_ttl(ttl->nw_ttl));
            key.nw_ttl = ttl->nw_ttl;
        } else if (const auto* push_m = std::get_if<of13::ActionPushMpls>(&a)) {
            push_mpls(push_m->ethertype);
        } else if (const auto* pop_m = std::get_if<of13::ActionPopMpls>(&a)) {
            pop_mpls(pop_m->ethertype);
        } else if (const auto* push_b = std::get_if<of13::ActionPushPbb>(&a)) {
            push_pbb(push_b->ethertype);
        } else if (std::holds_alternative<of13::ActionPopPbb>(a)) {
            pop_pbb();
        } else if (const auto* mttl = std::get_if<of13::ActionSetMplsTtl>(&a)) {
            actions.push_back(Action::set_mpls_ttl(mttl->mpls_ttl));
            set_lse(kMplsTtlMask, mttl->mpls_ttl);
        } else if (std::holds_alternative<of13::ActionDecMplsTtl>(a)) {
            decision.mask.nw_src = Be32{0xffffffff};  // the datapath drops at TTL 1
            actions.push_back(Action::dec_mpls_ttl());
            if (is_mpls(key) && (key.nw_src.host() & kMplsTtlMask) > 0)
                key.nw_src = Be32::from_host(key.nw_src.host() - 1);
        } else if (std::holds_alternative<of13::ActionCopyTtlOut>(a)) {
            // The inner TTL is not in the key: later lookups cannot see the new top TTL.
            actions.push_back(Action::copy_ttl_out());
        } else if (std::holds_alternative<of13::ActionCopyTtlIn>(a)) {
            actions.push_back(Action::copy_ttl_in());
        } else if (const auto* q = std::get_if<of13::ActionSetQueue>(&a)) {
            actions.push_back(Action::set_queue(q->queue_id));
        } else if (std::holds_alternative<of13::ActionDecNwTtl>(a)) {
            decision.mask.nw_ttl = 0xff;  // a group bucket may have to restore it
            actions.push_back(Action::dec_ttl());
            if (key.nw_ttl > 0) --key.nw_ttl;
        } else if (const auto* g = std::get_if<of13::ActionGroup>(&a)) {
            group(g->group_id, table, rule);
        }
    }

    // Puts back what a bucket changed, so the next bucket of an "all" group sees the packet as
    // it came to the group. The restored values come from the packet: their fields join the
    // megaflow mask.
    void restore(const FlowKey& before) {
        key.tun_id = before.tun_id;  // metadata only: nothing to undo in the packet
        if (std::memcmp(&before.vlans, &key.vlans, sizeof before.vlans) != 0) {
            decision.mask.vlans[0].tci = Be16::from_host(0xffff);
            decision.mask.vlans[0].tpid = Be16::from_host(0xffff);
            const bool had = before.vlans[0].tci.host() & kVlanPresent;
            const bool has = key.vlans[0].tci.host() & kVlanPresent;
            if (has) actions.push_back(Action::pop_vlan());
            if (had) {
                actions.push_back(
                    Action::push_vlan(before.vlans[0].tpid.host(), before.vlans[0].tci.host()));
            }
        }
        if (before.eth_src != key.eth_src) {
            decision.mask.eth_src = EthAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
            actions.push_back(Action::set_eth_src(before.eth_src));
        }
        if (before.eth_dst != key.eth_dst) {
            decision.mask.eth_dst = EthAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
            actions.push_back(Action::set_eth_dst(before.eth_dst));
        }
        const bool arp = before.eth_type == Be16::from_host(0x0806);  // spa/tpa in nw_src/dst
        if (before.nw_src.raw != key.nw_src.raw) {
            decision.mask.nw_src = Be32{0xffffffff};
            actions.push_back(arp ? Action::set_arp_spa(before.nw_src)
                                  : Action::set_ipv4_src(before.nw_src));
        }
        if (before.nw_dst.raw != key.nw_dst.raw) {
            decision.mask.nw_dst = Be32{0xffffffff};
            actions.push_back(arp ? Action::set_arp_tpa(before.nw_dst)
                                  : Action::set_ipv4_dst(before.nw_dst));
        }
        const bool icmp = before.nw_proto == 1 || before.nw_proto == 58;
        if (before.tp_src.raw != key.tp_src.raw) {
            decision.mask.tp_src = Be16{0xffff};
            actions.push_back(
                icmp ? Action::set_icmp_type(static_cast<uint8_t>(before.tp_src.host()))
                     : Action::set_tp_src(before.tp_src.host(), before.nw_proto));
        }
        if (before.tp_dst.raw != key.tp_dst.raw) {
            decision.mask.tp_dst = Be16{0xffff};
            actions.push_back(
                icmp ? Action::set_icmp_code(static_cast<uint8_t>(before.tp_dst.host()))
                     : Action::set_tp_dst(before.tp_dst.host(), before.nw_proto));
        }
        restore_more(before);
        if (before.nw_ttl != key.nw_ttl) {
            decision.mask.nw_ttl = 0xff;
            actions.push_back(Action::set_ttl(before.nw_ttl));
        }
        key = before;
    }

    // restore() for the TOS byte and the IPv6, ARP and ND fields.
    void restore_more(const FlowKey& before) {
        constexpr EthAddr kMacAll{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        if (before.nw_tos != key.nw_tos) {
            decision.mask.nw_tos = 0xff;
            actions.push_back(Action::set_dscp(before.nw_tos >> 2));
            actions.push_back(Action::set_ecn(before.nw_tos & 0x3));
        }
        Ip6Addr all6;
        all6.fill(0xff);
        if (before.ipv6_src != key.ipv6_src) {
            decision.mask.ipv6_src = all6;
            actions.push_back(Action::set_ipv6_src(before.ipv6_src));
        }
        if (before.ipv6_dst != key.ipv6_dst) {
            decision.mask.ipv6_dst = all6;
            actions.push_back(Action::set_ipv6_dst(before.ipv6_dst));
        }
        if (before.ipv6_label.raw != key.ipv6_label.raw) {
            decision.mask.ipv6_label = Be32{0xffffffff};
            actions.push_back(Action::set_ipv6_label(before.ipv6_label.host()));
        }
        if (before.nd_target != key.nd_target) {
            decision.mask.nd_target = all6;
            actions.push_back(Action::set_nd_target(before.nd_target));
        }
        const bool arp = before.eth_type == Be16::from_host(0x0806);
        if (arp && before.nw_proto != key.nw_proto) {
            decision.mask.nw_proto = 0xff;
            actions.push_back(Action::set_arp_op(before.nw_proto));
        }
        if (before.arp_sha != key.arp_sha) {
            decision.mask.arp_sha = kMacAll;
            actions.push_back(arp ? Action::set_arp_sha(before.arp_sha)
                                  : Action::set_nd_sll(before.arp_sha));
        }
        if (before.arp_tha != key.arp_tha) {
            decision.mask.arp_tha = kMacAll;
            actions.push_back(arp ? Action::set_arp_tha(before.arp_tha)
                                  : Action::set_nd_tll(before.arp_tha));
        }
    }

    void run_bucket(const OfGroup& g, size_t index, uint8_t table, const OfRule& rule) {
        result.groups.emplace_back(env.groups->find(g.group_id), index);
        for (const of13::Action& a : g.buckets[index].actions)
            apply(a, table, rule);
    }

    void group(uint32_t id, uint8_t table, const OfRule& rule) {
        GroupPtr g = env.groups ? env.groups->find(id) : nullptr;
        if (!g || g->buckets.empty()) return;  // an empty group drops
        using T = of13::GroupType;
        switch (g->type) {
            case T::kAll:
                for (size_t i = 0; i < g->buckets.size(); ++i) {
                    const FlowKey before = key;
                    run_bucket(*g, i, table, rule);
                    if (i + 1 < g->buckets.size()) restore(before);
                }
                break;
            case T::kIndirect:
                run_bucket(*g, 0, table, rule);
                break;
            case T::kFf:
                for (size_t i = 0; i < g->buckets.size(); ++i) {
                    const uint32_t watch = g->buckets[i].watch_port;
                    const auto dp = env.ports.to_datapath(watch);
                    if (dp && env.port_live && env.port_live(*dp)) {
                        run_bucket(*g, i, table, rule);
                        break;
                    }
                }
                break;
            case T::kSelect: {
                // The choice depends on the Ethernet addresses and the 5-tuple (as Open
                // vSwitch's default selection hash): each combination gets its own megaflow.
                decision.mask.eth_src = decision.mask.eth_dst =
                    EthAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
                decision.mask.nw_src = decision.mask.nw_dst = Be32{0xffffffff};
                decision.mask.nw_proto = 0xff;
                decision.mask.tp_src = decision.mask.tp_dst = Be16{0xffff};
                decision.mask.eth_type = Be16{0xffff};
                auto mac = [](const EthAddr& a) {
                    uint64_t v = 0;
                    for (uint8_t b : a)
                        v = (v << 8) | b;
                    return v;
                };
                uint64_t h = 1469598103934665603ULL;  // FNV-1a, then a final mix of all bits
                for (uint64_t v : {mac(key.eth_src), mac(key.eth_dst), uint64_t{key.nw_src.raw},
                                   uint64_t{key.nw_dst.raw}, uint64_t{key.nw_proto},
                                   uint64_t{key.tp_src.raw}, uint64_t{key.tp_dst.raw}}) {
                    h = (h ^ v) * 1099511628211ULL;
                }
                h ^= h >> 33;
                h *= 0xff51afd7ed558ccdULL;
                h ^= h >> 33;
                uint64_t total = 0;
                for (const of13::Bucket& b : g->buckets)
                    total += b.weight;
                if (total == 0) break;
                uint64_t pick = h % total;
                for (size_t i = 0; i < g->buckets.size(); ++i) {
                    if (pick < g->buckets[i].weight) {
                        run_bucket(*g, i, table, rule);
                        break;
                    }
                    pick -= g->buckets[i].weight;
                }
                break;
            }
            default:
                break;
        }
    }

    // The action set, in the order section 5.10 gives (the kinds supported here).
    void execute_set(const std::vector<of13::Action>& set, uint8_t table, const OfRule& rule) {
        auto run_kind = [&](auto pred) {
            for (const of13::Action& a : set) {
                if (pred(a)) apply(a, table, rule);
            }
        };
        run_kind(
            [](const of13::Action& a) { return std::holds_alternative<of13::ActionCopyTtlIn>(a); });
        run_kind([](const of13::Action& a) {
            return std::holds_alternative<of13::ActionPopVlan>(a) ||
                   std::holds_alternative<of13::ActionPopMpls>(a) ||
                   std::holds_alternative<of13::ActionPopPbb>(a);
        });
        run_kind(
            [](const of13::Action& a) { return std::holds_alternative<of13::ActionPushMpls>(a); });
        run_kind(
            [](const of13::Action& a) { return std::holds_alternative<of13::ActionPushPbb>(a); });
        run_kind(
            [](const of13::Action& a) { return std::holds_alternative<of13::ActionPushVlan>(a); });
        run_kind([](const of13::Action& a) {
            return std::holds_alternative<of13::ActionCopyTtlOut>(a);
        });
        run_kind([](const of13::Action& a) {
            return std::holds_alternative<of13::ActionDecNwTtl>(a) ||
                   std::holds_alternative<of13::ActionDecMplsTtl>(a);
        });
        run_kind([](const of13::Action& a) {
            return std::holds_alternative<of13::ActionSetField>(a) ||
                   std::holds_alternative<of13::ActionSetNwTtl>(a) ||
                   std::holds_alternative<of13::ActionSetMplsTtl>(a);
        });
        run_kind(
            [](const of13::Action& a) { return std::holds_alternative<of13::ActionSetQueue>(a); });
        // A group in the action set runs instead of an output (section 5.10).
        const bool has_group = std::any_of(set.begin(), set.end(), [](const of13::Action& a) {
            return std::holds_alternative<of13::ActionGroup>(a);
        });
        if (has_group) {
            run_kind(
                [](const of13::Action& a) { return std::holds_alternative<of13::ActionGroup>(a); });
        } else {
            run_kind([](const of13::Action& a) {
                return std::holds_alternative<of13::ActionOutput>(a);
            });
        }
    }

    bool go() {
        run_tables();
        decision.actions = ActionList(std::move(actions));
        return !normal_failed;
    }

    bool go_packet_out(const std::vector<of13::Action>& list) {
        static const OfRule no_rule;  // packet-out actions belong to no rule
        for (const of13::Action& a : list) {
            const auto* out = std::get_if<of13::ActionOutput>(&a);
            if (out && out->port == of13::port_no::kTable) {
                run_tables();
            } else {
                apply(a, 0, no_rule);
            }
        }
        decision.actions = ActionList(std::move(actions));
        return !normal_failed;
    }

    // The meter instruction runs before the rule's other instructions (section 5.9).
    void meter(const OfRule& rule) {
        const std::optional<uint32_t> id = rule_meter(rule);
        if (!id || env.meters == nullptr) return;
        if (auto dp = env.meters->datapath_id(*id)) actions.push_back(Action::meter(*dp));
    }

    void run_tables() {
        decision.mask.in_port = 0xffffffff;
        std::vector<of13::Action> action_set;
        const OfRule* last = nullptr;
        uint8_t last_table = 0;
        for (std::optional<uint8_t> table = 0; table;) {
            const uint8_t t = *table;
            table.reset();
            if (mpls_popped > 0 || pbb_popped) decision.install = false;
            RulePtr rule = env.tables.lookup(t, key, metadata, decision.mask, metadata_looked);
            if (!rule) break;  // table miss: drop
            result.rules.push_back(rule);
            last = rule.get();
            last_table = t;
            meter(*rule);
            for (const of13::Instruction& ins : rule->instructions) {
                if (const auto* apply_ins = std::get_if<of13::InstructionApplyActions>(&ins)) {
                    for (const of13::Action& a : apply_ins->actions)
                        apply(a, t, *rule);
                } else if (std::holds_alternative<of13::InstructionClearActions>(ins)) {
                    action_set.clear();
                } else if (const auto* write = std::get_if<of13::InstructionWriteActions>(&ins)) {
                    for (const of13::Action& a : write->actions) {
                        // One action of each kind: a later one replaces (set-field: per field).
                        std::erase_if(action_set, [&](const of13::Action& old) {
                            if (old.index() != a.index()) return false;
                            const auto* s1 = std::get_if<of13::ActionSetField>(&old);
                            const auto* s2 = std::get_if<of13::ActionSetField>(&a);
                            return !s1 || s1->field.field == s2->field.field;
                        });
                        action_set.push_back(a);
                    }
                } else if (const auto* md = std::get_if<of13::InstructionWriteMetadata>(&ins)) {
                    metadata = (metadata & ~md->metadata_mask) | (md->metadata & md->metadata_mask);
                } else if (const auto* go_to = std::get_if<of13::InstructionGotoTable>(&ins)) {
                    table = go_to->table_id;
                }
            }
        }
        if (last) execute_set(action_set, last_table, *last);
    }
};

}  // namespace

bool xlate_packet_out(const XlateEnv& env, const Upcall& upcall,
                      const std::vector<of13::Action>& actions, UpcallDecision& decision,
                      XlateResult& result) {
    Run run{env, upcall, decision, result, upcall.key};
    return run.go_packet_out(actions);
}

bool xlate(const XlateEnv& env, const Upcall& upcall, UpcallDecision& decision,
           XlateResult& result) {
    Run run{env, upcall, decision, result, upcall.key};
    return run.go();
}

}  // namespace vs
