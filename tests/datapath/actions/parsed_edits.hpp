// Test helper for the edits that change what a frame is (MPLS, PBB): runs edit actions on a
// frame whose PacketMeta the real parser fills, and checks that the key the edits left equals
// what the parser reads from the edited frame.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <vector>

#include "datapath/actions/action_list.hpp"
#include "datapath/actions/execute.hpp"
#include "datapath/packet/flow_parse.hpp"
#include "tests/datapath/actions/test_packets.hpp"

namespace vs::test {

struct Edited {
    std::vector<uint8_t> after;
    FlowKey key;
    bool ok;
};

// Runs `actions` (edits only) on the frame, whose PacketMeta the real parser fills.
inline Edited run(const std::vector<uint8_t>& frame, std::initializer_list<Action> actions) {
    rte_mbuf* m = make_mbuf(frame);
    PacketMeta* meta = packet_meta(m);
    std::memset(static_cast<void*>(meta), 0, sizeof(*meta));
    (void)parse_flow(frame.data(), static_cast<uint32_t>(frame.size()), 1, meta->key, meta->ofs);
    Edited e{{}, {}, true};
    for (const Action& a : actions)
        e.ok = e.ok && detail::apply_edit<int>(a, m, meta->key, meta->ofs);
    e.after = mbuf_bytes(m);
    e.key = meta->key;
    FlowKey reparsed;
    PacketOffsets ofs;
    (void)parse_flow(e.after.data(), static_cast<uint32_t>(e.after.size()), 1, reparsed, ofs);
    EXPECT_TRUE(reparsed == e.key) << "key out of step after " << ActionList(actions).to_string();
    rte_pktmbuf_free(m);
    return e;
}

}  // namespace vs::test
