// MeterTable over a real MeterStore: METER_MOD add/modify/delete with the specification's
// errors, the limits METER_FEATURES advertises, statistics and configuration replies, flows
// that name meters (unknown meter refused, a deleted meter's flows removed), and xlate putting
// the datapath's meter action before the rule's actions.
#include "vswitchd/ofproto/meter_table.hpp"

#include <gtest/gtest.h>

#include "tests/support/flow_mods.hpp"
#include "vswitchd/ofproto/flow_tables.hpp"
#include "vswitchd/ofproto/of_match.hpp"
#include "vswitchd/ofproto/xlate.hpp"

namespace vs {
namespace {

using Code = of13::MeterModFailedCode;
using Cmd = of13::MeterModCommand;

class MeterTableTest : public ::testing::Test {
  protected:
    MeterTableTest()
        : store(1'000'000'000),
          meters(MeterBackend{
              [this](const MeterConfig& c) { return store.add(c, 0); },
              [this](uint32_t id, const MeterConfig& c) { return store.modify(id, c, 0); },
              [this](uint32_t id) { store.remove(id); },
              [this](uint32_t id) { return store.counters(id); }}) {}

    std::optional<openflow::SpecError> mod(Cmd cmd, uint32_t id, uint16_t flags,
                                           std::vector<of13::MeterBand> bands) {
        of13::MeterMod mm;
        mm.command = cmd;
        mm.meter_id = id;
        mm.flags = flags;
        mm.bands = std::move(bands);
        deleted.clear();
        return meters.meter_mod(mm, 1000, deleted);
    }
    static std::optional<uint16_t> code(const std::optional<openflow::SpecError>& e) {
        if (!e) return std::nullopt;
        EXPECT_EQ(e->type, static_cast<uint16_t>(of13::ErrorType::kMeterModFailed));
        return e->code;
    }
    static uint16_t c(Code code) { return static_cast<uint16_t>(code); }

    MeterStore store;
    MeterTable meters;
    std::vector<uint32_t> deleted;
};

constexpr uint16_t kKbps = of13::meter_flags::kKbps;
constexpr uint16_t kPktps = of13::meter_flags::kPktps;
const std::vector<of13::MeterBand> kDrop{of13::MeterBandDrop{1000, 0}};

TEST_F(MeterTableTest, AddModifyDeleteAndTheirErrors) {
    EXPECT_EQ(code(mod(Cmd::kAdd, 1, kKbps, kDrop)), std::nullopt);
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(code(mod(Cmd::kAdd, 1, kKbps, kDrop)), c(Code::kMeterExists));
    EXPECT_EQ(code(mod(Cmd::kModify, 2, kKbps, kDrop)), c(Code::kUnknownMeter));
    EXPECT_EQ(code(mod(Cmd::kAdd, 0, kKbps, kDrop)), c(Code::kInvalidMeter));
    EXPECT_EQ(code(mod(Cmd::kAdd, of13::meter_id::kMax + 1, kKbps, kDrop)), c(Code::kInvalidMeter));
    EXPECT_EQ(code(mod(Cmd::kAdd, of13::meter_id::kController, kKbps, kDrop)),
              c(Code::kInvalidMeter));
    EXPECT_EQ(code(mod(Cmd::kAdd, 3, kKbps | kPktps, kDrop)), c(Code::kBadFlags));
    EXPECT_EQ(code(mod(Cmd::kAdd, 3, 0x10, kDrop)), c(Code::kBadFlags));
    EXPECT_EQ(code(mod(Cmd::kAdd, 3, kKbps, {of13::MeterBandDrop{0, 0}})), c(Code::kBadRate));
    EXPECT_EQ(code(mod(Cmd::kAdd, 3, kKbps, {of13::MeterBandExperimenter{5, 0, 0x2320, {}}})),
              c(Code::kBadBand));
    EXPECT_EQ(code(mod(Cmd::kAdd, 3, kKbps,
                       std::vector<of13::MeterBand>(MeterTable::kMaxBands + 1, kDrop[0]))),
              c(Code::kOutOfBands));
    EXPECT_EQ(meters.size(), 1u);

    const uint32_t dp = *meters.datapath_id(1);
    EXPECT_EQ(code(mod(Cmd::kModify, 1, kPktps, {of13::MeterBandDscpRemark{50, 0, 1}})),
              std::nullopt);
    EXPECT_EQ(meters.find(1)->flags, kPktps);
    EXPECT_EQ(*meters.datapath_id(1), dp);  // changed in place

    EXPECT_EQ(code(mod(Cmd::kDelete, 7, 0, {})), std::nullopt);  // no such meter: no error
    EXPECT_TRUE(deleted.empty());
    EXPECT_EQ(code(mod(Cmd::kDelete, 1, 0, {})), std::nullopt);
    EXPECT_EQ(deleted, std::vector<uint32_t>{1});
    EXPECT_EQ(store.size(), 0u);
    EXPECT_EQ(meters.find(1), nullptr);
}

TEST_F(MeterTableTest, DeleteAllAndTheMeterLimit) {
    for (uint32_t id = 1; id <= MeterTable::kMaxMeters; ++id)
        ASSERT_EQ(code(mod(Cmd::kAdd, id, kPktps, kDrop)), std::nullopt) << id;
    EXPECT_EQ(code(mod(Cmd::kAdd, 5000, kPktps, kDrop)), c(Code::kOutOfMeters));
    EXPECT_EQ(MeterTable::features().max_meter, MeterTable::kMaxMeters);
    EXPECT_EQ(MeterTable::features().max_bands, MeterTable::kMaxBands);
    EXPECT_EQ(MeterTable::features().band_types, 0x6u);  // drop, dscp_remark
    EXPECT_EQ(code(mod(Cmd::kDelete, of13::meter_id::kAll, 0, {})), std::nullopt);
    EXPECT_EQ(deleted.size(), MeterTable::kMaxMeters);
    EXPECT_EQ(meters.size(), 0u);
    EXPECT_EQ(store.size(), 0u);
}

TEST_F(MeterTableTest, StatsAndConfig) {
    ASSERT_EQ(code(mod(Cmd::kAdd, 4, kPktps | of13::meter_flags::kBurst,
                       {of13::MeterBandDrop{10, 2}, of13::MeterBandDscpRemark{5, 1, 1}})),
              std::nullopt);
    ASSERT_EQ(code(mod(Cmd::kAdd, 9, kKbps, kDrop)), std::nullopt);
    for (int i = 0; i < 5; ++i)
        store.charge(*meters.datapath_id(4), 100, 0);
    auto stats = meters.stats(4, 3500, [](uint32_t id) { return id == 4 ? 2u : 0u; });
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_EQ(stats[0].meter_id, 4u);
    EXPECT_EQ(stats[0].flow_count, 2u);
    EXPECT_EQ(stats[0].packet_in_count, 5u);
    EXPECT_EQ(stats[0].byte_in_count, 500u);
    EXPECT_EQ(stats[0].duration_sec, 2u);
    EXPECT_EQ(stats[0].duration_nsec, 500'000'000u);
    ASSERT_EQ(stats[0].band_stats.size(), 2u);
    // Packet 1 fits both buckets; packet 2 only the drop band's (remarked); 3-5 neither, and
    // the drop band has the higher rate.
    EXPECT_EQ(stats[0].band_stats[0].packet_band_count, 3u);
    EXPECT_EQ(stats[0].band_stats[1].packet_band_count, 1u);
    EXPECT_EQ(meters.stats(of13::meter_id::kAll, 3500, {}).size(), 2u);
    auto configs = meters.configs(of13::meter_id::kAll);
    ASSERT_EQ(configs.size(), 2u);
    EXPECT_EQ(configs[0].meter_id, 4u);
    EXPECT_EQ(configs[0].bands.size(), 2u);
    EXPECT_EQ(meters.configs(9).size(), 1u);
    EXPECT_TRUE(meters.configs(10).empty());
}

TEST_F(MeterTableTest, FlowsNameMetersAndGoWithThem) {
    FlowTables tables;
    tables.set_meter_check([this](uint32_t id) { return meters.find(id) != nullptr; });
    const OfPortMap ports = identity_port_map();
    // Instruction order in the message does not matter: the meter runs first.
    of13::FlowMod fm = flow_mod_add(
        0, 10, {},
        {of13::InstructionApplyActions{{of13::ActionOutput{2, 0}}}, of13::InstructionMeter{1}});
    auto match = match_from_oxm(fm.match, ports);
    ASSERT_TRUE(match);
    auto e = tables.flow_mod(fm, *match, 0);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, static_cast<uint16_t>(of13::ErrorType::kMeterModFailed));
    EXPECT_EQ(e->code, c(Code::kUnknownMeter));

    ASSERT_EQ(code(mod(Cmd::kAdd, 1, kPktps, kDrop)), std::nullopt);
    ASSERT_EQ(code(mod(Cmd::kAdd, 2, kPktps, kDrop)), std::nullopt);
    ASSERT_FALSE(tables.flow_mod(fm, *match, 0));

    FlowKey key{};
    key.in_port = 1;
    const std::vector<uint32_t> bridge_ports{1, 2};
    XlateEnv env{tables, ports, bridge_ports, std::nullopt,
                 [](const Upcall&, UpcallDecision&) { return false; }};
    env.meters = &meters;
    UpcallDecision decision;
    XlateResult result;
    ASSERT_TRUE(xlate(env, Upcall{key, UpcallReason::kMiss, 0, {}}, decision, result));
    EXPECT_EQ(decision.actions.to_string(),
              "meter(" + std::to_string(*meters.datapath_id(1)) + "),2");

    const size_t before = tables.size();
    std::vector<RemovedRule> removed;
    tables.remove_meter_users(2, removed);  // no rule uses meter 2
    EXPECT_TRUE(removed.empty());
    tables.remove_meter_users(1, removed);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].reason, RemovalReason::kDelete);
    EXPECT_EQ(tables.size(), before - 1);
}

}  // namespace
}  // namespace vs
