// Interface statistics and Bridge datapath_id write-backs (see stats_writer.hpp).
#include "vswitchd/stats_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "vswitchd/row_access.hpp"

namespace vs {

using ovsdb::Datum;
using ovsdb::Json;
using ovsdb::Uuid;
using Row = ovsdb::Store::Row;

namespace {

constexpr uint64_t kDefaultIntervalMs = 5000;
constexpr uint64_t kMinIntervalMs = 1000;

using row::column;
using row::string_of;

template <typename V>
std::map<std::string, V> map_of(const Row& row, std::string_view name) {
    std::map<std::string, V> out;
    const Datum* d = column(row, name);
    if (!d) return out;
    for (size_t i = 0; i < d->keys.size() && i < d->values.size(); ++i) {
        const auto* k = std::get_if<std::string>(&d->keys[i]);
        const auto* v = std::get_if<V>(&d->values[i]);
        if (k && v) out[*k] = *v;
    }
    return out;
}

Json where_uuid(const Uuid& uuid) {
    return Json::array(
        {Json::array({"_uuid", "==", Json::array({"uuid", ovsdb::to_string(uuid)})})});
}

bool is_hex16(std::string_view s) {
    return s.size() == 16 &&
           std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(c) != 0; });
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

InterfaceStats interface_stats(const PortStats& s) {
    auto drop = [&s](DropReason r) { return s.drops[static_cast<size_t>(r)]; };
    auto i64 = [](uint64_t v) { return static_cast<int64_t>(v); };
    return {
        {"rx_packets", i64(s.rx_packets)},
        {"rx_bytes", i64(s.rx_bytes)},
        {"tx_packets", i64(s.tx_packets)},
        {"tx_bytes", i64(s.tx_bytes)},
        {"rx_dropped", i64(s.rx_dropped_by_device + drop(DropReason::kUpcallQueue) +
                           drop(DropReason::kUpcallFailed) + drop(DropReason::kNoMbuf))},
        {"tx_dropped",
         i64(drop(DropReason::kTxFull) + drop(DropReason::kOversized) + drop(DropReason::kNoPort))},
        {"rx_errors", i64(drop(DropReason::kMalformed))},
        {"tx_errors", i64(drop(DropReason::kActionFailed))},
    };
}

uint64_t stats_update_interval_ms(const ovsdb::Database& db) {
    uint64_t interval = kDefaultIntervalMs;
    db.for_each_row("Open_vSwitch", [&](const Uuid&, const Row& row) {
        const auto config = map_of<std::string>(row, "other_config");
        auto it = config.find("stats-update-interval");
        if (it == config.end()) return;
        uint64_t v = 0;
        const std::string& text = it->second;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc() && p == text.data() + text.size()) {
            interval = std::max(v, kMinIntervalMs);
        }
    });
    return interval;
}

Json statistics_ops(const ovsdb::Database& db, const std::map<Uuid, InterfaceStats>& stats) {
    Json ops = Json::array();
    db.for_each_row("Interface", [&](const Uuid& uuid, const Row& row) {
        auto it = stats.find(uuid);
        if (it == stats.end() || map_of<int64_t>(row, "statistics") == it->second) return;
        Json pairs = Json::array();
        for (const auto& [k, v] : it->second)
            pairs.push_back(Json::array({k, v}));
        ops.push_back({{"op", "update"},
                       {"table", "Interface"},
                       {"where", where_uuid(uuid)},
                       {"row", {{"statistics", Json::array({"map", pairs})}}}});
    });
    return ops;
}

std::string datapath_id(const std::string& bridge, const std::string& mac,
                        const std::string& requested) {
    std::string_view req = requested;
    if (req.starts_with("0x") || req.starts_with("0X")) req.remove_prefix(2);
    if (is_hex16(req)) return lower(std::string(req));
    std::string hex;
    for (char c : mac) {
        if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
    }
    if (hex.size() == 12 && hex != "000000000000") return "0000" + lower(hex);
    // FNV-1a of the name, made a locally administered unicast address.
    uint64_t h = 14695981039346656037ULL;
    for (char c : bridge)
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h &= 0xffffffffffffULL;
    h = (h & ~(0x01ULL << 40)) | (0x02ULL << 40);
    return fmt::format("{:016x}", h);
}

Json datapath_id_ops(const ovsdb::Database& db,
                     const std::map<std::string, std::string, std::less<>>& macs) {
    Json ops = Json::array();
    db.for_each_row("Bridge", [&](const Uuid& uuid, const Row& row) {
        const std::string name = string_of(row, "name");
        auto mac = macs.find(name);
        if (mac == macs.end()) return;
        const auto config = map_of<std::string>(row, "other_config");
        auto req = config.find("datapath-id");
        const std::string id =
            datapath_id(name, mac->second, req == config.end() ? std::string() : req->second);
        if (string_of(row, "datapath_id") == id) return;
        ops.push_back({{"op", "update"},
                       {"table", "Bridge"},
                       {"where", where_uuid(uuid)},
                       {"row", {{"datapath_id", id}}}});
    });
    return ops;
}

}  // namespace vs
