// EAL and mbuf helpers for tests that need real DPDK packet buffers.
#include "tests/support/test_eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "datapath/packet/packet_meta.hpp"

namespace vs::test {

void ensure_eal() {
    static bool started = false;
    if (started) return;
    std::string prefix = "--file-prefix=vs-test-" + std::to_string(getpid());
    std::vector<std::string> args = {
        "vs-test",           "--no-huge",     "-m", "256", "--no-pci", prefix,
        "--log-level=error", "--no-telemetry"};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
        std::fprintf(stderr, "rte_eal_init failed: %s\n", std::strerror(rte_errno));
        std::abort();
    }
    started = true;
    // The prefix is this process's alone: leave no runtime directory behind.
    static const std::string dir = rte_eal_get_runtime_dir();
    std::atexit([] {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    });
}

rte_mempool* test_pool() {
    static rte_mempool* pool = nullptr;
    if (pool) return pool;
    ensure_eal();
    pool = rte_pktmbuf_pool_create("vs_test_pool", 8191, 256, kPacketMetaSize,
                                   RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (!pool) {
        std::fprintf(stderr, "mbuf pool: %s\n", std::strerror(rte_errno));
        std::abort();
    }
    return pool;
}

rte_mbuf* make_mbuf(const std::vector<uint8_t>& bytes) {
    rte_mbuf* m = rte_pktmbuf_alloc(test_pool());
    if (!m) std::abort();
    char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size()));
    if (!p) std::abort();
    std::memcpy(p, bytes.data(), bytes.size());
    return m;
}

std::vector<uint8_t> mbuf_bytes(const rte_mbuf* m) {
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    return {p, p + rte_pktmbuf_data_len(m)};
}

}  // namespace vs::test
