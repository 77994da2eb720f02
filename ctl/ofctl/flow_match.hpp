// The match half of ovs-ofctl's flow syntax: field names (with their ovs-ofctl aliases), the
// protocol shorthands, values with masks, and the normalisation ovs-ofctl applies (a field
// whose prerequisites the match does not state is dropped, as ovs-ofctl's "normalization
// changed ofp_match" does). Used by flow_syntax.cpp; exposed for set_field's field names.
// Thread: plain functions over values.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "openflow/of13.hpp"

namespace vs::ofctl {

// Collects "name=value" pairs and shorthands, then builds the OXM match. Throws ParseError.
class MatchBuilder {
  public:
    // True when `name` is a match field or shorthand (and was taken).
    bool add(std::string_view name, std::optional<std::string_view> value);
    of13::Match build() const;

  private:
    std::vector<std::pair<std::string_view, std::string_view>> fields_;
    std::optional<uint16_t> dl_type_;
    std::optional<uint8_t> nw_proto_;
};

// The OXM field a set_field (or ovs-ofctl field) name stands for: "eth_src", "dl_src",
// "ip_dst", "nw_dst", "tcp_src", "vlan_vid", "tun_id"... nullopt when unknown.
std::optional<of13::OxmField> field_by_name(std::string_view name);

// Parses a value (with an optional "/mask") for OXM field `f`, as ovs-ofctl writes it.
// Throws ParseError. The mask is dropped when it is all ones.
of13::Oxm parse_field_value(of13::OxmField f, std::string_view text, std::string_view name);

}  // namespace vs::ofctl
