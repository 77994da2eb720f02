// The action executor: runs an ActionList over a batch of packets, handing each packet (or a
// reference to it, or a copy) to a Sink. Header-only and templated on the Sink so that the PMD
// loop pays no virtual call per packet.
//
// Thread: the PMD thread that owns the packets. No allocation besides mbuf copies from
// sink.clone_pool(), no locks, no exceptions.
#pragma once

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <concepts>
#include <cstdint>
#include <cstring>
#include <span>

#include "datapath/actions/action_list.hpp"
#include "datapath/actions/packet_edit.hpp"
#include "datapath/drop_reason.hpp"
#include "datapath/meter/meter_store.hpp"
#include "datapath/packet/packet_meta.hpp"

namespace vs {

// What execute_actions() needs from its caller. Every method that receives an mbuf takes
// ownership of one reference to it. A sink may also have `MeterVerdict meter(uint32_t id,
// uint32_t bytes)` (meter_store.hpp); without it, meter actions let every packet pass.
template <typename S>
concept ActionSink = requires(S& s, rte_mbuf* m, uint32_t port) {
    s.output(port, m);
    { s.flood_ports() } -> std::convertible_to<std::span<const uint32_t>>;
    s.upcall(m, UpcallReason::kMiss);
    s.drop(m, DropReason::kAction);
    { s.clone_pool() } -> std::convertible_to<rte_mempool*>;
};

namespace detail {

// Ownership: the packet enters with one reference. Outputs that may share it (no later edit
// that a later consumer would see) are delayed by one step in `Pending`: when the next consumer
// arrives, the delayed one is handed over together with an extra reference, and the last one
// takes the packet's own reference. So an mbuf shared by k outputs has refcnt k and is never
// written again. Outputs marked copy_for_output get a deep copy instead, as does an upcall unless
// it is the only consumer (the control thread may write to what it receives).
struct Pending {
    enum Kind : uint8_t { kNone, kOutput, kUpcall };
    Kind kind = kNone;
    uint32_t arg = 0;
};

// Takes one more reference on every segment (rte_pktmbuf_free drops one per segment).
inline void add_ref(rte_mbuf* m) {
    for (rte_mbuf* s = m; s != nullptr; s = s->next)
        rte_mbuf_refcnt_update(s, 1);
}

template <typename Sink>
inline void deliver(Sink& sink, rte_mbuf* m, Pending::Kind kind, uint32_t arg) {
    if (kind == Pending::kOutput) {
        sink.output(arg, m);
    } else {
        sink.upcall(m, static_cast<UpcallReason>(arg));
    }
}

// Hands over the delayed consumer, if any, keeping a reference for the caller.
template <typename Sink>
inline void flush_shared(Sink& sink, rte_mbuf* m, Pending& pending) {
    if (pending.kind == Pending::kNone) return;
    add_ref(m);
    deliver(sink, m, pending.kind, pending.arg);
    pending.kind = Pending::kNone;
}

template <typename Sink>
inline void consume(Sink& sink, rte_mbuf* m, Pending& pending, bool copy, Pending::Kind kind,
                    uint32_t arg) {
    flush_shared(sink, m, pending);
    if (!copy) {
        pending = {kind, arg};
        return;
    }
    rte_mempool* pool = sink.clone_pool();
    rte_mbuf* c = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
    if (c == nullptr) {
        // Count the lost copy as a drop; the packet itself goes on with its other actions.
        add_ref(m);
        sink.drop(m, DropReason::kNoMbuf);
        return;
    }
    if (rte_pktmbuf_priv_size(pool) >= sizeof(PacketMeta)) {
        std::memcpy(packet_meta(c), packet_meta(m), sizeof(PacketMeta));
    }
    deliver(sink, c, kind, arg);
}

template <typename Sink>
inline bool apply_edit(const Action& a, rte_mbuf* m, FlowKey& key, PacketOffsets& ofs) {
    switch (a.type) {
        case ActionType::kSetEthSrc:
            return edit::set_eth_src(m, key, ofs, a.v.mac);
        case ActionType::kSetEthDst:
            return edit::set_eth_dst(m, key, ofs, a.v.mac);
        case ActionType::kSetVlanVid:
            return edit::set_vlan_vid(m, key, ofs, a.u16);
        case ActionType::kSetVlanPcp:
            return edit::set_vlan_pcp(m, key, ofs, a.v.u8);
        case ActionType::kPushVlan:
            return edit::push_vlan(m, key, ofs, a.u16, static_cast<uint16_t>(a.u32));
        case ActionType::kPopVlan:
            return edit::pop_vlan(m, key, ofs);
        case ActionType::kSetIpv4Src:
            return edit::set_ipv4_src(m, key, ofs, Be32{a.u32});
        case ActionType::kSetIpv4Dst:
            return edit::set_ipv4_dst(m, key, ofs, Be32{a.u32});
        case ActionType::kSetIpv6Src:
            return edit::set_ipv6_src(m, key, ofs, a.v.ip6);
        case ActionType::kSetIpv6Dst:
            return edit::set_ipv6_dst(m, key, ofs, a.v.ip6);
        case ActionType::kSetDscp:
            return edit::set_dscp(m, key, ofs, a.v.u8);
        case ActionType::kSetTtl:
            return edit::set_ttl(m, key, ofs, a.v.u8);
        case ActionType::kDecTtl:
            return edit::dec_ttl(m, key, ofs);
        case ActionType::kSetTpSrc:
            return edit::set_tp_src(m, key, ofs, a.u16);
        case ActionType::kSetTpDst:
            return edit::set_tp_dst(m, key, ofs, a.u16);
        case ActionType::kSetEcn:
            return edit::set_ecn(m, key, ofs, a.v.u8);
        case ActionType::kSetIpv6Label:
            return edit::set_ipv6_label(m, key, ofs, a.u32);
        case ActionType::kSetIcmpType:
            return edit::set_icmp_type(m, key, ofs, a.v.u8);
        case ActionType::kSetIcmpCode:
            return edit::set_icmp_code(m, key, ofs, a.v.u8);
        case ActionType::kSetArpOp:
            return edit::set_arp_op(m, key, ofs, a.u16);
        case ActionType::kSetArpSpa:
            return edit::set_arp_spa(m, key, ofs, Be32{a.u32});
        case ActionType::kSetArpTpa:
            return edit::set_arp_tpa(m, key, ofs, Be32{a.u32});
        case ActionType::kSetArpSha:
            return edit::set_arp_sha(m, key, ofs, a.v.mac);
        case ActionType::kSetArpTha:
            return edit::set_arp_tha(m, key, ofs, a.v.mac);
        case ActionType::kSetNdTarget:
            return edit::set_nd_target(m, key, ofs, a.v.ip6);
        case ActionType::kSetNdSll:
            return edit::set_nd_sll(m, key, ofs, a.v.mac);
        case ActionType::kSetNdTll:
            return edit::set_nd_tll(m, key, ofs, a.v.mac);
        case ActionType::kSetQueue:
            packet_meta(m)->queue_id = a.u32;
            return true;
        case ActionType::kPushMpls:
            return edit::push_mpls(m, key, ofs, a.u16);
        case ActionType::kPopMpls:
            return edit::pop_mpls(m, key, ofs, a.u16);
        case ActionType::kSetMplsLabel:
            return edit::set_mpls_label(m, key, ofs, a.u32);
        case ActionType::kSetMplsTc:
            return edit::set_mpls_tc(m, key, ofs, a.v.u8);
        case ActionType::kSetMplsBos:
            return edit::set_mpls_bos(m, key, ofs, a.v.u8);
        case ActionType::kSetMplsTtl:
            return edit::set_mpls_ttl(m, key, ofs, a.v.u8);
        case ActionType::kDecMplsTtl:
            return edit::dec_mpls_ttl(m, key, ofs);
        case ActionType::kCopyTtlOut:
            return edit::copy_ttl_out(m, key, ofs);
        case ActionType::kCopyTtlIn:
            return edit::copy_ttl_in(m, key, ofs);
        case ActionType::kPushPbb:
            return edit::push_pbb(m, key, ofs, a.u16);
        case ActionType::kPopPbb:
            return edit::pop_pbb(m, key, ofs);
        case ActionType::kSetPbbIsid:
            return edit::set_pbb_isid(m, key, ofs, a.u32);
        default:
            return false;  // tunnel push/pop: reserved, not implemented yet
    }
}

// A meter action: false when its drop band drops the packet; a DSCP-remark band raises the
// DSCP's drop precedence in place.
template <typename Sink>
inline bool apply_meter(Sink& sink, const Action& a, rte_mbuf* m, PacketMeta* meta) {
    if constexpr (requires { sink.meter(a.u32, m->pkt_len); }) {
        const MeterVerdict v = sink.meter(a.u32, m->pkt_len);
        if (v.drop) return false;
        if (v.prec_level != 0) {
            const auto dscp = static_cast<uint8_t>(meta->key.nw_tos >> 2);
            const uint8_t raised = raise_drop_precedence(dscp, v.prec_level);
            if (raised != dscp) (void)edit::set_dscp(m, meta->key, meta->ofs, raised);
        }
    }
    return true;
}

template <typename Sink>
inline void execute_one(const ActionList& actions, rte_mbuf* m, Sink& sink) {
    PacketMeta* meta = packet_meta(m);
    Pending pending;
    bool delivered = false;  // a copy went somewhere
    for (const Action* a = actions.begin(); a != actions.run_end(); ++a) {
        switch (a->type) {
            case ActionType::kOutput:
                consume(sink, m, pending, a->copy_for_output, Pending::kOutput, a->u32);
                delivered = true;
                break;
            case ActionType::kFlood:
                for (uint32_t port : sink.flood_ports()) {
                    if (port == meta->key.in_port) continue;
                    consume(sink, m, pending, a->copy_for_output, Pending::kOutput, port);
                    delivered = true;
                }
                break;
            case ActionType::kUpcall:
                consume(sink, m, pending, a->copy_for_output, Pending::kUpcall, a->u32);
                delivered = true;
                break;
            case ActionType::kMeter:
                if (!apply_meter(sink, *a, m, meta)) {
                    flush_shared(sink, m, pending);
                    sink.drop(m, DropReason::kMeter);
                    return;
                }
                break;
            default:
                if (!apply_edit<Sink>(*a, m, meta->key, meta->ofs)) {
                    flush_shared(sink, m, pending);
                    sink.drop(m, DropReason::kActionFailed);
                    return;
                }
                break;
        }
    }
    if (pending.kind != Pending::kNone) {
        deliver(sink, m, pending.kind, pending.arg);  // the last consumer takes our reference
    } else if (delivered) {
        rte_pktmbuf_free(m);  // only copies were delivered: the original is done, not dropped
    } else {
        sink.drop(m, DropReason::kAction);
    }
}

}  // namespace detail

// Runs `actions` on each of the `n` packets in order; each packet's key and offsets are in its
// PacketMeta (and are updated by the edits). Every packet, and every reference or copy made of
// it, ends in exactly one of sink.output / sink.upcall / sink.drop (except an original whose
// every delivery was a copy, which is freed here). Flood skips the packet's input port.
template <typename Sink>
requires ActionSink<Sink>
void execute_actions(const ActionList& actions, rte_mbuf* const* pkts, uint32_t n, Sink& sink) {
    for (uint32_t i = 0; i < n; ++i) {
        if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void*));
        detail::execute_one(actions, pkts[i], sink);
    }
}

}  // namespace vs
