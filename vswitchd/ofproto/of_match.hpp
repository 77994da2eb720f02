// OfMatch: an OpenFlow match as the pipeline uses it — a masked FlowKey (the datapath's own key
// layout, so a rule's match and a megaflow's mask are the same kind of thing) plus the pipeline
// metadata register, which no packet carries. Converted from and to OpenFlow 1.3's OXM list,
// checking each field's prerequisites (OpenFlow 1.3.5 section 7.2.3.6) and answering with the
// specification's BAD_MATCH codes.
// Thread: any; pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "datapath/packet/flow_key.hpp"
#include "openflow/codec_runtime.hpp"
#include "openflow/of13.hpp"
#include "tl/expected.hpp"

namespace vs {

struct OfMatch {
    FlowKey key{};  // already masked
    FlowMask mask = FlowMask::none();
    uint64_t metadata = 0;
    uint64_t metadata_mask = 0;

    // The key, masked, holds this match (metadata as given).
    bool matches(const FlowKey& packet, uint64_t packet_metadata) const;
    // Every field of `other` this match also fixes to the same value: `other` is at least as
    // specific (OpenFlow's non-strict delete and modify select such rules).
    bool covers(const OfMatch& other) const;
    friend bool operator==(const OfMatch& a, const OfMatch& b);
};

// OpenFlow port numbers <-> datapath port numbers for one bridge (they differ for LOCAL, the
// bridge's internal port). nullopt: no such port.
struct OfPortMap {
    std::function<std::optional<uint32_t>(uint32_t of_port)> to_datapath;
    std::function<uint32_t(uint32_t dp_port)> to_openflow;
};

tl::expected<OfMatch, openflow::SpecError> match_from_oxm(const of13::Match& match,
                                                          const OfPortMap& ports);
of13::Match match_to_oxm(const OfMatch& match, const OfPortMap& ports);

}  // namespace vs
