// Formats FlowKey/FlowMask in OVS datapath flow syntax: groups such as eth(...), ipv4(...),
// tcp(...) in header order, each holding only the fields that are set (no mask) or matched (mask).
#include "datapath/packet/flow_format.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "datapath/packet/flow_parse.hpp"

namespace vs {
namespace {

std::string format_mac(const EthAddr& a) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", a[0], a[1], a[2], a[3], a[4],
                       a[5]);
}

std::string format_ip4(Be32 a) {
    const uint32_t h = a.host();
    return fmt::format("{}.{}.{}.{}", h >> 24, (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

std::string format_ip6(const Ip6Addr& a) {
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, a.data(), buf, sizeof(buf)) == nullptr) return "?";
    return buf;
}

std::string format_frag(uint8_t frag) {
    if (frag == 0) return "no";
    if (frag == kFragAny) return "first";
    if (frag == (kFragAny | kFragLater)) return "later";
    return fmt::format("{:#x}", frag);
}

// Named flags as in OVS ("syn|ack"); the three reserved bits, if set, in hex.
std::string format_tcp_flags(uint16_t flags) {
    static constexpr std::string_view kNames[] = {"fin", "syn", "rst", "psh", "ack",
                                                  "urg", "ece", "cwr", "ns"};
    if (flags == 0) return "0";
    std::string out;
    for (size_t bit = 0; bit < std::size(kNames); ++bit) {
        if ((flags & (1u << bit)) == 0) continue;
        if (!out.empty()) out += '|';
        out += kNames[bit];
    }
    if ((flags & 0x0e00) != 0)
        out += fmt::format("{}{:#x}", out.empty() ? "" : "|", flags & 0x0e00);
    return out;
}

template <typename T>
bool all_bytes(const T& v, uint8_t b) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    return std::all_of(p, p + sizeof(T), [b](uint8_t x) { return x == b; });
}

// The fields of one group, e.g. the "src=..,dst=.." inside ipv4(...).
class Group {
  public:
    Group(const FlowKey& key, const FlowMask* mask) : key_(key), mask_(mask) {}

    // The mask of `field` (a member of key_), or nullptr when printing without a mask.
    template <typename T>
    const T* mask_of(const T& field) const {
        if (mask_ == nullptr) return nullptr;
        const auto offset =
            reinterpret_cast<const char*>(&field) - reinterpret_cast<const char*>(&key_);
        return reinterpret_cast<const T*>(reinterpret_cast<const char*>(mask_) + offset);
    }

    // An address-like field: the mask is printed in the value's own notation.
    template <typename T, typename Fmt>
    void addr(std::string_view name, const T& field, Fmt format) {
        const T* m = mask_of(field);
        if (m == nullptr || all_bytes(*m, 0xff)) return append(name, format(field));
        if (all_bytes(*m, 0)) return;
        T masked = field;
        auto* v = reinterpret_cast<uint8_t*>(&masked);
        const auto* mb = reinterpret_cast<const uint8_t*>(m);
        for (size_t i = 0; i < sizeof(T); ++i)
            v[i] &= mb[i];
        append(name, format(masked) + "/" + format(*m));
    }

    // An integer field or sub-field; `full` is the mask meaning "exact".
    void num(std::string_view name, uint64_t value, uint64_t mask, uint64_t full,
             bool hex = false) {
        mask &= full;  // bits outside the field (e.g. label's top 12) do not count
        if (mask_ != nullptr && mask == 0) return;
        if (mask_ != nullptr) value &= mask;
        append(name, hex ? fmt::format("{:#x}", value) : fmt::format("{}", value));
        if (mask_ != nullptr && mask != full) fields_ += fmt::format("/{:#x}", mask);
    }

    // A field with its own text form, e.g. frag=later; partial masks fall back to hex.
    void named(std::string_view name, uint64_t value, uint64_t mask, uint64_t full,
               const std::string& text) {
        if (mask_ != nullptr && (mask & full) != full) return num(name, value, mask, full, true);
        append(name, text);
    }

    bool has_mask() const { return mask_ != nullptr; }
    const std::string& fields() const { return fields_; }

  private:
    void append(std::string_view name, const std::string& value) {
        if (!fields_.empty()) fields_ += ',';
        if (!name.empty()) {
            fields_ += name;
            fields_ += '=';
        }
        fields_ += value;
    }

    const FlowKey& key_;
    const FlowMask* mask_;
    std::string fields_;
};

class Printer {
  public:
    Printer(const FlowKey& key, const FlowMask* mask) : key_(key), mask_(mask) {}

    Group group() const { return Group(key_, mask_); }

    // Value of an integer field's mask: all ones without a mask.
    template <typename T>
    T m(const T& field) const {
        if (mask_ == nullptr) {
            T ones;
            std::memset(static_cast<void*>(&ones), 0xff, sizeof(T));
            return ones;
        }
        return *Group(key_, mask_).mask_of(field);
    }

    void emit(std::string_view name, const Group& g) {
        if (g.fields().empty()) return;
        if (!out_.empty()) out_ += ',';
        out_ += name;
        out_ += '(';
        out_ += g.fields();
        out_ += ')';
    }

    std::string take() { return std::move(out_); }

  private:
    const FlowKey& key_;
    const FlowMask* mask_;
    std::string out_;
};

void print_l2(const FlowKey& k, Printer& pr) {
    Group port = pr.group();
    port.num("", k.in_port, pr.m(k.in_port), 0xffffffff);
    pr.emit("in_port", port);

    Group tun = pr.group();
    // An absent tunnel or tag prints nothing, masked or not: no group means "none".
    if (k.tun_id != 0 || k.tun_src.raw != 0 || k.tun_dst.raw != 0) {
        tun.num("tun_id", k.tun_id, pr.m(k.tun_id), ~0ull, true);
        tun.addr("src", k.tun_src, format_ip4);
        tun.addr("dst", k.tun_dst, format_ip4);
    }
    pr.emit("tunnel", tun);

    Group eth = pr.group();
    eth.addr("src", k.eth_src, format_mac);
    eth.addr("dst", k.eth_dst, format_mac);
    pr.emit("eth", eth);

    for (const VlanTag& tag : k.vlans) {
        const uint16_t tci = tag.tci.host();
        const uint16_t tci_mask = pr.m(tag.tci).host();
        if ((tci & kVlanPresent) == 0) break;
        Group vlan = pr.group();
        if (tag.tpid.host() != kEthTypeVlan && tag.tpid.raw != 0) {
            vlan.num("tpid", tag.tpid.host(), pr.m(tag.tpid).host(), 0xffff, true);
        }
        vlan.num("vid", tci & kVlanVidMask, tci_mask & kVlanVidMask, kVlanVidMask);
        vlan.num("pcp", tci >> 13, tci_mask >> 13, 7);
        pr.emit("vlan", vlan);
    }

    Group type = pr.group();
    if (type.has_mask() || (k.layers & kLayerL2) != 0) {
        const uint16_t value = k.eth_type.host();
        type.named("", value, pr.m(k.eth_type).host(), 0xffff, fmt::format("{:#06x}", value));
    }
    pr.emit("eth_type", type);
}

void print_ip_common(const FlowKey& k, Printer& pr, Group& g, bool ipv6) {
    g.num("proto", k.nw_proto, pr.m(k.nw_proto), 0xff);
    g.num(ipv6 ? "tclass" : "tos", k.nw_tos, pr.m(k.nw_tos), 0xff, ipv6);
    g.num(ipv6 ? "hlimit" : "ttl", k.nw_ttl, pr.m(k.nw_ttl), 0xff);
    g.named("frag", k.nw_frag, pr.m(k.nw_frag), kFragAny | kFragLater, format_frag(k.nw_frag));
}

void print_nd(const FlowKey& k, Printer& pr) {
    const uint16_t type = k.tp_src.host();
    if ((type != kIcmpv6NdSolicit && type != kIcmpv6NdAdvert) || k.tp_dst.raw != 0) return;
    Group nd = pr.group();
    nd.addr("target", k.nd_target, format_ip6);
    if (nd.has_mask() || !all_bytes(k.arp_sha, 0)) nd.addr("sll", k.arp_sha, format_mac);
    if (nd.has_mask() || !all_bytes(k.arp_tha, 0)) nd.addr("tll", k.arp_tha, format_mac);
    pr.emit("nd", nd);
}

void print_l4(const FlowKey& k, Printer& pr, bool ipv6) {
    const bool masked = pr.group().has_mask();
    if (!masked && (k.layers & kLayerL4) == 0) return;
    Group g = pr.group();
    const char* name = nullptr;
    switch (k.nw_proto) {
        case kIpProtoTcp:
            name = "tcp";
            break;
        case kIpProtoUdp:
            name = "udp";
            break;
        case kIpProtoSctp:
            name = "sctp";
            break;
        case kIpProtoIcmp:
            name = ipv6 ? nullptr : "icmp";
            break;
        case kIpProtoIcmpv6:
            name = ipv6 ? "icmpv6" : nullptr;
            break;
        default:
            break;
    }
    if (name == nullptr) return;
    const bool icmp = k.nw_proto == kIpProtoIcmp || k.nw_proto == kIpProtoIcmpv6;
    g.num(icmp ? "type" : "src", k.tp_src.host(), pr.m(k.tp_src).host(), 0xffff);
    g.num(icmp ? "code" : "dst", k.tp_dst.host(), pr.m(k.tp_dst).host(), 0xffff);
    pr.emit(name, g);
    if (k.nw_proto == kIpProtoTcp) {
        Group flags = pr.group();
        const uint16_t value = k.tcp_flags.host();
        const uint16_t mask = pr.m(k.tcp_flags).host();
        flags.named("", value, mask & 0x0fff, 0x0fff, format_tcp_flags(value));
        pr.emit("tcp_flags", flags);
    }
    if (k.nw_proto == kIpProtoIcmpv6) print_nd(k, pr);
}

void print_l3(const FlowKey& k, Printer& pr) {
    const bool masked = pr.group().has_mask();
    if (!masked && (k.layers & kLayerL3) == 0) return;
    const uint16_t type = k.eth_type.host();
    if (type == kEthTypeIpv4) {
        Group g = pr.group();
        g.addr("src", k.nw_src, format_ip4);
        g.addr("dst", k.nw_dst, format_ip4);
        print_ip_common(k, pr, g, false);
        pr.emit("ipv4", g);
        print_l4(k, pr, false);
    } else if (type == kEthTypeIpv6) {
        Group g = pr.group();
        g.addr("src", k.ipv6_src, format_ip6);
        g.addr("dst", k.ipv6_dst, format_ip6);
        g.num("label", k.ipv6_label.host(), pr.m(k.ipv6_label).host(), 0xfffff, true);
        // OpenFlow's extension header flags; a bare key shows them only when there are some.
        if (g.has_mask() || k.ipv6_exthdr != 0)
            g.num("exthdr", k.ipv6_exthdr, pr.m(k.ipv6_exthdr), kIpv6ExtHdrMask, true);
        print_ip_common(k, pr, g, true);
        pr.emit("ipv6", g);
        print_l4(k, pr, true);
    } else if (type == kEthTypeArp || type == kEthTypeRarp) {
        Group g = pr.group();
        g.addr("sip", k.nw_src, format_ip4);
        g.addr("tip", k.nw_dst, format_ip4);
        g.num("op", k.nw_proto, pr.m(k.nw_proto), 0xff);
        g.addr("sha", k.arp_sha, format_mac);
        g.addr("tha", k.arp_tha, format_mac);
        pr.emit(type == kEthTypeArp ? "arp" : "rarp", g);
    }
}

}  // namespace

std::string flow_key_to_string(const FlowKey& key, const FlowMask* mask) {
    Printer pr(key, mask);
    print_l2(key, pr);
    print_l3(key, pr);
    return pr.take();
}

}  // namespace vs
