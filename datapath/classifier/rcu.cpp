// Rcu: allocation of the rte_rcu_qsbr variable and the control thread's deferred-free queue.
#include "datapath/classifier/rcu.hpp"

#include <cstdlib>
#include <new>
#include <stdexcept>
#include <thread>

namespace vs {

Rcu::Rcu(unsigned max_threads) : max_threads_(max_threads) {
    if (max_threads == 0) throw std::invalid_argument("Rcu: max_threads must be > 0");
    size_t size = rte_rcu_qsbr_get_memsize(max_threads);
    if (size <= 1) throw std::invalid_argument("Rcu: rte_rcu_qsbr_get_memsize failed");
    // DPDK wants the variable cache-line aligned; aligned_alloc needs a multiple of the alignment.
    size_t bytes = (size + RTE_CACHE_LINE_SIZE - 1) & ~static_cast<size_t>(RTE_CACHE_LINE_SIZE - 1);
    void* mem = std::aligned_alloc(RTE_CACHE_LINE_SIZE, bytes);
    if (mem == nullptr) throw std::bad_alloc();
    qsbr_ = static_cast<rte_rcu_qsbr*>(mem);
    if (rte_rcu_qsbr_init(qsbr_, max_threads) != 0) {
        std::free(mem);
        throw std::runtime_error("Rcu: rte_rcu_qsbr_init failed");
    }
}

Rcu::~Rcu() {
    for (auto& p : pending_)
        p.fn();
    pending_.clear();
    std::free(qsbr_);
}

void Rcu::register_thread(unsigned id) {
    rte_rcu_qsbr_thread_register(qsbr_, id);
    rte_rcu_qsbr_thread_online(qsbr_, id);
}

void Rcu::unregister_thread(unsigned id) {
    rte_rcu_qsbr_thread_offline(qsbr_, id);
    rte_rcu_qsbr_thread_unregister(qsbr_, id);
}

void Rcu::defer(std::function<void()> fn) {
    // The token's release increment orders the caller's unlinking stores before it, so a reader
    // that reports this token can no longer reach what `fn` frees.
    uint64_t token = rte_rcu_qsbr_start(qsbr_);
    pending_.push_back(Pending{token, std::move(fn)});
}

size_t Rcu::reclaim() {
    size_t n = 0;
    // Tokens grow monotonically, so the ripe callbacks form a prefix of the queue.
    while (!pending_.empty() && rte_rcu_qsbr_check(qsbr_, pending_.front().token, false) == 1) {
        // Pop before running: the callback may itself call defer().
        std::function<void()> fn = std::move(pending_.front().fn);
        pending_.pop_front();
        fn();
        ++n;
    }
    return n;
}

void Rcu::synchronize() {
    uint64_t token = rte_rcu_qsbr_start(qsbr_);
    // Spin politely: the machine's cores are shared with the PMD threads we are waiting for.
    while (rte_rcu_qsbr_check(qsbr_, token, false) == 0)
        std::this_thread::yield();
    // Every callback deferred before this call holds a token <= `token`, hence is ripe now.
    reclaim();
}

}  // namespace vs
