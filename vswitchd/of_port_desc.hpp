// How a bridge's ports look in OpenFlow: ofp_port (1.3) and ofp_phy_port (1.0) from what the
// datapath says of them and the PORT_MOD config bits, the internal port as LOCAL. Shared by the
// request handlers (FEATURES, PORT_DESC) and PORT_STATUS.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "openflow/of10.hpp"
#include "openflow/of13.hpp"
#include "vswitchd/of_bridge.hpp"

namespace vs {

// "aa:bb:cc:dd:ee:ff" -> bytes (zero when malformed).
openflow::MacAddr parse_mac(const std::string& text);
// `config`: OpenFlow 1.3 port number -> OFPPC_* bits.
std::vector<of13::Port> ports13(const OfSwitchInfo& info,
                                const std::map<uint32_t, uint32_t>& config);
// Ports 1.0 cannot number (>= 0xff00, other than LOCAL) are left out.
std::vector<of10::PhyPort> ports10(const OfSwitchInfo& info,
                                   const std::map<uint32_t, uint32_t>& config);

}  // namespace vs
