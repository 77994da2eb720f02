// Tests for the PBB edits: push puts a backbone header (customer addresses, 0x88e7, a zero I-TAG)
// before the frame and pop gives the same frame back (padded to 60 bytes when shorter), the
// parser keeps the I-TAG in nw_src, and the I-SID set-field. The key after each edit must equal
// what the real parser reads from the edited frame.
#include <gtest/gtest.h>

#include <cstring>

#include "datapath/actions/action_list.hpp"
#include "datapath/actions/execute.hpp"
#include "datapath/actions/packet_edit.hpp"
#include "datapath/packet/flow_parse.hpp"
#include "tests/datapath/actions/parsed_edits.hpp"
#include "tests/datapath/actions/test_packets.hpp"

namespace vs::test {
namespace {

TEST(PbbEdit, PushThenPopGivesTheFrameBack) {
    PacketSpec s;
    s.vlans = {{0x8100, 100}};
    const auto frame = build_frame(s);
    Edited pushed = run(frame, {Action::push_pbb(0x88e7)});
    ASSERT_TRUE(pushed.ok);
    ASSERT_EQ(pushed.after.size(), frame.size() + 18);
    EXPECT_EQ(0, std::memcmp(pushed.after.data(), frame.data(), 12));  // B-DA, B-SA copied
    EXPECT_EQ(get16(pushed.after, 12), 0x88e7);
    EXPECT_EQ(get16(pushed.after, 14) | get16(pushed.after, 16), 0);  // I-TAG of zeros
    EXPECT_TRUE(std::equal(frame.begin(), frame.end(), pushed.after.begin() + 18));
    EXPECT_EQ(pushed.key.eth_type.host(), 0x88e7);
    EXPECT_EQ(pushed.key.vlans[0].tci.raw, 0);  // the customer tag is inside now
    Edited isid = run(pushed.after, {Action::set_pbb_isid(0xabcdef)});
    EXPECT_EQ(get16(isid.after, 14), 0x00ab);
    EXPECT_EQ(get16(isid.after, 16), 0xcdef);
    EXPECT_EQ(isid.key.nw_src.host(), 0xabcdefu);
    Edited popped = run(isid.after, {Action::pop_pbb()});
    ASSERT_TRUE(popped.ok);
    EXPECT_EQ(popped.after, frame);
    EXPECT_EQ(popped.key.vlans[0].tci.host() & kVlanVidMask, 100);
}

TEST(PbbEdit, PopPadsShortFramesAndIsANoOpWithoutPbb) {
    PacketSpec s;
    s.proto = kUdp;
    s.payload = 8;  // 50 bytes
    const auto small = build_frame(s);
    Edited pushed = run(small, {Action::push_pbb(0x88e7)});
    Edited popped = run(pushed.after, {Action::pop_pbb()});
    ASSERT_EQ(popped.after.size(), 60u);
    EXPECT_TRUE(std::equal(small.begin(), small.end(), popped.after.begin()));
    EXPECT_EQ(run(small, {Action::pop_pbb()}).after, small);
}

TEST(PbbEdit, ActionsRoundTripThroughText) {
    const ActionList list{Action::push_pbb(0x88e7), Action::set_pbb_isid(100), Action::pop_pbb(),
                          Action::output(2)};
    EXPECT_EQ(list.to_string(), "push_pbb(eth_type=0x88e7),set(pbb(isid=100)),pop_pbb,2");
    auto parsed = parse_actions(list.to_string());
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_TRUE(*parsed == list);
}

}  // namespace
}  // namespace vs::test
