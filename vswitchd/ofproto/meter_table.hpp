// MeterTable: a bridge's OpenFlow 1.3 meters (section 5.7) and METER_MOD on them (6.6), with
// the specification's errors. Each OpenFlow meter is backed by one datapath meter
// (datapath/meter/meter_store.hpp) that the megaflows' `meter(N)` actions charge; the table maps
// OpenFlow ids (per bridge) to datapath ids (shared by every bridge) and answers the meter
// statistics, configuration and features requests.
// Thread: the control thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "base/result.hpp"
#include "datapath/meter/meter_store.hpp"
#include "openflow/of13.hpp"

namespace vs {

// What a MeterTable needs from the datapath (Datapath's add/modify/remove_meter and
// meter_counters).
struct MeterBackend {
    std::function<Result<uint32_t>(const MeterConfig&)> add;
    std::function<Result<void>(uint32_t, const MeterConfig&)> modify;
    std::function<void(uint32_t)> remove;
    std::function<Result<MeterCounters>(uint32_t)> counters;
};

struct OfMeter {
    uint32_t id = 0;
    uint16_t flags = 0;
    std::vector<of13::MeterBand> bands;
    uint32_t datapath_id = 0;
    uint64_t created_ms = 0;
};

class MeterTable {
  public:
    static constexpr uint32_t kMaxMeters = 1024;  // per bridge, advertised in METER_FEATURES
    static constexpr uint8_t kMaxBands = MeterStore::kMaxBands;

    explicit MeterTable(MeterBackend backend) : backend_(std::move(backend)) {}
    ~MeterTable();  // gives the datapath meters back
    MeterTable(const MeterTable&) = delete;
    MeterTable& operator=(const MeterTable&) = delete;

    // METER_MOD: nullopt on success, else the ERROR to send. The ids of the meters a delete
    // removed are appended to `deleted` (their flows must go too).
    std::optional<openflow::SpecError> meter_mod(const of13::MeterMod& mm, uint64_t now_ms,
                                                 std::vector<uint32_t>& deleted);
    const OfMeter* find(uint32_t id) const;
    // The datapath meter behind OpenFlow meter `id`.
    std::optional<uint32_t> datapath_id(uint32_t id) const;
    size_t size() const { return meters_.size(); }

    // METER (statistics) and METER_CONFIG for `id` or every meter (OFPM_ALL); `flow_count`
    // says how many flows use a meter.
    std::vector<of13::MeterStats> stats(uint32_t id, uint64_t now_ms,
                                        const std::function<uint32_t(uint32_t)>& flow_count) const;
    std::vector<of13::MeterConfig> configs(uint32_t id) const;
    static of13::MeterFeaturesReply features();

  private:
    std::optional<openflow::SpecError> add(const of13::MeterMod& mm, const MeterConfig& config,
                                           uint64_t now_ms);
    std::optional<openflow::SpecError> modify(const of13::MeterMod& mm, const MeterConfig& config);

    MeterBackend backend_;
    std::map<uint32_t, OfMeter> meters_;  // by OpenFlow id
};

}  // namespace vs
