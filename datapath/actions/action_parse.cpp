// parse_actions(): reads the datapath action syntax ActionList::to_string() writes. Used by tests
// and command-line flags on the control side (allocates; errors are Results, never exceptions).
#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "datapath/actions/action_list.hpp"

namespace vs {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Splits at top-level commas (not inside parentheses). Fails on unbalanced parentheses.
Result<std::vector<std::string_view>> split_top(std::string_view s) {
    std::vector<std::string_view> parts;
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '(') ++depth;
        if (s[i] == ')' && --depth < 0) return fail("unbalanced ')' in \"" + std::string(s) + "\"");
        if (s[i] == ',' && depth == 0) {
            parts.push_back(trim(s.substr(start, i - start)));
            start = i + 1;
        }
    }
    if (depth != 0) return fail("unbalanced '(' in \"" + std::string(s) + "\"");
    parts.push_back(trim(s.substr(start)));
    return parts;
}

// "name(args)" → {name, args, true}; "name" → {name, "", false}.
struct Call {
    std::string_view name;
    std::string_view args;
    bool has_args = false;
};

Result<Call> split_call(std::string_view s) {
    size_t open = s.find('(');
    if (open == std::string_view::npos) return Call{trim(s), {}, false};
    if (s.back() != ')') return fail("expected ')' at the end of \"" + std::string(s) + "\"");
    return Call{trim(s.substr(0, open)), trim(s.substr(open + 1, s.size() - open - 2)), true};
}

Result<uint64_t> parse_uint(std::string_view s, uint64_t max) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        base = 16;
    }
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
        return fail("bad number \"" + std::string(s) + "\"");
    }
    if (v > max) return fail("number " + std::string(s) + " out of range");
    return v;
}

Result<EthAddr> parse_mac(std::string_view s) {
    EthAddr m{};
    unsigned b[6];
    char tail;
    std::string str(s);
    if (std::sscanf(str.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                    &b[5], &tail) != 6) {
        return fail("bad MAC address \"" + str + "\"");
    }
    for (int i = 0; i < 6; ++i)
        m[i] = static_cast<uint8_t>(b[i]);
    return m;
}

// One "key=value" of set(proto(...)) → one Action.
Result<Action> parse_set_field(std::string_view proto, std::string_view kv) {
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos)
        return fail("expected key=value, got \"" + std::string(kv) + "\"");
    std::string_view key = trim(kv.substr(0, eq));
    std::string_view val = trim(kv.substr(eq + 1));
    std::string sval(val);
    auto bad = [&] {
        return fail("unknown field " + std::string(proto) + "(" + std::string(key) + ")");
    };

    if (proto == "eth") {
        auto mac = parse_mac(val);
        if (!mac) return tl::unexpected(mac.error());
        if (key == "src") return Action::set_eth_src(*mac);
        if (key == "dst") return Action::set_eth_dst(*mac);
        return bad();
    }
    if (proto == "vlan") {
        if (key == "vid") {
            auto v = parse_uint(val, kVlanVidMask);
            if (!v) return tl::unexpected(v.error());
            return Action::set_vlan_vid(static_cast<uint16_t>(*v));
        }
        if (key == "pcp") {
            auto v = parse_uint(val, 7);
            if (!v) return tl::unexpected(v.error());
            return Action::set_vlan_pcp(static_cast<uint8_t>(*v));
        }
        return bad();
    }
    bool v4 = proto == "ipv4", v6 = proto == "ipv6";
    if (v4 || v6) {
        if (key == "src" || key == "dst") {
            bool src = key == "src";
            if (v4) {
                Be32 a;
                if (inet_pton(AF_INET, sval.c_str(), &a.raw) != 1)
                    return fail("bad IPv4 address \"" + sval + "\"");
                return src ? Action::set_ipv4_src(a) : Action::set_ipv4_dst(a);
            }
            Ip6Addr a;
            if (inet_pton(AF_INET6, sval.c_str(), a.data()) != 1)
                return fail("bad IPv6 address \"" + sval + "\"");
            return src ? Action::set_ipv6_src(a) : Action::set_ipv6_dst(a);
        }
        if ((v4 && key == "tos") || (v6 && key == "tclass")) {
            // The DSCP bits ("tos=0xb8/0xfc", or "tos=0xb8" with zero ECN bits) or the ECN bits
            // ("tos=0x1/0x3") can be set, one of them per action.
            size_t slash = val.find('/');
            if (slash != std::string_view::npos) {
                auto mask = parse_uint(trim(val.substr(slash + 1)), 0xff);
                if (!mask) return tl::unexpected(mask.error());
                if (*mask != 0xfc && *mask != 0x3)
                    return fail("tos can be set with mask 0xfc (DSCP) or 0x3 (ECN) only");
                val = trim(val.substr(0, slash));
                if (*mask == 0x3) {
                    auto ecn = parse_uint(val, 0x3);
                    if (!ecn) return tl::unexpected(ecn.error());
                    return Action::set_ecn(static_cast<uint8_t>(*ecn));
                }
            }
            auto tos = parse_uint(val, 0xff);
            if (!tos) return tl::unexpected(tos.error());
            if (*tos & 0x3) return fail("tos " + sval + " sets ECN bits; only DSCP can be set");
            return Action::set_dscp(static_cast<uint8_t>(*tos >> 2));
        }
        if ((v4 && key == "ttl") || (v6 && key == "hlimit")) {
            auto t = parse_uint(val, 0xff);
            if (!t) return tl::unexpected(t.error());
            return Action::set_ttl(static_cast<uint8_t>(*t));
        }
        if (v6 && key == "label") {
            auto l = parse_uint(val, 0xfffff);
            if (!l) return tl::unexpected(l.error());
            return Action::set_ipv6_label(static_cast<uint32_t>(*l));
        }
        return bad();
    }
    if (proto == "icmp" || proto == "icmpv6") {
        auto v = parse_uint(val, 0xff);
        if (!v) return tl::unexpected(v.error());
        if (key == "type") return Action::set_icmp_type(static_cast<uint8_t>(*v));
        if (key == "code") return Action::set_icmp_code(static_cast<uint8_t>(*v));
        return bad();
    }
    if (proto == "arp") {
        if (key == "op") {
            auto v = parse_uint(val, 0xffff);
            if (!v) return tl::unexpected(v.error());
            return Action::set_arp_op(static_cast<uint16_t>(*v));
        }
        if (key == "sip" || key == "tip") {
            Be32 a;
            if (inet_pton(AF_INET, sval.c_str(), &a.raw) != 1)
                return fail("bad IPv4 address \"" + sval + "\"");
            return key == "sip" ? Action::set_arp_spa(a) : Action::set_arp_tpa(a);
        }
        if (key == "sha" || key == "tha") {
            auto mac = parse_mac(val);
            if (!mac) return tl::unexpected(mac.error());
            return key == "sha" ? Action::set_arp_sha(*mac) : Action::set_arp_tha(*mac);
        }
        return bad();
    }
    if (proto == "mpls") {
        const uint64_t max = key == "label" ? 0xfffff : key == "tc" ? 7 : key == "bos" ? 1 : 0xff;
        auto v = parse_uint(val, max);
        if (!v) return tl::unexpected(v.error());
        if (key == "label") return Action::set_mpls_label(static_cast<uint32_t>(*v));
        if (key == "tc") return Action::set_mpls_tc(static_cast<uint8_t>(*v));
        if (key == "bos") return Action::set_mpls_bos(static_cast<uint8_t>(*v));
        if (key == "ttl") return Action::set_mpls_ttl(static_cast<uint8_t>(*v));
        return bad();
    }
    if (proto == "pbb") {
        if (key != "isid") return bad();
        auto v = parse_uint(val, kPbbIsidMask);
        if (!v) return tl::unexpected(v.error());
        return Action::set_pbb_isid(static_cast<uint32_t>(*v));
    }
    if (proto == "nd") {
        if (key == "target") {
            Ip6Addr a;
            if (inet_pton(AF_INET6, sval.c_str(), a.data()) != 1)
                return fail("bad IPv6 address \"" + sval + "\"");
            return Action::set_nd_target(a);
        }
        if (key == "sll" || key == "tll") {
            auto mac = parse_mac(val);
            if (!mac) return tl::unexpected(mac.error());
            return key == "sll" ? Action::set_nd_sll(*mac) : Action::set_nd_tll(*mac);
        }
        return bad();
    }
    uint8_t hint = proto == "tcp" ? 6 : proto == "udp" ? 17 : proto == "sctp" ? 132 : 0;
    if (hint != 0 || proto == "tp") {
        auto port = parse_uint(val, 0xffff);
        if (!port) return tl::unexpected(port.error());
        if (key == "src") return Action::set_tp_src(static_cast<uint16_t>(*port), hint);
        if (key == "dst") return Action::set_tp_dst(static_cast<uint16_t>(*port), hint);
        return bad();
    }
    return fail("unknown set() header \"" + std::string(proto) + "\"");
}

Result<Action> parse_push_vlan(std::string_view args) {
    auto parts = split_top(args);
    if (!parts) return tl::unexpected(parts.error());
    uint64_t tpid = 0x8100, vid = 0, pcp = 0;
    bool have_vid = false;
    for (std::string_view kv : *parts) {
        size_t eq = kv.find('=');
        if (eq == std::string_view::npos) return fail("push_vlan: expected key=value");
        std::string_view key = trim(kv.substr(0, eq));
        std::string_view val = trim(kv.substr(eq + 1));
        Result<uint64_t> v = key == "tpid"  ? parse_uint(val, 0xffff)
                             : key == "vid" ? parse_uint(val, kVlanVidMask)
                             : key == "pcp" ? parse_uint(val, 7)
                                            : fail("push_vlan: unknown key " + std::string(key));
        if (!v) return tl::unexpected(v.error());
        if (key == "tpid") tpid = *v;
        if (key == "vid") vid = *v, have_vid = true;
        if (key == "pcp") pcp = *v;
    }
    if (!have_vid) return fail("push_vlan: vid is required");
    if (tpid != 0x8100 && tpid != 0x88a8) return fail("push_vlan: tpid must be 0x8100 or 0x88a8");
    return Action::push_vlan(static_cast<uint16_t>(tpid), static_cast<uint16_t>(vid | pcp << 13));
}

Result<UpcallReason> parse_userspace(std::string_view args) {
    if (args == "reason=miss") return UpcallReason::kMiss;
    if (args == "reason=action") return UpcallReason::kAction;
    if (args == "reason=slow_path") return UpcallReason::kSlowPath;
    return fail("userspace: expected reason=miss|action|slow_path, got \"" + std::string(args) +
                "\"");
}

// One top-level action; set() may carry several fields and then yields several actions.
Result<void> parse_one(std::string_view s, std::vector<Action>& out) {
    if (s.empty()) return fail("empty action");
    if (s[0] >= '0' && s[0] <= '9') {
        auto port = parse_uint(s, 0xffffffff);
        if (!port) return tl::unexpected(port.error());
        out.push_back(Action::output(static_cast<uint32_t>(*port)));
        return {};
    }
    auto call = split_call(s);
    if (!call) return tl::unexpected(call.error());
    const Call& c = *call;
    if (!c.has_args) {
        if (c.name == "flood")
            out.push_back(Action::flood());
        else if (c.name == "pop_vlan")
            out.push_back(Action::pop_vlan());
        else if (c.name == "dec_ttl")
            out.push_back(Action::dec_ttl());
        else if (c.name == "dec_mpls_ttl")
            out.push_back(Action::dec_mpls_ttl());
        else if (c.name == "copy_ttl_out")
            out.push_back(Action::copy_ttl_out());
        else if (c.name == "copy_ttl_in")
            out.push_back(Action::copy_ttl_in());
        else if (c.name == "pop_pbb")
            out.push_back(Action::pop_pbb());
        else if (c.name == "tnl_push")
            out.push_back(Action::tunnel_push());
        else if (c.name == "tnl_pop")
            out.push_back(Action::tunnel_pop());
        else if (c.name == "drop")
            return fail("\"drop\" must be the whole action list");
        else
            return fail("unknown action \"" + std::string(s) + "\"");
        return {};
    }
    if (c.name == "userspace") {
        auto r = parse_userspace(c.args);
        if (!r) return tl::unexpected(r.error());
        out.push_back(Action::upcall(*r));
        return {};
    }
    if (c.name == "meter") {
        auto id = parse_uint(c.args, 0xffffffff);
        if (!id) return tl::unexpected(id.error());
        out.push_back(Action::meter(static_cast<uint32_t>(*id)));
        return {};
    }
    if (c.name == "push_mpls" || c.name == "pop_mpls") {
        if (c.args.substr(0, 9) != "eth_type=")
            return fail(std::string(c.name) + ": expected eth_type=");
        auto t = parse_uint(c.args.substr(9), 0xffff);
        if (!t) return tl::unexpected(t.error());
        const auto type = static_cast<uint16_t>(*t);
        if (c.name == "push_mpls" && type != 0x8847 && type != 0x8848)
            return fail("push_mpls: eth_type must be 0x8847 or 0x8848");
        out.push_back(c.name == "push_mpls" ? Action::push_mpls(type) : Action::pop_mpls(type));
        return {};
    }
    if (c.name == "push_pbb") {
        if (c.args != "eth_type=0x88e7") return fail("push_pbb: expected eth_type=0x88e7");
        out.push_back(Action::push_pbb(0x88e7));
        return {};
    }
    if (c.name == "set_queue") {
        auto id = parse_uint(c.args, 0xffffffff);
        if (!id) return tl::unexpected(id.error());
        out.push_back(Action::set_queue(static_cast<uint32_t>(*id)));
        return {};
    }
    if (c.name == "push_vlan") {
        auto a = parse_push_vlan(c.args);
        if (!a) return tl::unexpected(a.error());
        out.push_back(*a);
        return {};
    }
    if (c.name == "set") {
        auto inner = split_call(c.args);
        if (!inner) return tl::unexpected(inner.error());
        if (!inner->has_args) return fail("set: expected set(header(field=value))");
        auto kvs = split_top(inner->args);
        if (!kvs) return tl::unexpected(kvs.error());
        for (std::string_view kv : *kvs) {
            auto a = parse_set_field(inner->name, kv);
            if (!a) return tl::unexpected(a.error());
            out.push_back(*a);
        }
        return {};
    }
    return fail("unknown action \"" + std::string(s) + "\"");
}

}  // namespace

Result<ActionList> parse_actions(std::string_view text) {
    text = trim(text);
    if (text == "drop") return ActionList{};
    if (text.empty()) return fail("empty action list (write \"drop\")");
    auto parts = split_top(text);
    if (!parts) return tl::unexpected(parts.error());
    std::vector<Action> actions;
    for (std::string_view p : *parts) {
        auto r = parse_one(p, actions);
        if (!r) return tl::unexpected(r.error());
    }
    return ActionList(std::move(actions));
}

}  // namespace vs
