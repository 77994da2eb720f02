// Datum JSON: round trips for every atomic type, optional scalars, sets, maps, named-uuid
// resolution, canonical ordering, defaults, and each constraint violation with its RFC 7047 tag.
#include "ovsdb/datum.hpp"

#include <gtest/gtest.h>

#include <map>

namespace vs::ovsdb {
namespace {

Type type_of(const char* text) {
    auto t = type_from_json(Json::parse(text));
    EXPECT_TRUE(t) << text;
    return t ? *t : Type{};
}

// Parses `in` as `type`, checks it prints as `out` and that `out` parses back to the same datum.
void expect_round_trip(const char* type_text, const char* in, const char* out) {
    Type type = type_of(type_text);
    auto d = datum_from_json(Json::parse(in), type);
    ASSERT_TRUE(d) << in << ": " << d.error().details;
    EXPECT_EQ(datum_to_json(*d, type), Json::parse(out)) << in;
    auto again = datum_from_json(Json::parse(out), type);
    ASSERT_TRUE(again) << out;
    EXPECT_EQ(*again, *d);
}

std::string error_of(const char* type_text, const char* in, const SymbolTable* symbols = nullptr) {
    auto d = datum_from_json(Json::parse(in), type_of(type_text), symbols);
    EXPECT_FALSE(d) << type_text << " accepted " << in;
    return d ? std::string() : d.error().error;
}

TEST(Datum, AtomicRoundTrips) {
    expect_round_trip(R"("integer")", "-42", "-42");
    expect_round_trip(R"("real")", "2.5", "2.5");
    expect_round_trip(R"("real")", "3", "3.0");
    expect_round_trip(R"("boolean")", "true", "true");
    expect_round_trip(R"("string")", R"("héllo")", R"("héllo")");
    expect_round_trip(R"("uuid")", R"(["uuid", "550e8400-e29b-41d4-a716-446655440000"])",
                      R"(["uuid", "550e8400-e29b-41d4-a716-446655440000"])");
    expect_round_trip(R"("integer")", R"(["set", [7]])", "7");
}

TEST(Datum, OptionalScalar) {
    const char* t = R"({"key": "string", "min": 0, "max": 1})";
    expect_round_trip(t, R"(["set", []])", R"(["set", []])");
    expect_round_trip(t, R"("x")", R"("x")");
    EXPECT_EQ(error_of(t, R"(["set", ["x", "y"]])"), "constraint violation");
}

TEST(Datum, SetsAreCanonical) {
    const char* t = R"({"key": "integer", "min": 0, "max": "unlimited"})";
    expect_round_trip(t, R"(["set", [3, 1, 2]])", R"(["set", [1, 2, 3]])");
    auto d = datum_from_json(Json::parse(R"(["set", [9, -1, 4]])"), type_of(t));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->keys, (std::vector<Atom>{std::int64_t{-1}, std::int64_t{4}, std::int64_t{9}}));
    expect_round_trip(R"({"key": "string", "min": 0, "max": "unlimited"})",
                      R"(["set", ["b", "a"]])", R"(["set", ["a", "b"]])");
}

TEST(Datum, Maps) {
    const char* t = R"({"key": "string", "value": "integer", "min": 0, "max": "unlimited"})";
    expect_round_trip(t, R"(["map", [["b", 2], ["a", 1]]])", R"(["map", [["a", 1], ["b", 2]]])");
    expect_round_trip(t, R"(["map", []])", R"(["map", []])");
    expect_round_trip(t, R"(["map", [["k", 5]]])", R"(["map", [["k", 5]]])");
    EXPECT_EQ(error_of(t, R"(["map", [["a", 1], ["a", 2]]])"), "constraint violation");
    EXPECT_EQ(error_of(t, R"(["map", [["a", "x"]]])"), "syntax error");
    EXPECT_EQ(error_of(t, R"(["map", [["a"]]])"), "syntax error");
    EXPECT_EQ(error_of(t, R"(["set", []])"), "syntax error");
    EXPECT_EQ(error_of(t, R"({"a": 1})"), "syntax error");
}

// The store's direct writer must produce the JSON library's text exactly (files stay readable
// by either path, and datums read back equal).
TEST(Datum, DirectJsonTextMatchesLibrary) {
    const std::vector<std::pair<const char*, const char*>> cases = {
        {R"({"key": "integer", "min": 0, "max": "unlimited"})", R"(["set", [3, -1, 2]])"},
        {R"({"key": "integer", "min": 0, "max": "unlimited"})", R"(["set", [7]])"},
        {R"({"key": "real", "min": 0, "max": "unlimited"})", R"(["set", [1.5, -0.25, 3.0]])"},
        {R"({"key": "boolean", "min": 0, "max": 2})", R"(["set", [true, false]])"},
        {R"({"key": "string", "min": 0, "max": "unlimited"})",
         R"(["set", ["a\"b", "tab\tnew\nline", "\u00e9t\u00e9", "\u0001"]])"},
        {R"({"key": "uuid", "min": 0, "max": "unlimited"})",
         R"(["set", [["uuid", "5f2c3a1e-0000-4000-8000-000000000001"],
                     ["uuid", "0a2c3a1e-0000-4000-8000-0000000000ff"]]])"},
        {R"({"key": "string", "value": "string", "min": 0, "max": "unlimited"})",
         R"(["map", [["b", "x y"], ["a", ""]]])"},
        {R"({"key": "string", "value": "integer", "min": 0, "max": "unlimited"})",
         R"(["map", []])"},
        {R"({"key": "string", "min": 0, "max": "unlimited"})", R"(["set", []])"},
    };
    for (const auto& [type_text, value] : cases) {
        const Type type = type_of(type_text);
        auto datum = datum_from_json(Json::parse(value), type);
        ASSERT_TRUE(datum) << value;
        std::string direct;
        append_datum_json(direct, *datum, type);
        EXPECT_EQ(direct, datum_to_json(*datum, type).dump()) << value;
    }
}

TEST(Datum, NamedUuid) {
    const Uuid port = *parse_uuid("11111111-2222-4333-8444-555555555555");
    std::map<std::string, Uuid, std::less<>> names{{"p0", port}};
    SymbolTable symbols = [&](std::string_view name) -> std::optional<Uuid> {
        auto it = names.find(name);
        return it == names.end() ? std::nullopt : std::optional<Uuid>(it->second);
    };
    Type t =
        type_of(R"({"key": {"type": "uuid", "refTable": "Port"}, "min": 0, "max": "unlimited"})");
    auto d = datum_from_json(Json::parse(R"(["set", [["named-uuid", "p0"]]])"), t, &symbols);
    ASSERT_TRUE(d);
    ASSERT_EQ(d->size(), 1U);
    EXPECT_EQ(std::get<Uuid>(d->keys[0]), port);
    EXPECT_EQ(datum_to_json(*d, t),
              Json::parse(R"(["uuid", "11111111-2222-4333-8444-555555555555"])"));
    auto missing = datum_from_json(Json::parse(R"(["named-uuid", "nope"])"), t, &symbols);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().details.find("nope"), std::string::npos);
    EXPECT_FALSE(datum_from_json(Json::parse(R"(["named-uuid", "p0"])"), t, nullptr));
    EXPECT_EQ(error_of(R"("uuid")", R"(["uuid", "not-a-uuid"])"), "syntax error");
    EXPECT_EQ(error_of(R"("uuid")", R"(["uid", "550e8400-e29b-41d4-a716-446655440000"])"),
              "syntax error");
}

TEST(Datum, TypeMismatchIsSyntaxError) {
    EXPECT_EQ(error_of(R"("integer")", R"("1")"), "syntax error");
    EXPECT_EQ(error_of(R"("integer")", "1.5"), "syntax error");
    EXPECT_EQ(error_of(R"("integer")", "18446744073709551615"), "syntax error");
    EXPECT_EQ(error_of(R"("real")", "true"), "syntax error");
    EXPECT_EQ(error_of(R"("boolean")", "0"), "syntax error");
    EXPECT_EQ(error_of(R"("string")", "null"), "syntax error");
    EXPECT_EQ(error_of(R"("string")", R"({"a": 1})"), "syntax error");
    EXPECT_EQ(error_of(R"({"key": "string", "max": 2})", R"(["set", {"a": 1}])"), "syntax error");
    EXPECT_EQ(error_of(R"({"key": "string", "max": 2})", R"(["set", [["x"]]])"), "syntax error");
}

TEST(Datum, ConstraintViolations) {
    const char* c = "constraint violation";
    EXPECT_EQ(
        error_of(
            R"({"key": {"type": "string", "enum": ["set", ["secure", "standalone"]]}, "min": 0})",
            R"("open")"),
        c);
    EXPECT_EQ(
        error_of(R"({"key": {"type": "integer", "minInteger": 0, "maxInteger": 4095}})", "4096"),
        c);
    EXPECT_EQ(
        error_of(R"({"key": {"type": "integer", "minInteger": 0, "maxInteger": 4095}})", "-1"), c);
    EXPECT_EQ(error_of(R"({"key": {"type": "real", "minReal": 0.5}})", "0.25"), c);
    EXPECT_EQ(error_of(R"({"key": {"type": "real", "maxReal": 0.5}})", "1"), c);
    EXPECT_EQ(error_of(R"({"key": {"type": "string", "minLength": 2}})", R"("a")"), c);
    EXPECT_EQ(error_of(R"({"key": {"type": "string", "maxLength": 2}})", R"("abc")"), c);
    EXPECT_EQ(error_of(R"({"key": "integer", "min": 1, "max": 2})", R"(["set", []])"), c);
    EXPECT_EQ(error_of(R"({"key": "integer", "min": 0, "max": 2})", R"(["set", [1, 2, 3]])"), c);
    EXPECT_EQ(error_of(R"({"key": "integer", "min": 0, "max": 5})", R"(["set", [1, 1]])"), c);
    EXPECT_EQ(error_of(R"("integer")", R"(["set", []])"), c);
    // Lengths count characters, not bytes: "é" is one character.
    EXPECT_TRUE(datum_from_json(Json::parse(R"("é")"),
                                type_of(R"({"key": {"type": "string", "maxLength": 1}})")));
    // Values of maps are checked as well as keys.
    EXPECT_EQ(
        error_of(
            R"({"key": "string", "value": {"type": "integer", "maxInteger": 3}, "max": "unlimited"})",
            R"(["map", [["a", 4]]])"),
        c);
}

TEST(Datum, Defaults) {
    EXPECT_EQ(default_datum(type_of(R"("integer")")), Datum::scalar(std::int64_t{0}));
    EXPECT_EQ(default_datum(type_of(R"("real")")), Datum::scalar(0.0));
    EXPECT_EQ(default_datum(type_of(R"("boolean")")), Datum::scalar(false));
    EXPECT_EQ(default_datum(type_of(R"("string")")), Datum::scalar(std::string()));
    EXPECT_EQ(default_datum(type_of(R"("uuid")")), Datum::scalar(Uuid{}));
    EXPECT_TRUE(default_datum(type_of(R"({"key": "string", "min": 0, "max": 1})")).empty());
    EXPECT_TRUE(
        default_datum(type_of(R"({"key": "string", "value": "string", "max": "unlimited"})"))
            .size() == 1);
    EXPECT_TRUE(
        default_datum(
            type_of(R"({"key": "string", "value": "string", "min": 0, "max": "unlimited"})"))
            .empty());
    Type t = type_of(R"({"key": "integer", "min": 0, "max": 3})");
    EXPECT_TRUE(check_datum(default_datum(t), t));
}

TEST(Datum, CheckDatum) {
    Type t = type_of(R"({"key": {"type": "integer", "maxInteger": 5}, "min": 0, "max": 2})");
    Datum ok;
    ok.keys = {std::int64_t{1}, std::int64_t{2}};
    EXPECT_TRUE(check_datum(ok, t));
    Datum unsorted;
    unsorted.keys = {std::int64_t{2}, std::int64_t{1}};
    EXPECT_FALSE(check_datum(unsorted, t));
    Datum too_big = Datum::scalar(std::int64_t{6});
    ASSERT_FALSE(check_datum(too_big, t));
    EXPECT_EQ(check_datum(too_big, t).error().error, "constraint violation");
    Datum with_values = Datum::scalar(std::int64_t{1});
    with_values.values.push_back(std::int64_t{2});
    EXPECT_FALSE(check_datum(with_values, t));  // a map-shaped datum for a set column
}

}  // namespace
}  // namespace vs::ovsdb
