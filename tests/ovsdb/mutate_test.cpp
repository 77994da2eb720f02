// Mutations of the "mutate" operation: arithmetic with RFC 7047's domain/range/constraint errors,
// insert and delete on sets and maps.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "ovsdb/datum.hpp"

namespace vs::ovsdb {
namespace {

struct Case {
    Type type;
    Datum datum;
};

Case make(const char* type_text, const char* value) {
    auto t = type_from_json(Json::parse(type_text));
    EXPECT_TRUE(t);
    auto d = datum_from_json(Json::parse(value), *t);
    EXPECT_TRUE(d) << value;
    return {*t, *d};
}

DbResult<Json> run(const char* type_text, const char* value, const char* op, const char* arg) {
    Case c = make(type_text, value);
    auto m = parse_mutator(op);
    EXPECT_TRUE(m) << op;
    auto out = mutate_datum(c.datum, c.type, *m, Json::parse(arg));
    // The in-place form must agree: the same result, or the same error and no change.
    Datum in_place = c.datum;
    auto ok = mutate_datum_in_place(in_place, c.type, *m, Json::parse(arg));
    EXPECT_EQ(ok.has_value(), out.has_value()) << value << " " << op << " " << arg;
    if (!out) {
        if (!ok) {
            EXPECT_EQ(ok.error().error, out.error().error);
        }
        EXPECT_EQ(in_place, c.datum);
        return tl::unexpected(out.error());
    }
    EXPECT_EQ(in_place, *out) << value << " " << op << " " << arg;
    return datum_to_json(*out, c.type);
}

std::string error_of(const char* type_text, const char* value, const char* op, const char* arg) {
    auto r = run(type_text, value, op, arg);
    EXPECT_FALSE(r) << value << " " << op << " " << arg;
    return r ? std::string() : r.error().error;
}

TEST(Mutate, ParseMutator) {
    EXPECT_EQ(parse_mutator("+="), Mutator::kAdd);
    EXPECT_EQ(parse_mutator("%="), Mutator::kModulo);
    EXPECT_EQ(parse_mutator("delete"), Mutator::kDelete);
    EXPECT_FALSE(parse_mutator("^="));
}

TEST(Mutate, IntegerArithmetic) {
    EXPECT_EQ(*run(R"("integer")", "7", "+=", "3"), Json(10));
    EXPECT_EQ(*run(R"("integer")", "7", "-=", "10"), Json(-3));
    EXPECT_EQ(*run(R"("integer")", "7", "*=", "-2"), Json(-14));
    EXPECT_EQ(*run(R"("integer")", "7", "/=", "2"), Json(3));
    EXPECT_EQ(*run(R"("integer")", "-7", "%=", "3"), Json(-1));
    const char* set = R"({"key": "integer", "min": 0, "max": "unlimited"})";
    EXPECT_EQ(*run(set, R"(["set", [1, 2, 3]])", "*=", "10"),
              Json::parse(R"(["set", [10, 20, 30]])"));
    EXPECT_EQ(*run(set, R"(["set", []])", "+=", "1"), Json::parse(R"(["set", []])"));
}

TEST(Mutate, RealArithmetic) {
    EXPECT_EQ(*run(R"("real")", "1.5", "+=", "1"), Json(2.5));
    EXPECT_EQ(*run(R"("real")", "3", "/=", "2"), Json(1.5));
    EXPECT_EQ(error_of(R"("real")", "3", "%=", "2"), "constraint violation");
}

TEST(Mutate, ArithmeticErrors) {
    EXPECT_EQ(error_of(R"("integer")", "7", "/=", "0"), "domain error");
    EXPECT_EQ(error_of(R"("integer")", "7", "%=", "0"), "domain error");
    EXPECT_EQ(error_of(R"("real")", "7", "/=", "0"), "domain error");
    EXPECT_EQ(error_of(R"("integer")", "9223372036854775807", "+=", "1"), "range error");
    EXPECT_EQ(error_of(R"({"key": {"type": "integer", "maxInteger": 10}})", "7", "+=", "4"),
              "constraint violation");
    EXPECT_EQ(error_of(R"("string")", R"("a")", "+=", "1"), "constraint violation");
    EXPECT_EQ(error_of(R"({"key": "string", "value": "integer", "max": "unlimited"})",
                       R"(["map", [["a", 1]]])", "+=", "1"),
              "constraint violation");
    EXPECT_EQ(error_of(R"("integer")", "7", "+=", R"("1")"), "syntax error");
    // Multiplying a set by zero collapses its elements into duplicates.
    EXPECT_EQ(error_of(R"({"key": "integer", "min": 0, "max": "unlimited"})", R"(["set", [1, 2]])",
                       "*=", "0"),
              "constraint violation");
}

TEST(Mutate, SetInsertDelete) {
    const char* t = R"({"key": "string", "min": 0, "max": 3})";
    EXPECT_EQ(*run(t, R"(["set", ["a"]])", "insert", R"(["set", ["c", "b", "a"]])"),
              Json::parse(R"(["set", ["a", "b", "c"]])"));
    EXPECT_EQ(*run(t, R"(["set", ["a", "b"]])", "delete", R"("a")"), Json("b"));
    EXPECT_EQ(*run(t, R"(["set", ["a", "b"]])", "delete", R"(["set", ["z"]])"),
              Json::parse(R"(["set", ["a", "b"]])"));
    EXPECT_EQ(error_of(t, R"(["set", ["a", "b", "c"]])", "insert", R"("d")"),
              "constraint violation");
    const char* nonempty = R"({"key": "integer", "min": 1, "max": 2})";
    EXPECT_EQ(error_of(nonempty, "1", "delete", "1"), "constraint violation");
    const char* enumerated =
        R"({"key": {"type": "string", "enum": ["set", ["x", "y"]]}, "min": 0, "max": 2})";
    EXPECT_EQ(error_of(enumerated, R"(["set", []])", "insert", R"("q")"), "constraint violation");
}

TEST(Mutate, MapInsertDelete) {
    const char* t = R"({"key": "string", "value": "string", "min": 0, "max": "unlimited"})";
    // Insert keeps the existing value of a key that is already present.
    EXPECT_EQ(*run(t, R"(["map", [["a", "1"]]])", "insert", R"(["map", [["a", "9"], ["b", "2"]]])"),
              Json::parse(R"(["map", [["a", "1"], ["b", "2"]]])"));
    // Delete by key set.
    EXPECT_EQ(*run(t, R"(["map", [["a", "1"], ["b", "2"]]])", "delete", R"(["set", ["a"]])"),
              Json::parse(R"(["map", [["b", "2"]]])"));
    EXPECT_EQ(*run(t, R"(["map", [["a", "1"], ["b", "2"]]])", "delete", R"("b")"),
              Json::parse(R"(["map", [["a", "1"]]])"));
    // Delete by key/value map: only pairs whose value matches go.
    EXPECT_EQ(*run(t, R"(["map", [["a", "1"], ["b", "2"]]])", "delete",
                   R"(["map", [["a", "1"], ["b", "3"]]])"),
              Json::parse(R"(["map", [["b", "2"]]])"));
    EXPECT_EQ(error_of(t, R"(["map", []])", "insert", R"(["map", [["a", 1]]])"), "syntax error");
}

// Random sets and maps, random insert/delete arguments (overlapping, absent, duplicate-free):
// the in-place mutation equals the copying one.
TEST(Mutate, InPlaceMatchesCopyOnRandomSetsAndMaps) {
    std::mt19937 rng(7);
    const char* set_type = R"({"key": "integer", "min": 0, "max": 12})";
    const char* map_type = R"({"key": "integer", "value": "string", "min": 0, "max": 12})";
    for (int round = 0; round < 2000; ++round) {
        const bool map = round % 2 == 1;
        auto random_datum = [&](int n) {
            std::string text = map ? R"(["map", [)" : R"(["set", [)";
            std::set<int> keys;
            while (static_cast<int>(keys.size()) < n)
                keys.insert(static_cast<int>(rng() % 20));
            bool first = true;
            for (int k : keys) {
                if (!first) text += ",";
                first = false;
                text += map ? "[" + std::to_string(k) + ",\"v" + std::to_string(rng() % 3) + "\"]"
                            : std::to_string(k);
            }
            return text + "]]";
        };
        const std::string value = random_datum(static_cast<int>(rng() % 10));
        const std::string arg = random_datum(static_cast<int>(rng() % 5));
        const char* op = rng() % 2 == 0 ? "insert" : "delete";
        (void)run(map ? map_type : set_type, value.c_str(), op, arg.c_str());
    }
}

}  // namespace
}  // namespace vs::ovsdb
