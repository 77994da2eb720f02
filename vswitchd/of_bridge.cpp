// OfBridge: translating misses through the tables, the state changes the requests ask for
// (flow and group mods, ports, roles, fail mode), and the asynchronous messages that follow
// (PACKET_IN, FLOW_REMOVED, PORT_STATUS). The requests themselves: of_bridge_requests.cpp.
#include "vswitchd/of_bridge.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/log.hpp"
#include "datapath/packet/flow_parse.hpp"
#include "openflow/of10.hpp"
#include "openflow/of13.hpp"
#include "vswitchd/of_port_desc.hpp"
#include "vswitchd/ofproto/of10_convert.hpp"
#include "vswitchd/ofproto/xlate.hpp"

namespace vs {

VS_LOG_MODULE(ofbridge_log, "ofproto");

namespace {

void count_group(OfGroup& g, size_t bucket, uint64_t packets, uint64_t bytes) {
    g.packets += packets;
    g.bytes += bytes;
    if (bucket < g.bucket_packets.size()) {
        g.bucket_packets[bucket] += packets;
        g.bucket_bytes[bucket] += bytes;
    }
}

// A megaflow's identity for the rule attribution: a 64-bit hash of (PMD, masked key, mask).
// Two megaflows with equal hashes (about 10^-9 at 200 000 megaflows) would share their rules'
// counters; a byte-string key cost an allocation and long compares per upcall and per harvest.
uint64_t megaflow_id(unsigned pmd, const FlowKey& key, const FlowMask& mask) {
    return key_words_hash64(mask, key_words_hash64(key, pmd + 1));
}

constexpr uint32_t kNoBuffer = 0xffffffff;
constexpr uint32_t kNoSuchPort = 0x40000000;  // see the port map in OfBridge's constructor

}  // namespace

OfBridge::OfBridge(boost::asio::io_context& io, const std::string& bridge,
                   const std::string& rundir, InfoSource info, std::function<void()> revalidate,
                   std::function<uint64_t()> now_ms)
    : io_(io),
      name_(bridge),
      info_(std::move(info)),
      conns_(io, bridge, rundir, *this),
      revalidate_(std::move(revalidate)),
      now_ms_(std::move(now_ms)) {
    tables_.stamp(now_ms_());
    tables_.set_group_check([this](uint32_t id) { return groups_.find(id) != nullptr; });
    // OpenFlow numbers are the datapath's, but for LOCAL (the internal port). The OpenFlow
    // number equal to the internal port's datapath number names no port: it maps to a datapath
    // number no port has (kNoSuchPort | N), so rules may name it, as Open vSwitch allows.
    port_map_.to_datapath = [this](uint32_t of_port) -> std::optional<uint32_t> {
        if (of_port == of13::port_no::kLocal) return local_port_;
        if (local_port_ == of_port) return kNoSuchPort | of_port;
        return of_port;
    };
    port_map_.to_openflow = [this](uint32_t dp_port) {
        if (local_port_ == dp_port) return of13::port_no::kLocal;
        return (dp_port & kNoSuchPort) ? dp_port & ~kNoSuchPort : dp_port;
    };
}

void OfBridge::set_ports(std::vector<uint32_t> ports, std::optional<uint32_t> local) {
    ports_ = std::move(ports);
    local_port_ = local;
}

bool OfBridge::handle_upcall(const Upcall& upcall, UpcallDecision& decision, const Normal& normal) {
    const uint32_t of_in = port_map_.to_openflow(upcall.key.in_port);
    if (auto c = port_config_.find(of_in);
        c != port_config_.end() &&
        (c->second & (of13::port_config::kNoRecv | of13::port_config::kPortDown))) {
        decision.mask.in_port = 0xffffffff;
        decision.actions = ActionList();  // the port takes in nothing: drop
        return true;
    }
    if (fail_open_) {  // standalone with every controller gone: a learning switch
        decision.mask.in_port = 0xffffffff;
        return normal(upcall, decision);
    }
    XlateResult result;
    const XlateEnv env{tables_, port_map_, ports_,     local_port_,
                       normal,  &groups_,  port_live_, meters_.get()};
    const bool ok = xlate(env, upcall, decision, result);
    drop_blocked_outputs(decision, upcall.key.in_port);
    const uint64_t now = now_ms_();
    if (decision.install && !result.rules.empty()) {
        Attribution& a = attribution_[megaflow_id(upcall.pmd, apply_mask(upcall.key, decision.mask),
                                                  decision.mask)];
        a.rules.assign(result.rules.begin(), result.rules.end());
        a.groups.assign(result.groups.begin(), result.groups.end());
        a.packets = a.bytes = 0;
    }
    for (const auto& [group, bucket] : result.groups)
        count_group(*group, bucket, 1, upcall.packet.size());
    for (const RulePtr& rule : result.rules) {
        rule->used_ms = now;
        if (!(rule->flags & of13::flow_mod_flags::kNoPktCounts)) ++rule->packets;
        if (!(rule->flags & of13::flow_mod_flags::kNoBytCounts))
            rule->bytes += upcall.packet.size();
    }
    if (result.to_controller) {
        const Upcall sent{upcall.key, upcall.reason, upcall.pmd,
                          result.controller_packet.empty()
                              ? upcall.packet
                              : std::span<const uint8_t>(result.controller_packet)};
        packet_in(sent, result.controller_table, result.controller_cookie,
                  result.controller_max_len);
    }
    return ok;
}

// Walks the megaflows in place: a copy of them all (with their action lists) cost more than the
// counting itself at 100 000 megaflows, and held up the upcalls behind it.
void OfBridge::harvest(const MegaflowVisit& visit) {
    ++harvest_round_;
    const uint64_t now = now_ms_();
    visit([&](const FlowView& f) {
        auto it = attribution_.find(megaflow_id(f.pmd, f.key, f.mask));
        if (it == attribution_.end()) return;
        Attribution& a = it.value();
        const uint64_t packets = f.packets >= a.packets ? f.packets - a.packets : f.packets;
        const uint64_t bytes = f.bytes >= a.bytes ? f.bytes - a.bytes : f.bytes;
        for (const auto& weak : a.rules) {
            if (auto rule = weak.lock()) {
                if (packets > 0) rule->used_ms = now;
                if (!(rule->flags & of13::flow_mod_flags::kNoPktCounts)) rule->packets += packets;
                if (!(rule->flags & of13::flow_mod_flags::kNoBytCounts)) rule->bytes += bytes;
            }
        }
        for (const auto& [weak, bucket] : a.groups) {
            if (auto group = weak.lock()) count_group(*group, bucket, packets, bytes);
        }
        a.packets = f.packets;
        a.bytes = f.bytes;
        a.round = harvest_round_;
    });
    for (auto it = attribution_.begin(); it != attribution_.end();)
        it = it->second.round != harvest_round_ ? attribution_.erase(it) : std::next(it);
}

void OfBridge::packet_in(const Upcall& upcall, uint8_t table, uint64_t cookie, uint16_t max_len) {
    const size_t keep = std::min<size_t>(upcall.packet.size(), max_len);
    const std::vector<uint8_t> data(upcall.packet.begin(),
                                    upcall.packet.begin() + static_cast<long>(keep));
    const uint32_t in_port = port_map_.to_openflow(upcall.key.in_port);
    if (auto c = port_config_.find(in_port);
        c != port_config_.end() && (c->second & of13::port_config::kNoPacketIn)) {
        return;
    }
    if (!take_packet_in_token()) return;
    for (const auto& conn : async_channels()) {
        if (conn->version() == OfConnection::kVersion13) {
            of13::PacketIn pin;
            pin.buffer_id = kNoBuffer;  // the frame (up to max_len) is in the message
            pin.total_len = static_cast<uint16_t>(upcall.packet.size());
            pin.reason = of13::PacketInReason::kAction;
            pin.table_id = table;
            pin.cookie = cookie;
            pin.match.fields.push_back(of13::Oxm::make(of13::OxmField::kInPort, in_port));
            pin.data = data;
            conn->send(of13::encode(of13::Message{0, pin}));
        } else {
            of10::PacketIn pin;
            pin.buffer_id = kNoBuffer;
            pin.total_len = static_cast<uint16_t>(upcall.packet.size());
            pin.in_port = port13_to_10(in_port);
            pin.reason = of10::PacketInReason::kAction;
            pin.data = data;
            conn->send(of10::encode(of10::Message{0, pin}));
        }
    }
}

std::optional<openflow::SpecError> OfBridge::packet_out(uint32_t buffer_id, uint32_t in_port,
                                                        const std::vector<of13::Action>& actions,
                                                        std::span<const uint8_t> data) {
    const auto bad_request = [](of13::BadRequestCode code) {
        return openflow::SpecError{static_cast<uint16_t>(of13::ErrorType::kBadRequest),
                                   static_cast<uint16_t>(code)};
    };
    if (buffer_id != kNoBuffer) return bad_request(of13::BadRequestCode::kBufferUnknown);
    if (auto e = check_instructions({of13::InstructionApplyActions{actions}}, 0)) return e;
    if (!execute_) return bad_request(of13::BadRequestCode::kEperm);
    // From the controller (or "any"): no input port; else the port the frame claims.
    uint32_t dp_in = 0;
    if (in_port != of13::port_no::kController && in_port != of13::port_no::kAny) {
        auto dp = port_map_.to_datapath(in_port);
        if (!dp) return bad_request(of13::BadRequestCode::kBadPort);
        dp_in = *dp;
    }
    FlowKey key{};
    PacketOffsets ofs;
    (void)parse_flow(data.data(), static_cast<uint32_t>(data.size()), dp_in, key, ofs);
    const Upcall upcall{key, UpcallReason::kAction, 0, data};
    UpcallDecision decision;
    XlateResult result;
    const XlateEnv env{tables_, port_map_, ports_,     local_port_,
                       normal_, &groups_,  port_live_, meters_.get()};
    if (!xlate_packet_out(env, upcall, actions, decision, result)) {
        return bad_request(of13::BadRequestCode::kEperm);
    }
    for (const RulePtr& rule : result.rules) {  // output:TABLE went through them
        rule->used_ms = now_ms_();
        ++rule->packets;
        rule->bytes += data.size();
    }
    if (result.to_controller) {
        packet_in(upcall, result.controller_table, result.controller_cookie,
                  result.controller_max_len);
    }
    drop_blocked_outputs(decision, dp_in);
    if (auto ok = execute_(data, dp_in, decision.actions); !ok) {
        VS_DBG(ofbridge_log, "{}: packet-out: {}", name_, ok.error().message);
        return bad_request(of13::BadRequestCode::kBadPacket);
    }
    return std::nullopt;
}

std::optional<openflow::SpecError> OfBridge::flow_mod13(const of13::FlowMod& fm) {
    auto match = match_from_oxm(fm.match, port_map_);
    if (!match) return match.error();
    std::vector<RemovedRule> removed;
    if (auto e = tables_.flow_mod(fm, *match, now_ms_(), &removed)) return e;
    revalidate_soon();
    send_flow_removed(removed);
    return std::nullopt;
}

std::optional<openflow::SpecError> OfBridge::group_mod13(const of13::GroupMod& gm) {
    std::vector<uint32_t> deleted;
    if (auto e = groups_.group_mod(gm, now_ms_(), deleted)) return e;
    std::vector<RemovedRule> removed;
    for (uint32_t id : deleted)
        tables_.remove_group_users(id, removed);
    revalidate_soon();
    send_flow_removed(removed);
    return std::nullopt;
}

// Revalidation (removing the bridge's megaflows) costs a walk over every megaflow: a burst of
// flow-mods shares one, run once the messages already read are handled, and at the latest
// before a BARRIER reply.
void OfBridge::revalidate_soon() {
    if (revalidation_pending_) return;
    revalidation_pending_ = true;
    boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
        if (!alive.expired()) flush_revalidation();
    });
}

void OfBridge::flush_revalidation() {
    if (!revalidation_pending_) return;
    revalidation_pending_ = false;
    revalidate_();
}

void OfBridge::run_timeouts() {
    const std::vector<RemovedRule> removed = tables_.expire(now_ms_());
    if (removed.empty()) return;
    revalidate_();
    send_flow_removed(removed);
}

void OfBridge::send_flow_removed(const std::vector<RemovedRule>& removed) {
    const uint64_t now = now_ms_();
    for (const RemovedRule& gone : removed) {
        const OfRule& r = *gone.rule;
        if (!(r.flags & of13::flow_mod_flags::kSendFlowRem)) continue;
        const uint64_t age = now - r.created_ms;
        const of13::Match match = match_to_oxm(r.match, port_map_);
        for (const auto& conn : async_channels()) {
            if (conn->version() == OfConnection::kVersion13) {
                of13::FlowRemoved fr;
                fr.cookie = r.cookie;
                fr.priority = r.priority;
                fr.reason = static_cast<of13::FlowRemovedReason>(gone.reason);
                fr.table_id = r.table_id;
                fr.duration_sec = static_cast<uint32_t>(age / 1000);
                fr.duration_nsec = static_cast<uint32_t>(age % 1000 * 1000000);
                fr.idle_timeout = r.idle_timeout;
                fr.hard_timeout = r.hard_timeout;
                fr.packet_count = r.packets;
                fr.byte_count = r.bytes;
                fr.match = match;
                conn->send(of13::encode(of13::Message{0, fr}));
            } else if (r.table_id == 0) {
                of10::FlowRemoved fr;
                fr.match = match13_to_10(match);
                fr.cookie = r.cookie;
                fr.priority = r.priority;
                fr.reason = gone.reason == RemovalReason::kGroupDelete
                                ? of10::FlowRemovedReason::kDelete  // 1.0 has no GROUP_DELETE
                                : static_cast<of10::FlowRemovedReason>(gone.reason);
                fr.duration_sec = static_cast<uint32_t>(age / 1000);
                fr.duration_nsec = static_cast<uint32_t>(age % 1000 * 1000000);
                fr.idle_timeout = r.idle_timeout;
                fr.packet_count = r.packets;
                fr.byte_count = r.bytes;
                conn->send(of10::encode(of10::Message{0, fr}));
            }
        }
    }
}

// Controllers get asynchronous messages unless they are slaves; a management channel (ofctl
// monitor) gets them once it has sent SET_CONFIG, as Open vSwitch's service connections do.
std::vector<std::shared_ptr<OfConnection>> OfBridge::async_channels() const {
    std::vector<std::shared_ptr<OfConnection>> out;
    const auto controllers = conns_.controller_channels();
    for (auto& conn : conns_.channels()) {
        const bool controller =
            std::find(controllers.begin(), controllers.end(), conn) != controllers.end();
        if (controller ? !is_slave(*conn) : monitors_.count(conn.get()) > 0) {
            out.push_back(std::move(conn));
        }
    }
    return out;
}

// Channels that closed leave no role or monitor registration behind (a new channel may get the
// same address).
void OfBridge::forget_closed_channels() {
    const auto channels = conns_.channels();
    auto gone = [&](const OfConnection* c) {
        return std::none_of(channels.begin(), channels.end(),
                            [&](const auto& open) { return open.get() == c; });
    };
    std::erase_if(roles_, [&](const auto& entry) { return gone(entry.first); });
    std::erase_if(monitors_, [&](const OfConnection* c) { return gone(c); });
}

bool OfBridge::is_slave(const OfConnection& conn) const {
    auto it = roles_.find(&conn);
    return it != roles_.end() && it->second == of13::ControllerRole::kSlave;
}

// OpenFlow 1.3.5 section 6.3.7: a master request demotes the other masters; requests carrying
// a generation ID older than the newest seen are stale.
std::optional<openflow::SpecError> OfBridge::change_role(OfConnection& conn,
                                                         of13::ControllerRole& role,
                                                         uint64_t generation_id) {
    using R = of13::ControllerRole;
    const auto failed = [](of13::RoleRequestFailedCode code) {
        return openflow::SpecError{static_cast<uint16_t>(of13::ErrorType::kRoleRequestFailed),
                                   static_cast<uint16_t>(code)};
    };
    forget_closed_channels();
    if (role == R::kNochange) {
        auto it = roles_.find(&conn);
        role = it == roles_.end() ? R::kEqual : it->second;
        return std::nullopt;
    }
    if (role != R::kEqual && role != R::kMaster && role != R::kSlave) {
        return failed(of13::RoleRequestFailedCode::kBadRole);
    }
    if (role != R::kEqual) {
        if (generation_id_ && static_cast<int64_t>(generation_id - *generation_id_) < 0) {
            return failed(of13::RoleRequestFailedCode::kStale);
        }
        generation_id_ = generation_id;
    }
    if (role == R::kMaster) {
        for (auto& [c, r] : roles_) {
            if (r == R::kMaster) r = R::kSlave;
        }
    }
    roles_[&conn] = role;
    return std::nullopt;
}

void OfBridge::set_packet_in_limit(uint32_t rate, uint32_t burst) {
    pin_rate_ = rate;
    pin_burst_ = std::max<uint32_t>(burst, 1);
    pin_tokens_ = std::min(pin_tokens_, pin_burst_);
}

bool OfBridge::take_packet_in_token() {
    const uint64_t now = now_ms_();
    pin_tokens_ = std::min(pin_burst_, pin_tokens_ + (now - pin_last_ms_) * pin_rate_ / 1000.0);
    pin_last_ms_ = now;
    if (pin_tokens_ < 1) {
        ++packet_ins_dropped_;
        return false;
    }
    pin_tokens_ -= 1;
    return true;
}

void OfBridge::send_port_status(uint8_t reason, const OfPortInfo& p) {
    OfSwitchInfo one;
    one.ports.push_back(p);
    for (const auto& conn : async_channels()) {
        if (conn->version() == OfConnection::kVersion13) {
            const auto ports = ports13(one, port_config_);
            conn->send(of13::encode(of13::Message{
                0, of13::PortStatus{static_cast<of13::PortReason>(reason), ports[0]}}));
        } else {
            const auto ports = ports10(one, port_config_);
            if (ports.empty()) continue;
            conn->send(of10::encode(of10::Message{
                0, of10::PortStatus{static_cast<of10::PortReason>(reason), ports[0]}}));
        }
    }
}

void OfBridge::update_ports(const OfSwitchInfo& info) {
    constexpr uint8_t kAdd = 0, kDelete = 1, kModify = 2;  // OFPPR_*, the same in 1.0 and 1.3
    std::map<uint32_t, OfPortInfo> now;
    for (const OfPortInfo& p : info.ports)
        now[p.local ? of13::port_no::kLocal : p.port_no] = p;
    bool link_changed = false;
    for (const auto& [no, p] : now) {
        auto old = known_ports_.find(no);
        if (old == known_ports_.end()) {
            send_port_status(kAdd, p);
        } else if (old->second.link_up != p.link_up || old->second.mac != p.mac ||
                   old->second.name != p.name) {
            link_changed = link_changed || old->second.link_up != p.link_up;
            send_port_status(kModify, p);
        }
    }
    for (const auto& [no, p] : known_ports_) {
        if (!now.count(no)) {
            send_port_status(kDelete, p);
            port_config_.erase(no);
        }
    }
    known_ports_ = std::move(now);
    if (link_changed) revalidate_();
}

std::optional<openflow::SpecError> OfBridge::port_mod(uint32_t port_no,
                                                      const openflow::MacAddr& hw_addr,
                                                      uint32_t config, uint32_t mask) {
    const auto failed = [](of13::PortModFailedCode code) {
        return openflow::SpecError{static_cast<uint16_t>(of13::ErrorType::kPortModFailed),
                                   static_cast<uint16_t>(code)};
    };
    auto it = known_ports_.find(port_no);
    if (it == known_ports_.end()) return failed(of13::PortModFailedCode::kBadPort);
    if (parse_mac(it->second.mac) != hw_addr) return failed(of13::PortModFailedCode::kBadHwAddr);
    constexpr uint32_t kSupported = of13::port_config::kPortDown | of13::port_config::kNoRecv |
                                    of13::port_config::kNoFwd | of13::port_config::kNoPacketIn;
    if (mask & ~kSupported) return failed(of13::PortModFailedCode::kBadConfig);
    uint32_t& bits = port_config_[port_no];
    bits = (bits & ~mask) | (config & mask);
    revalidate_();
    send_port_status(2 /* OFPPR_MODIFY */, it->second);
    if (port_config_changed_) port_config_changed_();
    return std::nullopt;
}

bool OfBridge::port_admin_down(uint32_t dp_port) const {
    auto c = port_config_.find(port_map_.to_openflow(dp_port));
    return c != port_config_.end() && (c->second & of13::port_config::kPortDown) != 0;
}

// Outputs to ports that are down or may not forward (PORT_MOD) are taken out. The learning
// switch's flood (the datapath's own action, to every port of the bridge) becomes a list of
// the ports that may forward while any port is blocked.
void OfBridge::drop_blocked_outputs(UpcallDecision& decision, uint32_t dp_in_port) const {
    if (port_config_.empty()) return;
    const auto blocked = [this](uint32_t dp_port) {
        auto c = port_config_.find(port_map_.to_openflow(dp_port));
        return c != port_config_.end() &&
               (c->second & (of13::port_config::kNoFwd | of13::port_config::kPortDown)) != 0;
    };
    const bool flood_blocked = std::any_of(ports_.begin(), ports_.end(), blocked);
    std::vector<Action> kept;
    bool changed = false;
    for (const Action& a : decision.actions) {
        if (a.type == ActionType::kOutput && blocked(a.u32)) {
            changed = true;
            continue;
        }
        if (a.type == ActionType::kFlood && flood_blocked) {
            changed = true;
            for (uint32_t p : ports_) {
                if (p != dp_in_port && !blocked(p)) kept.push_back(Action::output(p));
            }
            continue;
        }
        kept.push_back(a);
    }
    if (changed) decision.actions = ActionList(std::move(kept));
}

void OfBridge::set_fail_mode(const std::string& mode) {
    secure_ = mode == "secure";
}

bool OfBridge::update_fail_open() {
    const auto status = conns_.status();
    bool any_active = false;
    for (const auto& [uuid, st] : status)
        any_active = any_active || st.is_connected;
    const bool open = !secure_ && !status.empty() && !any_active;
    if (open == fail_open_) return false;
    fail_open_ = open;
    VS_INFO(ofbridge_log, "{}: {}", name_,
            open ? "no controller reachable: standalone, acting as a learning switch"
                 : "leaving standalone fail mode");
    return true;
}

}  // namespace vs
