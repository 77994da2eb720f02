// Parses OVS datapath flow text into FlowKey/FlowMask: a hand-written scanner over `kw(body)`
// groups, one handler per group, then a final pass that checks and fills prerequisites so that
// the result is exactly what flow_format.cpp prints back.
#include "datapath/packet/flow_string.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "datapath/packet/flow_parse.hpp"

namespace vs {
namespace {

using Status = Result<void>;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

// A token quoted for an error message: printable, bounded, so the message stays one line.
std::string quote(std::string_view s) {
    constexpr size_t kMax = 48;
    std::string out = "'";
    for (size_t i = 0; i < s.size() && i < kMax; ++i)
        out += (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (s.size() > kMax) out += "...";
    out += '\'';
    return out;
}

// One `name=value/mask` (or a bare `value/mask`) inside a group.
struct Item {
    std::string_view text;
    std::string_view name;  // empty for a bare value
    std::string_view value;
    std::optional<std::string_view> mask;
};

Result<Item> split_item(std::string_view text) {
    Item it;
    it.text = trim(text);
    if (it.text.empty()) return fail("empty field");
    std::string_view rest = it.text;
    if (const size_t eq = rest.find('='); eq != std::string_view::npos) {
        it.name = trim(rest.substr(0, eq));
        rest = rest.substr(eq + 1);
        if (it.name.empty()) return fail("missing field name in " + quote(it.text));
    }
    if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
        it.mask = trim(rest.substr(slash + 1));
        rest = rest.substr(0, slash);
        if (it.mask->empty()) return fail("missing mask in " + quote(it.text));
    }
    it.value = trim(rest);
    if (it.value.empty()) return fail("missing value in " + quote(it.text));
    return it;
}

// Decimal, or hex with a 0x prefix; the whole string must be the number.
std::optional<uint64_t> parse_u64(std::string_view s) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        base = 16;
    }
    if (s.empty()) return std::nullopt;
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

Result<uint64_t> parse_bounded(std::string_view s, uint64_t max, std::string_view what,
                               const Item& it) {
    const auto v = parse_u64(s);
    if (!v) return fail(fmt::format("bad {} {} in {}", what, quote(s), quote(it.text)));
    if (*v > max)
        return fail(fmt::format("{} {} wider than the field (max {:#x}) in {}", what, quote(s), max,
                                quote(it.text)));
    return *v;
}

// An integer field `max` wide: (value & mask, mask); no mask means all of `max`.
Result<std::pair<uint64_t, uint64_t>> parse_num(const Item& it, uint64_t max) {
    const auto v = parse_bounded(it.value, max, "number", it);
    if (!v) return tl::unexpected(v.error());
    uint64_t m = max;
    if (it.mask) {
        const auto r = parse_bounded(*it.mask, max, "mask", it);
        if (!r) return tl::unexpected(r.error());
        m = *r;
    }
    return std::pair{*v & m, m};
}

enum class Addr { kMac, kIp4, kIp6 };
using AddrBytes = std::array<uint8_t, 16>;

bool parse_mac(std::string_view s, AddrBytes& out) {
    size_t i = 0;
    for (size_t b = 0; b < 6; ++b) {
        if (b > 0 && (i >= s.size() || s[i++] != ':')) return false;
        unsigned v = 0;
        size_t digits = 0;
        for (; i < s.size() && digits < 2; ++i, ++digits) {
            const char c = s[i];
            const int d = is_digit(c)              ? c - '0'
                          : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                          : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                   : -1;
            if (d < 0) break;
            v = v * 16 + static_cast<unsigned>(d);
        }
        if (digits == 0) return false;
        out[b] = static_cast<uint8_t>(v);
    }
    return i == s.size();
}

bool parse_ip4(std::string_view s, AddrBytes& out) {
    size_t i = 0;
    for (size_t b = 0; b < 4; ++b) {
        if (b > 0 && (i >= s.size() || s[i++] != '.')) return false;
        const size_t start = i;
        unsigned v = 0;
        while (i < s.size() && is_digit(s[i]) && i - start < 3)
            v = v * 10 + static_cast<unsigned>(s[i++] - '0');
        if (i == start || v > 255) return false;
        out[b] = static_cast<uint8_t>(v);
    }
    return i == s.size();
}

bool parse_ip6(std::string_view s, AddrBytes& out) {
    if (s.size() >= INET6_ADDRSTRLEN) return false;
    char buf[INET6_ADDRSTRLEN] = {};
    std::memcpy(buf, s.data(), s.size());
    return inet_pton(AF_INET6, buf, out.data()) == 1;
}

size_t addr_size(Addr kind) {
    return kind == Addr::kMac ? 6 : kind == Addr::kIp4 ? 4 : 16;
}
const char* addr_name(Addr kind) {
    return kind == Addr::kMac ? "MAC" : kind == Addr::kIp4 ? "IPv4" : "IPv6";
}

bool parse_addr(Addr kind, std::string_view s, AddrBytes& out) {
    switch (kind) {
        case Addr::kMac:
            return parse_mac(s, out);
        case Addr::kIp4:
            return parse_ip4(s, out);
        case Addr::kIp6:
            return parse_ip6(s, out);
    }
    return false;
}

// An address mask: the address notation, or for IP a prefix length.
Status parse_addr_mask(Addr kind, const Item& it, AddrBytes& out) {
    const std::string_view s = *it.mask;
    const bool prefix = kind != Addr::kMac && std::all_of(s.begin(), s.end(), is_digit);
    if (!prefix) {
        if (parse_addr(kind, s, out)) return {};
        return fail(fmt::format("bad {} mask {} in {}", addr_name(kind), quote(s), quote(it.text)));
    }
    const size_t bits = addr_size(kind) * 8;
    const auto len = parse_u64(s);
    if (!len || *len > bits)
        return fail(fmt::format("prefix length {} wider than the {}-bit field in {}", quote(s),
                                bits, quote(it.text)));
    out.fill(0);
    for (size_t i = 0; i < *len; ++i)
        out[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
    return {};
}

template <typename T>
Status set_addr(const Item& it, Addr kind, T& key_field, T& mask_field) {
    static_assert(std::is_trivially_copyable_v<T>);
    const size_t n = addr_size(kind);
    if (n != sizeof(T)) return fail("internal: address size mismatch");
    AddrBytes v{};
    AddrBytes m{};
    if (!parse_addr(kind, it.value, v))
        return fail(fmt::format("bad {} address {} in {}", addr_name(kind), quote(it.value),
                                quote(it.text)));
    m.fill(0xff);
    if (it.mask) {
        if (auto r = parse_addr_mask(kind, it, m); !r) return r;
    }
    for (size_t i = 0; i < n; ++i)
        v[i] &= m[i];
    std::memcpy(static_cast<void*>(&key_field), v.data(), n);
    std::memcpy(static_cast<void*>(&mask_field), m.data(), n);
    return {};
}

// frag=no|first|later or a number, each at most the two nw_frag bits.
Result<uint64_t> parse_frag_word(std::string_view s, std::string_view what, const Item& it) {
    if (s == "no") return 0;
    if (s == "first") return kFragAny;
    if (s == "later") return kFragAny | kFragLater;
    return parse_bounded(s, kFragAny | kFragLater, what, it);
}

// tcp_flags: names joined by '|' ("syn|ack") and/or numbers, within the low 12 bits.
Result<uint64_t> parse_tcp_flags_word(std::string_view s, std::string_view what, const Item& it) {
    static constexpr std::string_view kNames[] = {"fin", "syn", "rst", "psh", "ack",
                                                  "urg", "ece", "cwr", "ns"};
    uint64_t flags = 0;
    while (true) {
        const size_t bar = s.find('|');
        const std::string_view word = trim(s.substr(0, bar));
        const auto* name = std::find(std::begin(kNames), std::end(kNames), word);
        if (name != std::end(kNames)) {
            flags |= uint64_t{1} << (name - std::begin(kNames));
        } else {
            auto v = parse_bounded(word, 0x0fff, what, it);
            if (!v) return v;
            flags |= *v;
        }
        if (bar == std::string_view::npos) return flags;
        s.remove_prefix(bar + 1);
    }
}

constexpr std::string_view kKeywords[] = {
    "recirc_id", "in_port", "tunnel", "eth",  "vlan", "eth_type", "ipv4",      "ipv6", "arp",
    "rarp",      "tcp",     "udp",    "sctp", "icmp", "icmpv6",   "tcp_flags", "nd"};

bool is_keyword(std::string_view kw) {
    return std::find(std::begin(kKeywords), std::end(kKeywords), kw) != std::end(kKeywords);
}

uint16_t l3_eth_type(std::string_view l3) {
    if (l3 == "ipv4") return kEthTypeIpv4;
    if (l3 == "ipv6") return kEthTypeIpv6;
    if (l3 == "arp") return kEthTypeArp;
    return kEthTypeRarp;
}

uint8_t l4_proto(std::string_view l4) {
    if (l4 == "tcp") return kIpProtoTcp;
    if (l4 == "udp") return kIpProtoUdp;
    if (l4 == "sctp") return kIpProtoSctp;
    if (l4 == "icmp") return kIpProtoIcmp;
    return kIpProtoIcmpv6;
}

class Parser {
  public:
    Parser() {
        key_.clear();
        mask_.clear();
    }

    Result<std::pair<FlowKey, FlowMask>> run(std::string_view text);

  private:
    Status group(std::string_view kw, std::string_view body);
    Status field(std::string_view kw, const Item& it);
    Status bare(std::string_view kw, const Item& it);
    Status vlan(const std::vector<Item>& items);
    Status finish();
    Status finish_l3();
    Status finish_l4();

    template <typename T>
    Status addr(const Item& it, Addr kind, T FlowKey::*f) {
        return set_addr(it, kind, key_.*f, mask_.*f);
    }
    Status u8(const Item& it, uint8_t FlowKey::*f) {
        const auto r = parse_num(it, 0xff);
        if (!r) return tl::unexpected(r.error());
        key_.*f = static_cast<uint8_t>(r->first);
        mask_.*f = static_cast<uint8_t>(r->second);
        return {};
    }
    Status be16(const Item& it, Be16 FlowKey::*f) {
        const auto r = parse_num(it, 0xffff);
        if (!r) return tl::unexpected(r.error());
        key_.*f = Be16::from_host(static_cast<uint16_t>(r->first));
        mask_.*f = Be16::from_host(static_cast<uint16_t>(r->second));
        return {};
    }
    Status frag(const Item& it);

    FlowKey key_;
    FlowMask mask_;
    std::vector<std::string_view> seen_;  // groups given (vlan may repeat)
    int n_vlans_ = 0;
    std::string_view l3_;  // ipv4, ipv6, arp, rarp or empty
    std::string_view l4_;  // tcp, udp, sctp, icmp, icmpv6 or empty
};

Result<std::pair<FlowKey, FlowMask>> Parser::run(std::string_view text) {
    size_t i = 0;
    const size_t n = text.size();
    auto skip_space = [&] {
        while (i < n && is_space(text[i]))
            ++i;
    };
    skip_space();
    while (i < n) {
        const size_t start = i;
        while (i < n && is_word(text[i]))
            ++i;
        const std::string_view kw = text.substr(start, i - start);
        if (kw.empty()) return fail("expected a keyword at " + quote(text.substr(start)));
        if (!is_keyword(kw)) return fail("unknown keyword " + quote(kw));
        skip_space();
        if (i >= n || text[i] != '(') return fail("expected '(' after " + quote(kw));
        const size_t body_start = ++i;
        while (i < n && text[i] != ')' && text[i] != '(')
            ++i;
        if (i >= n)
            return fail("unbalanced parentheses: no ')' closing " + quote(text.substr(start)));
        if (text[i] == '(')
            return fail("unexpected '(' in " + quote(text.substr(start, i + 1 - start)));
        if (auto r = group(kw, text.substr(body_start, i - body_start)); !r)
            return tl::unexpected(Error{std::string(kw) + "(...): " + r.error().message});
        ++i;
        skip_space();
        if (i >= n) break;
        if (text[i] != ',') return fail("trailing garbage " + quote(text.substr(i)));
        ++i;
        skip_space();
        if (i >= n) return fail("trailing ',' at the end of the flow");
    }
    if (auto r = finish(); !r) return tl::unexpected(r.error());
    return std::pair{apply_mask(key_, mask_), mask_};
}

Status Parser::group(std::string_view kw, std::string_view body) {
    if (kw != "vlan" && std::find(seen_.begin(), seen_.end(), kw) != seen_.end())
        return fail("given more than once");
    seen_.push_back(kw);
    std::vector<Item> items;
    for (size_t pos = 0; !trim(body).empty();) {
        pos = body.find(',');
        auto it = split_item(body.substr(0, pos));
        if (!it) return tl::unexpected(it.error());
        for (const Item& prev : items)
            if (!it->name.empty() && prev.name == it->name)
                return fail("field given twice: " + quote(it->text));
        items.push_back(*it);
        if (pos == std::string_view::npos) break;
        body.remove_prefix(pos + 1);
        if (trim(body).empty()) return fail("empty field after ','");
    }

    const bool is_l3 = kw == "ipv4" || kw == "ipv6" || kw == "arp" || kw == "rarp";
    const bool is_l4 = kw == "tcp" || kw == "udp" || kw == "sctp" || kw == "icmp" || kw == "icmpv6";
    if (is_l3 && !l3_.empty()) return fail("conflicts with " + std::string(l3_) + "(...)");
    if (is_l4 && !l4_.empty()) return fail("conflicts with " + std::string(l4_) + "(...)");
    if (is_l3) l3_ = kw;
    if (is_l4) l4_ = kw;

    if (kw == "vlan") return vlan(items);
    if (kw == "in_port" || kw == "eth_type" || kw == "recirc_id" || kw == "tcp_flags") {
        if (items.size() != 1 || !items[0].name.empty())
            return fail("expects a single value, as in " + std::string(kw) + "(1)");
        return bare(kw, items[0]);
    }
    for (const Item& it : items) {
        if (it.name.empty()) return fail("expected name=value, got " + quote(it.text));
        if (auto r = field(kw, it); !r) return r;
    }
    return {};
}

Status Parser::bare(std::string_view kw, const Item& it) {
    if (kw == "recirc_id") {
        const auto r = parse_num(it, 0xffffffff);
        if (!r) return tl::unexpected(r.error());
        if (r->first != 0 || r->second != 0xffffffff)
            return fail("only recirc_id(0) is supported, got " + quote(it.text));
        return {};
    }
    if (kw == "in_port") {
        const auto r = parse_num(it, 0xffffffff);
        if (!r) return tl::unexpected(r.error());
        key_.in_port = static_cast<uint32_t>(r->first);
        mask_.in_port = static_cast<uint32_t>(r->second);
        return {};
    }
    if (kw == "eth_type") return be16(it, &FlowKey::eth_type);
    // tcp_flags
    const auto v = parse_tcp_flags_word(it.value, "tcp flags", it);
    if (!v) return tl::unexpected(v.error());
    uint64_t m = 0x0fff;
    if (it.mask) {
        const auto r = parse_tcp_flags_word(*it.mask, "mask", it);
        if (!r) return tl::unexpected(r.error());
        m = *r;
    }
    key_.tcp_flags = Be16::from_host(static_cast<uint16_t>(*v & m));
    mask_.tcp_flags = Be16::from_host(static_cast<uint16_t>(m));
    return {};
}

Status Parser::frag(const Item& it) {
    const auto v = parse_frag_word(it.value, "frag", it);
    if (!v) return tl::unexpected(v.error());
    uint64_t m = kFragAny | kFragLater;
    if (it.mask) {
        const auto r = parse_bounded(*it.mask, kFragAny | kFragLater, "mask", it);
        if (!r) return tl::unexpected(r.error());
        m = *r;
    }
    key_.nw_frag = static_cast<uint8_t>(*v & m);
    mask_.nw_frag = static_cast<uint8_t>(m);
    return {};
}

Status Parser::field(std::string_view kw, const Item& it) {
    const std::string_view f = it.name;
    if (kw == "tunnel") {
        if (f == "tun_id") {
            const auto r = parse_num(it, ~uint64_t{0});
            if (!r) return tl::unexpected(r.error());
            key_.tun_id = r->first;
            mask_.tun_id = r->second;
            return {};
        }
        if (f == "src") return addr(it, Addr::kIp4, &FlowKey::tun_src);
        if (f == "dst") return addr(it, Addr::kIp4, &FlowKey::tun_dst);
    } else if (kw == "eth") {
        if (f == "src") return addr(it, Addr::kMac, &FlowKey::eth_src);
        if (f == "dst") return addr(it, Addr::kMac, &FlowKey::eth_dst);
    } else if (kw == "ipv4" || kw == "ipv6") {
        const bool v6 = kw == "ipv6";
        if (f == "src")
            return v6 ? addr(it, Addr::kIp6, &FlowKey::ipv6_src)
                      : addr(it, Addr::kIp4, &FlowKey::nw_src);
        if (f == "dst")
            return v6 ? addr(it, Addr::kIp6, &FlowKey::ipv6_dst)
                      : addr(it, Addr::kIp4, &FlowKey::nw_dst);
        if (f == "proto") return u8(it, &FlowKey::nw_proto);
        if (f == (v6 ? "tclass" : "tos")) return u8(it, &FlowKey::nw_tos);
        if (f == (v6 ? "hlimit" : "ttl")) return u8(it, &FlowKey::nw_ttl);
        if (f == "frag") return frag(it);
        if (v6 && f == "label") {
            const auto r = parse_num(it, 0xfffff);
            if (!r) return tl::unexpected(r.error());
            key_.ipv6_label = Be32::from_host(static_cast<uint32_t>(r->first));
            mask_.ipv6_label = Be32::from_host(static_cast<uint32_t>(r->second));
            return {};
        }
        if (v6 && f == "exthdr") {
            const auto r = parse_num(it, kIpv6ExtHdrMask);
            if (!r) return tl::unexpected(r.error());
            key_.ipv6_exthdr = static_cast<uint16_t>(r->first);
            mask_.ipv6_exthdr = static_cast<uint16_t>(r->second);
            return {};
        }
    } else if (kw == "arp" || kw == "rarp") {
        if (f == "sip") return addr(it, Addr::kIp4, &FlowKey::nw_src);
        if (f == "tip") return addr(it, Addr::kIp4, &FlowKey::nw_dst);
        if (f == "op") return u8(it, &FlowKey::nw_proto);
        if (f == "sha") return addr(it, Addr::kMac, &FlowKey::arp_sha);
        if (f == "tha") return addr(it, Addr::kMac, &FlowKey::arp_tha);
    } else if (kw == "tcp" || kw == "udp" || kw == "sctp") {
        if (f == "src") return be16(it, &FlowKey::tp_src);
        if (f == "dst") return be16(it, &FlowKey::tp_dst);
    } else if (kw == "icmp" || kw == "icmpv6") {
        if (f == "type") return be16(it, &FlowKey::tp_src);
        if (f == "code") return be16(it, &FlowKey::tp_dst);
    } else if (kw == "nd") {
        if (f == "target") return addr(it, Addr::kIp6, &FlowKey::nd_target);
        if (f == "sll") return addr(it, Addr::kMac, &FlowKey::arp_sha);
        if (f == "tll") return addr(it, Addr::kMac, &FlowKey::arp_tha);
    }
    return fail("unknown field " + quote(f));
}

Status Parser::vlan(const std::vector<Item>& items) {
    if (n_vlans_ == kMaxVlans) return fail(fmt::format("more than {} vlan tags", kMaxVlans));
    uint64_t tci = kVlanPresent;
    uint64_t tci_mask = kVlanPresent;
    uint64_t tpid = kEthTypeVlan;
    uint64_t tpid_mask = 0xffff;
    for (const Item& it : items) {
        const uint64_t max = it.name == "vid" ? kVlanVidMask : it.name == "pcp" ? 7 : 0xffff;
        if (it.name != "vid" && it.name != "pcp" && it.name != "tpid")
            return fail("unknown field " + quote(it.name.empty() ? it.text : it.name));
        const auto r = parse_num(it, max);
        if (!r) return tl::unexpected(r.error());
        const int shift = it.name == "pcp" ? 13 : 0;
        if (it.name == "tpid") {
            tpid = r->first;
            tpid_mask = r->second;
        } else {
            tci |= r->first << shift;
            tci_mask |= r->second << shift;
        }
    }
    // The printer omits a tpid of 0 or 0x8100, so only the default may take those values.
    if (tpid == 0 || (tpid == kEthTypeVlan && tpid_mask != 0xffff))
        return fail("tpid value/mask reads back as the default 0x8100; use tpid=0x8100");
    if (tpid == kEthTypeVlan && tci_mask == kVlanPresent)
        return fail("give vid, pcp or a tpid other than 0x8100 (a bare tag cannot be printed)");
    VlanTag& k = key_.vlans[n_vlans_];
    VlanTag& m = mask_.vlans[n_vlans_];
    k.tci = Be16::from_host(static_cast<uint16_t>(tci));
    m.tci = Be16::from_host(static_cast<uint16_t>(tci_mask));
    k.tpid = Be16::from_host(static_cast<uint16_t>(tpid));
    m.tpid = Be16::from_host(static_cast<uint16_t>(tpid_mask));
    ++n_vlans_;
    return {};
}

Status Parser::finish() {
    const bool tun_matched = mask_.tun_id != 0 || mask_.tun_src.raw != 0 || mask_.tun_dst.raw != 0;
    const bool tun_zero = (key_.tun_id & mask_.tun_id) == 0 &&
                          (key_.tun_src.raw & mask_.tun_src.raw) == 0 &&
                          (key_.tun_dst.raw & mask_.tun_dst.raw) == 0;
    if (tun_matched && tun_zero)
        return fail("tunnel(...): an all-zero tunnel key means no tunnel; omit tunnel(...)");
    if (auto r = finish_l3(); !r) return r;
    return finish_l4();
}

Status Parser::finish_l3() {
    if (l3_.empty()) return {};
    const uint16_t need = l3_eth_type(l3_);
    if (mask_.eth_type.raw == 0) {
        key_.eth_type = Be16::from_host(need);
        mask_.eth_type = Be16::from_host(0xffff);
    } else if (key_.eth_type.host() != need) {
        return fail(fmt::format("{}(...) needs eth_type({:#06x}), not eth_type({:#06x})", l3_, need,
                                key_.eth_type.host()));
    }
    return {};
}

// tcp_flags(...) implies tcp, nd(...) implies icmpv6; the L4 group implies its proto= and needs
// an IP eth_type.
Status Parser::finish_l4() {
    const bool has_flags = std::find(seen_.begin(), seen_.end(), "tcp_flags") != seen_.end();
    const bool has_nd = std::find(seen_.begin(), seen_.end(), "nd") != seen_.end();
    std::string_view l4 = l4_;
    if (has_flags && l4.empty()) l4 = "tcp";
    if (has_nd && l4.empty()) l4 = "icmpv6";
    if (l4.empty()) return {};
    if (has_flags && l4 != "tcp") return fail("tcp_flags(...) needs tcp, not " + std::string(l4));
    if (has_nd && l4 != "icmpv6") return fail("nd(...) needs icmpv6, not " + std::string(l4));

    const uint16_t type = mask_.eth_type.raw != 0 ? key_.eth_type.host() : 0;
    if (type != kEthTypeIpv4 && type != kEthTypeIpv6)
        return fail(std::string(l4) + "(...) needs ipv4(...) or ipv6(...)");
    const bool v6 = type == kEthTypeIpv6;
    if (l4 == "icmp" && v6) return fail("icmp(...) needs ipv4; use icmpv6(...) with ipv6");
    if (l4 == "icmpv6" && !v6) return fail("icmpv6(...) needs ipv6; use icmp(...) with ipv4");
    const uint8_t need = l4_proto(l4);
    if (mask_.nw_proto == 0) {
        key_.nw_proto = need;
        mask_.nw_proto = 0xff;
    } else if (key_.nw_proto != need) {
        return fail(fmt::format("{}(...) needs proto={}, not proto={}", l4, need, key_.nw_proto));
    }
    if (has_nd) {
        const uint16_t icmp_type = key_.tp_src.host();
        if ((icmp_type != kIcmpv6NdSolicit && icmp_type != kIcmpv6NdAdvert) || key_.tp_dst.raw != 0)
            return fail("nd(...) needs icmpv6(type=135) or icmpv6(type=136) with code 0");
    }
    return {};
}

}  // namespace

Result<std::pair<FlowKey, FlowMask>> parse_flow_string(std::string_view text) {
    try {
        Parser parser;
        return parser.run(text);
    } catch (const std::exception& e) {  // allocation failure: the only thing that can throw
        return fail(std::string("flow parse failed: ") + e.what());
    }
}

}  // namespace vs
