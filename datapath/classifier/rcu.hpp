// Rcu: quiescent-state-based reclamation over DPDK's rte_rcu_qsbr, without EAL. Control threads
// publish new versions of shared structures and hand the old ones to defer(); PMD threads report
// a quiescent state once per loop iteration; reclaim() frees what no reader can still see.
#pragma once

#include <rte_rcu_qsbr.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>

namespace vs {

// Readers are identified by a small id in [0, max_threads). A registered reader is "online": it
// may hold pointers to RCU-protected data between two quiescent() calls, and every grace period
// waits for it. The qsbr memory is allocated here (aligned), so no EAL and no hugepages are
// needed: unit tests use this class without rte_eal_init.
//
// Thread: register_thread/unregister_thread/quiescent/offline/online are called by the reader
// thread named by `id`; defer/reclaim/synchronize/n_pending by the one control thread.
class Rcu {
  public:
    explicit Rcu(unsigned max_threads);
    // Runs every pending callback without waiting: no reader may be online any more.
    ~Rcu();
    Rcu(const Rcu&) = delete;
    Rcu& operator=(const Rcu&) = delete;

    // Thread: reader `id`. Registers and goes online (reads are protected from here on).
    void register_thread(unsigned id);
    // Thread: reader `id`. Goes offline and unregisters; grace periods stop waiting for it.
    void unregister_thread(unsigned id);
    // Thread: reader `id`. Temporarily leave / rejoin (e.g. around a sleep) without unregistering.
    void offline(unsigned id) { rte_rcu_qsbr_thread_offline(qsbr_, id); }
    void online(unsigned id) { rte_rcu_qsbr_thread_online(qsbr_, id); }

    // Thread: reader `id`, between batches, holding no pointer to protected data. Fast path.
    void quiescent(unsigned id) { rte_rcu_qsbr_quiescent(qsbr_, id); }

    // Thread: control. Runs `fn` (on the control thread, inside reclaim() or synchronize()) once
    // every reader online now has passed a quiescent state after this call.
    void defer(std::function<void()> fn);
    // Thread: control. Runs the callbacks whose grace period is over, in defer() order; never
    // blocks. Returns how many ran.
    size_t reclaim();
    // Thread: control. Waits for a full grace period, then runs every callback deferred before
    // the call. Must not be called by a thread that is itself an online reader.
    void synchronize();
    // Thread: control.
    size_t n_pending() const { return pending_.size(); }

    rte_rcu_qsbr* qsbr() { return qsbr_; }
    unsigned max_threads() const { return max_threads_; }

  private:
    struct Pending {
        uint64_t token;
        std::function<void()> fn;
    };

    unsigned max_threads_;
    rte_rcu_qsbr* qsbr_ = nullptr;
    std::deque<Pending> pending_;
};

}  // namespace vs
