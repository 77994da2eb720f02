// Controller, fail-mode, manager and SSL commands: get/set/del-controller,
// get/set/del-fail-mode, get/set/del-manager, get/set/del-ssl, emer-reset. A fake bridge's
// controllers and fail mode are its parent's.
#include <cstdint>
#include <set>

#include "ctl/vsctl/bridge_model.hpp"
#include "ctl/vsctl/commands.hpp"
#include "ctl/vsctl/error.hpp"

namespace vs::vsctl {

namespace {

// The Bridge row that holds a (possibly fake) bridge's settings.
Uuid bridge_row(Context& ctx, const std::string& name) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    const auto* br = m.bridge(name);
    if (br == nullptr) throw CommandError("no bridge named " + name);
    return br->row;
}

void print_targets(Context& ctx, std::string_view table, const std::vector<Uuid>& rows) {
    std::set<std::string> targets;
    for (const auto& row : rows)
        targets.insert(string_column(ctx.db, table, row, "target"));
    for (const auto& t : targets)
        ctx.out += t + "\n";
}

std::vector<Uuid> insert_targets(Context& ctx, std::string_view table, size_t first) {
    std::vector<Uuid> rows;
    for (size_t i = first; i < ctx.cmd.args.size(); ++i) {
        const Uuid row = ctx.db.insert(table);
        ctx.db.set(table, row, "target", Datum::scalar(ctx.cmd.args[i]));
        rows.push_back(row);
    }
    return rows;
}

void cmd_get_controller(Context& ctx) {
    const Uuid br = bridge_row(ctx, ctx.cmd.args[0]);
    print_targets(ctx, "Controller", uuid_column(ctx.db, "Bridge", br, "controller"));
}

void cmd_del_controller(Context& ctx) {
    const Uuid br = bridge_row(ctx, ctx.cmd.args[0]);
    for (const auto& row : uuid_column(ctx.db, "Bridge", br, "controller"))
        ctx.db.erase("Controller", row);
    set_uuids(ctx.db, "Bridge", br, "controller", {});
}

void cmd_set_controller(Context& ctx) {
    const Uuid br = bridge_row(ctx, ctx.cmd.args[0]);
    for (const auto& row : uuid_column(ctx.db, "Bridge", br, "controller"))
        ctx.db.erase("Controller", row);
    set_uuids(ctx.db, "Bridge", br, "controller", insert_targets(ctx, "Controller", 1));
}

void cmd_get_fail_mode(Context& ctx) {
    const Uuid br = bridge_row(ctx, ctx.cmd.args[0]);
    const std::string mode = string_column(ctx.db, "Bridge", br, "fail_mode");
    if (!mode.empty()) ctx.out += mode + "\n";
}

void cmd_del_fail_mode(Context& ctx) {
    const Uuid br = bridge_row(ctx, ctx.cmd.args[0]);
    ctx.db.set("Bridge", br, "fail_mode", Datum{});
}

void cmd_set_fail_mode(Context& ctx) {
    const Uuid br = bridge_row(ctx, ctx.cmd.args[0]);
    const std::string& mode = ctx.cmd.args[1];
    if (mode != "standalone" && mode != "secure") {
        throw CommandError("fail-mode must be \"standalone\" or \"secure\"");
    }
    ctx.db.set("Bridge", br, "fail_mode", Datum::scalar(mode));
}

void cmd_get_manager(Context& ctx) {
    print_targets(ctx, "Manager", uuid_column(ctx.db, "Open_vSwitch", ctx.ovs, "manager_options"));
}

void cmd_del_manager(Context& ctx) {
    for (const auto& row : uuid_column(ctx.db, "Open_vSwitch", ctx.ovs, "manager_options"))
        ctx.db.erase("Manager", row);
    set_uuids(ctx.db, "Open_vSwitch", ctx.ovs, "manager_options", {});
}

void cmd_set_manager(Context& ctx) {
    cmd_del_manager(ctx);
    set_uuids(ctx.db, "Open_vSwitch", ctx.ovs, "manager_options",
              insert_targets(ctx, "Manager", 0));
}

void cmd_get_ssl(Context& ctx) {
    const auto ssl = uuid_column(ctx.db, "Open_vSwitch", ctx.ovs, "ssl");
    if (ssl.empty() || !ctx.db.exists("SSL", ssl[0])) return;
    const Datum& bootstrap = ctx.db.get("SSL", ssl[0], "bootstrap_ca_cert");
    ctx.out += "Private key: " + string_column(ctx.db, "SSL", ssl[0], "private_key") + "\n";
    ctx.out += "Certificate: " + string_column(ctx.db, "SSL", ssl[0], "certificate") + "\n";
    ctx.out += "CA Certificate: " + string_column(ctx.db, "SSL", ssl[0], "ca_cert") + "\n";
    ctx.out += std::string("Bootstrap: ") +
               (!bootstrap.empty() && std::get<bool>(bootstrap.keys[0]) ? "true" : "false") + "\n";
}

void cmd_del_ssl(Context& ctx) {
    set_uuids(ctx.db, "Open_vSwitch", ctx.ovs, "ssl", {});
}

void cmd_set_ssl(Context& ctx) {
    const Uuid row = ctx.db.insert("SSL");
    ctx.db.set("SSL", row, "private_key", Datum::scalar(ctx.cmd.args[0]));
    ctx.db.set("SSL", row, "certificate", Datum::scalar(ctx.cmd.args[1]));
    ctx.db.set("SSL", row, "ca_cert", Datum::scalar(ctx.cmd.args[2]));
    ctx.db.set("SSL", row, "bootstrap_ca_cert", Datum::scalar(ctx.cmd.has("--bootstrap")));
    set_uuids(ctx.db, "Open_vSwitch", ctx.ovs, "ssl", {row});
}

// emer-reset: back to bridges, ports and interfaces only (ovs-vsctl's cmd_emer_reset):
// managers, SSL, controllers, fail modes, mirrors, NetFlow/sFlow/IPFIX and flood VLANs go; of
// other_config only a bridge's hwaddr stays; policing is reset. QoS stays, as there.
void cmd_emer_reset(Context& ctx) {
    auto& db = ctx.db;
    set_uuids(db, "Open_vSwitch", ctx.ovs, "manager_options", {});
    set_uuids(db, "Open_vSwitch", ctx.ovs, "ssl", {});
    for (const auto& br : db.scan("Bridge")) {
        for (const char* column :
             {"controller", "fail_mode", "mirrors", "netflow", "sflow", "ipfix", "flood_vlans"}) {
            db.set("Bridge", br, column, Datum{});
        }
        const Datum& other = db.get("Bridge", br, "other_config");
        Datum kept;
        if (const auto at = other.find(Atom(std::string("hwaddr")))) {
            kept.keys.push_back(other.keys[*at]);
            kept.values.push_back(other.values[*at]);
        }
        db.set("Bridge", br, "other_config", std::move(kept));
    }
    for (const auto& port : db.scan("Port"))
        db.set("Port", port, "other_config", Datum{});
    for (const auto& iface : db.scan("Interface")) {
        db.set("Interface", iface, "ingress_policing_rate", Datum::scalar(std::int64_t{0}));
        db.set("Interface", iface, "ingress_policing_burst", Datum::scalar(std::int64_t{0}));
    }
}

}  // namespace

const std::vector<CommandEntry>& ctrl_commands() {
    static const std::vector<CommandEntry> commands = {
        {"get-controller", cmd_get_controller},
        {"del-controller", cmd_del_controller},
        {"set-controller", cmd_set_controller},
        {"get-fail-mode", cmd_get_fail_mode},
        {"del-fail-mode", cmd_del_fail_mode},
        {"set-fail-mode", cmd_set_fail_mode},
        {"get-manager", cmd_get_manager},
        {"del-manager", cmd_del_manager},
        {"set-manager", cmd_set_manager},
        {"show", cmd_show},
        {"get-ssl", cmd_get_ssl},
        {"del-ssl", cmd_del_ssl},
        {"set-ssl", cmd_set_ssl},
        {"emer-reset", cmd_emer_reset},
    };
    return commands;
}

}  // namespace vs::vsctl
