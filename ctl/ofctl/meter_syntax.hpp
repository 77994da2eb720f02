// ovs-ofctl's meter syntax in OpenFlow 1.3 terms: "meter=1,kbps,burst,stats,bands=type=drop,
// rate=1000,burst_size=100" into a MeterMod, a meter id argument ("meter=1", "1", "all"), and
// the dump-meters, meter-stats and meter-features reply bodies as ovs-ofctl 3.1 prints them.
// Errors are ParseError. Thread: plain functions over values.
#pragma once

#include <string>
#include <string_view>

#include "openflow/of13.hpp"

namespace vs::ofctl {

of13::MeterMod parse_meter(std::string_view text, of13::MeterModCommand command);
// "meter=N", "N" or "all" (also an empty argument: all meters).
uint32_t parse_meter_id(std::string_view text);
std::string format_meter_config(const of13::MeterConfig& m);           // "meter=1 kbps bands=\n..."
std::string format_meter_stats(const of13::MeterStats& m);             // "meter:1 flow_count:0 ..."
std::string format_meter_features(const of13::MeterFeaturesReply& f);  // "max_meter:..."

}  // namespace vs::ofctl
