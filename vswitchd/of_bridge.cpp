// OfBridge: the switch-level requests in OpenFlow 1.0 and 1.3.
#include "vswitchd/of_bridge.hpp"

#include <cstdio>

#include "base/log.hpp"
#include "openflow/of10.hpp"
#include "openflow/of13.hpp"

namespace vs {

VS_LOG_MODULE(ofbridge_log, "ofproto");

namespace {

constexpr uint8_t kOf10StatsRequest = 16;
constexpr uint8_t kOf13MultipartRequest = 18;
constexpr uint8_t kTables = 254;
constexpr uint32_t kOf13PortStateLinkDown = 1;
constexpr uint32_t kOf10PortStateLinkDown = 1;
constexpr const char* kMfr = "vswitch project";
constexpr const char* kHw = "vswitch userspace datapath (DPDK)";
constexpr const char* kSw = "vswitchd 0.1.0";

openflow::MacAddr parse_mac(const std::string& text) {
    openflow::MacAddr mac{};
    unsigned b[6] = {};
    if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) ==
        6) {
        for (int i = 0; i < 6; ++i)
            mac[i] = static_cast<uint8_t>(b[i]);
    }
    return mac;
}

std::vector<of13::Port> ports13(const OfSwitchInfo& info) {
    std::vector<of13::Port> out;
    for (const OfPortInfo& p : info.ports) {
        of13::Port port;
        port.port_no = p.local ? of13::port_no::kLocal : p.port_no;
        port.hw_addr = parse_mac(p.mac);
        port.name = p.name;
        port.state = p.link_up ? 0 : kOf13PortStateLinkDown;
        out.push_back(std::move(port));
    }
    return out;
}

std::vector<of10::PhyPort> ports10(const OfSwitchInfo& info) {
    std::vector<of10::PhyPort> out;
    for (const OfPortInfo& p : info.ports) {
        if (!p.local && p.port_no >= of10::port_no::kMax) continue;  // not numberable in 1.0
        of10::PhyPort port;
        port.port_no = p.local ? of10::port_no::kLocal : static_cast<uint16_t>(p.port_no);
        port.hw_addr = parse_mac(p.mac);
        port.name = p.name;
        port.state = p.link_up ? 0 : kOf10PortStateLinkDown;
        out.push_back(std::move(port));
    }
    return out;
}

template <class Message, class Body>
void reply(OfConnection& conn, uint32_t xid, Body body) {
    conn.send(encode(Message{xid, std::move(body)}));
}

}  // namespace

OfBridge::OfBridge(boost::asio::io_context& io, const std::string& bridge,
                   const std::string& rundir, InfoSource info)
    : name_(bridge), info_(std::move(info)), conns_(io, bridge, rundir, *this) {}

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
        VS_DBG(ofbridge_log, "{}: {}: {}", name_, conn.name(),
               openflow::to_string(decoded.error()));
        conn.send_error(e.type, e.code, message, decoded.error().xid);
        return;
    }
    const uint32_t xid = decoded->xid;
    const Body& body = decoded->body;
    if (std::holds_alternative<FeaturesRequest>(body)) {
        FeaturesReply r;
        r.datapath_id = info_().datapath_id;
        r.n_tables = kTables;
        reply<Message>(conn, xid, r);
    } else if (std::holds_alternative<GetConfigRequest>(body)) {
        reply<Message>(conn, xid, GetConfigReply{config_flags_, miss_send_len_});
    } else if (const auto* set = std::get_if<SetConfig>(&body)) {
        config_flags_ = set->flags;
        miss_send_len_ = set->miss_send_len;
    } else if (std::holds_alternative<BarrierRequest>(body)) {
        reply<Message>(conn, xid, BarrierReply{});
    } else if (std::holds_alternative<DescRequest>(body)) {
        reply<Message>(conn, xid, DescReply{0, kMfr, kHw, kSw, "None", name_});
    } else if (std::holds_alternative<PortDescRequest>(body)) {
        reply<Message>(conn, xid, PortDescReply{0, ports13(info_())});
    } else if (const auto* role = std::get_if<RoleRequest>(&body)) {
        // Every channel is an equal for now: a request to change the role is granted as asked.
        const ControllerRole granted =
            role->role == ControllerRole::kNochange ? ControllerRole::kEqual : role->role;
        reply<Message>(conn, xid, RoleReply{granted, role->generation_id});
    } else {
        const bool multipart = message[1] == kOf13MultipartRequest;
        VS_DBG(ofbridge_log, "{}: {}: {} not supported", name_, conn.name(), type_name(body));
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
        VS_DBG(ofbridge_log, "{}: {}: {}", name_, conn.name(),
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
        r.ports = ports10(info);
        reply<Message>(conn, xid, r);
    } else if (std::holds_alternative<GetConfigRequest>(body)) {
        reply<Message>(conn, xid, GetConfigReply{config_flags_, miss_send_len_});
    } else if (const auto* set = std::get_if<SetConfig>(&body)) {
        config_flags_ = set->flags;
        miss_send_len_ = set->miss_send_len;
    } else if (std::holds_alternative<BarrierRequest>(body)) {
        reply<Message>(conn, xid, BarrierReply{});
    } else if (std::holds_alternative<DescStatsRequest>(body)) {
        reply<Message>(conn, xid, DescStatsReply{0, kMfr, kHw, kSw, "None", name_});
    } else {
        const bool stats = message[1] == kOf10StatsRequest;
        VS_DBG(ofbridge_log, "{}: {}: {} not supported", name_, conn.name(), type_name(body));
        conn.send_error(
            static_cast<uint16_t>(ErrorType::kBadRequest),
            static_cast<uint16_t>(stats ? BadRequestCode::kBadStat : BadRequestCode::kBadType),
            message, xid);
    }
}

}  // namespace vs
