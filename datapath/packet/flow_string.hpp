// Parser for Open vSwitch's datapath flow syntax (`in_port(1),eth(...),ipv4(...)`): the inverse
// of flow_key_to_string, used by control commands such as `dpctl/add-flow` and by tests. Runs on
// the control thread only; never on the fast path. Thread: any (pure function).
#pragma once

#include <string_view>
#include <utility>

#include "base/result.hpp"
#include "datapath/packet/flow_key.hpp"

namespace vs {

// Parses `text` into a key and mask. The key comes back already masked (key & mask).
//
// Groups: recirc_id(0) (accepted, ignored), in_port(N), tunnel(tun_id=,src=,dst=),
// eth(src=,dst=), vlan(tpid=,vid=,pcp=) (up to two, outermost first), eth_type(N),
// ipv4(src=,dst=,proto=,tos=,ttl=,frag=),
// ipv6(src=,dst=,label=,exthdr=,proto=,tclass=,hlimit=,frag=) (exthdr: OpenFlow's IPV6_EXTHDR
// bits), arp/rarp(sip=,tip=,op=,sha=,tha=), tcp/udp/sctp(src=,dst=), icmp/icmpv6(type=,code=),
// tcp_flags(syn|ack), nd(target=,sll=,tll=). Any order; each group at most once (vlan twice).
//
// A field given is matched exactly (all ones over the field's width) unless written value/mask:
// addresses take a mask in their own notation or, for IP, a prefix length (`/24`); integers take
// a decimal or 0x-hex mask no wider than the field. Omitted fields and groups are wildcarded,
// except prerequisites: ipv4(...) without eth_type(...) sets eth_type(0x0800), tcp(...) without
// proto= sets proto=6, and so on; a group that contradicts its prerequisite is an error.
// vlan(...) matches a present tag whose TPID is 0x8100 unless tpid= is given.
//
// Every result prints back (flow_key_to_string with the mask) to text that parses to the same
// key and mask; matches the printer cannot express (an all-zero tunnel key, a vlan(...) that
// matches nothing but the tag's presence) are rejected. Errors are one line naming the token.
[[nodiscard]] Result<std::pair<FlowKey, FlowMask>> parse_flow_string(std::string_view text);

}  // namespace vs
