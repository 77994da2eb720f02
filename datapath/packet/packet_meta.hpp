// PacketMeta: what the datapath knows about a packet between rx and tx, kept in the mbuf's
// private area (the mempool is created with priv_size = sizeof(PacketMeta)) so that nothing is
// allocated per packet and an upcall can hand the parsed key to the control thread with the mbuf.
#pragma once

#include <rte_mbuf.h>

#include "datapath/packet/flow_key.hpp"

namespace vs {

struct alignas(64) PacketMeta {
    FlowKey key;
    PacketOffsets ofs;
    uint32_t hash = 0;          // hash of the whole key (exact-match cache index)
    uint8_t upcall_reason = 0;  // UpcallReason, set when queued to the control thread
    uint32_t queue_id = 0;      // set by a set_queue action; no QoS queue reads it yet
};

inline constexpr uint16_t kPacketMetaSize = sizeof(PacketMeta);

inline PacketMeta* packet_meta(rte_mbuf* m) {
    return static_cast<PacketMeta*>(rte_mbuf_to_priv(m));
}

}  // namespace vs
