// Controller rows in, controller status out.
#include "vswitchd/controller_config.hpp"

#include <algorithm>
#include <set>

#include "vswitchd/row_access.hpp"

namespace vs {

namespace {

using ovsdb::Json;
using ovsdb::Uuid;

bool is_volatile(const std::string& key) {
    return key.rfind("sec_since_", 0) == 0;
}

// Two status maps are the same but for the seconds counters.
bool same_stable(const std::map<std::string, std::string>& a,
                 const std::map<std::string, std::string>& b) {
    auto stable = [](const std::map<std::string, std::string>& m) {
        std::map<std::string, std::string> out;
        for (const auto& [k, v] : m) {
            if (!is_volatile(k)) out.emplace(k, v);
        }
        return out;
    };
    return stable(a) == stable(b);
}

Json map_json(const std::map<std::string, std::string>& m) {
    Json pairs = Json::array();
    for (const auto& [k, v] : m)
        pairs.push_back(Json::array({k, v}));
    return Json::array({"map", pairs});
}

}  // namespace

std::map<std::string, std::vector<WantedController>> read_controllers(const ovsdb::Database& db) {
    std::map<Uuid, row::Row> controllers;
    db.for_each_row("Controller",
                    [&](const Uuid& uuid, const row::Row& r) { controllers.emplace(uuid, r); });
    std::set<Uuid> listed;
    db.for_each_row("Open_vSwitch", [&](const Uuid&, const row::Row& r) {
        for (const Uuid& b : row::all_of<Uuid>(r, "bridges"))
            listed.insert(b);
    });
    std::map<std::string, std::vector<WantedController>> out;
    db.for_each_row("Bridge", [&](const Uuid& uuid, const row::Row& bridge) {
        if (!listed.count(uuid)) return;
        auto& list = out[row::string_of(bridge, "name")];
        for (const Uuid& c : row::all_of<Uuid>(bridge, "controller")) {
            auto it = controllers.find(c);
            if (it == controllers.end()) continue;
            WantedController w;
            w.uuid = c;
            w.target = row::string_of(it->second, "target");
            if (auto probe = row::int_of(it->second, "inactivity_probe")) {
                w.probe = std::chrono::milliseconds(*probe);
            }
            if (auto backoff = row::int_of(it->second, "max_backoff")) {
                w.max_backoff = std::chrono::milliseconds(std::max<int64_t>(*backoff, 1000));
            }
            if (auto rate = row::int_of(it->second, "controller_rate_limit")) {
                w.rate_limit = static_cast<uint32_t>(std::clamp<int64_t>(*rate, 1, 1000000));
            }
            if (auto burst = row::int_of(it->second, "controller_burst_limit")) {
                w.burst_limit = static_cast<uint32_t>(std::clamp<int64_t>(*burst, 1, 1000000));
            }
            list.push_back(std::move(w));
        }
    });
    return out;
}

std::map<std::string, std::string> read_fail_modes(const ovsdb::Database& db) {
    std::map<std::string, std::string> out;
    db.for_each_row("Bridge", [&](const Uuid&, const row::Row& bridge) {
        out[row::string_of(bridge, "name")] = row::string_of(bridge, "fail_mode");
    });
    return out;
}

Json controller_status_ops(const ovsdb::Database& db,
                           const std::map<Uuid, ControllerStatus>& status, bool refresh) {
    Json ops = Json::array();
    std::map<Uuid, row::Row> rows;
    db.for_each_row("Controller", [&](const Uuid& uuid, const row::Row& r) {
        if (status.count(uuid)) rows.emplace(uuid, r);
    });
    for (const auto& [uuid, st] : status) {
        auto it = rows.find(uuid);
        if (it == rows.end()) continue;
        const row::Row& current = it->second;
        const auto current_status = row::string_map_of(current, "status");
        const bool differs = row::bool_of(current, "is_connected") != st.is_connected ||
                             row::string_of(current, "role") != st.role ||
                             !same_stable(current_status, st.status) ||
                             (refresh && current_status != st.status);
        if (!differs) continue;
        ops.push_back(
            {{"op", "update"},
             {"table", "Controller"},
             {"where",
              Json::array({Json::array({"_uuid", "==", Json::array({"uuid", to_string(uuid)})})})},
             {"row",
              {{"is_connected", st.is_connected},
               {"role", st.role},
               {"status", map_json(st.status)}}}});
    }
    return ops;
}

}  // namespace vs
