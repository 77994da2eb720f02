// What tests and benchmarks of the OpenFlow tables build their rules with: an ADD as a controller
// sends it (no buffered packet, any port, any group) and the port map of a bridge whose OpenFlow
// and datapath port numbers agree.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "openflow/of13.hpp"
#include "vswitchd/ofproto/of_match.hpp"

namespace vs {

inline of13::FlowMod flow_mod_add(uint8_t table, uint16_t priority, of13::Match match,
                                  std::vector<of13::Instruction> instructions) {
    of13::FlowMod fm;
    fm.command = of13::FlowModCommand::kAdd;
    fm.table_id = table;
    fm.priority = priority;
    fm.buffer_id = 0xffffffff;
    fm.out_port = of13::port_no::kAny;
    fm.out_group = 0xffffffff;
    fm.match = std::move(match);
    fm.instructions = std::move(instructions);
    return fm;
}

inline OfPortMap identity_port_map() {
    OfPortMap m;
    m.to_datapath = [](uint32_t p) -> std::optional<uint32_t> { return p; };
    m.to_openflow = [](uint32_t p) { return p; };
    return m;
}

}  // namespace vs
