// Rcu tests, without EAL (this executable never calls rte_eal_init): deferred callbacks wait for
// every online reader, run in order, and synchronize() waits for a reader on another thread.
#include "datapath/classifier/rcu.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace vs {
namespace {

TEST(Rcu, NoReadersMeansImmediateReclaim) {
    Rcu rcu(4);
    int ran = 0;
    rcu.defer([&] { ++ran; });
    EXPECT_EQ(rcu.n_pending(), 1u);
    EXPECT_EQ(rcu.reclaim(), 1u);
    EXPECT_EQ(ran, 1);
    EXPECT_EQ(rcu.n_pending(), 0u);
}

TEST(Rcu, WaitsForEveryOnlineReaderInOrder) {
    Rcu rcu(4);
    rcu.register_thread(1);
    rcu.register_thread(3);
    std::vector<int> order;
    rcu.defer([&] { order.push_back(1); });
    EXPECT_EQ(rcu.reclaim(), 0u);
    rcu.quiescent(1);
    EXPECT_EQ(rcu.reclaim(), 0u);  // reader 3 has not reported
    rcu.quiescent(3);
    rcu.defer([&] { order.push_back(2); });  // after both reports: needs new ones
    EXPECT_EQ(rcu.reclaim(), 1u);
    EXPECT_EQ(order, std::vector<int>{1});
    rcu.offline(3);  // an offline reader is not waited for
    rcu.quiescent(1);
    EXPECT_EQ(rcu.reclaim(), 1u);
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
    rcu.online(3);
    rcu.defer([&] { order.push_back(3); });
    rcu.quiescent(1);
    EXPECT_EQ(rcu.reclaim(), 0u);
    rcu.unregister_thread(3);
    EXPECT_EQ(rcu.reclaim(), 1u);
    rcu.unregister_thread(1);
}

TEST(Rcu, CallbackMayDefer) {
    Rcu rcu(1);
    int ran = 0;
    rcu.defer([&] { rcu.defer([&] { ++ran; }); });
    EXPECT_EQ(rcu.reclaim(), 2u);
    EXPECT_EQ(ran, 1);
}

// A reader dereferences a published pointer across a yield; the writer swaps it, waits (by
// synchronize() or by defer() + reclaim()), then poisons and frees the old value. A reader that
// sees the poison (or ASan a use-after-free) proves a grace period ended too early.
TEST(Rcu, GracePeriodProtectsReaderThread) {
    Rcu rcu(2);
    std::atomic<int*> shared{new int(42)};
    std::atomic<bool> ready{false}, stop{false};
    std::atomic<int> violations{0};
    std::atomic<uint64_t> reads{0};
    std::thread reader([&] {
        rcu.register_thread(0);
        ready.store(true);
        while (!stop.load()) {
            int* p = shared.load(std::memory_order_acquire);
            if (*p != 42) violations.fetch_add(1);
            std::this_thread::yield();
            if (*p != 42) violations.fetch_add(1);
            reads.fetch_add(1, std::memory_order_relaxed);
            rcu.quiescent(0);
        }
        rcu.unregister_thread(0);
    });
    while (!ready.load())
        std::this_thread::yield();
    int freed = 0;
    for (int i = 0; i < 400; ++i) {
        int* old = shared.exchange(new int(42), std::memory_order_acq_rel);
        if (i % 2 == 0) {
            rcu.synchronize();
            *old = -1;
            delete old;
            ++freed;
        } else {
            rcu.defer([old, &freed] {
                *old = -1;
                delete old;
                ++freed;
            });
            while (rcu.reclaim() == 0)
                std::this_thread::yield();
        }
    }
    stop.store(true);
    reader.join();
    delete shared.load();
    EXPECT_EQ(freed, 400);
    EXPECT_EQ(violations.load(), 0);
    EXPECT_GT(reads.load(), 400u);
}

TEST(Rcu, DestructorRunsPending) {
    int ran = 0;
    {
        Rcu rcu(1);
        rcu.register_thread(0);
        rcu.defer([&] { ++ran; });
        EXPECT_EQ(rcu.reclaim(), 0u);
        rcu.unregister_thread(0);
    }
    EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace vs
