// TABLE_FEATURES: the eight properties every table must list.
#include "vswitchd/ofproto/table_features.hpp"

#include <string>

#include "vswitchd/ofproto/flow_tables.hpp"

namespace vs {

namespace {

using F = of13::OxmField;

// OFPIT_* and OFPAT_* numbers of what is supported.
constexpr uint16_t kInstructions[] = {1 /* goto */, 2 /* write_metadata */, 3 /* write_actions */,
                                      4 /* apply_actions */, 5 /* clear_actions */};
constexpr uint16_t kActions[] = {0 /* output */,        11 /* copy_ttl_out */, 12 /* copy_ttl_in */,
                                 15 /* set_mpls_ttl */, 16 /* dec_mpls_ttl */, 17 /* push_vlan */,
                                 18 /* pop_vlan */,     19 /* push_mpls */,    20 /* pop_mpls */,
                                 21 /* set_queue */,    23 /* set_nw_ttl */,   24 /* dec_nw_ttl */,
                                 25 /* set_field */,    26 /* push_pbb */,     27 /* pop_pbb */};
constexpr F kMatchFields[] = {
    F::kInPort,       F::kMetadata,   F::kEthDst,    F::kEthSrc,     F::kEthType,    F::kVlanVid,
    F::kVlanPcp,      F::kIpDscp,     F::kIpEcn,     F::kIpProto,    F::kIpv4Src,    F::kIpv4Dst,
    F::kTcpSrc,       F::kTcpDst,     F::kUdpSrc,    F::kUdpDst,     F::kSctpSrc,    F::kSctpDst,
    F::kIcmpv4Type,   F::kIcmpv4Code, F::kArpOp,     F::kArpSpa,     F::kArpTpa,     F::kArpSha,
    F::kArpTha,       F::kIpv6Src,    F::kIpv6Dst,   F::kIpv6Flabel, F::kIcmpv6Type, F::kIcmpv6Code,
    F::kIpv6NdTarget, F::kIpv6NdSll,  F::kIpv6NdTll, F::kTunnelId,   F::kMplsLabel,  F::kMplsTc,
    F::kMplsBos,      F::kPbbIsid,    F::kIpv6Exthdr};
// As check_actions() in flow_tables.cpp accepts.
constexpr F kSetFields[] = {
    F::kEthDst,     F::kEthSrc,     F::kVlanVid,      F::kVlanPcp,    F::kIpDscp,    F::kIpEcn,
    F::kIpv4Src,    F::kIpv4Dst,    F::kTcpSrc,       F::kTcpDst,     F::kUdpSrc,    F::kUdpDst,
    F::kSctpSrc,    F::kSctpDst,    F::kIcmpv4Type,   F::kIcmpv4Code, F::kArpOp,     F::kArpSpa,
    F::kArpTpa,     F::kArpSha,     F::kArpTha,       F::kIpv6Src,    F::kIpv6Dst,   F::kIpv6Flabel,
    F::kIcmpv6Type, F::kIcmpv6Code, F::kIpv6NdTarget, F::kIpv6NdSll,  F::kIpv6NdTll, F::kTunnelId,
    F::kMplsLabel,  F::kMplsTc,     F::kMplsBos,      F::kPbbIsid};

uint32_t oxm_header(F f) {
    return uint32_t{of13::kOxmClassBasic} << 16 | uint32_t{static_cast<uint8_t>(f)} << 9 |
           static_cast<uint32_t>(of13::oxm_width(f));
}

template <size_t N>
std::vector<of13::FeatureId> ids(const uint16_t (&types)[N]) {
    std::vector<of13::FeatureId> out;
    for (uint16_t t : types)
        out.push_back({t, {}});
    return out;
}

template <size_t N>
std::vector<uint32_t> headers(const F (&fields)[N]) {
    std::vector<uint32_t> out;
    for (F f : fields)
        out.push_back(oxm_header(f));
    return out;
}

}  // namespace

std::vector<of13::TableFeatures> table_features() {
    std::vector<of13::TableFeatures> tables;
    for (unsigned t = 0; t < FlowTables::kNumTables; ++t) {
        of13::TableFeatures f;
        f.table_id = static_cast<uint8_t>(t);
        f.name = "table" + std::to_string(t);
        f.metadata_match = f.metadata_write = ~0ULL;
        f.max_entries = 1000000;
        std::vector<uint8_t> next;
        for (unsigned n = t + 1; n < FlowTables::kNumTables; ++n)
            next.push_back(static_cast<uint8_t>(n));
        f.properties.emplace_back(of13::TfpInstructions{ids(kInstructions)});
        f.properties.emplace_back(of13::TfpNextTables{std::move(next)});
        f.properties.emplace_back(of13::TfpWriteActions{ids(kActions)});
        f.properties.emplace_back(of13::TfpApplyActions{ids(kActions)});
        f.properties.emplace_back(of13::TfpMatch{headers(kMatchFields)});
        f.properties.emplace_back(of13::TfpWildcards{headers(kMatchFields)});
        f.properties.emplace_back(of13::TfpWriteSetfield{headers(kSetFields)});
        f.properties.emplace_back(of13::TfpApplySetfield{headers(kSetFields)});
        tables.push_back(std::move(f));
    }
    return tables;
}

}  // namespace vs
