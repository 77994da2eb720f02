// ovs-ofctl's meter syntax (see meter_syntax.hpp).
#include "ctl/ofctl/meter_syntax.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "ctl/ofctl/flow_print.hpp"
#include "ctl/ofctl/flow_syntax.hpp"

namespace vs::ofctl {

namespace {

using namespace vs::of13;

std::string str(std::string_view s) {
    return std::string(s);
}

// Splits on commas and white space, as ovs-ofctl does.
std::vector<std::string_view> tokens(std::string_view text) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        const size_t end = text.find_first_of(", \t", i);
        const size_t stop = end == std::string_view::npos ? text.size() : end;
        if (stop > i) out.push_back(text.substr(i, stop - i));
        i = stop + 1;
    }
    return out;
}

uint32_t u32(std::string_view v, std::string_view what) {
    return static_cast<uint32_t>(parse_number(v, 0xffffffff, what));
}

std::vector<MeterBand> parse_bands(std::string_view text) {
    std::vector<MeterBand> bands;
    for (std::string_view t : tokens(text)) {
        const size_t eq = t.find('=');
        if (eq == std::string_view::npos) throw ParseError("field " + str(t) + " missing value");
        const std::string_view key = t.substr(0, eq);
        const std::string_view value = t.substr(eq + 1);
        if (key == "type") {
            if (value == "drop") {
                bands.emplace_back(MeterBandDrop{});
            } else if (value == "dscp_remark") {
                bands.emplace_back(MeterBandDscpRemark{});
            } else {
                throw ParseError("unknown meter band type " + str(value));
            }
            continue;
        }
        if (bands.empty()) throw ParseError("band must start with the 'type' keyword");
        std::visit(
            [&](auto& b) {
                if (key == "rate") {
                    b.rate = u32(value, key);
                } else if (key == "burst_size") {
                    b.burst_size = u32(value, key);
                } else if constexpr (std::is_same_v<std::decay_t<decltype(b)>,
                                                    MeterBandDscpRemark>) {
                    if (key != "prec_level") throw ParseError("unknown band field " + str(key));
                    b.prec_level = static_cast<uint8_t>(parse_number(value, 0xff, key));
                } else {
                    throw ParseError("unknown band field " + str(key));
                }
            },
            bands.back());
    }
    return bands;
}

std::string meter_id_text(uint32_t id) {
    switch (id) {
        case meter_id::kAll:
            return "all";
        case meter_id::kController:
            return "controller";
        case meter_id::kSlowpath:
            return "slowpath";
        default:
            return std::to_string(id);
    }
}

std::string flags_text(uint16_t flags) {
    std::string s;
    if (flags & meter_flags::kKbps) s += "kbps ";
    if (flags & meter_flags::kPktps) s += "pktps ";
    if (flags & meter_flags::kBurst) s += "burst ";
    if (flags & meter_flags::kStats) s += "stats ";
    const uint16_t rest = flags & ~(meter_flags::kKbps | meter_flags::kPktps | meter_flags::kBurst |
                                    meter_flags::kStats);
    if (rest != 0) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "flags:0x%x ", rest);
        s += buf;
    }
    return s;
}

std::string band_text(uint16_t flags, const MeterBand& band) {
    std::string s = "\ntype=";
    std::visit(
        [&](const auto& b) {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, MeterBandDrop>) {
                s += "drop";
            } else if constexpr (std::is_same_v<T, MeterBandDscpRemark>) {
                s += "dscp_remark";
            } else {
                s += "65535";
            }
            s += fmt::format(" rate={}", b.rate);
            if (flags & meter_flags::kBurst) s += fmt::format(" burst_size={}", b.burst_size);
            if constexpr (std::is_same_v<T, MeterBandDscpRemark>) {
                s += fmt::format(" prec_level={}", b.prec_level);
            }
        },
        band);
    return s;
}

}  // namespace

uint32_t parse_meter_id(std::string_view text) {
    if (text.starts_with("meter=")) text.remove_prefix(6);
    if (text.empty() || text == "all") return meter_id::kAll;
    if (text == "controller") return meter_id::kController;
    if (text == "slowpath") return meter_id::kSlowpath;
    return u32(text, "meter");
}

of13::MeterMod parse_meter(std::string_view text, MeterModCommand command) {
    MeterMod mm;
    mm.command = command;
    mm.meter_id = meter_id::kAll;
    // The bands follow "band" (or "bands") and its '=': everything after belongs to them.
    std::string_view head = text;
    std::string_view bands;
    if (const size_t b = text.find("band"); b != std::string_view::npos) {
        head = text.substr(0, b);
        const size_t eq = text.find('=', b);
        if (eq == std::string_view::npos) throw ParseError("must specify bands");
        bands = text.substr(eq + 1);
    }
    bool have_id = false;
    for (std::string_view t : tokens(head)) {
        if (t == "kbps") {
            mm.flags |= meter_flags::kKbps;
        } else if (t == "pktps") {
            mm.flags |= meter_flags::kPktps;
        } else if (t == "burst") {
            mm.flags |= meter_flags::kBurst;
        } else if (t == "stats") {
            mm.flags |= meter_flags::kStats;
        } else if (t.starts_with("meter=")) {
            mm.meter_id = parse_meter_id(t);
            have_id = true;
        } else {
            throw ParseError("unknown keyword " + str(t));
        }
    }
    if (command == MeterModCommand::kDelete) {
        if (!bands.empty()) throw ParseError("del-meters takes no bands");
        return mm;
    }
    if (!have_id) throw ParseError("must specify 'meter'");
    if (mm.meter_id == meter_id::kAll) throw ParseError("invalid meter id: all");
    if (!(mm.flags & (meter_flags::kKbps | meter_flags::kPktps))) {
        throw ParseError("must specify either 'kbps' or 'pktps'");
    }
    mm.bands = parse_bands(bands);
    if (mm.bands.empty()) throw ParseError("must specify bands");
    return mm;
}

std::string format_meter_config(const of13::MeterConfig& m) {
    std::string s =
        fmt::format("meter={} {}bands=", meter_id_text(m.meter_id), flags_text(m.flags));
    for (const MeterBand& b : m.bands)
        s += band_text(m.flags, b);
    return s;
}

std::string format_meter_stats(const of13::MeterStats& m) {
    std::string s = fmt::format(
        "meter:{} flow_count:{} packet_in_count:{} byte_in_count:{} "
        "duration:{} bands:",
        meter_id_text(m.meter_id), m.flow_count, m.packet_in_count, m.byte_in_count,
        format_duration(m.duration_sec, m.duration_nsec));
    for (size_t i = 0; i < m.band_stats.size(); ++i) {
        s += fmt::format("\n{}: packet_count:{} byte_count:{}", i,
                         m.band_stats[i].packet_band_count, m.band_stats[i].byte_band_count);
    }
    return s;
}

std::string format_meter_features(const of13::MeterFeaturesReply& f) {
    std::string s = fmt::format("max_meter:{} max_bands:{} max_color:{}\nband_types: ", f.max_meter,
                                f.max_bands, f.max_color);
    std::string types;
    if (f.band_types & (1u << 1)) types += "drop ";
    if (f.band_types & (1u << 2)) types += "dscp_remark ";
    if (!types.empty()) types.pop_back();
    s += types + "\ncapabilities: ";
    std::string caps = flags_text(static_cast<uint16_t>(f.capabilities));
    if (!caps.empty()) caps.pop_back();
    return s + caps;
}

}  // namespace vs::ofctl
