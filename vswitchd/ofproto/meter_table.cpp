// MeterTable: METER_MOD semantics of OpenFlow 1.3.5 section 6.6 and the meter multipart replies.
#include "vswitchd/ofproto/meter_table.hpp"

namespace vs {

namespace {

using Code = of13::MeterModFailedCode;
namespace mf = of13::meter_flags;

openflow::SpecError meter_failed(Code code) {
    return {static_cast<uint16_t>(of13::ErrorType::kMeterModFailed), static_cast<uint16_t>(code)};
}

constexpr uint16_t kKnownFlags = mf::kKbps | mf::kPktps | mf::kBurst | mf::kStats;

// Converts and checks a METER_MOD's flags and bands for the datapath.
std::optional<openflow::SpecError> to_config(const of13::MeterMod& mm, MeterConfig& config) {
    if ((mm.flags & ~kKnownFlags) != 0) return meter_failed(Code::kBadFlags);
    if ((mm.flags & mf::kKbps) && (mm.flags & mf::kPktps)) return meter_failed(Code::kBadFlags);
    if (mm.bands.size() > MeterTable::kMaxBands) return meter_failed(Code::kOutOfBands);
    config.pktps = (mm.flags & mf::kPktps) != 0;  // neither flag: kbps, as Open vSwitch
    config.burst = (mm.flags & mf::kBurst) != 0;
    for (const of13::MeterBand& band : mm.bands) {
        MeterBandConfig b;
        if (const auto* drop = std::get_if<of13::MeterBandDrop>(&band)) {
            b.type = MeterBandConfig::Type::kDrop;
            b.rate = drop->rate;
            b.burst_size = drop->burst_size;
        } else if (const auto* dscp = std::get_if<of13::MeterBandDscpRemark>(&band)) {
            b.type = MeterBandConfig::Type::kDscpRemark;
            b.rate = dscp->rate;
            b.burst_size = dscp->burst_size;
            b.prec_level = dscp->prec_level;
        } else {
            return meter_failed(Code::kBadBand);  // experimenter bands: none known
        }
        if (b.rate == 0) return meter_failed(Code::kBadRate);
        config.bands.push_back(b);
    }
    return std::nullopt;
}

bool valid_id(uint32_t id) {
    return id != 0 && id <= of13::meter_id::kMax;
}

}  // namespace

MeterTable::~MeterTable() {
    for (const auto& [id, m] : meters_)
        backend_.remove(m.datapath_id);
}

const OfMeter* MeterTable::find(uint32_t id) const {
    auto it = meters_.find(id);
    return it == meters_.end() ? nullptr : &it->second;
}

std::optional<uint32_t> MeterTable::datapath_id(uint32_t id) const {
    const OfMeter* m = find(id);
    if (m == nullptr) return std::nullopt;
    return m->datapath_id;
}

std::optional<openflow::SpecError> MeterTable::meter_mod(const of13::MeterMod& mm, uint64_t now_ms,
                                                         std::vector<uint32_t>& deleted) {
    using Cmd = of13::MeterModCommand;
    if (mm.command == Cmd::kDelete) {
        // Deleting a meter that does not exist is no error (as for groups).
        if (mm.meter_id == of13::meter_id::kAll) {
            for (const auto& [id, m] : meters_) {
                backend_.remove(m.datapath_id);
                deleted.push_back(id);
            }
            meters_.clear();
        } else if (auto it = meters_.find(mm.meter_id); it != meters_.end()) {
            backend_.remove(it->second.datapath_id);
            deleted.push_back(it->first);
            meters_.erase(it);
        }
        return std::nullopt;
    }
    if (mm.command != Cmd::kAdd && mm.command != Cmd::kModify) {
        return meter_failed(Code::kBadCommand);
    }
    if (!valid_id(mm.meter_id)) return meter_failed(Code::kInvalidMeter);
    MeterConfig config;
    if (auto e = to_config(mm, config)) return e;
    return mm.command == Cmd::kAdd ? add(mm, config, now_ms) : modify(mm, config);
}

std::optional<openflow::SpecError> MeterTable::add(const of13::MeterMod& mm,
                                                   const MeterConfig& config, uint64_t now_ms) {
    if (meters_.count(mm.meter_id)) return meter_failed(Code::kMeterExists);
    if (meters_.size() >= kMaxMeters) return meter_failed(Code::kOutOfMeters);
    auto dp = backend_.add(config);
    if (!dp) return meter_failed(Code::kOutOfMeters);  // the datapath's ids are shared
    meters_[mm.meter_id] = OfMeter{mm.meter_id, mm.flags, mm.bands, *dp, now_ms};
    return std::nullopt;
}

std::optional<openflow::SpecError> MeterTable::modify(const of13::MeterMod& mm,
                                                      const MeterConfig& config) {
    auto it = meters_.find(mm.meter_id);
    if (it == meters_.end()) return meter_failed(Code::kUnknownMeter);
    if (!backend_.modify(it->second.datapath_id, config)) return meter_failed(Code::kUnknown);
    it->second.flags = mm.flags;
    it->second.bands = mm.bands;
    return std::nullopt;
}

std::vector<of13::MeterStats> MeterTable::stats(
    uint32_t id, uint64_t now_ms, const std::function<uint32_t(uint32_t)>& flow_count) const {
    std::vector<of13::MeterStats> out;
    for (const auto& [mid, m] : meters_) {
        if (id != of13::meter_id::kAll && id != mid) continue;
        of13::MeterStats s;
        s.meter_id = mid;
        s.flow_count = flow_count ? flow_count(mid) : 0;
        const uint64_t age_ms = now_ms > m.created_ms ? now_ms - m.created_ms : 0;
        s.duration_sec = static_cast<uint32_t>(age_ms / 1000);
        s.duration_nsec = static_cast<uint32_t>(age_ms % 1000 * 1000000);
        auto c = backend_.counters(m.datapath_id);
        s.band_stats.resize(m.bands.size());
        if (c) {
            s.packet_in_count = c->packets;
            s.byte_in_count = c->bytes;
            for (size_t i = 0; i < c->bands.size() && i < s.band_stats.size(); ++i) {
                s.band_stats[i].packet_band_count = c->bands[i].packets;
                s.band_stats[i].byte_band_count = c->bands[i].bytes;
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<of13::MeterConfig> MeterTable::configs(uint32_t id) const {
    std::vector<of13::MeterConfig> out;
    for (const auto& [mid, m] : meters_) {
        if (id != of13::meter_id::kAll && id != mid) continue;
        of13::MeterConfig c;
        c.flags = m.flags;
        c.meter_id = mid;
        c.bands = m.bands;
        out.push_back(std::move(c));
    }
    return out;
}

of13::MeterFeaturesReply MeterTable::features() {
    of13::MeterFeaturesReply f;
    f.max_meter = kMaxMeters;
    f.band_types = (1u << 1) | (1u << 2);  // OFPMBT_DROP, OFPMBT_DSCP_REMARK
    f.capabilities = mf::kKbps | mf::kPktps | mf::kBurst | mf::kStats;
    f.max_bands = kMaxBands;
    f.max_color = 0;
    return f;
}

}  // namespace vs
