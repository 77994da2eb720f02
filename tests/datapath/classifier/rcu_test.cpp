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

TEST(Rcu, SynchronizeWaitsForReaderThread) {
    Rcu rcu(2);
    std::atomic<bool> ready{false}, stop{false};
    std::atomic<int> in_section{0};
    std::atomic<int> violations{0};
    std::thread reader([&] {
        rcu.register_thread(0);
        ready.store(true);
        while (!stop.load()) {
            in_section.fetch_add(1);
            std::this_thread::yield();
            rcu.quiescent(0);
        }
        rcu.unregister_thread(0);
    });
    while (!ready.load())
        std::this_thread::yield();
    int ran = 0;
    for (int i = 0; i < 100; ++i) {
        int seen = in_section.load();
        rcu.defer([&] { ++ran; });
        rcu.synchronize();
        // The reader must have passed a quiescent state, hence gone round its loop.
        if (in_section.load() == seen) violations.fetch_add(1);
    }
    stop.store(true);
    reader.join();
    EXPECT_EQ(ran, 100);
    EXPECT_EQ(violations.load(), 0);
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
