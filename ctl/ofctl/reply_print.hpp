// ovs-ofctl's text for the replies ofctl prints: FEATURES (show), port descriptions, port and
// table statistics, GET_CONFIG, ERROR names ("OFPBRC_BAD_TYPE"), and the asynchronous messages
// of monitor. Both versions; `tag` is " (OF1.3)" or "" as in ovs-ofctl's headers.
// Thread: plain functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "openflow/of10.hpp"
#include "openflow/of13.hpp"

namespace vs::ofctl {

std::string version_tag(uint8_t version);                               // " (OF1.3)" or ""
std::string xid_text(uint32_t xid);                                     // "(xid=0x2)"
std::string error_name(uint8_t version, uint16_t type, uint16_t code);  // "OFPBRC_BAD_STAT"

std::string format_features(const of13::FeaturesReply& f, uint32_t xid);
std::string format_features(const of10::FeaturesReply& f, uint32_t xid);
std::string format_ports(std::vector<of13::Port> ports);
std::string format_ports(std::vector<of10::PhyPort> ports);
std::string format_config(uint8_t version, uint16_t flags, uint16_t miss_send_len, uint32_t xid);
std::string format_port_stats(const std::vector<of13::PortStats>& stats);
std::string format_port_stats(const std::vector<of10::PortStats>& stats);
std::string format_table_stats(const std::vector<of13::TableStats>& stats);
std::string format_table_stats(const std::vector<of10::TableStats>& stats);

}  // namespace vs::ofctl
