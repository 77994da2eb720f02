// Bridge, port and interface commands: init, add-br, del-br, list-br, br-exists, br-to-vlan,
// br-to-parent, list-ports, add-port, add-bond, del-port, port-to-br, list-ifaces, iface-to-br.
#include <algorithm>
#include <set>

#include "ctl/vsctl/bridge_model.hpp"
#include "ctl/vsctl/commands.hpp"
#include "ctl/vsctl/error.hpp"
#include "ctl/vsctl/record.hpp"
#include "ctl/vsctl/value.hpp"

namespace vs::vsctl {

namespace {

const VsBridge& must_bridge(const BridgeModel& m, const std::string& name) {
    const auto* br = m.bridge(name);
    if (br == nullptr) throw CommandError("no bridge named " + name);
    return *br;
}

void check_conflicts(const BridgeModel& m, const std::string& name, const std::string& msg) {
    if (m.bridge(name) != nullptr) {
        throw CommandError(msg + " because a bridge named " + name + " already exists");
    }
    if (const auto* p = m.port(name)) {
        throw CommandError(msg + " because a port named " + name + " already exists on bridge " +
                           p->bridge->name);
    }
    if (const auto* i = m.iface(name)) {
        throw CommandError(msg + " because an interface named " + name +
                           " already exists on bridge " + i->port->bridge->name);
    }
}

void set_string(Replica& db, std::string_view table, const Uuid& row, std::string_view column,
                const std::string& value) {
    db.set(table, row, column, Datum::scalar(value));
}

Uuid insert_internal_port(Replica& db, const std::string& name) {
    const Uuid iface = db.insert("Interface");
    set_string(db, "Interface", iface, "name", name);
    set_string(db, "Interface", iface, "type", "internal");
    const Uuid port = db.insert("Port");
    set_string(db, "Port", port, "name", name);
    set_uuids(db, "Port", port, "interfaces", {iface});
    return port;
}

void add_fake_bridge(Context& ctx, const BridgeModel& m, const std::string& name,
                     const std::string& parent_name, std::int64_t vlan) {
    const auto* parent = m.bridge(parent_name);
    if (parent != nullptr && parent->parent != nullptr) {
        throw CommandError("cannot create bridge with fake bridge as parent");
    }
    if (parent == nullptr) throw CommandError("parent bridge " + parent_name + " does not exist");
    const Uuid port = insert_internal_port(ctx.db, name);
    ctx.db.set("Port", port, "fake_bridge", Datum::scalar(true));
    ctx.db.set("Port", port, "tag", Datum::scalar(vlan));
    add_uuid(ctx.db, "Bridge", parent->row, "ports", port);
}

void cmd_init(Context& /*ctx*/) {}

void cmd_add_br(Context& ctx) {
    const auto& args = ctx.cmd.args;
    const std::string& name = args[0];
    std::int64_t vlan = 0;
    if (args.size() == 3) {
        char* end = nullptr;
        const long v = std::strtol(args[2].c_str(), &end, 10);
        if (args[2].empty() || *end != '\0' || v < 0 || v > 4095) {
            throw CommandError("add-br: vlan must be between 0 and 4095");
        }
        vlan = v;
    }
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    if (ctx.cmd.has("--may-exist")) {
        if (const auto* br = m.bridge(name)) {
            const std::string vlan_text = args.size() == 3 ? " " + args[1] + " " + args[2] : "";
            const std::string what = "\"--may-exist add-br " + name + vlan_text + "\" but " + name;
            if (args.size() == 1 && br->parent != nullptr) {
                throw CommandError(what + " is a VLAN bridge for VLAN " + std::to_string(br->vlan));
            }
            if (args.size() == 3) {
                if (br->parent == nullptr) throw CommandError(what + " is not a VLAN bridge");
                if (br->parent->name != args[1]) {
                    throw CommandError(what + " has the wrong parent " + br->parent->name);
                }
                if (br->vlan != vlan) {
                    throw CommandError(what + " is a VLAN bridge for the wrong VLAN " +
                                       std::to_string(br->vlan));
                }
            }
            return;
        }
    }
    check_conflicts(m, name, "cannot create a bridge named " + name);
    if (args.size() == 3) {
        add_fake_bridge(ctx, m, name, args[1], vlan);
        return;
    }
    const Uuid port = insert_internal_port(ctx.db, name);
    const Uuid bridge = ctx.db.insert("Bridge");
    set_string(ctx.db, "Bridge", bridge, "name", name);
    set_uuids(ctx.db, "Bridge", bridge, "ports", {port});
    add_uuid(ctx.db, "Open_vSwitch", ctx.ovs, "bridges", bridge);
}

void delete_port(Replica& db, const VsPort& port) {
    remove_uuid(db, "Bridge", port.bridge->row, "ports", port.row);
    for (const auto* iface : port.ifaces)
        db.erase("Interface", iface->row);
    db.erase("Port", port.row);
}

void cmd_del_br(Context& ctx) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    const auto* br = m.bridge(ctx.cmd.args[0]);
    if (br == nullptr) {
        if (ctx.cmd.has("--if-exists")) return;
        throw CommandError("no bridge named " + ctx.cmd.args[0]);
    }
    if (br->parent != nullptr) {
        for (const auto* port : br->ports)
            delete_port(ctx.db, *port);
        return;
    }
    for (const auto& port : uuid_column(ctx.db, "Bridge", br->row, "ports")) {
        for (const auto& iface : uuid_column(ctx.db, "Port", port, "interfaces"))
            ctx.db.erase("Interface", iface);
        ctx.db.erase("Port", port);
    }
    remove_uuid(ctx.db, "Open_vSwitch", ctx.ovs, "bridges", br->row);
    ctx.db.erase("Bridge", br->row);
}

void cmd_list_br(Context& ctx) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    const bool real = ctx.cmd.has("--real");
    const bool fake = ctx.cmd.has("--fake");
    for (const auto& [name, br] : m.bridges()) {
        const bool is_fake = br.parent != nullptr;
        if ((real || fake) && !(is_fake ? fake : real)) continue;
        ctx.out += name + "\n";
    }
}

void cmd_br_exists(Context& ctx) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    if (m.bridge(ctx.cmd.args[0]) == nullptr) throw ExitRequest{2};
}

void cmd_br_to_vlan(Context& ctx) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    ctx.out += std::to_string(must_bridge(m, ctx.cmd.args[0]).vlan) + "\n";
}

void cmd_br_to_parent(Context& ctx) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    const auto& br = must_bridge(m, ctx.cmd.args[0]);
    ctx.out += (br.parent != nullptr ? br.parent->name : br.name) + "\n";
}

// A bridge's external ids: the Bridge row's, or for a fake bridge its port's under
// "fake-bridge-KEY".
struct ExternalIds {
    std::string_view table;
    Uuid row;
    std::string prefix;
};

ExternalIds external_ids_of(Context& ctx, const std::string& name) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    const auto& br = must_bridge(m, name);
    if (br.parent == nullptr) return {"Bridge", br.row, ""};
    return {"Port", m.port(br.name)->row, "fake-bridge-"};
}

void cmd_br_set_external_id(Context& ctx) {
    const auto ids = external_ids_of(ctx, ctx.cmd.args[0]);
    const Atom key(ids.prefix + ctx.cmd.args[1]);
    Datum map = ctx.db.get(ids.table, ids.row, "external_ids");
    Datum out;
    for (size_t i = 0; i < map.size(); ++i) {
        if (map.keys[i] == key) continue;
        out.keys.push_back(map.keys[i]);
        out.values.push_back(map.values[i]);
    }
    if (ctx.cmd.args.size() == 3) {
        out.keys.push_back(key);
        out.values.emplace_back(ctx.cmd.args[2]);
    }
    (void)out.canonicalize();
    ctx.db.set(ids.table, ids.row, "external_ids", std::move(out));
}

void cmd_br_get_external_id(Context& ctx) {
    const auto ids = external_ids_of(ctx, ctx.cmd.args[0]);
    const Datum& map = ctx.db.get(ids.table, ids.row, "external_ids");
    for (size_t i = 0; i < map.size(); ++i) {
        const auto& key = std::get<std::string>(map.keys[i]);
        if (key.rfind(ids.prefix, 0) != 0) continue;
        const std::string name = key.substr(ids.prefix.size());
        const auto& value = std::get<std::string>(map.values[i]);
        if (ctx.cmd.args.size() == 1) {
            ctx.out += name;
            ctx.out += '=';
            ctx.out += value;
            ctx.out += '\n';
        } else if (name == ctx.cmd.args[1]) {
            ctx.out += value + "\n";
        }
    }
}

void cmd_list_ports(Context& ctx) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    const auto& br = must_bridge(m, ctx.cmd.args[0]);
    std::set<std::string> names;
    for (const auto* port : br.ports) {
        if (port->name != br.name) names.insert(port->name);
    }
    for (const auto& name : names)
        ctx.out += name + "\n";
}

void cmd_list_ifaces(Context& ctx) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    const auto& br = must_bridge(m, ctx.cmd.args[0]);
    std::set<std::string> names;
    for (const auto* port : br.ports) {
        for (const auto* iface : port->ifaces) {
            if (iface->name != br.name) names.insert(iface->name);
        }
    }
    for (const auto& name : names)
        ctx.out += name + "\n";
}

void cmd_port_to_br(Context& ctx) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    const auto* port = m.port(ctx.cmd.args[0]);
    if (port == nullptr) throw CommandError("no port named " + ctx.cmd.args[0]);
    ctx.out += port->bridge->name + "\n";
}

void cmd_iface_to_br(Context& ctx) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    const auto* iface = m.iface(ctx.cmd.args[0]);
    if (iface == nullptr) throw CommandError("no interface named " + ctx.cmd.args[0]);
    ctx.out += iface->port->bridge->name + "\n";
}

void add_port(Context& ctx, const std::string& br_name, const std::string& port_name,
              const std::vector<std::string>& ifaces, const std::vector<std::string>& settings) {
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    if (ctx.cmd.has("--may-exist")) {
        if (const auto* port = m.port(port_name)) {
            const auto& br = must_bridge(m, br_name);
            std::string what = std::string("\"--may-exist ") + ctx.cmd.name;
            for (const auto& arg : ctx.cmd.args)
                what += " " + arg;
            what += "\" but " + port_name;
            if (port->bridge != &br) {
                throw CommandError(what + " is actually attached to bridge " + port->bridge->name);
            }
            std::set<std::string> want(ifaces.begin(), ifaces.end());
            std::set<std::string> have;
            for (const auto* iface : port->ifaces)
                have.insert(iface->name);
            if (want != have) {
                std::string list;
                for (const auto& n : have)
                    list += (list.empty() ? "" : ", ") + n;
                throw CommandError(what + " actually has interface(s) " + list);
            }
            return;
        }
    }
    check_conflicts(m, port_name, "cannot create a port named " + port_name);
    for (const auto& iface : ifaces)
        check_conflicts(m, iface, "cannot create an interface named " + iface);
    const auto& br = must_bridge(m, br_name);
    std::vector<Uuid> rows;
    for (const auto& name : ifaces) {
        const Uuid iface = ctx.db.insert("Interface");
        set_string(ctx.db, "Interface", iface, "name", name);
        rows.push_back(iface);
    }
    const Uuid port = ctx.db.insert("Port");
    set_string(ctx.db, "Port", port, "name", port_name);
    set_uuids(ctx.db, "Port", port, "interfaces", rows);
    if (ctx.cmd.has("--fake-iface"))
        ctx.db.set("Port", port, "bond_fake_iface", Datum::scalar(true));
    if (br.parent != nullptr) ctx.db.set("Port", port, "tag", Datum::scalar(br.vlan));
    const auto& port_table = ctx.db.table("Port");
    for (const auto& setting : settings)
        set_column(ctx, port_table, port, setting);
    add_uuid(ctx.db, "Bridge", br.row, "ports", port);
}

void cmd_add_port(Context& ctx) {
    const auto& a = ctx.cmd.args;
    add_port(ctx, a[0], a[1], {a[1]}, {a.begin() + 2, a.end()});
}

void cmd_add_bond(Context& ctx) {
    const auto& a = ctx.cmd.args;
    size_t i = 2;
    while (i < a.size() && a[i].find('=') == std::string::npos)
        ++i;
    const std::vector<std::string> ifaces(a.begin() + 2, a.begin() + static_cast<long>(i));
    if (ifaces.size() < 2) {
        throw CommandError("add-bond requires at least 2 interfaces, but only " +
                           std::to_string(ifaces.size()) + " were specified");
    }
    add_port(ctx, a[0], a[1], ifaces, {a.begin() + static_cast<long>(i), a.end()});
}

void cmd_del_port(Context& ctx) {
    const auto& a = ctx.cmd.args;
    const auto m = BridgeModel::build(ctx.db, ctx.ovs);
    const VsBridge* br = a.size() == 2 ? &must_bridge(m, a[0]) : nullptr;
    const std::string& target = a.back();
    const VsPort* port = m.port(target);
    if (port == nullptr && ctx.cmd.has("--with-iface")) {
        if (const auto* iface = m.iface(target)) port = iface->port;
    }
    if (port == nullptr) {
        if (ctx.cmd.has("--if-exists")) return;
        throw CommandError(ctx.cmd.has("--with-iface") ? "no port or interface named " + target
                                                       : "no port named " + target);
    }
    if (br != nullptr && port->bridge != br) {
        if (port->bridge->parent == br) {
            throw CommandError("bridge " + br->name + " does not have a port " + target +
                               " (although its child bridge " + port->bridge->name + " does)");
        }
        throw CommandError("bridge " + br->name + " does not have a port " + target);
    }
    delete_port(ctx.db, *port);
}

}  // namespace

const std::vector<CommandEntry>& bridge_commands() {
    static const std::vector<CommandEntry> commands = {
        {"init", cmd_init},
        {"add-br", cmd_add_br},
        {"del-br", cmd_del_br},
        {"list-br", cmd_list_br},
        {"br-exists", cmd_br_exists},
        {"br-to-vlan", cmd_br_to_vlan},
        {"br-to-parent", cmd_br_to_parent},
        {"br-set-external-id", cmd_br_set_external_id},
        {"br-get-external-id", cmd_br_get_external_id},
        {"list-ports", cmd_list_ports},
        {"add-port", cmd_add_port},
        {"add-bond", cmd_add_bond},
        {"del-port", cmd_del_port},
        {"port-to-br", cmd_port_to_br},
        {"list-ifaces", cmd_list_ifaces},
        {"iface-to-br", cmd_iface_to_br},
    };
    return commands;
}

}  // namespace vs::vsctl
