// ofctl's commands (see commands.hpp): one Session per run, each command a function that sends
// its requests through the Session and prints the replies as ovs-ofctl does.
#include "ctl/ofctl/commands.hpp"

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>

#include "ctl/ofctl/connection.hpp"
#include "ctl/ofctl/flow_print.hpp"
#include "ctl/ofctl/flow_syntax.hpp"
#include "ctl/ofctl/group_syntax.hpp"
#include "ctl/ofctl/meter_syntax.hpp"
#include "ctl/ofctl/of10_convert.hpp"
#include "ctl/ofctl/reply_print.hpp"

namespace vs::ofctl {

namespace {

using Bytes = std::vector<uint8_t>;
using Args = std::vector<std::string>;

constexpr uint8_t kErrorType = 1;
constexpr uint8_t kBarrierReply13 = 21;
constexpr uint8_t kBarrierReply10 = 19;
constexpr uint8_t kMultipartReply13 = 19;
constexpr uint8_t kStatsReply10 = 17;

uint32_t xid_of(const Bytes& m) {
    return (uint32_t{m[4]} << 24U) | (uint32_t{m[5]} << 16U) | (uint32_t{m[6]} << 8U) | m[7];
}

class Session {
  public:
    Session(const std::string& target, const Options& o) : conn_(target, o.versions), options_(o) {
        conn_.set_send_timeout_ms(timeout_ms());
    }

    bool v13() const { return conn_.version() == kOf13; }
    std::string tag() const { return version_tag(conn_.version()); }
    const Options& options() const { return options_; }
    Connection& conn() { return conn_; }

    template <typename Body>
    uint32_t send13(Body body) {
        const uint32_t xid = conn_.next_xid();
        conn_.send(of13::encode(of13::Message{xid, std::move(body)}));
        return xid;
    }
    template <typename Body>
    uint32_t send10(Body body) {
        const uint32_t xid = conn_.next_xid();
        conn_.send(of10::encode(of10::Message{xid, std::move(body)}));
        return xid;
    }

    // Every reply to `xid` (the parts of a multipart reply together); an ERROR is SwitchError.
    std::vector<Bytes> replies(uint32_t xid, const std::string& request) {
        std::vector<Bytes> out;
        for (;;) {
            Bytes m = conn_.receive(timeout_ms());
            if (xid_of(m) != xid) continue;
            if (m[1] == kErrorType) throw SwitchError(error_text(m, request));
            const bool multipart = m[1] == (v13() ? kMultipartReply13 : kStatsReply10);
            const bool more = multipart && m.size() >= 12 && (m[11] & 1U) != 0;
            out.push_back(std::move(m));
            if (!more) return out;
        }
    }

    template <typename T>
    std::vector<T> decoded13(uint32_t xid, const std::string& request) {
        std::vector<T> out;
        for (const Bytes& b : replies(xid, request)) {
            auto m = of13::decode(b);
            if (!m) throw CommandError("received bad reply: " + openflow::to_string(m.error()));
            if (auto* body = std::get_if<T>(&m->body)) out.push_back(std::move(*body));
        }
        if (out.empty()) throw CommandError("unexpected reply from the switch");
        return out;
    }
    template <typename T>
    std::vector<T> decoded10(uint32_t xid, const std::string& request) {
        std::vector<T> out;
        for (const Bytes& b : replies(xid, request)) {
            auto m = of10::decode(b);
            if (!m) throw CommandError("received bad reply: " + openflow::to_string(m.error()));
            if (auto* body = std::get_if<T>(&m->body)) out.push_back(std::move(*body));
        }
        if (out.empty()) throw CommandError("unexpected reply from the switch");
        return out;
    }

    // Sends `messages` (encoded, with their xids and request texts) then a BARRIER; an ERROR
    // for any of them is SwitchError (all of them, in order).
    struct Pending {
        uint32_t first_xid = 0;
        std::vector<std::string> requests;
        Bytes batch;
    };
    Pending start_batch() { return Pending{conn_.next_xid(), {}, {}}; }
    void add13(Pending& p, of13::Body body, std::string request) {
        const uint32_t xid = p.first_xid + static_cast<uint32_t>(p.requests.size());
        of13::encode_append(of13::Message{xid, std::move(body)}, p.batch);
        p.requests.push_back(std::move(request));
        flush_if_large(p);
    }
    void add10(Pending& p, of10::Body body, std::string request) {
        const uint32_t xid = p.first_xid + static_cast<uint32_t>(p.requests.size());
        of10::encode_append(of10::Message{xid, std::move(body)}, p.batch);
        p.requests.push_back(std::move(request));
        flush_if_large(p);
    }
    void finish(Pending& p) {
        const uint32_t barrier = p.first_xid + static_cast<uint32_t>(p.requests.size());
        for (uint32_t i = 1; i <= p.requests.size(); ++i)
            (void)conn_.next_xid();
        if (v13()) {
            of13::encode_append(of13::Message{barrier, of13::BarrierRequest{}}, p.batch);
        } else {
            of10::encode_append(of10::Message{barrier, of10::BarrierRequest{}}, p.batch);
        }
        conn_.send(p.batch);
        p.batch.clear();
        std::string errors;
        for (;;) {
            Bytes m = conn_.receive(timeout_ms());
            const uint32_t xid = xid_of(m);
            if (m[1] == kErrorType && xid >= p.first_xid && xid < barrier) {
                errors += error_text(m, p.requests[xid - p.first_xid]);
            }
            if (xid == barrier && m[1] == (v13() ? kBarrierReply13 : kBarrierReply10)) break;
            if (xid == barrier && m[1] == kErrorType) break;
        }
        if (!errors.empty()) throw SwitchError(errors);
    }

    std::string header(const std::string& name, uint32_t xid) const {
        return name + tag() + " " + xid_text(xid) + ":";
    }

  private:
    // No limit unless --timeout, as ovs-ofctl (a switch may take long over 100 000 flow-mods).
    int timeout_ms() const { return options_.timeout_s > 0 ? options_.timeout_s * 1000 : -1; }

    void flush_if_large(Pending& p) {
        if (p.batch.size() < 256 * 1024) return;
        conn_.send(p.batch);
        p.batch.clear();
    }

    std::string error_text(const Bytes& m, const std::string& request) const {
        const uint16_t type = m.size() >= 12 ? static_cast<uint16_t>((m[8] << 8U) | m[9]) : 0;
        const uint16_t code = m.size() >= 12 ? static_cast<uint16_t>((m[10] << 8U) | m[11]) : 0;
        return "OFPT_ERROR" + tag() + " " + xid_text(xid_of(m)) + ": " +
               error_name(conn_.version(), type, code) + "\n" + request + "\n";
    }

    Connection conn_;
    Options options_;
};

void need_args(const Args& a, size_t min, size_t max) {
    if (a.size() < min + 1) {
        throw UsageError("'" + a[0] + "' command requires at least " + std::to_string(min) +
                         " arguments");
    }
    if (a.size() > max + 1) {
        throw UsageError("'" + a[0] + "' command takes at most " + std::to_string(max) +
                         " arguments");
    }
}

std::string flow_request_text(Session& s, const char* command, const FlowSpec& spec, uint32_t xid) {
    std::string text = s.header("OFPT_FLOW_MOD", xid) + " " + command;
    if (spec.table_id != of13::table_id::kAll) text += " table:" + std::to_string(spec.table_id);
    const std::string match = format_match(spec.match, spec.priority);
    if (!match.empty()) text += " " + match;
    if (std::string_view(command).starts_with("ADD") ||
        std::string_view(command).starts_with("MOD")) {
        text += " actions=" + format_instructions(spec.instructions);
    }
    return text;
}

// --- show, dump-* ---------------------------------------------------------------------------

void cmd_show(Session& s, const Args&, std::ostream& out) {
    if (s.v13()) {
        const uint32_t fx = s.send13(of13::FeaturesRequest{});
        const auto f = s.decoded13<of13::FeaturesReply>(fx, s.header("OFPT_FEATURES_REQUEST", fx));
        out << format_features(f.front(), fx);
        const uint32_t px = s.send13(of13::PortDescRequest{});
        const auto ports =
            s.decoded13<of13::PortDescReply>(px, s.header("OFPST_PORT_DESC request", px));
        std::vector<of13::Port> all;
        for (const auto& r : ports)
            all.insert(all.end(), r.ports.begin(), r.ports.end());
        out << s.header("OFPST_PORT_DESC reply", px) << "\n" << format_ports(all);
        const uint32_t cx = s.send13(of13::GetConfigRequest{});
        const auto c =
            s.decoded13<of13::GetConfigReply>(cx, s.header("OFPT_GET_CONFIG_REQUEST", cx));
        out << format_config(kOf13, c.front().flags, c.front().miss_send_len, cx);
    } else {
        const uint32_t fx = s.send10(of10::FeaturesRequest{});
        const auto f = s.decoded10<of10::FeaturesReply>(fx, s.header("OFPT_FEATURES_REQUEST", fx));
        out << format_features(f.front(), fx);
        const uint32_t cx = s.send10(of10::GetConfigRequest{});
        const auto c =
            s.decoded10<of10::GetConfigReply>(cx, s.header("OFPT_GET_CONFIG_REQUEST", cx));
        out << format_config(kOf10, c.front().flags, c.front().miss_send_len, cx);
    }
}

FlowSpec filter_spec(const Args& a) {
    return a.size() > 2 ? parse_flow(a[2], FlowUse::kDelete) : FlowSpec{};
}

void cmd_dump_flows(Session& s, const Args& a, std::ostream& out) {
    const FlowSpec spec = filter_spec(a);
    const FlowLineOptions lo{s.options().no_stats};
    if (s.v13()) {
        // Printed part by part, so a bad part still leaves the good ones on the screen.
        const uint32_t x = s.send13(to_flow_stats_request(spec));
        const auto parts = s.replies(x, s.header("OFPST_FLOW request", x));
        out << s.header("OFPST_FLOW reply", x) << "\n";
        for (const Bytes& b : parts) {
            auto m = of13::decode(b);
            if (!m) throw CommandError("received bad reply: " + openflow::to_string(m.error()));
            if (const auto* r = std::get_if<of13::FlowStatsReply>(&m->body)) {
                for (const auto& fs : r->stats)
                    out << format_flow_stats(fs, lo) << "\n";
            }
        }
    } else {
        const uint32_t x = s.send10(to_of10_flow_stats_request(spec));
        const auto replies =
            s.decoded10<of10::FlowStatsReply>(x, s.header("OFPST_FLOW request", x));
        out << s.header("OFPST_FLOW reply", x) << "\n";
        for (const auto& r : replies)
            for (const auto& fs : r.stats)
                out << format_of10_flow_stats(fs, lo) << "\n";
    }
}

void cmd_dump_aggregate(Session& s, const Args& a, std::ostream& out) {
    const FlowSpec spec = filter_spec(a);
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint32_t flows = 0;
    uint32_t x = 0;
    if (s.v13()) {
        const of13::FlowStatsRequest f = to_flow_stats_request(spec);
        x = s.send13(of13::AggregateStatsRequest{0, f.table_id, f.out_port, f.out_group, f.cookie,
                                                 f.cookie_mask, f.match});
        const auto r =
            s.decoded13<of13::AggregateStatsReply>(x, s.header("OFPST_AGGREGATE request", x));
        packets = r.front().packet_count, bytes = r.front().byte_count,
        flows = r.front().flow_count;
    } else {
        const of10::FlowStatsRequest f = to_of10_flow_stats_request(spec);
        x = s.send10(of10::AggregateStatsRequest{0, f.match, f.table_id, f.out_port});
        const auto r =
            s.decoded10<of10::AggregateStatsReply>(x, s.header("OFPST_AGGREGATE request", x));
        packets = r.front().packet_count, bytes = r.front().byte_count,
        flows = r.front().flow_count;
    }
    out << s.header("OFPST_AGGREGATE reply", x) << " packet_count=" << packets
        << " byte_count=" << bytes << " flow_count=" << flows << "\n";
}

void cmd_dump_ports(Session& s, const Args& a, std::ostream& out) {
    const uint32_t port = a.size() > 2 ? parse_port(a[2]) : of13::port_no::kAny;
    const std::string req =
        port == of13::port_no::kAny ? " port_no=ANY" : " port_no=" + format_port(port);
    if (s.v13()) {
        const uint32_t x = s.send13(of13::PortStatsRequest{0, port});
        const auto r =
            s.decoded13<of13::PortStatsReply>(x, s.header("OFPST_PORT request", x) + req);
        std::vector<of13::PortStats> all;
        for (const auto& p : r)
            all.insert(all.end(), p.stats.begin(), p.stats.end());
        out << s.header("OFPST_PORT reply", x) << " " << all.size() << " ports\n"
            << format_port_stats(all);
    } else {
        const uint32_t x = s.send10(of10::PortStatsRequest{
            0, port == of13::port_no::kAny ? of10::port_no::kNone : to_of10_port(port)});
        const auto r =
            s.decoded10<of10::PortStatsReply>(x, s.header("OFPST_PORT request", x) + req);
        std::vector<of10::PortStats> all;
        for (const auto& p : r)
            all.insert(all.end(), p.stats.begin(), p.stats.end());
        out << s.header("OFPST_PORT reply", x) << " " << all.size() << " ports\n"
            << format_port_stats(all);
    }
}

void cmd_dump_ports_desc(Session& s, const Args& a, std::ostream& out) {
    const uint32_t port = a.size() > 2 ? parse_port(a[2]) : of13::port_no::kAny;
    if (s.v13()) {
        const uint32_t x = s.send13(of13::PortDescRequest{});
        const auto r = s.decoded13<of13::PortDescReply>(x, s.header("OFPST_PORT_DESC request", x));
        std::vector<of13::Port> all;
        for (const auto& p : r)
            for (const auto& d : p.ports)
                if (port == of13::port_no::kAny || d.port_no == port) all.push_back(d);
        out << s.header("OFPST_PORT_DESC reply", x) << "\n" << format_ports(all);
    } else {
        // OpenFlow 1.0 has no port description request: the ports come with FEATURES.
        const uint32_t x = s.send10(of10::FeaturesRequest{});
        const auto f = s.decoded10<of10::FeaturesReply>(x, s.header("OFPT_FEATURES_REQUEST", x));
        std::vector<of10::PhyPort> all;
        for (const auto& d : f.front().ports)
            if (port == of13::port_no::kAny || from_of10_port(d.port_no) == port) all.push_back(d);
        out << s.header("OFPST_PORT_DESC reply", x) << "\n" << format_ports(all);
    }
}

void cmd_dump_tables(Session& s, const Args&, std::ostream& out) {
    if (s.v13()) {
        const uint32_t x = s.send13(of13::TableStatsRequest{});
        const auto r = s.decoded13<of13::TableStatsReply>(x, s.header("OFPST_TABLE request", x));
        std::vector<of13::TableStats> all;
        for (const auto& t : r)
            all.insert(all.end(), t.stats.begin(), t.stats.end());
        out << s.header("OFPST_TABLE reply", x) << format_table_stats(all);
    } else {
        const uint32_t x = s.send10(of10::TableStatsRequest{});
        const auto r = s.decoded10<of10::TableStatsReply>(x, s.header("OFPST_TABLE request", x));
        std::vector<of10::TableStats> all;
        for (const auto& t : r)
            all.insert(all.end(), t.stats.begin(), t.stats.end());
        out << s.header("OFPST_TABLE reply", x) << format_table_stats(all);
    }
}

// --- flow-mods ------------------------------------------------------------------------------

void add_flow_mod(Session& s, Session::Pending& p, const FlowSpec& spec, int command) {
    static constexpr std::array<const char*, 5> kNames{"ADD", "MOD", "MOD_STRICT", "DEL",
                                                       "DEL_STRICT"};
    const uint32_t xid = p.first_xid + static_cast<uint32_t>(p.requests.size());
    std::string text = flow_request_text(s, kNames.at(static_cast<size_t>(command)), spec, xid);
    if (s.v13()) {
        s.add13(p, to_flow_mod(spec, static_cast<of13::FlowModCommand>(command)), std::move(text));
    } else {
        s.add10(p, to_of10_flow_mod(spec, static_cast<of10::FlowModCommand>(command)),
                std::move(text));
    }
}

void run_flow_mods(Session& s, const std::vector<std::string>& flows, FlowUse use, int command) {
    Session::Pending p = s.start_batch();
    for (const auto& f : flows)
        add_flow_mod(s, p, parse_flow(f, use), command);
    s.finish(p);
}

void cmd_add_flow(Session& s, const Args& a, std::ostream&) {
    run_flow_mods(s, {a[2]}, FlowUse::kAdd, 0);
}

std::vector<std::string> read_flow_file(const std::string& name) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (name != "-") {
        file.open(name);
        if (!file) throw CommandError(name + ": open failed (" + std::strerror(errno) + ")");
        in = &file;
    }
    std::vector<std::string> flows;
    std::string line;
    while (std::getline(*in, line)) {
        const size_t hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        flows.push_back(line);
    }
    return flows;
}

void cmd_add_flows(Session& s, const Args& a, std::ostream&) {
    Session::Pending p = s.start_batch();
    for (const auto& f : read_flow_file(a[2]))
        add_flow_mod(s, p, parse_flow(f, FlowUse::kAdd), 0);
    s.finish(p);
}

void cmd_mod_flows(Session& s, const Args& a, std::ostream&) {
    run_flow_mods(s, {a[2]}, FlowUse::kModify, s.options().strict ? 2 : 1);
}

void cmd_del_flows(Session& s, const Args& a, std::ostream&) {
    const std::string flow = a.size() > 2 ? a[2] : "";
    run_flow_mods(s, {flow}, FlowUse::kDelete, s.options().strict ? 4 : 3);
}

// --- groups (OpenFlow 1.1+) -----------------------------------------------------------------

void need13(Session& s, const std::string& what) {
    if (!s.v13()) throw CommandError(what + " needs OpenFlow 1.1 or later (use -O OpenFlow13)");
}

void group_mod(Session& s, const std::string& text, of13::GroupModCommand command) {
    need13(s, "groups");
    of13::GroupMod g = parse_group(text, command);
    Session::Pending p = s.start_batch();
    static constexpr std::array<const char*, 3> kNames{"ADD", "MOD", "DEL"};
    const std::string req = s.header("OFPT_GROUP_MOD", p.first_xid) + " " +
                            kNames.at(static_cast<size_t>(command)) + " " + text;
    s.add13(p, std::move(g), req);
    s.finish(p);
}

void cmd_add_group(Session& s, const Args& a, std::ostream&) {
    group_mod(s, a[2], of13::GroupModCommand::kAdd);
}
void cmd_mod_group(Session& s, const Args& a, std::ostream&) {
    group_mod(s, a[2], of13::GroupModCommand::kModify);
}
void cmd_del_groups(Session& s, const Args& a, std::ostream&) {
    group_mod(s, a.size() > 2 ? a[2] : "", of13::GroupModCommand::kDelete);
}

uint32_t group_filter(const Args& a) {
    if (a.size() <= 2) return of13::group_id::kAll;
    std::string_view v = a[2];
    if (v.starts_with("group_id=")) v.remove_prefix(9);
    return static_cast<uint32_t>(parse_number(v, 0xffffffff, "group_id"));
}

void cmd_dump_groups(Session& s, const Args& a, std::ostream& out) {
    need13(s, "groups");
    const uint32_t id = group_filter(a);
    const uint32_t x = s.send13(of13::GroupDescRequest{});
    const auto r = s.decoded13<of13::GroupDescReply>(
        x, s.header("OFPST_GROUP_DESC request", x) + " group_id=ALL");
    out << s.header("OFPST_GROUP_DESC reply", x) << "\n";
    for (const auto& part : r)
        for (const auto& g : part.stats)
            if (id == of13::group_id::kAll || g.group_id == id) out << format_group_desc(g) << "\n";
}

void cmd_dump_group_stats(Session& s, const Args& a, std::ostream& out) {
    need13(s, "groups");
    const uint32_t id = group_filter(a);
    const uint32_t x = s.send13(of13::GroupStatsRequest{0, id});
    const auto r = s.decoded13<of13::GroupStatsReply>(x, s.header("OFPST_GROUP request", x));
    out << s.header("OFPST_GROUP reply", x) << "\n";
    for (const auto& part : r)
        for (const auto& g : part.stats)
            out << format_group_stats(g) << "\n";
}

// --- meters ---------------------------------------------------------------------------------

void meter_mod(Session& s, const std::string& text, of13::MeterModCommand command) {
    need13(s, "meters");
    of13::MeterMod m = parse_meter(text, command);
    Session::Pending p = s.start_batch();
    static constexpr std::array<const char*, 3> kNames{"ADD", "MOD", "DEL"};
    const std::string req = s.header("OFPT_METER_MOD", p.first_xid) + " " +
                            kNames.at(static_cast<size_t>(command)) + " " + text;
    s.add13(p, std::move(m), req);
    s.finish(p);
}

void cmd_add_meter(Session& s, const Args& a, std::ostream&) {
    meter_mod(s, a[2], of13::MeterModCommand::kAdd);
}
void cmd_mod_meter(Session& s, const Args& a, std::ostream&) {
    meter_mod(s, a[2], of13::MeterModCommand::kModify);
}
void cmd_del_meters(Session& s, const Args& a, std::ostream&) {
    meter_mod(s, a.size() > 2 ? a[2] : "", of13::MeterModCommand::kDelete);
}

void cmd_dump_meters(Session& s, const Args& a, std::ostream& out) {
    need13(s, "meters");
    const uint32_t id = parse_meter_id(a.size() > 2 ? a[2] : "");
    const uint32_t x = s.send13(of13::MeterConfigRequest{0, id});
    const auto r = s.decoded13<of13::MeterConfigReply>(
        x, s.header("OFPST_METER_CONFIG request", x) + " meter=" + std::to_string(id));
    out << s.header("OFPST_METER_CONFIG reply", x) << "\n";
    const char* sep = "";  // ovs-ofctl puts a blank line between meters
    for (const auto& part : r) {
        for (const auto& m : part.stats) {
            out << sep << format_meter_config(m) << "\n";
            sep = "\n";
        }
    }
}

void cmd_meter_stats(Session& s, const Args& a, std::ostream& out) {
    need13(s, "meters");
    const uint32_t id = parse_meter_id(a.size() > 2 ? a[2] : "");
    const uint32_t x = s.send13(of13::MeterStatsRequest{0, id});
    const auto r = s.decoded13<of13::MeterStatsReply>(x, s.header("OFPST_METER request", x));
    out << s.header("OFPST_METER reply", x) << "\n";
    const char* sep = "";
    for (const auto& part : r) {
        for (const auto& m : part.stats) {
            out << sep << format_meter_stats(m) << "\n";
            sep = "\n";
        }
    }
}

void cmd_meter_features(Session& s, const Args&, std::ostream& out) {
    need13(s, "meters");
    const uint32_t x = s.send13(of13::MeterFeaturesRequest{});
    const auto r =
        s.decoded13<of13::MeterFeaturesReply>(x, s.header("OFPST_METER_FEATURES request", x));
    out << s.header("OFPST_METER_FEATURES reply", x) << "\n";
    for (const auto& part : r)
        out << format_meter_features(part) << "\n";
}

// --- packet-out, monitor --------------------------------------------------------------------

Bytes parse_hex(std::string_view text) {
    Bytes out;
    std::string digits;
    for (char c : text)
        if (std::isxdigit(static_cast<unsigned char>(c)) != 0)
            digits += c;
        else if (c != ' ' && c != '.' && c != ':')
            throw ParseError("invalid hex packet data");
    if (digits.size() % 2 != 0) throw ParseError("packet data has an odd number of hex digits");
    for (size_t i = 0; i < digits.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
    return out;
}

void cmd_packet_out(Session& s, const Args& a, std::ostream&) {
    uint32_t in_port = of13::port_no::kController;
    std::string actions;
    std::vector<Bytes> packets;
    if (a.size() == 3) {  // "in_port=1 packet=HEX actions=..."
        std::string_view text = a[2];
        const size_t at = text.find("actions=");
        if (at == std::string_view::npos) throw ParseError("must specify an action");
        actions = std::string(text.substr(at + 8));
        for (const std::string_view token : split_top_level(text.substr(0, at))) {
            const size_t eq = token.find('=');
            const std::string_view key = token.substr(0, eq);
            const std::string_view value = eq == std::string_view::npos ? "" : token.substr(eq + 1);
            if (key == "in_port") {
                in_port = parse_port(value);
            } else if (key == "packet") {
                packets.push_back(parse_hex(value));
            } else {
                throw ParseError("unknown keyword " + std::string(key));
            }
        }
    } else {  // IN_PORT ACTIONS PACKET...
        need_args(a, 4, 1000);
        in_port = parse_port(a[2]);
        actions = a[3];
        for (size_t i = 4; i < a.size(); ++i)
            packets.push_back(parse_hex(a[i]));
    }
    if (packets.empty()) throw ParseError("must specify a packet");
    const std::vector<of13::Action> acts = parse_actions(actions, nullptr);
    Session::Pending p = s.start_batch();
    for (auto& pkt : packets) {
        const std::string req =
            s.header("OFPT_PACKET_OUT", p.first_xid + static_cast<uint32_t>(p.requests.size())) +
            " in_port=" + format_port(in_port) + " actions=" + format_actions(acts);
        if (s.v13()) {
            s.add13(p, of13::PacketOut{of13::misc::kNoBuffer, in_port, acts, pkt}, req);
        } else {
            s.add10(p,
                    of10::PacketOut{of10::misc::kNoBuffer, to_of10_port(in_port),
                                    to_of10_actions(acts), pkt},
                    req);
        }
    }
    s.finish(p);
}

const char* packet_in_reason(of13::PacketInReason r) {
    switch (r) {
        case of13::PacketInReason::kNoMatch:
            return "no_match";
        case of13::PacketInReason::kAction:
            return "action";
        case of13::PacketInReason::kInvalidTtl:
            return "invalid_ttl";
        default:
            return "?";
    }
}

const char* flow_removed_reason(of13::FlowRemovedReason r) {
    switch (r) {
        case of13::FlowRemovedReason::kIdleTimeout:
            return "idle";
        case of13::FlowRemovedReason::kHardTimeout:
            return "hard";
        case of13::FlowRemovedReason::kDelete:
            return "delete";
        case of13::FlowRemovedReason::kGroupDelete:
            return "group_delete";
        default:
            return "?";
    }
}

std::string hex_text(uint64_t v) {
    std::array<char, 24> buf{};
    std::snprintf(buf.data(), buf.size(), "0x%llx", static_cast<unsigned long long>(v));
    return buf.data();
}

// PACKET_IN and FLOW_REMOVED as ovs-ofctl's monitor prints them (without the packet's flow).
std::string async_text13(const of13::Message& m, const std::string& tag) {
    const std::string head =
        std::string(of13::type_name(m.body)) + tag + " " + xid_text(m.xid) + ":";
    if (const auto* pi = std::get_if<of13::PacketIn>(&m.body)) {
        const std::string match = format_match(pi->match, kDefaultPriority);
        std::string s =
            "OFPT_PACKET_IN" + tag + " " + xid_text(m.xid) +
            ": table_id=" + std::to_string(pi->table_id) + " cookie=" + hex_text(pi->cookie) +
            " total_len=" + std::to_string(pi->total_len) + (match.empty() ? "" : " " + match) +
            " (via " + packet_in_reason(pi->reason) +
            ") data_len=" + std::to_string(pi->data.size());
        s += pi->buffer_id == of13::misc::kNoBuffer ? " (unbuffered)"
                                                    : " buffer=" + hex_text(pi->buffer_id);
        return s + "\n";
    }
    if (const auto* fr = std::get_if<of13::FlowRemoved>(&m.body)) {
        std::string s = "OFPT_FLOW_REMOVED" + tag + " " + xid_text(m.xid) + ": " +
                        format_match(fr->match, fr->priority) +
                        " reason=" + flow_removed_reason(fr->reason);
        s += " table_id=" + std::to_string(fr->table_id);
        if (fr->cookie != 0) s += " cookie=" + hex_text(fr->cookie);
        s += " duration" + format_duration(fr->duration_sec, fr->duration_nsec);
        if (fr->idle_timeout != 0) s += " idle" + std::to_string(fr->idle_timeout);
        if (fr->hard_timeout != 0) s += " hard" + std::to_string(fr->hard_timeout);
        s += " pkts" + std::to_string(fr->packet_count) + " bytes" + std::to_string(fr->byte_count);
        return s + "\n";
    }
    return head + " " + of13::to_string(m) + "\n";
}

void cmd_monitor(Session& s, const Args& a, std::ostream& out) {
    const uint16_t miss_len =
        a.size() > 2 ? static_cast<uint16_t>(parse_number(a[2], 0xffff, "miss_len")) : 0;
    if (a.size() > 2) {
        if (s.v13()) {
            (void)s.send13(of13::SetConfig{0, miss_len});
        } else {
            (void)s.send10(of10::SetConfig{0, miss_len});
        }
    }
    for (;;) {
        const Bytes b = s.conn().receive(-1);
        if (s.v13()) {
            auto m = of13::decode(b);
            if (!m) continue;
            out << async_text13(*m, s.tag()) << std::flush;
        } else {
            auto m = of10::decode(b);
            if (!m) continue;
            out << of10::type_name(m->body) << " " << xid_text(m->xid) << ": "
                << of10::to_string(*m) << "\n"
                << std::flush;
        }
    }
}

struct Command {
    size_t min_args;
    size_t max_args;
    void (*run)(Session&, const Args&, std::ostream&);
};

const std::map<std::string, Command, std::less<>>& commands() {
    static const std::map<std::string, Command, std::less<>> commands_table{
        {"show", {1, 1, cmd_show}},
        {"dump-flows", {1, 2, cmd_dump_flows}},
        {"dump-aggregate", {1, 2, cmd_dump_aggregate}},
        {"add-flow", {2, 2, cmd_add_flow}},
        {"add-flows", {2, 2, cmd_add_flows}},
        {"mod-flows", {2, 2, cmd_mod_flows}},
        {"del-flows", {1, 2, cmd_del_flows}},
        {"dump-ports", {1, 2, cmd_dump_ports}},
        {"dump-ports-desc", {1, 2, cmd_dump_ports_desc}},
        {"dump-tables", {1, 1, cmd_dump_tables}},
        {"add-group", {2, 2, cmd_add_group}},
        {"mod-group", {2, 2, cmd_mod_group}},
        {"del-groups", {1, 2, cmd_del_groups}},
        {"dump-groups", {1, 2, cmd_dump_groups}},
        {"dump-group-stats", {1, 2, cmd_dump_group_stats}},
        {"add-meter", {2, 2, cmd_add_meter}},
        {"mod-meter", {2, 2, cmd_mod_meter}},
        {"del-meters", {1, 2, cmd_del_meters}},
        {"dump-meters", {1, 2, cmd_dump_meters}},
        {"meter-stats", {1, 2, cmd_meter_stats}},
        {"meter-features", {1, 1, cmd_meter_features}},
        {"packet-out", {2, 1000, cmd_packet_out}},
        {"monitor", {1, 2, cmd_monitor}},
    };
    return commands_table;
}

}  // namespace

int run_command(const Options& options, const std::vector<std::string>& args, std::ostream& out) {
    if (args.empty()) throw UsageError("missing command name; use --help for help");
    const auto it = commands().find(args[0]);
    if (it == commands().end())
        throw UsageError("unknown command '" + args[0] + "'; use --help for help");
    need_args(args, it->second.min_args, it->second.max_args);
    Session session(args[1], options);
    it->second.run(session, args, out);
    return 0;
}

}  // namespace vs::ofctl
