// OpenFlow 1.0 <-> 1.3 (section numbers refer to OpenFlow 1.0.0 and 1.3.5).
#include "vswitchd/ofproto/of10_convert.hpp"

#include <algorithm>

namespace vs {

namespace {

using of13::Oxm;
using F = of13::OxmField;
namespace wc = of10::wildcards;

constexpr uint16_t kEthIp = 0x0800, kEthIpv6 = 0x86dd, kEthArp = 0x0806;
constexpr uint16_t kVlanNone10 = 0xffff;
constexpr uint16_t kVidPresent = 0x1000;

uint32_t prefix_mask(uint32_t wildcarded_bits) {
    return wildcarded_bits >= 32 ? 0 : ~0U << wildcarded_bits;
}

uint32_t wildcarded_bits(uint32_t mask) {
    return mask == 0 ? 32 : static_cast<uint32_t>(__builtin_ctz(mask));
}

Oxm ipv4(F f, uint32_t addr, uint32_t mask) {
    return mask == ~0U ? Oxm::make(f, addr) : Oxm::make_masked(f, addr & mask, mask);
}

openflow::SpecError bad_action(of13::BadActionCode code) {
    // 1.0 numbers BAD_ACTION 2 like 1.3; the codes used here (BAD_TYPE 0, BAD_OUT_PORT 4,
    // BAD_VENDOR 2 vs BAD_EXPERIMENTER 2) coincide.
    return {static_cast<uint16_t>(of10::ErrorType::kBadAction), static_cast<uint16_t>(code)};
}

}  // namespace

uint32_t port10_to_13(uint16_t port) {
    return port >= of10::port_no::kMax ? 0xffff0000U | port : port;
}

uint16_t port13_to_10(uint32_t port) {
    return port >= of13::port_no::kMax ? static_cast<uint16_t>(port & 0xffff)
                                       : static_cast<uint16_t>(port);
}

of13::Match match10_to_13(const of10::Match& m) {
    of13::Match out;
    const uint32_t w = m.wildcards;
    if (!(w & wc::kInPort)) out.fields.push_back(Oxm::make(F::kInPort, port10_to_13(m.in_port)));
    if (!(w & wc::kDlDst)) out.fields.push_back(Oxm::make_bytes(F::kEthDst, m.dl_dst));
    if (!(w & wc::kDlSrc)) out.fields.push_back(Oxm::make_bytes(F::kEthSrc, m.dl_src));
    if (!(w & wc::kDlVlan)) {
        const uint16_t vid = m.dl_vlan == kVlanNone10 ? 0 : (kVidPresent | (m.dl_vlan & 0xfff));
        out.fields.push_back(Oxm::make(F::kVlanVid, vid));
        if (!(w & wc::kDlVlanPcp) && vid != 0) {
            out.fields.push_back(Oxm::make(F::kVlanPcp, m.dl_vlan_pcp & 7));
        }
    } else if (!(w & wc::kDlVlanPcp)) {
        // A priority with any VLAN ID, as Open vSwitch reads it: "some VLAN tag" is 1.3's
        // vlan_vid=0x1000/0x1000 (which goes back to a wildcarded dl_vlan).
        out.fields.push_back(Oxm::make_masked(F::kVlanVid, kVidPresent, kVidPresent));
        out.fields.push_back(Oxm::make(F::kVlanPcp, m.dl_vlan_pcp & 7));
    }
    if (w & wc::kDlType) return out;
    out.fields.push_back(Oxm::make(F::kEthType, m.dl_type));
    const uint32_t src_mask = prefix_mask((w & wc::kNwSrcMask) >> wc::kNwSrcShift);
    const uint32_t dst_mask = prefix_mask((w & wc::kNwDstMask) >> wc::kNwDstShift);
    if (m.dl_type == kEthArp) {
        if (!(w & wc::kNwProto)) out.fields.push_back(Oxm::make(F::kArpOp, m.nw_proto));
        if (src_mask) out.fields.push_back(ipv4(F::kArpSpa, m.nw_src, src_mask));
        if (dst_mask) out.fields.push_back(ipv4(F::kArpTpa, m.nw_dst, dst_mask));
        return out;
    }
    // Like Open vSwitch, the IP fields other than the addresses apply to IPv6 too.
    const bool v6 = m.dl_type == kEthIpv6;
    if (m.dl_type != kEthIp && !v6) return out;
    if (!(w & wc::kNwTos)) out.fields.push_back(Oxm::make(F::kIpDscp, m.nw_tos >> 2));
    if (src_mask && !v6) out.fields.push_back(ipv4(F::kIpv4Src, m.nw_src, src_mask));
    if (dst_mask && !v6) out.fields.push_back(ipv4(F::kIpv4Dst, m.nw_dst, dst_mask));
    if (w & wc::kNwProto) return out;
    out.fields.push_back(Oxm::make(F::kIpProto, m.nw_proto));
    F src = F::kTcpSrc, dst = F::kTcpDst;
    switch (m.nw_proto) {
        case 6:
            break;
        case 17:
            src = F::kUdpSrc, dst = F::kUdpDst;
            break;
        case 132:
            src = F::kSctpSrc, dst = F::kSctpDst;
            break;
        case 1:
            if (v6) return out;
            src = F::kIcmpv4Type, dst = F::kIcmpv4Code;
            break;
        default:
            return out;  // no transport fields to match
    }
    if (!(w & wc::kTpSrc)) out.fields.push_back(Oxm::make(src, m.tp_src));
    if (!(w & wc::kTpDst)) out.fields.push_back(Oxm::make(dst, m.tp_dst));
    return out;
}

of10::Match match13_to_10(const of13::Match& match) {
    of10::Match m;
    uint32_t w = wc::kAll;
    for (const Oxm& f : match.fields) {
        const uint64_t v = f.value.size() <= 8 ? f.value_uint() : 0;
        const auto field = static_cast<F>(f.field);
        switch (field) {
            case F::kInPort:
                m.in_port = port13_to_10(static_cast<uint32_t>(v));
                w &= ~wc::kInPort;
                break;
            case F::kEthDst:
                std::copy_n(f.value.begin(), 6, m.dl_dst.begin());
                w &= ~wc::kDlDst;
                break;
            case F::kEthSrc:
                std::copy_n(f.value.begin(), 6, m.dl_src.begin());
                w &= ~wc::kDlSrc;
                break;
            case F::kVlanVid:
                if (f.has_mask && f.mask_uint() == kVidPresent) break;  // any VLAN: wildcarded
                m.dl_vlan = (v & kVidPresent) ? static_cast<uint16_t>(v & 0xfff) : kVlanNone10;
                w &= ~wc::kDlVlan;
                break;
            case F::kVlanPcp:
                m.dl_vlan_pcp = static_cast<uint8_t>(v);
                w &= ~wc::kDlVlanPcp;
                break;
            case F::kEthType:
                m.dl_type = static_cast<uint16_t>(v);
                w &= ~wc::kDlType;
                break;
            case F::kIpDscp:
                m.nw_tos = static_cast<uint8_t>(v << 2);
                w &= ~wc::kNwTos;
                break;
            case F::kIpProto:
            case F::kArpOp:
                m.nw_proto = static_cast<uint8_t>(v);
                w &= ~wc::kNwProto;
                break;
            case F::kIpv4Src:
            case F::kArpSpa:
                m.nw_src = static_cast<uint32_t>(v);
                w = (w & ~wc::kNwSrcMask) |
                    wildcarded_bits(f.has_mask ? static_cast<uint32_t>(f.mask_uint()) : ~0U)
                        << wc::kNwSrcShift;
                break;
            case F::kIpv4Dst:
            case F::kArpTpa:
                m.nw_dst = static_cast<uint32_t>(v);
                w = (w & ~wc::kNwDstMask) |
                    wildcarded_bits(f.has_mask ? static_cast<uint32_t>(f.mask_uint()) : ~0U)
                        << wc::kNwDstShift;
                break;
            case F::kTcpSrc:
            case F::kUdpSrc:
            case F::kSctpSrc:
            case F::kIcmpv4Type:
                m.tp_src = static_cast<uint16_t>(v);
                w &= ~wc::kTpSrc;
                break;
            case F::kTcpDst:
            case F::kUdpDst:
            case F::kSctpDst:
            case F::kIcmpv4Code:
                m.tp_dst = static_cast<uint16_t>(v);
                w &= ~wc::kTpDst;
                break;
            default:
                break;  // not expressible in 1.0
        }
    }
    m.wildcards = w;
    return m;
}

tl::expected<std::vector<of13::Action>, openflow::SpecError> actions10_to_13(
    const std::vector<of10::Action>& actions, const of10::Match& match) {
    std::vector<of13::Action> out;
    const bool udp = !(match.wildcards & wc::kNwProto) && match.nw_proto == 17;
    for (const of10::Action& a : actions) {
        if (const auto* o = std::get_if<of10::ActionOutput>(&a)) {
            out.emplace_back(of13::ActionOutput{port10_to_13(o->port), o->max_len});
        } else if (const auto* e = std::get_if<of10::ActionEnqueue>(&a)) {
            out.emplace_back(of13::ActionOutput{port10_to_13(e->port), 0});  // queues: none
        } else if (const auto* vid = std::get_if<of10::ActionSetVlanVid>(&a)) {
            out.emplace_back(of13::ActionSetField{
                Oxm::make(F::kVlanVid, kVidPresent | (vid->vlan_vid & 0xfff))});
        } else if (const auto* pcp = std::get_if<of10::ActionSetVlanPcp>(&a)) {
            out.emplace_back(of13::ActionSetField{Oxm::make(F::kVlanPcp, pcp->vlan_pcp & 7)});
        } else if (std::holds_alternative<of10::ActionStripVlan>(a)) {
            out.emplace_back(of13::ActionPopVlan{});
        } else if (const auto* src = std::get_if<of10::ActionSetDlSrc>(&a)) {
            out.emplace_back(of13::ActionSetField{Oxm::make_bytes(F::kEthSrc, src->dl_addr)});
        } else if (const auto* dst = std::get_if<of10::ActionSetDlDst>(&a)) {
            out.emplace_back(of13::ActionSetField{Oxm::make_bytes(F::kEthDst, dst->dl_addr)});
        } else if (const auto* nsrc = std::get_if<of10::ActionSetNwSrc>(&a)) {
            out.emplace_back(of13::ActionSetField{Oxm::make(F::kIpv4Src, nsrc->nw_addr)});
        } else if (const auto* ndst = std::get_if<of10::ActionSetNwDst>(&a)) {
            out.emplace_back(of13::ActionSetField{Oxm::make(F::kIpv4Dst, ndst->nw_addr)});
        } else if (const auto* tos = std::get_if<of10::ActionSetNwTos>(&a)) {
            out.emplace_back(of13::ActionSetField{Oxm::make(F::kIpDscp, tos->nw_tos >> 2)});
        } else if (const auto* tsrc = std::get_if<of10::ActionSetTpSrc>(&a)) {
            out.emplace_back(
                of13::ActionSetField{Oxm::make(udp ? F::kUdpSrc : F::kTcpSrc, tsrc->tp_port)});
        } else if (const auto* tdst = std::get_if<of10::ActionSetTpDst>(&a)) {
            out.emplace_back(
                of13::ActionSetField{Oxm::make(udp ? F::kUdpDst : F::kTcpDst, tdst->tp_port)});
        } else {
            return tl::unexpected(bad_action(of13::BadActionCode::kBadExperimenter));  // vendor
        }
    }
    return out;
}

std::vector<of10::Action> actions13_to_10(const std::vector<of13::Instruction>& instructions) {
    std::vector<of10::Action> out;
    for (const of13::Instruction& ins : instructions) {
        const auto* apply = std::get_if<of13::InstructionApplyActions>(&ins);
        if (!apply) continue;
        for (const of13::Action& a : apply->actions) {
            if (const auto* o = std::get_if<of13::ActionOutput>(&a)) {
                out.emplace_back(of10::ActionOutput{port13_to_10(o->port), o->max_len});
            } else if (std::holds_alternative<of13::ActionPopVlan>(a)) {
                out.emplace_back(of10::ActionStripVlan{});
            } else if (const auto* set = std::get_if<of13::ActionSetField>(&a)) {
                const Oxm& f = set->field;
                const uint64_t v = f.value.size() <= 8 ? f.value_uint() : 0;
                openflow::MacAddr mac{};
                if (f.value.size() == 6) std::copy_n(f.value.begin(), 6, mac.begin());
                switch (static_cast<F>(f.field)) {
                    case F::kVlanVid:
                        out.emplace_back(of10::ActionSetVlanVid{static_cast<uint16_t>(v & 0xfff)});
                        break;
                    case F::kVlanPcp:
                        out.emplace_back(of10::ActionSetVlanPcp{static_cast<uint8_t>(v)});
                        break;
                    case F::kEthSrc:
                        out.emplace_back(of10::ActionSetDlSrc{mac});
                        break;
                    case F::kEthDst:
                        out.emplace_back(of10::ActionSetDlDst{mac});
                        break;
                    case F::kIpv4Src:
                        out.emplace_back(of10::ActionSetNwSrc{static_cast<uint32_t>(v)});
                        break;
                    case F::kIpv4Dst:
                        out.emplace_back(of10::ActionSetNwDst{static_cast<uint32_t>(v)});
                        break;
                    case F::kIpDscp:
                        out.emplace_back(of10::ActionSetNwTos{static_cast<uint8_t>(v << 2)});
                        break;
                    case F::kTcpSrc:
                    case F::kUdpSrc:
                        out.emplace_back(of10::ActionSetTpSrc{static_cast<uint16_t>(v)});
                        break;
                    case F::kTcpDst:
                    case F::kUdpDst:
                        out.emplace_back(of10::ActionSetTpDst{static_cast<uint16_t>(v)});
                        break;
                    default:
                        break;
                }
            }
        }
    }
    return out;
}

tl::expected<of13::FlowMod, openflow::SpecError> flow_mod10_to_13(const of10::FlowMod& fm) {
    of13::FlowMod out;
    out.cookie = fm.cookie;
    // 1.0 has no cookie mask: modify and delete select by match alone.
    out.cookie_mask = 0;
    out.command = static_cast<of13::FlowModCommand>(static_cast<uint8_t>(fm.command));
    const bool del = out.command == of13::FlowModCommand::kDelete ||
                     out.command == of13::FlowModCommand::kDeleteStrict;
    out.table_id = del ? 0xff : 0;  // one table in 1.0; a delete reaches every table
    out.idle_timeout = fm.idle_timeout;
    out.hard_timeout = fm.hard_timeout;
    out.priority = fm.priority;
    out.buffer_id = fm.buffer_id;
    out.out_port = port10_to_13(fm.out_port);
    out.out_group = 0xffffffff;
    // SEND_FLOW_REM and CHECK_OVERLAP have the same bits; EMERG has no 1.3 counterpart.
    out.flags =
        fm.flags & (of10::flow_mod_flags::kSendFlowRem | of10::flow_mod_flags::kCheckOverlap);
    out.match = match10_to_13(fm.match);
    auto actions = actions10_to_13(fm.actions, fm.match);
    if (!actions) return tl::unexpected(actions.error());
    if (!actions->empty())
        out.instructions.emplace_back(of13::InstructionApplyActions{std::move(*actions)});
    return out;
}

}  // namespace vs
