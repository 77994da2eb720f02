// Round trips for every OpenFlow 1.0 and 1.3 message type (the generated sample of each, with
// every action, instruction, OXM field... present), and the invariants that hold for any
// prefix, extension or corruption of them: decode never reads past its span, and what it
// accepts it re-encodes to the same bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <variant>
#include <vector>

#include "openflow/of10.hpp"
#include "openflow/of10_testing.hpp"
#include "openflow/of13.hpp"
#include "openflow/of13_testing.hpp"

namespace {

using vs::openflow::DecodeErrorKind;

template <typename Message>
struct Codec;

template <>
struct Codec<vs::of13::Message> {
    static auto samples() { return vs::of13::testing::sample_messages(); }
    static auto encode(const vs::of13::Message& m) { return vs::of13::encode(m); }
    static auto decode(std::span<const uint8_t> b) { return vs::of13::decode(b); }
    static auto json(const vs::of13::Message& m) { return vs::of13::testing::to_json(m); }
    static constexpr size_t kBodies = std::variant_size_v<vs::of13::Body>;
};

template <>
struct Codec<vs::of10::Message> {
    static auto samples() { return vs::of10::testing::sample_messages(); }
    static auto encode(const vs::of10::Message& m) { return vs::of10::encode(m); }
    static auto decode(std::span<const uint8_t> b) { return vs::of10::decode(b); }
    static auto json(const vs::of10::Message& m) { return vs::of10::testing::to_json(m); }
    static constexpr size_t kBodies = std::variant_size_v<vs::of10::Body>;
};

template <typename T>
class CodecTest : public ::testing::Test {};
using Versions = ::testing::Types<vs::of10::Message, vs::of13::Message>;
TYPED_TEST_SUITE(CodecTest, Versions);

// Decodes a copy of exactly `bytes` (so ASan sees any read past its end); when decoding
// succeeds, encoding the result must give the same bytes back.
template <typename M>
bool decode_is_canonical(const std::vector<uint8_t>& bytes) {
    const std::vector<uint8_t> copy(bytes);
    const auto r = Codec<M>::decode(copy);
    if (!r) return true;
    return Codec<M>::encode(*r) == bytes;
}

TYPED_TEST(CodecTest, EveryMessageTypeRoundTrips) {
    using M = TypeParam;
    const auto samples = Codec<M>::samples();
    ASSERT_EQ(samples.size(), Codec<M>::kBodies);
    std::vector<bool> seen(Codec<M>::kBodies);
    for (const auto& m : samples) {
        seen[m.body.index()] = true;
        const auto bytes = Codec<M>::encode(m);
        ASSERT_GE(bytes.size(), 8u);
        EXPECT_EQ((bytes[2] << 8 | bytes[3]), static_cast<int>(bytes.size()));
        const auto back = Codec<M>::decode(bytes);
        ASSERT_TRUE(back) << to_string(m) << ": " << vs::openflow::to_string(back.error());
        EXPECT_EQ(*back, m) << to_string(m) << "\n" << to_string(*back);
        EXPECT_EQ(Codec<M>::encode(*back), bytes);
        EXPECT_NE(to_string(m).find(type_name(m.body)), std::string::npos);
        EXPECT_FALSE(Codec<M>::json(m).empty());
    }
    for (size_t i = 0; i < seen.size(); ++i)
        EXPECT_TRUE(seen[i]) << "body " << i;
}

TYPED_TEST(CodecTest, EveryPrefixFailsWithoutReadingPastIt) {
    using M = TypeParam;
    for (const auto& m : Codec<M>::samples()) {
        const auto bytes = Codec<M>::encode(m);
        for (size_t n = 0; n < bytes.size(); ++n) {
            const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
            const auto r = Codec<M>::decode(prefix);
            ASSERT_FALSE(r) << type_name(m.body) << " prefix " << n;
            EXPECT_EQ(r.error().kind, DecodeErrorKind::kTruncated) << type_name(m.body) << n;
            if (n >= 8) {
                EXPECT_EQ(r.error().xid, m.xid);
            }
        }
    }
}

TYPED_TEST(CodecTest, ShortenedLengthIsRejectedOrCanonical) {
    using M = TypeParam;
    for (const auto& m : Codec<M>::samples()) {
        const auto bytes = Codec<M>::encode(m);
        for (size_t n = 8; n < bytes.size(); ++n) {
            std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
            cut[2] = static_cast<uint8_t>(n >> 8);
            cut[3] = static_cast<uint8_t>(n);
            EXPECT_TRUE(decode_is_canonical<M>(cut)) << type_name(m.body) << " cut at " << n;
        }
    }
}

TYPED_TEST(CodecTest, OversizedInputIsRejectedOrCanonical) {
    using M = TypeParam;
    for (const auto& m : Codec<M>::samples()) {
        auto bytes = Codec<M>::encode(m);
        bytes.push_back(0);
        // Longer than the header says: one message is exactly header.length bytes.
        const auto r = Codec<M>::decode(bytes);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().kind, DecodeErrorKind::kBadLength);
        // The header claims the extra byte too: only messages ending in opaque data take it.
        bytes[2] = static_cast<uint8_t>(bytes.size() >> 8);
        bytes[3] = static_cast<uint8_t>(bytes.size());
        EXPECT_TRUE(decode_is_canonical<M>(bytes)) << type_name(m.body);
    }
}

TYPED_TEST(CodecTest, CorruptedBytesAreRejectedOrCanonical) {
    using M = TypeParam;
    for (const auto& m : Codec<M>::samples()) {
        const auto bytes = Codec<M>::encode(m);
        for (size_t i = 1; i < bytes.size(); ++i) {
            if (i == 2 || i == 3) continue;  // the header length: covered above
            for (const uint8_t v : {uint8_t{0}, uint8_t{1}, uint8_t{0x7f}, uint8_t{0xff}}) {
                auto bad = bytes;
                bad[i] = v;
                const std::vector<uint8_t> copy(bad);
                const auto r = Codec<M>::decode(copy);
                // Pads are written as zeros, so an accepted corruption re-encodes with the
                // byte as it was; everything else must round-trip exactly.
                if (r) {
                    const auto again = Codec<M>::encode(*r);
                    ASSERT_EQ(again.size(), bad.size()) << type_name(m.body) << " byte " << i;
                    EXPECT_EQ(Codec<M>::decode(again).value(), *r);
                }
            }
        }
    }
}

}  // namespace
