// Starts DPDK's EAL once per test process (no hugepages, no PCI, a unique file prefix) and
// provides an mbuf pool whose private area holds PacketMeta, as the datapath's pool does.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <vector>

namespace vs::test {

void ensure_eal();
rte_mempool* test_pool();
// A fresh mbuf holding a copy of `bytes` (with the pool's default headroom).
rte_mbuf* make_mbuf(const std::vector<uint8_t>& bytes);
std::vector<uint8_t> mbuf_bytes(const rte_mbuf* m);

}  // namespace vs::test
