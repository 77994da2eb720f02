// OfBridge's answers to controller requests, OpenFlow 1.3 and 1.0 (1.0 through the converter
// to the 1.3 engine): switch features and config, descriptions, statistics, table features,
// and the state-changing messages (FLOW_MOD, GROUP_MOD, PORT_MOD, TABLE_MOD, PACKET_OUT, ROLE),
// which the rest of OfBridge carries out. Anything else gets the specification's ERROR.
#include <algorithm>

#include "base/log.hpp"
#include "openflow/of10.hpp"
#include "openflow/of13.hpp"
#include "vswitchd/of_bridge.hpp"
#include "vswitchd/of_port_desc.hpp"
#include "vswitchd/ofproto/of10_convert.hpp"
#include "vswitchd/ofproto/table_features.hpp"

namespace vs {

VS_LOG_MODULE(ofrequests_log, "ofproto");

namespace {

constexpr uint8_t kOf10StatsRequest = 16;
constexpr uint8_t kOf13MultipartRequest = 18;
constexpr uint8_t kTables = 254;
constexpr const char* kMfr = "vswitch project";
constexpr const char* kHw = "vswitch userspace datapath (DPDK)";
constexpr const char* kSw = "vswitchd 0.1.0";

// OpenFlow's port counters from ours: drops on transmit are the tx queue refusing packets,
// every other drop reason happens on the way in.
template <class Stats>
void fill_port_stats(Stats& out, const PortStats& in) {
    const uint64_t tx_dropped = in.drops[static_cast<int>(DropReason::kTxFull)];
    out.rx_packets = in.rx_packets;
    out.tx_packets = in.tx_packets;
    out.rx_bytes = in.rx_bytes;
    out.tx_bytes = in.tx_bytes;
    out.rx_dropped = in.total_drops() - tx_dropped;
    out.tx_dropped = tx_dropped;
}

// A 1.0 flow or aggregate statistics request in 1.3 terms (0xff: all tables in both).
of13::FlowStatsRequest stats_request10(const of10::Match& match, uint8_t table, uint16_t out_port) {
    of13::FlowStatsRequest r;
    r.table_id = table;
    r.out_port = port10_to_13(out_port);
    r.out_group = 0xffffffff;
    r.match = match10_to_13(match);
    return r;
}

// An ERROR the 1.3 engine chose, in 1.0's numbering (1.0 has no BAD_INSTRUCTION or BAD_MATCH,
// and numbers FLOW_MOD_FAILED and its codes differently).
openflow::SpecError error13_to_10(const openflow::SpecError& e) {
    using T13 = of13::ErrorType;
    using T10 = of10::ErrorType;
    auto err = [](T10 type, auto code) {
        return openflow::SpecError{static_cast<uint16_t>(type), static_cast<uint16_t>(code)};
    };
    switch (static_cast<T13>(e.type)) {
        case T13::kBadAction: {
            const auto code = static_cast<of13::BadActionCode>(e.code);
            if (code == of13::BadActionCode::kBadOutPort)
                return err(T10::kBadAction, of10::BadActionCode::kBadOutPort);
            if (code == of13::BadActionCode::kBadArgument)
                return err(T10::kBadAction, of10::BadActionCode::kBadArgument);
            return err(T10::kBadAction, of10::BadActionCode::kBadType);
        }
        case T13::kBadInstruction:
        case T13::kBadMatch:
            return err(T10::kFlowModFailed, of10::FlowModFailedCode::kUnsupported);
        case T13::kFlowModFailed:
            switch (static_cast<of13::FlowModFailedCode>(e.code)) {
                case of13::FlowModFailedCode::kOverlap:
                    return err(T10::kFlowModFailed, of10::FlowModFailedCode::kOverlap);
                case of13::FlowModFailedCode::kTableFull:
                    return err(T10::kFlowModFailed, of10::FlowModFailedCode::kAllTablesFull);
                case of13::FlowModFailedCode::kBadCommand:
                    return err(T10::kFlowModFailed, of10::FlowModFailedCode::kBadCommand);
                default:
                    return err(T10::kFlowModFailed, of10::FlowModFailedCode::kUnsupported);
            }
        default:
            return e;  // HELLO_FAILED and BAD_REQUEST number the same
    }
}

// Multipart replies longer than a message can be (64 KiB) go out in parts, REPLY_MORE set on
// all but the last.
template <class Message, class Body>
void reply(OfConnection& conn, uint32_t xid, Body body) {
    for (auto& part : encode_split(Message{xid, std::move(body)}))
        conn.send(std::move(part));
}

}  // namespace

uint32_t OfBridge::group_users(uint32_t group_id) const {
    uint32_t n = 0;
    RuleFilter all;
    tables_.for_each(all, [&](const RulePtr& r) {
        for (const of13::Instruction& i : r->instructions) {
            const auto* apply = std::get_if<of13::InstructionApplyActions>(&i);
            const auto* write = std::get_if<of13::InstructionWriteActions>(&i);
            for (const auto* list :
                 {apply ? &apply->actions : nullptr, write ? &write->actions : nullptr}) {
                if (!list) continue;
                for (const of13::Action& a : *list) {
                    const auto* g = std::get_if<of13::ActionGroup>(&a);
                    if (g && g->group_id == group_id) {
                        ++n;
                        return;
                    }
                }
            }
        }
    });
    return n;
}

std::vector<of13::FlowStats> OfBridge::flow_stats13(const of13::FlowStatsRequest& request) const {
    std::vector<of13::FlowStats> out;
    auto filter_match = match_from_oxm(request.match, port_map_);
    if (!filter_match) return out;
    const RuleFilter filter{request.table_id, *filter_match, request.out_port, request.cookie,
                            request.cookie_mask};
    const uint64_t now = now_ms_();
    tables_.for_each(filter, [&](const RulePtr& r) {
        of13::FlowStats st;
        const uint64_t age = now - r->created_ms;
        st.table_id = r->table_id;
        st.duration_sec = static_cast<uint32_t>(age / 1000);
        st.duration_nsec = static_cast<uint32_t>(age % 1000 * 1000000);
        st.priority = r->priority;
        st.idle_timeout = r->idle_timeout;
        st.hard_timeout = r->hard_timeout;
        st.flags = r->flags;
        st.cookie = r->cookie;
        st.packet_count = r->packets;
        st.byte_count = r->bytes;
        st.match = match_to_oxm(r->match, port_map_);
        st.instructions = r->instructions;
        out.push_back(std::move(st));
    });
    return out;
}

void OfBridge::handle_message(OfConnection& conn, std::span<const uint8_t> message) {
    if (conn.version() == OfConnection::kVersion13) {
        handle13(conn, message);
    } else {
        handle10(conn, message);
    }
}

void OfBridge::handle13(OfConnection& conn, std::span<const uint8_t> message) {
    using namespace of13;
    auto decoded = decode(message);
    if (!decoded) {
        const openflow::SpecError e = spec_error(decoded.error());
        VS_DBG(ofrequests_log, "{}: {}: {}", name_, conn.name(),
               openflow::to_string(decoded.error()));
        conn.send_error(e.type, e.code, message, decoded.error().xid);
        return;
    }
    const uint32_t xid = decoded->xid;
    const Body& body = decoded->body;
    const bool modifies =
        std::holds_alternative<FlowMod>(body) || std::holds_alternative<GroupMod>(body) ||
        std::holds_alternative<PortMod>(body) || std::holds_alternative<TableMod>(body) ||
        std::holds_alternative<PacketOut>(body) || std::holds_alternative<MeterMod>(body);
    if (modifies && is_slave(conn)) {
        conn.send_error(static_cast<uint16_t>(ErrorType::kBadRequest),
                        static_cast<uint16_t>(BadRequestCode::kIsSlave), message, xid);
        return;
    }
    if (std::holds_alternative<FeaturesRequest>(body)) {
        FeaturesReply r;
        r.datapath_id = info_().datapath_id;
        r.n_tables = kTables;
        r.capabilities = capabilities::kFlowStats | capabilities::kTableStats |
                         capabilities::kPortStats | capabilities::kGroupStats;
        reply<Message>(conn, xid, r);
    } else if (std::holds_alternative<GetConfigRequest>(body)) {
        reply<Message>(conn, xid, GetConfigReply{config_flags_, miss_send_len_});
    } else if (const auto* set = std::get_if<SetConfig>(&body)) {
        config_flags_ = set->flags;
        miss_send_len_ = set->miss_send_len;
        forget_closed_channels();
        monitors_.insert(&conn);
    } else if (std::holds_alternative<BarrierRequest>(body)) {
        flush_revalidation();
        reply<Message>(conn, xid, BarrierReply{});
    } else if (std::holds_alternative<DescRequest>(body)) {
        reply<Message>(conn, xid, DescReply{0, kMfr, kHw, kSw, "None", name_});
    } else if (std::holds_alternative<PortDescRequest>(body)) {
        reply<Message>(conn, xid, PortDescReply{0, ports13(info_(), port_config_)});
    } else if (const auto* fm = std::get_if<FlowMod>(&body)) {
        if (auto e = flow_mod13(*fm)) conn.send_error(e->type, e->code, message, xid);
    } else if (const auto* gm = std::get_if<GroupMod>(&body)) {
        if (auto e = group_mod13(*gm)) conn.send_error(e->type, e->code, message, xid);
    } else if (handle_meter13(conn, xid, body, message)) {
        // METER_MOD, METER, METER_CONFIG, METER_FEATURES: of_bridge_meters.cpp
    } else if (std::holds_alternative<GroupDescRequest>(body)) {
        GroupDescReply r;
        for (const auto& [id, g] : groups_.groups())
            r.stats.push_back({g->type, id, g->buckets});
        reply<Message>(conn, xid, r);
    } else if (const auto* gs = std::get_if<GroupStatsRequest>(&body)) {
        if (megaflows_) harvest(megaflows_);
        GroupStatsReply r;
        const uint64_t now = now_ms_();
        for (const auto& [id, g] : groups_.groups()) {
            if (gs->group_id != group_id::kAll && gs->group_id != id) continue;
            GroupStats st;
            st.group_id = id;
            st.ref_count = group_users(id);
            st.packet_count = g->packets;
            st.byte_count = g->bytes;
            st.duration_sec = static_cast<uint32_t>((now - g->created_ms) / 1000);
            st.duration_nsec = static_cast<uint32_t>((now - g->created_ms) % 1000 * 1000000);
            for (size_t b = 0; b < g->buckets.size(); ++b)
                st.bucket_stats.push_back({g->bucket_packets[b], g->bucket_bytes[b]});
            r.stats.push_back(std::move(st));
        }
        reply<Message>(conn, xid, r);
    } else if (std::holds_alternative<GroupFeaturesRequest>(body)) {
        GroupFeaturesReply r;
        r.types = 0xf;         // all, select, indirect, fast-failover
        r.capabilities = 0x1;  // OFPGFC_SELECT_WEIGHT
        r.max_groups = {65536, 65536, 65536, 65536};
        // Per type: output, push/pop VLAN, dec TTL, set-field (OFPAT_* bits).
        const uint32_t actions = 1U << 0 | 1U << 17 | 1U << 18 | 1U << 24 | 1U << 25;
        r.actions = {actions, actions, actions, actions};
        reply<Message>(conn, xid, r);
    } else if (const auto* po = std::get_if<PacketOut>(&body)) {
        if (auto e = packet_out(po->buffer_id, po->in_port, po->actions, po->data)) {
            conn.send_error(e->type, e->code, message, xid);
        }
    } else if (std::holds_alternative<TableStatsRequest>(body)) {
        TableStatsReply r;
        for (uint8_t t = 0; t < FlowTables::kNumTables; ++t) {
            r.stats.push_back({t, static_cast<uint32_t>(tables_.size(t)), tables_.lookups(t),
                               tables_.matches(t)});
        }
        reply<Message>(conn, xid, r);
    } else if (const auto* ps = std::get_if<PortStatsRequest>(&body)) {
        PortStatsReply r;
        for (const OfPortInfo& p : info_().ports) {
            of13::PortStats st;
            st.port_no = p.local ? port_no::kLocal : p.port_no;
            if (ps->port_no != port_no::kAny && ps->port_no != st.port_no) continue;
            fill_port_stats(st, p.stats);
            r.stats.push_back(st);
        }
        reply<Message>(conn, xid, r);
    } else if (const auto* fs = std::get_if<FlowStatsRequest>(&body)) {
        if (megaflows_) harvest(megaflows_);
        reply<Message>(conn, xid, FlowStatsReply{0, flow_stats13(*fs)});
    } else if (const auto* as = std::get_if<AggregateStatsRequest>(&body)) {
        if (megaflows_) harvest(megaflows_);
        AggregateStatsReply r;
        const FlowStatsRequest fs{0,          as->table_id,    as->out_port, as->out_group,
                                  as->cookie, as->cookie_mask, as->match};
        for (const FlowStats& st : flow_stats13(fs)) {
            r.packet_count += st.packet_count;
            r.byte_count += st.byte_count;
            ++r.flow_count;
        }
        reply<Message>(conn, xid, r);
    } else if (const auto* tf = std::get_if<TableFeaturesRequest>(&body)) {
        if (!tf->tables.empty()) {  // setting table features is not supported
            conn.send_error(static_cast<uint16_t>(ErrorType::kTableFeaturesFailed),
                            static_cast<uint16_t>(TableFeaturesFailedCode::kEperm), message, xid);
            return;
        }
        // About 700 bytes a table: split over several replies (OFPMPF_REPLY_MORE on all but
        // the last) to stay under the 64 KiB message limit.
        constexpr size_t kTablesPerReply = 32;
        const std::vector<TableFeatures> all = table_features();
        for (size_t at = 0; at < all.size(); at += kTablesPerReply) {
            const size_t end = std::min(all.size(), at + kTablesPerReply);
            TableFeaturesReply r;
            r.flags = end < all.size() ? 1 : 0;
            r.tables.assign(all.begin() + static_cast<long>(at),
                            all.begin() + static_cast<long>(end));
            reply<Message>(conn, xid, r);
        }
    } else if (const auto* role = std::get_if<RoleRequest>(&body)) {
        ControllerRole granted = role->role;
        if (auto e = change_role(conn, granted, role->generation_id)) {
            conn.send_error(e->type, e->code, message, xid);
        } else {
            reply<Message>(conn, xid, RoleReply{granted, generation_id_.value_or(0)});
        }
    } else if (std::holds_alternative<Experimenter>(body) ||
               std::holds_alternative<SetAsync>(body)) {
        // ovs-ofctl monitor starts with Nicira extensions (we have none) or SET_ASYNC: either
        // way the channel wants asynchronous messages.
        forget_closed_channels();
        monitors_.insert(&conn);
        if (std::holds_alternative<Experimenter>(body)) {
            conn.send_error(static_cast<uint16_t>(ErrorType::kBadRequest),
                            static_cast<uint16_t>(BadRequestCode::kBadExperimenter), message, xid);
        }
    } else if (const auto* pm = std::get_if<PortMod>(&body)) {
        if (auto e = port_mod(pm->port_no, pm->hw_addr, pm->config, pm->mask)) {
            conn.send_error(e->type, e->code, message, xid);
        }
    } else if (const auto* tm = std::get_if<TableMod>(&body)) {
        // OpenFlow 1.3 left table config with nothing to set; valid tables are accepted.
        if (tm->table_id >= FlowTables::kNumTables && tm->table_id != 0xff) {
            conn.send_error(static_cast<uint16_t>(ErrorType::kTableModFailed),
                            static_cast<uint16_t>(TableModFailedCode::kBadTable), message, xid);
        }
    } else {
        const bool multipart = message[1] == kOf13MultipartRequest;
        VS_DBG(ofrequests_log, "{}: {}: {} not supported", name_, conn.name(), type_name(body));
        conn.send_error(static_cast<uint16_t>(ErrorType::kBadRequest),
                        static_cast<uint16_t>(multipart ? BadRequestCode::kBadMultipart
                                                        : BadRequestCode::kBadType),
                        message, xid);
    }
}

void OfBridge::handle10(OfConnection& conn, std::span<const uint8_t> message) {
    using namespace of10;
    auto decoded = decode(message);
    if (!decoded) {
        const openflow::SpecError e = spec_error(decoded.error());
        VS_DBG(ofrequests_log, "{}: {}: {}", name_, conn.name(),
               openflow::to_string(decoded.error()));
        conn.send_error(e.type, e.code, message, decoded.error().xid);
        return;
    }
    const uint32_t xid = decoded->xid;
    const Body& body = decoded->body;
    if (std::holds_alternative<FeaturesRequest>(body)) {
        const OfSwitchInfo info = info_();
        FeaturesReply r;
        r.datapath_id = info.datapath_id;
        r.n_tables = kTables;
        r.capabilities =
            capabilities::kFlowStats | capabilities::kTableStats | capabilities::kPortStats;
        r.ports = ports10(info, port_config_);
        reply<Message>(conn, xid, r);
    } else if (std::holds_alternative<GetConfigRequest>(body)) {
        reply<Message>(conn, xid, GetConfigReply{config_flags_, miss_send_len_});
    } else if (const auto* set = std::get_if<SetConfig>(&body)) {
        config_flags_ = set->flags;
        miss_send_len_ = set->miss_send_len;
        forget_closed_channels();
        monitors_.insert(&conn);
    } else if (std::holds_alternative<BarrierRequest>(body)) {
        flush_revalidation();
        reply<Message>(conn, xid, BarrierReply{});
    } else if (std::holds_alternative<DescStatsRequest>(body)) {
        reply<Message>(conn, xid, DescStatsReply{0, kMfr, kHw, kSw, "None", name_});
    } else if (const auto* fm = std::get_if<FlowMod>(&body)) {
        auto converted = flow_mod10_to_13(*fm);
        std::optional<openflow::SpecError> e;
        if (!converted) {
            e = converted.error();
        } else {
            e = flow_mod13(*converted);
            if (e) e = error13_to_10(*e);
        }
        if (e) conn.send_error(e->type, e->code, message, xid);
    } else if (const auto* pm = std::get_if<PortMod>(&body)) {
        const uint32_t port = port10_to_13(pm->port_no);
        if (auto e = port_mod(port, pm->hw_addr, pm->config, pm->mask)) {
            conn.send_error(static_cast<uint16_t>(ErrorType::kPortModFailed), e->code, message,
                            xid);  // 1.0: BAD_PORT 0, BAD_HW_ADDR 1 as in 1.3
        }
    } else if (const auto* po = std::get_if<PacketOut>(&body)) {
        auto actions = actions10_to_13(po->actions, Match{of10::wildcards::kAll});
        std::optional<openflow::SpecError> e;
        if (!actions) {
            e = actions.error();
        } else if ((e = packet_out(po->buffer_id, port10_to_13(po->in_port), *actions, po->data))) {
            e = error13_to_10(*e);
        }
        if (e) conn.send_error(e->type, e->code, message, xid);
    } else if (std::holds_alternative<TableStatsRequest>(body)) {
        TableStatsReply r;
        for (uint8_t t = 0; t < FlowTables::kNumTables; ++t) {
            TableStats st;
            st.table_id = t;
            st.name = "table" + std::to_string(t);
            st.wildcards = of10::wildcards::kAll;
            st.max_entries = 1000000;
            st.active_count = static_cast<uint32_t>(tables_.size(t));
            st.lookup_count = tables_.lookups(t);
            st.matched_count = tables_.matches(t);
            r.stats.push_back(std::move(st));
        }
        reply<Message>(conn, xid, r);
    } else if (const auto* ps = std::get_if<PortStatsRequest>(&body)) {
        PortStatsReply r;
        for (const OfPortInfo& p : info_().ports) {
            of10::PortStats st;
            st.port_no = p.local ? port_no::kLocal : static_cast<uint16_t>(p.port_no);
            if (ps->port_no != port_no::kNone && ps->port_no != st.port_no) continue;
            fill_port_stats(st, p.stats);
            r.stats.push_back(st);
        }
        reply<Message>(conn, xid, r);
    } else if (const auto* fs = std::get_if<FlowStatsRequest>(&body)) {
        if (megaflows_) harvest(megaflows_);
        FlowStatsReply r;
        for (const of13::FlowStats& st :
             flow_stats13(stats_request10(fs->match, fs->table_id, fs->out_port))) {
            FlowStats out;
            out.table_id = st.table_id;
            out.match = match13_to_10(st.match);
            out.duration_sec = st.duration_sec;
            out.duration_nsec = st.duration_nsec;
            out.priority = st.priority;
            out.idle_timeout = st.idle_timeout;
            out.hard_timeout = st.hard_timeout;
            out.cookie = st.cookie;
            out.packet_count = st.packet_count;
            out.byte_count = st.byte_count;
            out.actions = actions13_to_10(st.instructions);
            r.stats.push_back(std::move(out));
        }
        reply<Message>(conn, xid, r);
    } else if (const auto* as = std::get_if<AggregateStatsRequest>(&body)) {
        if (megaflows_) harvest(megaflows_);
        AggregateStatsReply r;
        for (const of13::FlowStats& st :
             flow_stats13(stats_request10(as->match, as->table_id, as->out_port))) {
            r.packet_count += st.packet_count;
            r.byte_count += st.byte_count;
            ++r.flow_count;
        }
        reply<Message>(conn, xid, r);
    } else {
        const bool stats = message[1] == kOf10StatsRequest;
        VS_DBG(ofrequests_log, "{}: {}: {} not supported", name_, conn.name(), type_name(body));
        conn.send_error(
            static_cast<uint16_t>(ErrorType::kBadRequest),
            static_cast<uint16_t>(stats ? BadRequestCode::kBadStat : BadRequestCode::kBadType),
            message, xid);
    }
}

}  // namespace vs
