// OpenFlow 1.3 matches and flow tables: OXM conversion both ways with the specification's
// BAD_MATCH codes (prerequisites, duplicates, masks, unsupported fields), "covers" for
// non-strict selection, and FLOW_MOD semantics (priorities, strict and non-strict delete,
// modify, overlap, goto checks), with lookup reporting every rule it examined.
#include <gtest/gtest.h>

#include <array>
#include <random>

#include "tests/support/flow_mods.hpp"
#include "vswitchd/ofproto/flow_tables.hpp"
#include "vswitchd/ofproto/of_match.hpp"

namespace vs {
namespace {

using of13::Oxm;
using of13::OxmField;

uint16_t code_of(const openflow::SpecError& e) {
    return e.code;
}

of13::Match tcp_dst(uint16_t port) {
    return {{Oxm::make(OxmField::kEthType, 0x0800), Oxm::make(OxmField::kIpProto, 6),
             Oxm::make(OxmField::kTcpDst, port)}};
}

TEST(OfMatch, PrerequisitesAreRequired) {
    auto bad = match_from_oxm({{Oxm::make(OxmField::kTcpDst, 80)}}, identity_port_map());
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().type, static_cast<uint16_t>(of13::ErrorType::kBadMatch));
    EXPECT_EQ(code_of(bad.error()), static_cast<uint16_t>(of13::BadMatchCode::kBadPrereq));
    auto ok = match_from_oxm(tcp_dst(80), identity_port_map());
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->key.tp_dst.host(), 80);
    EXPECT_EQ(ok->mask.tp_dst.host(), 0xffff);
}

TEST(OfMatch, RejectsDuplicatesBadMasksAndUnsupportedFields) {
    const auto ports = identity_port_map();
    auto dup =
        match_from_oxm({{Oxm::make(OxmField::kInPort, 1), Oxm::make(OxmField::kInPort, 2)}}, ports);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, static_cast<uint16_t>(of13::BadMatchCode::kDupField));
    auto mask = match_from_oxm({{Oxm::make_masked(OxmField::kInPort, 1, 1)}}, ports);
    ASSERT_FALSE(mask);
    EXPECT_EQ(mask.error().code, static_cast<uint16_t>(of13::BadMatchCode::kBadMask));
    Oxm nxm = Oxm::make(OxmField::kInPort, 1);
    nxm.oxm_class = 0x0001;  // NXM_1: not a class this switch matches on
    auto other_class = match_from_oxm({{nxm}}, ports);
    ASSERT_FALSE(other_class);
    EXPECT_EQ(other_class.error().code, static_cast<uint16_t>(of13::BadMatchCode::kBadField));
}

TEST(OfMatch, Ipv6ExthdrNeedsIpv6AndSelectsByTheParsersFlags) {
    const auto ports = identity_port_map();
    auto no_type = match_from_oxm({{Oxm::make(OxmField::kIpv6Exthdr, 0x44)}}, ports);
    ASSERT_FALSE(no_type);
    EXPECT_EQ(no_type.error().code, static_cast<uint16_t>(of13::BadMatchCode::kBadPrereq));
    auto ip4 = match_from_oxm(
        {{Oxm::make(OxmField::kEthType, 0x0800), Oxm::make(OxmField::kIpv6Exthdr, 0x44)}}, ports);
    ASSERT_FALSE(ip4);
    EXPECT_EQ(ip4.error().code, static_cast<uint16_t>(of13::BadMatchCode::kBadPrereq));
    auto too_wide = match_from_oxm(
        {{Oxm::make(OxmField::kEthType, 0x86dd), Oxm::make(OxmField::kIpv6Exthdr, 0x200)}}, ports);
    ASSERT_FALSE(too_wide);
    EXPECT_EQ(too_wide.error().code, static_cast<uint16_t>(of13::BadMatchCode::kBadValue));

    // HOP|AUTH exactly, and "HOP set, the header bits above it clear" with the mask 0x1f0.
    const of13::Match exact = {
        {Oxm::make(OxmField::kEthType, 0x86dd), Oxm::make(OxmField::kIpv6Exthdr, 0x44)}};
    const of13::Match masked = {{Oxm::make(OxmField::kEthType, 0x86dd),
                                 Oxm::make_masked(OxmField::kIpv6Exthdr, 0x40, 0x1f0)}};
    auto e = match_from_oxm(exact, ports);
    auto mk = match_from_oxm(masked, ports);
    ASSERT_TRUE(e && mk);
    EXPECT_EQ(e->mask.ipv6_exthdr, kIpv6ExtHdrMask);
    EXPECT_EQ(mk->mask.ipv6_exthdr, 0x1f0);
    const of13::Match e_back = match_to_oxm(*e, ports);
    const Oxm* eo = of13::find_oxm(e_back.fields, OxmField::kIpv6Exthdr);
    ASSERT_NE(eo, nullptr);
    EXPECT_FALSE(eo->has_mask);
    EXPECT_EQ(eo->value_uint(), 0x44u);
    const of13::Match mk_back = match_to_oxm(*mk, ports);
    const Oxm* mo = of13::find_oxm(mk_back.fields, OxmField::kIpv6Exthdr);
    ASSERT_NE(mo, nullptr);
    ASSERT_TRUE(mo->has_mask);
    EXPECT_EQ(mo->value_uint(), 0x40u);
    EXPECT_EQ(mo->mask_uint(), 0x1f0u);
    auto again = match_from_oxm(mk_back, ports);
    ASSERT_TRUE(again);
    EXPECT_TRUE(*again == *mk);

    FlowKey pkt{};
    pkt.eth_type = Be16::from_host(0x86dd);
    pkt.ipv6_exthdr = kIpv6ExtHop | kIpv6ExtAuth;
    EXPECT_TRUE(e->matches(pkt, 0));
    EXPECT_TRUE(mk->matches(pkt, 0));
    pkt.ipv6_exthdr = kIpv6ExtHop | kIpv6ExtAuth | kIpv6ExtUnseq;
    EXPECT_FALSE(e->matches(pkt, 0));
    EXPECT_FALSE(mk->matches(pkt, 0));
    pkt.ipv6_exthdr = kIpv6ExtHop | kIpv6ExtEsp;  // ESP is under the mask's low nibble
    EXPECT_FALSE(e->matches(pkt, 0));
    EXPECT_TRUE(mk->matches(pkt, 0));
    pkt.ipv6_exthdr = 0;
    EXPECT_FALSE(mk->matches(pkt, 0));
}

TEST(OfMatch, MplsFieldsLiveInTheTopEntryAndNeedAnMplsType) {
    const auto ports = identity_port_map();
    auto no_type = match_from_oxm({{Oxm::make(OxmField::kMplsLabel, 5)}}, ports);
    ASSERT_FALSE(no_type);
    EXPECT_EQ(no_type.error().code, static_cast<uint16_t>(of13::BadMatchCode::kBadPrereq));
    const of13::Match in = {{Oxm::make(OxmField::kEthType, 0x8847),
                             Oxm::make(OxmField::kMplsLabel, 100), Oxm::make(OxmField::kMplsTc, 3),
                             Oxm::make(OxmField::kMplsBos, 1)}};
    auto m = match_from_oxm(in, ports);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->key.nw_src.host(), 100u << 12 | 3u << 9 | 0x100);
    EXPECT_EQ(m->mask.nw_src.host(), 0xffffff00u);  // the TTL is not matchable
    auto again = match_from_oxm(match_to_oxm(*m, ports), ports);
    ASSERT_TRUE(again);
    EXPECT_TRUE(*again == *m);
    auto too_big = match_from_oxm(
        {{Oxm::make(OxmField::kEthType, 0x8847), Oxm::make(OxmField::kMplsTc, 8)}}, ports);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, static_cast<uint16_t>(of13::BadMatchCode::kBadValue));
}

TEST(OfMatch, RoundTripsThroughOxm) {
    const auto ports = identity_port_map();
    const of13::Match in = {
        {Oxm::make(OxmField::kInPort, 3), Oxm::make_masked(OxmField::kMetadata, 0x10, 0xf0),
         Oxm::make(OxmField::kEthType, 0x0800), Oxm::make(OxmField::kVlanVid, 0x1000 | 42),
         Oxm::make(OxmField::kVlanPcp, 5), Oxm::make(OxmField::kIpDscp, 46),
         Oxm::make(OxmField::kIpProto, 17),
         Oxm::make_masked(OxmField::kIpv4Src, 0x0a000000, 0xff000000),
         Oxm::make(OxmField::kUdpSrc, 53)}};
    auto m = match_from_oxm(in, ports);
    ASSERT_TRUE(m);
    auto again = match_from_oxm(match_to_oxm(*m, ports), ports);
    ASSERT_TRUE(again);
    EXPECT_TRUE(*again == *m);
    EXPECT_EQ(m->key.vlans[0].tci.host(), (5 << 13) | 0x1000 | 42);
    EXPECT_EQ(m->key.nw_tos, 46 << 2);
}

TEST(OfMatch, CoversMoreSpecificMatchesOnly) {
    const auto ports = identity_port_map();
    auto broad = match_from_oxm({{Oxm::make(OxmField::kEthType, 0x0800)}}, ports);
    auto narrow = match_from_oxm(tcp_dst(80), ports);
    auto other = match_from_oxm({{Oxm::make(OxmField::kEthType, 0x86dd)}}, ports);
    ASSERT_TRUE(broad && narrow && other);
    EXPECT_TRUE(broad->covers(*narrow));
    EXPECT_FALSE(narrow->covers(*broad));
    EXPECT_FALSE(other->covers(*narrow));
    EXPECT_TRUE(OfMatch{}.covers(*narrow));
}

of13::FlowMod add(uint16_t priority, const of13::Match& match, uint32_t out_port,
                  uint8_t table = 0) {
    return flow_mod_add(table, priority, match,
                        {of13::InstructionApplyActions{{of13::ActionOutput{out_port, 0}}}});
}

class FlowTablesTest : public ::testing::Test {
  protected:
    std::optional<openflow::SpecError> apply(const of13::FlowMod& fm) {
        auto m = match_from_oxm(fm.match, ports);
        EXPECT_TRUE(m);
        return tables.flow_mod(fm, *m, 0);
    }
    OfPortMap ports = identity_port_map();
    FlowTables tables;
};

TEST_F(FlowTablesTest, StartsWithNormalAndLooksUpByPriority) {
    ASSERT_EQ(tables.size(), 1U);  // priority=0 actions=NORMAL
    ASSERT_FALSE(apply(add(100, tcp_dst(80), 2)));
    ASSERT_FALSE(apply(add(50, {{Oxm::make(OxmField::kEthType, 0x0800)}}, 3)));
    FlowKey key{};
    key.eth_type = Be16::from_host(0x0800);
    key.nw_proto = 6;
    key.tp_dst = Be16::from_host(80);
    FlowMask looked = FlowMask::none();
    uint64_t md = 0;
    RulePtr r = tables.lookup(0, key, 0, looked, md);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->priority, 100);
    EXPECT_EQ(looked.tp_dst.host(), 0xffff);
    // Port 22 misses the first rule: the mask still holds tp_dst, which decided that.
    key.tp_dst = Be16::from_host(22);
    looked = FlowMask::none();
    r = tables.lookup(0, key, 0, looked, md);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->priority, 50);
    EXPECT_EQ(looked.tp_dst.host(), 0xffff);
    EXPECT_EQ(looked.eth_type.raw, 0xffff);
}

TEST_F(FlowTablesTest, DeleteStrictAndNonStrict) {
    ASSERT_FALSE(apply(add(100, tcp_dst(80), 2)));
    ASSERT_FALSE(apply(add(90, tcp_dst(443), 2)));
    ASSERT_FALSE(apply(add(80, {{Oxm::make(OxmField::kEthType, 0x0806)}}, 2)));
    of13::FlowMod del;
    del.command = of13::FlowModCommand::kDeleteStrict;
    del.table_id = 0;
    del.priority = 90;
    del.out_port = of13::port_no::kAny;
    del.match = tcp_dst(443);
    ASSERT_FALSE(apply(del));
    EXPECT_EQ(tables.size(), 3U);
    // Non-strict: every rule at least as specific as eth_type=0x0800 (the TCP one), whatever
    // its priority.
    del.command = of13::FlowModCommand::kDelete;
    del.match = {{Oxm::make(OxmField::kEthType, 0x0800)}};
    ASSERT_FALSE(apply(del));
    EXPECT_EQ(tables.size(), 2U);
    // out_port restricts a delete to rules that output there.
    del.match = {};
    del.out_port = 9;
    ASSERT_FALSE(apply(del));
    EXPECT_EQ(tables.size(), 2U);
}

TEST_F(FlowTablesTest, RefusesWhatItCannotDo) {
    auto fm = add(10, {}, 2);
    fm.instructions = {of13::InstructionGotoTable{0}};
    auto e = apply(fm);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, static_cast<uint16_t>(of13::ErrorType::kBadInstruction));
    fm.instructions = {of13::InstructionApplyActions{{of13::ActionGroup{1}}}};
    e = apply(fm);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, static_cast<uint16_t>(of13::ErrorType::kBadAction));
    fm = add(10, {}, 2, 254);
    e = apply(fm);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, static_cast<uint16_t>(of13::FlowModFailedCode::kBadTableId));
    ASSERT_FALSE(apply(add(10, tcp_dst(80), 2)));
    fm = add(10, {{Oxm::make(OxmField::kEthType, 0x0800)}}, 3);
    fm.flags = of13::flow_mod_flags::kCheckOverlap;
    e = apply(fm);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, static_cast<uint16_t>(of13::FlowModFailedCode::kOverlap));
    EXPECT_EQ(tables.size(), 2U);
}

TEST_F(FlowTablesTest, ModifyKeepsCountersAndMatch) {
    ASSERT_FALSE(apply(add(100, tcp_dst(80), 2)));
    FlowMask looked = FlowMask::none();
    uint64_t md = 0;
    FlowKey key{};
    key.eth_type = Be16::from_host(0x0800);
    key.nw_proto = 6;
    key.tp_dst = Be16::from_host(80);
    tables.lookup(0, key, 0, looked, md)->packets = 7;
    auto fm = add(100, tcp_dst(80), 5);
    fm.command = of13::FlowModCommand::kModifyStrict;
    ASSERT_FALSE(apply(fm));
    RulePtr r = tables.lookup(0, key, 0, looked, md);
    EXPECT_EQ(r->packets, 7U);
    EXPECT_TRUE(rule_outputs_to(*r, 5));
    EXPECT_FALSE(rule_outputs_to(*r, 2));
}

// The lookup structures are kept up to date by every change rather than rebuilt: after a random
// mix of adds, replacements, strict deletes and modifies over a few masks and priorities, every
// lookup must agree with a plain scan for the highest-priority matching rule.
TEST_F(FlowTablesTest, IncrementalLookupAgreesWithAScan) {
    std::mt19937 rng(7);
    auto random_match = [&](int kind, uint16_t port) -> of13::Match {
        switch (kind) {
            case 0:
                return tcp_dst(port);
            case 1:
                return {{Oxm::make(OxmField::kEthType, 0x0800)}};
            case 2:
                return {{Oxm::make(OxmField::kEthType, 0x0800), Oxm::make(OxmField::kIpProto, 6)}};
            default:
                return {};
        }
    };
    for (int step = 0; step < 3000; ++step) {
        const int kind = static_cast<int>(rng() % 4);
        const auto port = static_cast<uint16_t>(rng() % 8);
        const auto priority = static_cast<uint16_t>(1 + rng() % 5);
        auto fm = add(priority, random_match(kind, port), 1 + rng() % 4);
        const unsigned op = rng() % 10;
        if (op >= 7) {
            fm.command =
                op == 9 ? of13::FlowModCommand::kModifyStrict : of13::FlowModCommand::kDeleteStrict;
        }
        ASSERT_FALSE(apply(fm));
        FlowKey key{};
        key.eth_type = Be16::from_host(rng() % 3 ? 0x0800 : 0x0806);
        key.nw_proto = rng() % 2 ? 6 : 17;
        key.tp_dst = Be16::from_host(static_cast<uint16_t>(rng() % 8));
        RulePtr expected;
        tables.for_each(RuleFilter{0}, [&](const RulePtr& r) {
            if (r->match.matches(key, 0) && (!expected || r->priority > expected->priority))
                expected = r;
        });
        FlowMask looked = FlowMask::none();
        uint64_t md = 0;
        RulePtr got = tables.lookup(0, key, 0, looked, md);
        ASSERT_TRUE(got && expected) << "step " << step;
        ASSERT_EQ(got->priority, expected->priority) << "step " << step;
        ASSERT_TRUE(got->match.matches(key, 0)) << "step " << step;
    }
}

// What lookup() reports as examined is what a megaflow keeps: every packet that agrees with the
// key on those bits must get the same rule. Random rules on IPv4 prefixes (several lengths, both
// addresses, so misses are proven with prefix bits) and random packets near their addresses.
TEST_F(FlowTablesTest, ExaminedBitsDecideTheLookup) {
    std::mt19937 rng(11);
    const uint32_t base = 0x0a000000;  // 10.0.0.0: rules and packets share the leading bits
    auto near_address = [&] { return base | (rng() & 0xffff); };
    for (int i = 0; i < 300; ++i) {
        const auto len = static_cast<uint8_t>(std::array{8, 16, 20, 24, 28, 32}[rng() % 6]);
        const uint32_t mask = len == 32 ? ~0u : ~(~0u >> len);
        of13::Match match{{Oxm::make(OxmField::kEthType, 0x0800)}};
        const bool dst = rng() % 3 != 0;
        match.fields.push_back(Oxm::make_masked(dst ? OxmField::kIpv4Dst : OxmField::kIpv4Src,
                                                near_address() & mask, mask));
        if (rng() % 4 == 0) match.fields.push_back(Oxm::make(OxmField::kIpProto, 17));
        ASSERT_FALSE(apply(add(static_cast<uint16_t>(1 + rng() % 20), match, 1 + rng() % 4)));
    }
    auto packet = [&](uint32_t src, uint32_t dst, uint8_t proto) {
        FlowKey key{};
        key.eth_type = Be16::from_host(0x0800);
        key.nw_src = Be32::from_host(src);
        key.nw_dst = Be32::from_host(dst);
        key.nw_proto = proto;
        return key;
    };
    int narrowed = 0;
    for (int i = 0; i < 3000; ++i) {
        const FlowKey key = packet(near_address(), near_address(), rng() % 2 ? 6 : 17);
        FlowMask looked = FlowMask::none();
        uint64_t md = 0;
        const RulePtr got = tables.lookup(0, key, 0, looked, md);
        if (looked.nw_dst.raw != ~0u || looked.nw_src.raw != ~0u) ++narrowed;
        for (int j = 0; j < 20; ++j) {
            // Same examined bits, anything elsewhere.
            FlowKey other = packet(rng(), rng(), rng() % 2 ? 6 : 17);
            for (size_t w = 0; w < FlowKey::kWords; ++w) {
                other.words()[w] =
                    (key.words()[w] & looked.words()[w]) | (other.words()[w] & ~looked.words()[w]);
            }
            FlowMask again = FlowMask::none();
            ASSERT_EQ(tables.lookup(0, other, 0, again, md), got) << "packet " << i << "/" << j;
        }
    }
    EXPECT_GT(narrowed, 100);  // the property was tested on narrowed masks, not only full ones
}

}  // namespace
}  // namespace vs
