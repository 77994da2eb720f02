// ActionList: the immutable, compact list of datapath actions a megaflow carries. Built by the
// control thread, read by PMD threads, executed by a switch over ActionType (no virtual calls).
// An empty list means drop. parse_actions() reads back what to_string() writes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "datapath/packet/flow_key.hpp"

namespace vs {

enum class ActionType : uint8_t {
    kOutput,      // port
    kFlood,       // every port of the bridge but the input port
    kUpcall,      // send to the control thread; u32 = UpcallReason
    kSetEthSrc,   // mac
    kSetEthDst,   // mac
    kSetVlanVid,  // u16 (outermost tag; no-op without a tag)
    kSetVlanPcp,  // u8
    kPushVlan,    // u16 = TPID (host order), u32 = TCI (host order, present bit ignored)
    kPopVlan,     //
    kSetIpv4Src,  // be32
    kSetIpv4Dst,  // be32
    kSetIpv6Src,  // ip6
    kSetIpv6Dst,  // ip6
    kSetDscp,     // u8 (6-bit DSCP; IPv4 TOS or IPv6 traffic class)
    kSetTtl,      // u8 (IPv4 TTL / IPv6 hop limit)
    kDecTtl,      // drops the packet (DropReason::kActionFailed) when TTL would reach 0
    kSetTpSrc,    // u16 host order (TCP, UDP, SCTP); v.u8 = IP protocol hint for printing only
    kSetTpDst,    // u16 host order; v.u8 as for kSetTpSrc

    // Set-field of the other fields the parser reads, and the QoS queue.
    kSetEcn,        // u8 (2-bit ECN; IPv4 TOS or IPv6 traffic class)
    kSetIpv6Label,  // u32 (20-bit flow label)
    kSetIcmpType,   // u8 (ICMPv4 or ICMPv6)
    kSetIcmpCode,   // u8
    kSetArpOp,      // u16 host order
    kSetArpSpa,     // be32
    kSetArpTpa,     // be32
    kSetArpSha,     // mac
    kSetArpTha,     // mac
    kSetNdTarget,   // ip6
    kSetNdSll,      // mac
    kSetNdTll,      // mac
    kSetQueue,      // u32 = queue id, recorded in PacketMeta::queue_id (no QoS queues yet)
    kPushMpls,      // u16 = Ethernet type (0x8847 / 0x8848)
    kPopMpls,       // u16 = Ethernet type of what the popped entry carried
    kSetMplsLabel,  // u32 (20 bits)
    kSetMplsTc,     // u8 (3 bits)
    kSetMplsBos,    // u8 (1 bit)
    kSetMplsTtl,    // u8
    kDecMplsTtl,    // drops the packet (kActionFailed) when the MPLS TTL would reach 0
    kCopyTtlOut,    // next-to-outermost TTL (IP or MPLS) to the top MPLS entry
    kCopyTtlIn,     // top MPLS entry's TTL to the next-to-outermost (IP or MPLS)
    kPushPbb,       // u16 = Ethernet type (0x88e7)
    kPopPbb,        //
    kSetPbbIsid,    // u32 (24 bits)

    kTunnelPush,  // reserved for vxlan/geneve (issue 4)
    kTunnelPop,   // reserved
    kMeter,       // u32 = datapath meter id (datapath/meter/meter_store.hpp); may drop or remark
};

enum class UpcallReason : uint8_t { kMiss = 0, kAction = 1, kSlowPath = 2 };

struct Action {
    ActionType type;
    // For outputs (kOutput, kFlood): set when a later action changes the packet before a later
    // output or upcall sees it, so the output must get a copy rather than a shared reference
    // (edits after the last output or upcall have no effect and are not run). For kUpcall: set
    // unless the upcall is the list's only consumer, because the control thread may write to an
    // upcalled mbuf and so must own it alone (refcnt 1). Computed by ActionList's constructor.
    bool copy_for_output = false;
    uint16_t u16 = 0;
    uint32_t u32 = 0;  // port number, reason, TCI, IPv4 address (raw, wire order)...
    union {
        EthAddr mac;
        Ip6Addr ip6;
        uint8_t u8;
    } v{};

    static Action output(uint32_t port) { return {ActionType::kOutput, false, 0, port}; }
    static Action flood() { return {ActionType::kFlood}; }
    static Action upcall(UpcallReason r) {
        return {ActionType::kUpcall, false, 0, static_cast<uint32_t>(r)};
    }
    // The present bit (kVlanPresent) of `tci` is ignored: the pushed tag carries DEI = 0.
    static Action push_vlan(uint16_t tpid, uint16_t tci) {
        return {ActionType::kPushVlan, false, tpid, static_cast<uint16_t>(tci & ~kVlanPresent)};
    }
    static Action pop_vlan() { return {ActionType::kPopVlan}; }
    static Action set_eth_src(const EthAddr& m);
    static Action set_eth_dst(const EthAddr& m);
    static Action set_vlan_vid(uint16_t vid) { return {ActionType::kSetVlanVid, false, vid}; }
    static Action set_vlan_pcp(uint8_t pcp);
    static Action set_ipv4_src(Be32 a) { return {ActionType::kSetIpv4Src, false, 0, a.raw}; }
    static Action set_ipv4_dst(Be32 a) { return {ActionType::kSetIpv4Dst, false, 0, a.raw}; }
    static Action set_ipv6_src(const Ip6Addr& a);
    static Action set_ipv6_dst(const Ip6Addr& a);
    static Action set_dscp(uint8_t dscp);
    static Action set_ttl(uint8_t ttl);
    static Action dec_ttl() { return {ActionType::kDecTtl}; }
    // `proto_hint` (6 TCP, 17 UDP, 132 SCTP, 0 unknown) only chooses how to_string() prints
    // the action; execution always uses the packet's own protocol.
    static Action set_tp_src(uint16_t port, uint8_t proto_hint = 0);
    static Action set_tp_dst(uint16_t port, uint8_t proto_hint = 0);
    static Action set_ecn(uint8_t ecn);
    static Action set_ipv6_label(uint32_t label) {
        return {ActionType::kSetIpv6Label, false, 0, label & 0xfffff};
    }
    static Action set_icmp_type(uint8_t type);
    static Action set_icmp_code(uint8_t code);
    static Action set_arp_op(uint16_t op) { return {ActionType::kSetArpOp, false, op}; }
    static Action set_arp_spa(Be32 a) { return {ActionType::kSetArpSpa, false, 0, a.raw}; }
    static Action set_arp_tpa(Be32 a) { return {ActionType::kSetArpTpa, false, 0, a.raw}; }
    static Action set_arp_sha(const EthAddr& m);
    static Action set_arp_tha(const EthAddr& m);
    static Action set_nd_target(const Ip6Addr& a);
    static Action set_nd_sll(const EthAddr& m);
    static Action set_nd_tll(const EthAddr& m);
    static Action set_queue(uint32_t queue_id) {
        return {ActionType::kSetQueue, false, 0, queue_id};
    }
    static Action push_mpls(uint16_t eth_type) { return {ActionType::kPushMpls, false, eth_type}; }
    static Action pop_mpls(uint16_t eth_type) { return {ActionType::kPopMpls, false, eth_type}; }
    static Action set_mpls_label(uint32_t label) {
        return {ActionType::kSetMplsLabel, false, 0, label & 0xfffff};
    }
    static Action set_mpls_tc(uint8_t tc);
    static Action set_mpls_bos(uint8_t bos);
    static Action set_mpls_ttl(uint8_t ttl);
    static Action dec_mpls_ttl() { return {ActionType::kDecMplsTtl}; }
    static Action copy_ttl_out() { return {ActionType::kCopyTtlOut}; }
    static Action copy_ttl_in() { return {ActionType::kCopyTtlIn}; }
    static Action push_pbb(uint16_t eth_type) { return {ActionType::kPushPbb, false, eth_type}; }
    static Action pop_pbb() { return {ActionType::kPopPbb}; }
    static Action set_pbb_isid(uint32_t isid) {
        return {ActionType::kSetPbbIsid, false, 0, isid & kPbbIsidMask};
    }
    static Action tunnel_push() { return {ActionType::kTunnelPush}; }
    static Action tunnel_pop() { return {ActionType::kTunnelPop}; }
    static Action meter(uint32_t id) { return {ActionType::kMeter, false, 0, id}; }

    // Compares the fields that `type` uses.
    friend bool operator==(const Action& a, const Action& b);
};
static_assert(sizeof(Action) == 24);

// Thread: built on the control thread, then immutable and shared with PMD threads.
class ActionList {
  public:
    ActionList() = default;
    explicit ActionList(std::vector<Action> actions);
    ActionList(std::initializer_list<Action> actions) : ActionList(std::vector<Action>(actions)) {}

    const Action* begin() const { return actions_.data(); }
    const Action* end() const { return actions_.data() + actions_.size(); }
    size_t size() const { return actions_.size(); }
    bool empty() const { return actions_.empty(); }
    const Action& operator[](size_t i) const { return actions_[i]; }
    // End of the actions worth running: just past the last output, flood or upcall. Edits after
    // it could not be seen by anyone, so the executor skips them (begin() == run_end() → drop).
    const Action* run_end() const { return actions_.data() + n_run_; }
    friend bool operator==(const ActionList& a, const ActionList& b);

    // Open vSwitch's datapath syntax: "2,3", "drop", "push_vlan(vid=10,pcp=0),flood",
    // "set(ipv4(src=10.0.0.1)),1".
    std::string to_string() const;

    // Owners of a list on the heap (megaflows, SharedActionLists). A new list has one; a copy
    // starts with one of its own. Thread: control only.
    void retain() const { ++owners_.n; }
    // Drops one owner and deletes the list with its last one. Thread: control only.
    static void release(const ActionList* list) {
        if (list != nullptr && --list->owners_.n == 0) delete list;
    }
    uint32_t owners() const { return owners_.n; }

  private:
    // Not copied with the list: each copy is a new object with its own owners.
    struct OwnerCount {
        uint32_t n = 1;
        OwnerCount() = default;
        OwnerCount(const OwnerCount&) {}
        OwnerCount& operator=(const OwnerCount&) { return *this; }
    };

    std::vector<Action> actions_;
    size_t n_run_ = 0;
    mutable OwnerCount owners_;
};

// Parses the syntax to_string() writes ("drop", "1,2", "flood", "userspace(reason=miss)",
// "push_vlan(vid=10,pcp=0)", "set(ipv4(src=10.0.0.1))", ...). Thread: any (allocates).
[[nodiscard]] Result<ActionList> parse_actions(std::string_view text);

}  // namespace vs
