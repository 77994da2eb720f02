// JsonSplitter: framing of JSON-RPC texts arriving in arbitrary pieces.
#include "base/json_framing.hpp"

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(JsonSplitter, SplitsConcatenatedTextsFedByteByByte) {
    const std::string stream = R"({"a":"}{[\"x"} [1,[2,{"b":3}]]  {"c":"\\"})";
    JsonSplitter s;
    std::vector<std::string> texts;
    for (char c : stream) {
        s.feed(std::string_view(&c, 1));
        while (auto t = s.next())
            texts.push_back(*t);
    }
    ASSERT_EQ(texts.size(), 3u);
    EXPECT_EQ(texts[0], R"({"a":"}{[\"x"})");
    EXPECT_EQ(texts[1], R"([1,[2,{"b":3}]])");
    EXPECT_EQ(texts[2], R"({"c":"\\"})");
    EXPECT_FALSE(s.error());
}

TEST(JsonSplitter, IncompleteTextWaits) {
    JsonSplitter s;
    s.feed(R"({"method":"x","params":[)");
    EXPECT_FALSE(s.next());
    s.feed("]}");
    EXPECT_TRUE(s.next());
}

TEST(JsonSplitter, GarbageIsAnError) {
    JsonSplitter s;
    s.feed("hello");
    EXPECT_FALSE(s.next());
    EXPECT_TRUE(s.error());
}

TEST(JsonSplitter, OversizedTextIsAnError) {
    JsonSplitter s(64);
    s.feed("[" + std::string(100, ' '));
    EXPECT_FALSE(s.next());
    EXPECT_TRUE(s.error());
}

}  // namespace
}  // namespace vs
