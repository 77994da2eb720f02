// OfBridge: a bridge's OpenFlow side — its channels (ConnManager), its flow tables and the
// translation of missed packets through them (xlate.hpp), and the answers to requests: FEATURES,
// GET/SET_CONFIG, DESC, PORT_DESC, BARRIER and ROLE_REQUEST in OpenFlow 1.0 and 1.3; FLOW_MOD
// and flow/aggregate statistics in 1.3. A FLOW_MOD takes effect before its reply (and so before a
// BARRIER reply): the bridge's megaflows are removed at once. The bridge's internal port is
// the OpenFlow LOCAL port, as in Open vSwitch. Requests it cannot carry out are answered with the
// specification's ERROR (malformed ones with the type and code the decoder maps them to).
// Thread: the io_context's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <tsl/robin_map.h>

#include "base/asio.hpp"
#include "base/result.hpp"
#include "datapath/datapath.hpp"
#include "datapath/upcall.hpp"
#include "vswitchd/ofconn/conn_manager.hpp"
#include "vswitchd/ofproto/flow_tables.hpp"
#include "vswitchd/ofproto/group_table.hpp"
#include "vswitchd/ofproto/meter_table.hpp"

namespace vs {

// What OpenFlow says about one port of the bridge.
struct OfPortInfo {
    uint32_t port_no = 0;  // datapath number; the bridge's internal port is reported as LOCAL
    std::string name;
    std::string mac;  // "aa:bb:cc:dd:ee:ff"; empty: unknown
    bool link_up = false;
    bool local = false;  // the bridge's internal port
    PortStats stats;
};

struct OfSwitchInfo {
    uint64_t datapath_id = 0;
    std::vector<OfPortInfo> ports;
};

class OfBridge : private OfMessageHandler {
  public:
    using InfoSource = std::function<OfSwitchInfo()>;
    using Normal = std::function<bool(const Upcall&, UpcallDecision&)>;

    // `revalidate` removes the datapath's megaflows of this bridge (after a table change, so
    // the next packets see the new rules); `now_ms` is the datapath clock.
    OfBridge(boost::asio::io_context& io, const std::string& bridge, const std::string& rundir,
             InfoSource info, std::function<void()> revalidate, std::function<uint64_t()> now_ms);
    Result<void> start() { return conns_.start(); }
    ConnManager& conns() { return conns_; }
    const ConnManager& conns() const { return conns_; }
    const FlowTables& tables() const { return tables_; }
    // Whether a datapath port's link is up, for fast-failover groups.
    void set_port_liveness(std::function<bool(uint32_t)> live) { port_live_ = std::move(live); }
    // Called after a PORT_MOD changed a port's config bits (Interface.admin_state follows
    // PORT_DOWN).
    void on_port_config_change(std::function<void()> changed) {
        port_config_changed_ = std::move(changed);
    }
    // Whether PORT_MOD set PORT_DOWN on the port with datapath number `dp_port`.
    bool port_admin_down(uint32_t dp_port) const;

    // The bridge's datapath ports and its internal port (the OpenFlow LOCAL port).
    void set_ports(std::vector<uint32_t> ports, std::optional<uint32_t> local);
    // A missed packet through the flow tables (xlate.hpp); NORMAL is `normal`. The megaflow it
    // makes is remembered with the rules it came from, for their counters.
    bool handle_upcall(const Upcall& upcall, UpcallDecision& decision, const Normal& normal);
    // Credits the rules with what their megaflows carried since the last call; `flows` is
    // every megaflow of the datapath now (those gone are forgotten).
    // Visits every megaflow of the datapath with fn (Datapath::visit_flows).
    using MegaflowVisit = std::function<void(const std::function<void(const FlowView&)>& fn)>;
    void harvest(const MegaflowVisit& visit);
    // Once a second after harvest(): rules past their idle or hard timeout go (FLOW_REMOVED to
    // the controllers for those that asked).
    void run_timeouts();
    // Bridge.fail_mode ("secure" or anything else: standalone). In standalone mode a bridge
    // whose controllers are all unreachable acts as a learning switch (NORMAL) until one is
    // back; in secure mode its rules stay and misses are dropped.
    void set_fail_mode(const std::string& mode);
    // Re-evaluates whether the bridge is in fail-open (standalone, controllers set, none
    // connected); returns true when that changed (the caller revalidates).
    bool update_fail_open();
    bool fail_open() const { return fail_open_; }
    // The ports as they are now: controllers hear of added, removed and changed ones
    // (PORT_STATUS); a link that went up or down revalidates (fast-failover groups watch it).
    void update_ports(const OfSwitchInfo& info);
    // Packet-ins allowed per second and in one burst (Controller.controller_rate_limit and
    // controller_burst_limit; defaults 1000 and 100): a storm of misses to the controller
    // cannot take the control thread.
    void set_packet_in_limit(uint32_t rate, uint32_t burst);
    uint64_t packet_ins_dropped() const { return packet_ins_dropped_; }
    // PACKET_OUT runs its actions through this (Datapath::execute), and NORMAL through `normal`.
    void set_executor(
        std::function<Result<void>(std::span<const uint8_t>, uint32_t, const ActionList&)> execute,
        Normal normal) {
        execute_ = std::move(execute);
        normal_ = std::move(normal);
    }
    // The datapath's meters, behind the bridge's OpenFlow meters (of_bridge_meters.cpp). Without
    // it, METER_MOD and meter instructions are refused.
    void set_meter_backend(MeterBackend backend);
    // Where statistics requests get the megaflows to harvest first.
    void set_megaflow_source(MegaflowVisit source) { megaflows_ = std::move(source); }

  private:
    void handle_message(OfConnection& conn, std::span<const uint8_t> message) override;
    void handle10(OfConnection& conn, std::span<const uint8_t> message);
    void handle13(OfConnection& conn, std::span<const uint8_t> message);
    std::optional<openflow::SpecError> flow_mod13(const of13::FlowMod& fm);
    void send_flow_removed(const std::vector<RemovedRule>& removed);
    void revalidate_soon();
    void flush_revalidation();
    std::optional<openflow::SpecError> group_mod13(const of13::GroupMod& gm);
    // METER_MOD and the meter multipart requests; false when `body` is none of them.
    bool handle_meter13(OfConnection& conn, uint32_t xid, const of13::Body& body,
                        std::span<const uint8_t> message);
    std::optional<openflow::SpecError> meter_mod13(const of13::MeterMod& mm);
    uint32_t meter_users(uint32_t meter_id) const;  // rules with a meter instruction for it
    uint32_t group_users(uint32_t group_id) const;  // rules whose actions name the group
    std::optional<openflow::SpecError> port_mod(uint32_t port_no, const openflow::MacAddr& hw_addr,
                                                uint32_t config, uint32_t mask);
    // ROLE_REQUEST: nullopt when granted (the role is then `role`).
    std::optional<openflow::SpecError> change_role(OfConnection& conn, of13::ControllerRole& role,
                                                   uint64_t generation_id);
    bool is_slave(const OfConnection& conn) const;
    void forget_closed_channels();
    // Channels that get asynchronous messages: controllers, minus slaves.
    std::vector<std::shared_ptr<OfConnection>> async_channels() const;
    bool take_packet_in_token();
    void send_port_status(uint8_t reason, const OfPortInfo& port);
    void drop_blocked_outputs(UpcallDecision& decision, uint32_t dp_in_port) const;
    // PACKET_OUT in 1.3 terms; `in_port` is an OpenFlow 1.3 port number.
    std::optional<openflow::SpecError> packet_out(uint32_t buffer_id, uint32_t in_port,
                                                  const std::vector<of13::Action>& actions,
                                                  std::span<const uint8_t> data);
    std::vector<of13::FlowStats> flow_stats13(const of13::FlowStatsRequest& request) const;
    void packet_in(const Upcall& upcall, uint8_t table, uint64_t cookie, uint16_t max_len);

    boost::asio::io_context& io_;
    std::string name_;
    InfoSource info_;
    ConnManager conns_;
    uint16_t config_flags_ = 0;     // SET_CONFIG's flags (fragment handling)
    uint16_t miss_send_len_ = 128;  // SET_CONFIG's miss_send_len (the specification's default)
    FlowTables tables_;
    GroupTable groups_;
    std::unique_ptr<MeterTable> meters_;  // once set_meter_backend() ran
    std::function<bool(uint32_t)> port_live_;
    std::function<void()> port_config_changed_;
    std::vector<uint32_t> ports_;
    std::optional<uint32_t> local_port_;
    OfPortMap port_map_;
    std::function<void()> revalidate_;
    std::function<uint64_t()> now_ms_;
    // Megaflow (PMD, masked key, mask) -> the rules it was made from and what was credited.
    struct Attribution {
        std::vector<std::weak_ptr<OfRule>> rules;
        std::vector<std::pair<std::weak_ptr<OfGroup>, size_t>> groups;  // and the bucket
        uint64_t packets = 0, bytes = 0;
        uint64_t round = 0;  // the last harvest that found the megaflow alive
    };
    tsl::robin_map<uint64_t, Attribution> attribution_;  // by megaflow_id()
    uint64_t harvest_round_ = 0;
    MegaflowVisit megaflows_;
    std::function<Result<void>(std::span<const uint8_t>, uint32_t, const ActionList&)> execute_;
    Normal normal_;
    bool revalidation_pending_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for posted work
    bool secure_ = false;
    bool fail_open_ = false;
    // OpenFlow port number -> PORT_MOD config bits (OFPPC_*).
    std::map<uint32_t, uint32_t> port_config_;
    std::map<uint32_t, OfPortInfo> known_ports_;                 // by OpenFlow port number
    std::map<const OfConnection*, of13::ControllerRole> roles_;  // equal when absent
    std::set<const OfConnection*> monitors_;  // management channels that sent SET_CONFIG
    std::optional<uint64_t> generation_id_;
    double pin_tokens_ = 100, pin_rate_ = 1000, pin_burst_ = 100;
    uint64_t pin_last_ms_ = 0;
    uint64_t packet_ins_dropped_ = 0;
};

}  // namespace vs
