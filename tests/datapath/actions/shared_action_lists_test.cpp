// SharedActionLists: equal lists share one heap copy, different ones do not, every owner counts,
// purge() lets go only of lists nobody else owns, and past its limit the table hands out private
// copies. A MegaflowTable that replaces or removes a flow releases its owner share.
#include <gtest/gtest.h>

#include "datapath/actions/shared_action_lists.hpp"
#include "datapath/classifier/megaflow_table.hpp"
#include "datapath/classifier/rcu.hpp"

namespace vs {
namespace {

ActionList output(uint32_t port) {
    return ActionList{Action::output(port)};
}

TEST(SharedActionLists, EqualListsShareOneCopy) {
    SharedActionLists shared;
    const ActionList* a = shared.share(output(2));
    const ActionList* b = shared.share(output(2));
    const ActionList* c = shared.share(output(3));
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_EQ(a->to_string(), "2");
    EXPECT_EQ(c->to_string(), "3");
    EXPECT_EQ(shared.size(), 2u);
    EXPECT_EQ(a->owners(), 3u);  // the table's, a's and b's
    ActionList::release(a);
    ActionList::release(b);
    ActionList::release(c);
    EXPECT_EQ(shared.purge(), 2u);
    EXPECT_EQ(shared.size(), 0u);
}

TEST(SharedActionLists, PurgeKeepsOwnedLists) {
    SharedActionLists shared;
    const ActionList* kept = shared.share(output(1));
    const ActionList* dropped = shared.share(output(4));
    ActionList::release(dropped);
    EXPECT_EQ(shared.purge(), 1u);
    EXPECT_EQ(shared.size(), 1u);
    const ActionList* again = shared.share(output(1));
    EXPECT_EQ(again, kept);  // still the shared copy
    EXPECT_EQ(kept->owners(), 3u);
    const ActionList* back = shared.share(output(4));
    EXPECT_EQ(back->to_string(), "4");
    EXPECT_EQ(shared.size(), 2u);
    for (const ActionList* owned : {kept, again, back})
        ActionList::release(owned);
}

TEST(SharedActionLists, SameScalarsDifferentAddressesStayApart) {
    SharedActionLists shared;
    const ActionList* a =
        shared.share(ActionList{Action::set_eth_dst(EthAddr{2, 0, 0, 0, 0, 1}), Action::output(1)});
    const ActionList* b =
        shared.share(ActionList{Action::set_eth_dst(EthAddr{2, 0, 0, 0, 0, 2}), Action::output(1)});
    EXPECT_NE(a, b);
    EXPECT_NE(a->to_string(), b->to_string());
    ActionList::release(a);
    ActionList::release(b);
}

TEST(SharedActionLists, BeyondTheLimitListsArePrivate) {
    SharedActionLists shared(1);
    const ActionList* first = shared.share(output(1));
    const ActionList* second = shared.share(output(2));
    const ActionList* again = shared.share(output(2));
    EXPECT_EQ(shared.size(), 1u);
    EXPECT_NE(second, again);
    EXPECT_EQ(second->owners(), 1u);
    ActionList::release(first);
    ActionList::release(second);
    ActionList::release(again);
}

TEST(SharedActionLists, CopiesStartWithTheirOwnOwner) {
    SharedActionLists shared;
    const ActionList* a = shared.share(output(5));
    const ActionList copy = *a;
    EXPECT_EQ(copy.owners(), 1u);
    EXPECT_EQ(a->owners(), 2u);
    ActionList::release(a);
}

TEST(SharedActionLists, MegaflowsReleaseTheirShare) {
    Rcu rcu(1);
    SharedActionLists shared;
    {
        MegaflowTable table(rcu, 16);
        FlowKey k1{};
        k1.in_port = 1;
        FlowKey k2{};
        k2.in_port = 2;
        FlowMask mask{};
        mask.in_port = 0xffffffff;
        const ActionList* list = shared.share(output(7));
        Megaflow* f1 = table.insert(k1, mask, 0, list);
        ASSERT_NE(f1, nullptr);
        ASSERT_NE(table.insert(k2, mask, 0, shared.share(output(7))), nullptr);
        EXPECT_EQ(list->owners(), 3u);
        // The same flow again with the same list: it keeps one share.
        ASSERT_EQ(table.insert(k1, mask, 0, shared.share(output(7))), f1);
        EXPECT_EQ(list->owners(), 3u);
        table.remove(f1);
        rcu.synchronize();
        EXPECT_EQ(list->owners(), 2u);
        EXPECT_EQ(shared.purge(), 0u);
    }  // the table releases the other flow's share
    EXPECT_EQ(shared.purge(), 1u);
}

}  // namespace
}  // namespace vs
