// GuestDb over RFC 7047 transactions; see guest_db.hpp.
#include "vm-runtime/guest_db.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace vs::vm {

namespace {

using Json = nlohmann::json;
constexpr int kCallTimeoutS = 30;

ovsdb::Deadline call_deadline() {
    return std::chrono::steady_clock::now() + std::chrono::seconds(kCallTimeoutS);
}

Json where_name(const std::string& name) {
    return Json::array({Json::array({"name", "==", name})});
}

Json string_map(const std::map<std::string, std::string>& map) {
    Json pairs = Json::array();
    for (const auto& [k, v] : map)
        pairs.push_back({k, v});
    return Json::array({"map", pairs});
}

std::map<std::string, std::string> map_of(const Json& value) {
    std::map<std::string, std::string> out;
    if (value.is_array() && value.size() == 2 && value[0] == "map") {
        for (const Json& pair : value[1])
            out[pair[0].get<std::string>()] = pair[1].get<std::string>();
    }
    return out;
}

// An optional string column: "x" or ["set", []].
Json optional_string(const std::string& value) {
    return value.empty() ? Json::array({"set", Json::array()}) : Json(value);
}
std::string string_of(const Json& value) {
    return value.is_string() ? value.get<std::string>() : std::string();
}

std::vector<std::string> uuids_of(const Json& value) {
    std::vector<std::string> out;
    if (value.is_array() && value.size() == 2 && value[0] == "uuid") {
        out.push_back(value[1].get<std::string>());
    } else if (value.is_array() && value.size() == 2 && value[0] == "set") {
        for (const Json& u : value[1])
            out.push_back(u[1].get<std::string>());
    }
    return out;
}

}  // namespace

Json interface_row(const NicSpec& nic) {
    return {{"bridge", nic.bridge},
            {"type", nic.type},
            {"mac", optional_string(nic.mac)},
            {"ip", optional_string(nic.ip)},
            {"port", optional_string(nic.port)}};
}

Json guest_row(const GuestSpec& spec) {
    Json nics = Json::array();
    for (size_t i = 0; i < spec.nics.size(); ++i)
        nics.push_back({"named-uuid", "nic" + std::to_string(i)});
    std::map<std::string, std::string> disks = spec.disks;
    return {{"name", spec.name},
            {"type", type_name(spec.type)},
            {"memory_mb", spec.memory_mb},
            {"vcpus", spec.vcpus},
            {"kernel", optional_string(spec.kernel)},
            {"initrd", optional_string(spec.initrd)},
            {"cmdline", optional_string(spec.cmdline)},
            {"rootfs", optional_string(spec.rootfs)},
            {"disks", string_map(disks)},
            {"interfaces", Json::array({"set", nics})},
            {"autostart", spec.autostart},
            {"autostart_order", spec.autostart_order},
            {"other_config", string_map(spec.other_config)}};
}

Result<GuestSpec> spec_from_rows(const Json& guest, const std::map<std::string, Json>& interfaces) {
    GuestSpec spec;
    spec.name = guest.at("name").get<std::string>();
    auto type = parse_type(guest.at("type").get<std::string>());
    if (!type) return tl::unexpected(type.error());
    spec.type = *type;
    spec.memory_mb = guest.at("memory_mb").get<int64_t>();
    spec.vcpus = guest.at("vcpus").get<int64_t>();
    spec.kernel = string_of(guest.at("kernel"));
    spec.initrd = string_of(guest.at("initrd"));
    spec.cmdline = string_of(guest.at("cmdline"));
    spec.rootfs = string_of(guest.at("rootfs"));
    spec.disks = map_of(guest.at("disks"));
    spec.autostart = guest.at("autostart").get<bool>();
    spec.autostart_order = guest.at("autostart_order").get<int64_t>();
    spec.other_config = map_of(guest.at("other_config"));
    for (const std::string& uuid : uuids_of(guest.at("interfaces"))) {
        auto it = interfaces.find(uuid);
        if (it == interfaces.end()) continue;
        const Json& row = it->second;
        spec.nics.push_back({row.at("bridge").get<std::string>(), row.at("type").get<std::string>(),
                             string_of(row.at("mac")), string_of(row.at("ip")),
                             string_of(row.at("port"))});
    }
    // The port names end in the NIC's index, so they give back the defined order.
    std::sort(spec.nics.begin(), spec.nics.end(), [](const NicSpec& a, const NicSpec& b) {
        return a.port.size() != b.port.size() ? a.port.size() < b.port.size() : a.port < b.port;
    });
    return spec;
}

Result<GuestDb> GuestDb::connect(const std::string& remote) {
    auto client = ovsdb::JsonRpcClient::connect(remote, call_deadline());
    if (!client)
        return fail("cannot connect to the config DB at " + remote + ": " + client.error().message);
    return GuestDb(std::move(*client));
}

Result<Json> GuestDb::transact(Json ops) {
    Json params = Json::array({"Open_vSwitch"});
    for (Json& op : ops)
        params.push_back(std::move(op));
    auto reply = client_.call("transact", params, call_deadline());
    if (!reply) return fail("config DB: " + reply.error().message);
    if (reply->contains("error") && !(*reply)["error"].is_null())
        return fail("config DB: " + (*reply)["error"].dump());
    const Json& result = (*reply)["result"];
    for (const Json& r : result) {
        if (r.is_object() && r.contains("error")) {
            std::string what = r["error"].get<std::string>();
            if (r.contains("details")) what += ": " + r["details"].get<std::string>();
            return fail("config DB: " + what);
        }
    }
    return result;
}

Result<std::vector<GuestSpec>> GuestDb::list() {
    auto result = transact(
        Json::array({{{"op", "select"}, {"table", "Guest"}, {"where", Json::array()}},
                     {{"op", "select"}, {"table", "Guest_Interface"}, {"where", Json::array()}}}));
    if (!result) return tl::unexpected(result.error());
    std::map<std::string, Json> interfaces;
    for (const Json& row : (*result)[1]["rows"])
        interfaces[row["_uuid"][1].get<std::string>()] = row;
    std::vector<GuestSpec> out;
    for (const Json& row : (*result)[0]["rows"]) {
        auto spec = spec_from_rows(row, interfaces);
        if (!spec) return tl::unexpected(spec.error());
        out.push_back(std::move(*spec));
    }
    std::sort(out.begin(), out.end(),
              [](const GuestSpec& a, const GuestSpec& b) { return a.name < b.name; });
    return out;
}

Result<std::optional<GuestSpec>> GuestDb::find(const std::string& name) {
    auto all = list();
    if (!all) return tl::unexpected(all.error());
    for (GuestSpec& spec : *all) {
        if (spec.name == name) return std::optional<GuestSpec>(std::move(spec));
    }
    return std::optional<GuestSpec>();
}

Result<bool> GuestDb::bridge_exists(const std::string& bridge) {
    auto result = transact(Json::array({{{"op", "select"},
                                         {"table", "Bridge"},
                                         {"where", where_name(bridge)},
                                         {"columns", Json::array({"name"})}}}));
    if (!result) return tl::unexpected(result.error());
    return !(*result)[0]["rows"].empty();
}

Result<void> GuestDb::insert(const GuestSpec& spec) {
    // Preconditions as "wait" operations with timeout 0: the transaction fails (changing
    // nothing) unless no guest has the name and every bridge exists.
    Json ops = Json::array();
    ops.push_back({{"op", "wait"},
                   {"timeout", 0},
                   {"table", "Guest"},
                   {"where", where_name(spec.name)},
                   {"columns", Json::array({"name"})},
                   {"until", "=="},
                   {"rows", Json::array()}});
    for (size_t i = 0; i < spec.nics.size(); ++i) {
        ops.push_back({{"op", "insert"},
                       {"table", "Guest_Interface"},
                       {"row", interface_row(spec.nics[i])},
                       {"uuid-name", "nic" + std::to_string(i)}});
    }
    ops.push_back({{"op", "insert"}, {"table", "Guest"}, {"row", guest_row(spec)}});
    for (const NicSpec& nic : spec.nics) {
        auto exists = bridge_exists(nic.bridge);
        if (!exists) return tl::unexpected(exists.error());
        if (!*exists) return fail("bridge '" + nic.bridge + "' does not exist");
    }
    auto result = transact(std::move(ops));
    if (!result) {
        if (result.error().message.find("timed out") != std::string::npos)
            return fail("guest '" + spec.name + "' already exists");
        return tl::unexpected(result.error());
    }
    return {};
}

Result<void> GuestDb::remove(const std::string& name) {
    auto result = transact(
        Json::array({{{"op", "delete"}, {"table", "Guest"}, {"where", where_name(name)}}}));
    if (!result) return tl::unexpected(result.error());
    if ((*result)[0].value("count", 0) == 0) return fail("guest '" + name + "' is not defined");
    return {};
}

Result<void> GuestDb::set_autostart(const std::string& name, bool on) {
    auto result = transact(Json::array({{{"op", "update"},
                                         {"table", "Guest"},
                                         {"where", where_name(name)},
                                         {"row", {{"autostart", on}}}}}));
    if (!result) return tl::unexpected(result.error());
    if ((*result)[0].value("count", 0) == 0) return fail("guest '" + name + "' is not defined");
    return {};
}

Result<void> GuestDb::set_runtime(const std::string& name, const std::string& state,
                                  const std::string& accelerator) {
    auto result = transact(Json::array(
        {{{"op", "update"},
          {"table", "Guest"},
          {"where", where_name(name)},
          {"row",
           {{"state", optional_string(state)}, {"accelerator", optional_string(accelerator)}}}}}));
    if (!result) return tl::unexpected(result.error());
    return {};
}

Result<void> GuestDb::add_port(const std::string& bridge, const std::string& port,
                               const std::string& type,
                               const std::map<std::string, std::string>& options) {
    Json bump = {{"op", "mutate"},
                 {"table", "Open_vSwitch"},
                 {"where", Json::array()},
                 {"mutations", Json::array({Json::array({"next_cfg", "+=", 1})})}};
    Json ops = Json::array(
        {{{"op", "insert"},
          {"table", "Interface"},
          {"row", {{"name", port}, {"type", type}, {"options", string_map(options)}}},
          {"uuid-name", "iface"}},
         {{"op", "insert"},
          {"table", "Port"},
          {"row", {{"name", port}, {"interfaces", {"named-uuid", "iface"}}}},
          {"uuid-name", "port"}},
         {{"op", "mutate"},
          {"table", "Bridge"},
          {"where", where_name(bridge)},
          {"mutations", Json::array({Json::array(
                            {"ports", "insert",
                             Json::array({"set", Json::array({{"named-uuid", "port"}})})})})}},
         bump});
    auto result = transact(std::move(ops));
    if (!result) return tl::unexpected(result.error());
    if ((*result)[2].value("count", 0) == 0) return fail("bridge '" + bridge + "' does not exist");
    return {};
}

Result<void> GuestDb::del_port(const std::string& port) {
    auto found = transact(Json::array({{{"op", "select"},
                                        {"table", "Port"},
                                        {"where", where_name(port)},
                                        {"columns", Json::array({"_uuid"})}}}));
    if (!found) return tl::unexpected(found.error());
    Json ops = Json::array();
    for (const Json& row : (*found)[0]["rows"]) {
        ops.push_back(
            {{"op", "mutate"},
             {"table", "Bridge"},
             {"where", Json::array({Json::array({"ports", "includes", row["_uuid"]})})},
             {"mutations",
              Json::array({Json::array(
                  {"ports", "delete", Json::array({"set", Json::array({row["_uuid"]})})})})}});
    }
    if (ops.empty()) return {};
    ops.push_back({{"op", "mutate"},
                   {"table", "Open_vSwitch"},
                   {"where", Json::array()},
                   {"mutations", Json::array({Json::array({"next_cfg", "+=", 1})})}});
    auto result = transact(std::move(ops));
    if (!result) return tl::unexpected(result.error());
    return {};
}

Result<int64_t> GuestDb::wait_ofport(const std::string& port, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string error;
    while (std::chrono::steady_clock::now() < deadline) {
        auto result = transact(Json::array({{{"op", "select"},
                                             {"table", "Interface"},
                                             {"where", where_name(port)},
                                             {"columns", Json::array({"ofport", "error"})}}}));
        if (!result) return tl::unexpected(result.error());
        const Json& rows = (*result)[0]["rows"];
        if (rows.empty()) return fail("interface '" + port + "' is not in the DB");
        const Json& ofport = rows[0]["ofport"];
        error = string_of(rows[0]["error"]);
        if (ofport.is_number_integer()) {
            const int64_t no = ofport.get<int64_t>();
            if (no > 0) return no;
            if (no < 0) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (std::chrono::steady_clock::now() < deadline)
        return fail("switch port '" + port + "' failed: " + error);
    return fail("the switch did not add port '" + port + "' within " +
                std::to_string(timeout_ms / 1000) + " s (is vswitchd running?)" +
                (error.empty() ? "" : ": " + error));
}

}  // namespace vs::vm
