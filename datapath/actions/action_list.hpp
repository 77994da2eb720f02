// ActionList: the immutable, compact list of datapath actions a megaflow carries. Built by the
// control thread, read by PMD threads, executed by a switch over ActionType (no virtual calls).
// An empty list means drop.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "datapath/packet/flow_key.hpp"

namespace vs {

enum class ActionType : uint8_t {
    kOutput,       // port
    kFlood,        // every port of the bridge but the input port
    kUpcall,       // send to the control thread; u32 = UpcallReason
    kSetEthSrc,    // mac
    kSetEthDst,    // mac
    kSetVlanVid,   // u16 (outermost tag; no-op without a tag)
    kSetVlanPcp,   // u8
    kPushVlan,     // u16 = TPID (host order), u32 = TCI (host order, present bit ignored)
    kPopVlan,      //
    kSetIpv4Src,   // be32
    kSetIpv4Dst,   // be32
    kSetIpv6Src,   // ip6
    kSetIpv6Dst,   // ip6
    kSetDscp,      // u8 (6-bit DSCP; IPv4 TOS or IPv6 traffic class)
    kSetTtl,       // u8 (IPv4 TTL / IPv6 hop limit)
    kDecTtl,       // drops the packet (DropReason::kActionFailed) when TTL would reach 0
    kSetTpSrc,     // u16 host order (TCP, UDP, SCTP)
    kSetTpDst,     // u16 host order
    kTunnelPush,   // reserved for vxlan/geneve (issue 4)
    kTunnelPop,    // reserved
};

enum class UpcallReason : uint8_t { kMiss = 0, kAction = 1, kSlowPath = 2 };

struct Action {
    ActionType type;
    // For outputs (kOutput, kFlood): set when a later action changes the packet, so the output
    // must get a copy rather than a shared reference. Computed by ActionList's constructor.
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
    static Action push_vlan(uint16_t tpid, uint16_t tci) {
        return {ActionType::kPushVlan, false, tpid, tci};
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
    static Action set_tp_src(uint16_t port) { return {ActionType::kSetTpSrc, false, port}; }
    static Action set_tp_dst(uint16_t port) { return {ActionType::kSetTpDst, false, port}; }
};
static_assert(sizeof(Action) == 24);

// Thread: built on the control thread, then immutable and shared with PMD threads.
class ActionList {
public:
    ActionList() = default;
    explicit ActionList(std::vector<Action> actions);
    ActionList(std::initializer_list<Action> actions)
        : ActionList(std::vector<Action>(actions)) {}

    const Action* begin() const { return actions_.data(); }
    const Action* end() const { return actions_.data() + actions_.size(); }
    size_t size() const { return actions_.size(); }
    bool empty() const { return actions_.empty(); }
    const Action& operator[](size_t i) const { return actions_[i]; }
    friend bool operator==(const ActionList& a, const ActionList& b);

    // Open vSwitch's datapath syntax: "2,3", "drop", "push_vlan(vid=10,pcp=0),flood",
    // "set(ipv4(src=10.0.0.1)),1".
    std::string to_string() const;

private:
    std::vector<Action> actions_;
};

}  // namespace vs
