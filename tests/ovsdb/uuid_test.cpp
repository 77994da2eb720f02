// Uuid: text round trip, rejection of malformed strings, v4 generation, hashing.
#include "ovsdb/uuid.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

namespace vs::ovsdb {
namespace {

TEST(Uuid, ParseFormatRoundTrip) {
    const std::string text = "550e8400-e29b-41d4-a716-446655440000";
    auto uuid = parse_uuid(text);
    ASSERT_TRUE(uuid);
    EXPECT_EQ(uuid->bytes[0], 0x55);
    EXPECT_EQ(uuid->bytes[15], 0x00);
    EXPECT_EQ(to_string(*uuid), text);
    auto upper = parse_uuid("550E8400-E29B-41D4-A716-446655440000");
    ASSERT_TRUE(upper);
    EXPECT_EQ(*upper, *uuid);
}

TEST(Uuid, RejectsBadStrings) {
    for (const char* bad :
         {"", "550e8400e29b41d4a716446655440000", "550e8400-e29b-41d4-a716-44665544000",
          "550e8400-e29b-41d4-a716-4466554400000", "550e8400-e29b-41d4-a716_446655440000",
          "g50e8400-e29b-41d4-a716-446655440000", "550e8400-e29b-41d4-a7-16446655440000"}) {
        EXPECT_FALSE(parse_uuid(bad)) << bad;
    }
}

TEST(Uuid, RandomIsVersion4AndDistinct) {
    std::unordered_set<Uuid> seen;
    for (int i = 0; i < 1000; ++i) {
        Uuid u = random_uuid();
        EXPECT_EQ(u.bytes[6] >> 4, 4);
        EXPECT_EQ(u.bytes[8] & 0xc0, 0x80);
        EXPECT_FALSE(u.is_zero());
        EXPECT_EQ(parse_uuid(to_string(u)), u);
        seen.insert(u);
    }
    EXPECT_EQ(seen.size(), 1000U);
}

TEST(Uuid, ZeroAndOrdering) {
    Uuid zero;
    EXPECT_TRUE(zero.is_zero());
    EXPECT_EQ(to_string(zero), "00000000-0000-0000-0000-000000000000");
    auto a = *parse_uuid("00000000-0000-0000-0000-000000000001");
    auto b = *parse_uuid("00000000-0000-0000-0000-000000000002");
    EXPECT_LT(a, b);
    EXPECT_LT(zero, a);
}

}  // namespace
}  // namespace vs::ovsdb
