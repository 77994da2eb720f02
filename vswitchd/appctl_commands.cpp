// The appctl commands of vswitchd, with Open vSwitch's names and (where it has one) output
// layout, so that what people know from ovs-appctl carries over.
#include <fmt/format.h>

#include <algorithm>

#include "base/log.hpp"
#include "datapath/packet/flow_format.hpp"
#include "datapath/packet/flow_string.hpp"
#include "vswitchd/port_spec.hpp"
#include "vswitchd/switch_daemon.hpp"
#include "vswitchd/trace.hpp"

namespace vs {

namespace {

std::string mac_string(const EthAddr& m) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4],
                       m[5]);
}

double percent(uint64_t part, uint64_t whole) {
    return whole ? 100.0 * part / whole : 0.0;
}
double ratio(uint64_t a, uint64_t b) {
    return b ? static_cast<double>(a) / b : 0.0;
}

std::string dpctl_show(Datapath& dp, bool with_stats) {
    uint64_t hit = 0, missed = 0, lost = 0, flows = 0;
    for (const PmdInfo& p : dp.pmds()) {
        hit += p.stats.emc_hits + p.stats.megaflow_hits;
        missed += p.stats.upcalls;
        lost += p.stats.lost_upcalls;
        flows += p.n_flows;
    }
    std::string out = fmt::format("{}:\n  lookups: hit:{} missed:{} lost:{}\n  flows: {}\n",
                                  dp.config().name, hit, missed, lost, flows);
    if (const TunnelCounters t = dp.tunnel_counters(); t.rx_datagrams) {
        out += fmt::format("  tunnel datagrams: rx:{} no_tunnel:{} bad_header:{} truncated:{}\n",
                           t.rx_datagrams, t.no_tunnel, t.bad_header, t.truncated);
    }
    for (const PortInfo& p : dp.ports()) {
        out += fmt::format("  port {}: {} ({})\n", p.port_no, p.config.name, p.config.type);
        if (!with_stats) continue;
        const PortStats& s = p.stats;
        out += fmt::format("    RX packets:{} bytes:{} dropped:{}\n", s.rx_packets, s.rx_bytes,
                           s.rx_dropped_by_device);
        out += fmt::format("    TX packets:{} bytes:{}\n", s.tx_packets, s.tx_bytes);
        out += "    drops:";
        for (int r = 0; r < kNumDropReasons; ++r) {
            out += fmt::format(" {}:{}", to_string(static_cast<DropReason>(r)), s.drops[r]);
        }
        out += fmt::format("\n    link:{} mac:{} rxq:{} txq:{}\n", p.link_up ? "up" : "down", p.mac,
                           p.n_rxq, p.n_txq);
    }
    return out;
}

std::string dump_flows(Datapath& dp) {
    std::string out;
    const uint64_t now = dp.now_ms();
    unsigned last_pmd = ~0u;
    const auto flows = dp.dump_flows();
    const bool several_pmds = dp.config().n_pmds > 1;
    for (const FlowInfo& f : flows) {
        if (several_pmds && f.pmd != last_pmd) {
            out += fmt::format("flow-dump from pmd {}:\n", f.pmd);
            last_pmd = f.pmd;
        }
        const std::string used =
            f.used_ms == 0 ? "never"
                           : fmt::format("{:.3f}s", (now > f.used_ms ? now - f.used_ms : 0) / 1e3);
        out += fmt::format("{}, packets:{}, bytes:{}, used:{}, actions:{}\n",
                           flow_key_to_string(f.key, &f.mask), f.packets, f.bytes, used,
                           f.actions.to_string());
    }
    return out;
}

std::string pmd_stats(Datapath& dp) {
    std::string out;
    for (const PmdInfo& p : dp.pmds()) {
        const PmdStatsSnapshot& s = p.stats;
        const uint64_t total = s.busy_cycles + s.idle_cycles;
        out += fmt::format("pmd thread numa_id 0 core_id {}:\n", p.cpu);
        out += fmt::format("  packets received: {}\n", s.rx_packets);
        out += fmt::format("  emc hits: {}\n", s.emc_hits);
        out += fmt::format("  megaflow hits: {}\n", s.megaflow_hits);
        out += fmt::format("  miss with success upcall: {}\n", s.upcalls);
        out += fmt::format("  miss with failed upcall: {}\n", s.lost_upcalls);
        out += fmt::format("  malformed packets dropped: {}\n", s.malformed);
        out += fmt::format("  idle cycles: {} ({:.2f}%)\n", s.idle_cycles,
                           percent(s.idle_cycles, total));
        out += fmt::format("  processing cycles: {} ({:.2f}%)\n", s.busy_cycles,
                           percent(s.busy_cycles, total));
        out += fmt::format("  avg cycles per packet: {:.2f} ({}/{})\n", ratio(total, s.rx_packets),
                           total, s.rx_packets);
        out += fmt::format("  avg processing cycles per packet: {:.2f} ({}/{})\n",
                           ratio(s.busy_cycles, s.rx_packets), s.busy_cycles, s.rx_packets);
        out +=
            fmt::format("  emc hit rate: {:.2f}%\n  megaflow hit rate: {:.2f}%\n",
                        percent(s.emc_hits, s.rx_packets), percent(s.megaflow_hits, s.rx_packets));
        out += fmt::format("  megaflows: {}\n", p.n_flows);
    }
    return out;
}

std::string rxq_show(Datapath& dp) {
    std::string out;
    for (const PmdInfo& p : dp.pmds()) {
        out += fmt::format("pmd thread numa_id 0 core_id {}:\n  isolated : false\n", p.cpu);
        for (const RxqInfo& q : p.rxqs) {
            out += fmt::format("  port: {:<16} queue-id: {:>2}\n", q.port, q.queue);
        }
    }
    return out;
}

std::string fdb_show(Bridge& bridge, uint64_t now) {
    auto entries = bridge.mac_table().entries();
    std::sort(entries.begin(), entries.end(), [](const MacEntry& a, const MacEntry& b) {
        return std::tie(a.port, a.vlan, a.mac) < std::tie(b.port, b.vlan, b.mac);
    });
    std::string out = " port  VLAN  MAC                Age\n";
    for (const MacEntry& e : entries) {
        const uint64_t age_s = now > e.last_seen_ms ? (now - e.last_seen_ms) / 1000 : 0;
        out += fmt::format("{:>5}  {:>4}  {}  {:>3}\n", e.port, e.vlan, mac_string(e.mac), age_s);
    }
    return out;
}

Result<std::string> vlog_set(const std::vector<std::string>& args) {
    for (const std::string& arg : args) {
        const size_t colon = arg.rfind(':');
        const std::string module = colon == std::string::npos ? "ANY" : arg.substr(0, colon);
        const std::string level_text = colon == std::string::npos ? arg : arg.substr(colon + 1);
        LogLevel level;
        if (!parse_log_level(level_text, level)) return fail("unknown log level " + level_text);
        if (module == "ANY" || module == "any") {
            for (LogModule* m : log_modules())
                m->set_level(level);
        } else if (LogModule* m = find_log_module(module)) {
            m->set_level(level);
        } else {
            return fail("unknown module " + module);
        }
    }
    return std::string();
}

}  // namespace

void register_appctl_commands(UnixctlServer& s, SwitchDaemon& d, boost::asio::io_context& io) {
    Datapath& dp = d.datapath();
    auto find_bridge = [&d](const std::string& name) -> Result<Bridge*> {
        Bridge* b = d.find_bridge(name);
        if (!b) return fail("no such bridge: " + name);
        return b;
    };
    s.add_command("list-commands", "", 0, 0,
                  [&s](auto&) -> Result<std::string> { return s.list_commands(); });
    s.add_command("version", "", 0, 0, [](auto&) -> Result<std::string> {
        return std::string("vswitchd (vswitch) 0.1.0\n");
    });
    s.add_command("exit", "", 0, 1, [&io](auto&) -> Result<std::string> {
        boost::asio::post(io, [&io] { io.stop(); });
        return std::string();
    });
    s.add_command("dpctl/show", "[-s]", 0, 2, [&dp](auto& args) -> Result<std::string> {
        return dpctl_show(dp, std::find(args.begin(), args.end(), "-s") != args.end());
    });
    s.add_command("dpctl/dump-flows", "[-m]", 0, 2,
                  [&dp](auto&) -> Result<std::string> { return dump_flows(dp); });
    s.add_command("dpctl/add-flow", "FLOW ACTIONS", 2, 2, [&dp](auto& args) -> Result<std::string> {
        auto flow = parse_flow_string(args[0]);
        if (!flow) return tl::unexpected(flow.error());
        auto actions = parse_actions(args[1]);
        if (!actions) return tl::unexpected(actions.error());
        if (auto ok = dp.install_flow(flow->first, flow->second, *actions); !ok) {
            return tl::unexpected(ok.error());
        }
        return std::string();
    });
    s.add_command("dpctl/del-flows", "", 0, 1, [&dp](auto&) -> Result<std::string> {
        dp.flush_flows();
        return std::string();
    });
    s.add_command("dpif-netdev/pmd-stats-show", "", 0, 2,
                  [&dp](auto&) -> Result<std::string> { return pmd_stats(dp); });
    s.add_command("dpif-netdev/pmd-stats-clear", "", 0, 2, [&dp](auto&) -> Result<std::string> {
        dp.clear_pmd_stats();
        return std::string();
    });
    s.add_command("dpif-netdev/pmd-rxq-show", "", 0, 2,
                  [&dp](auto&) -> Result<std::string> { return rxq_show(dp); });
    s.add_command("fdb/show", "BRIDGE", 1, 1,
                  [&dp, find_bridge](auto& args) -> Result<std::string> {
                      auto b = find_bridge(args[0]);
                      if (!b) return tl::unexpected(b.error());
                      return fdb_show(**b, dp.now_ms());
                  });
    s.add_command("fdb/flush", "[BRIDGE]", 0, 1,
                  [&d, &dp, find_bridge](auto& args) -> Result<std::string> {
                      if (!args.empty()) {
                          auto b = find_bridge(args[0]);
                          if (!b) return tl::unexpected(b.error());
                          (*b)->mac_table().flush();
                      } else {
                          for (const auto& [name, bridge] : d.bridges())
                              bridge->mac_table().flush();
                      }
                      dp.flush_flows();
                      return std::string("table successfully flushed\n");
                  });
    s.add_command("ofproto/trace", "BRIDGE FLOW", 2, 2,
                  [&d](auto& args) { return ofproto_trace(d, args[0], args[1]); });
    s.add_command("coverage/show", "", 0, 0,
                  [&d](auto&) -> Result<std::string> { return d.coverage().show(); });
    s.add_command("memory/show", "", 0, 0,
                  [&d](auto&) -> Result<std::string> { return d.memory_show(); });
    s.add_command("vlog/list", "", 0, 0, [](auto&) -> Result<std::string> {
        std::string out = "                 console\n                 -------\n";
        for (LogModule* m : log_modules()) {
            out += fmt::format("{:<16} {}\n", m->name(), to_string(m->level()));
        }
        return out;
    });
    s.add_command("vlog/set", "[MODULE:]LEVEL...", 1, 8, vlog_set);
    s.add_command("vswitchd/add-port", "\"NAME [type=TYPE] [options:K=V]...\"", 1, 1,
                  [&d](auto& args) -> Result<std::string> {
                      auto config = parse_port_spec(args[0]);
                      if (!config) return tl::unexpected(config.error());
                      auto no = d.add_port(*config);
                      if (!no) return tl::unexpected(no.error());
                      return fmt::format("{}\n", *no);
                  });
    s.add_command("vswitchd/del-port", "NAME", 1, 1, [&d](auto& args) -> Result<std::string> {
        if (auto ok = d.del_port(args[0]); !ok) return tl::unexpected(ok.error());
        return std::string();
    });
}

}  // namespace vs
