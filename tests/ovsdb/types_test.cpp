// Column types: short and long schema forms, constraints, bad types, and JSON output.
#include "ovsdb/types.hpp"

#include <gtest/gtest.h>

namespace vs::ovsdb {
namespace {

Type parse(const char* text) {
    auto t = type_from_json(Json::parse(text));
    EXPECT_TRUE(t) << text << ": " << (t ? "" : t.error().details);
    return t ? *t : Type{};
}

TEST(Types, ShortForm) {
    for (auto [name, type] :
         {std::pair{"integer", AtomicType::kInteger}, std::pair{"real", AtomicType::kReal},
          std::pair{"boolean", AtomicType::kBoolean}, std::pair{"string", AtomicType::kString},
          std::pair{"uuid", AtomicType::kUuid}}) {
        Type t = parse(("\"" + std::string(name) + "\"").c_str());
        EXPECT_EQ(t.key.type, type);
        EXPECT_TRUE(t.is_scalar());
        EXPECT_FALSE(t.is_set() || t.is_map() || t.is_optional_scalar());
        EXPECT_EQ(type_to_json(t), Json(name));
    }
}

TEST(Types, LongForms) {
    Type opt = parse(R"({"key": "string", "min": 0, "max": 1})");
    EXPECT_TRUE(opt.is_optional_scalar());
    EXPECT_TRUE(opt.is_set());

    Type set = parse(
        R"({"key": {"type": "integer", "minInteger": 0, "maxInteger": 4095}, "min": 0, "max": 4096})");
    EXPECT_TRUE(set.is_set());
    EXPECT_EQ(set.key.min_integer, 0);
    EXPECT_EQ(set.key.max_integer, 4095);
    EXPECT_EQ(set.max, 4096U);

    Type map =
        parse(R"({"key": "string", "value": {"type": "uuid", "refTable": "Datapath"}, "min": 0,
                         "max": "unlimited"})");
    EXPECT_TRUE(map.is_map());
    EXPECT_EQ(map.max, Type::kUnlimited);
    ASSERT_TRUE(map.value);
    EXPECT_EQ(map.value->ref_table, "Datapath");
    EXPECT_EQ(map.value->ref_type, RefType::kStrong);

    Type weak = parse(
        R"({"key": {"type": "uuid", "refTable": "Port", "refType": "weak"}, "min": 0, "max": 1})");
    EXPECT_EQ(weak.key.ref_type, RefType::kWeak);

    Type scalar = parse(R"({"key": {"type": "integer", "minInteger": 0}})");
    EXPECT_TRUE(scalar.is_scalar());
    EXPECT_EQ(scalar.key.min_integer, 0);

    Type en = parse(
        R"({"key": {"type": "string", "enum": ["set", ["secure", "standalone"]]}, "min": 0, "max": 1})");
    ASSERT_TRUE(en.key.enum_values);
    EXPECT_EQ(en.key.enum_values->size(), 2U);

    Type one_enum = parse(R"({"key": {"type": "string", "enum": "only"}})");
    ASSERT_TRUE(one_enum.key.enum_values);
    EXPECT_EQ(one_enum.key.enum_values->size(), 1U);
}

TEST(Types, JsonRoundTrip) {
    for (
        const char* text :
        {R"("integer")", R"({"key": "string", "min": 0, "max": 1})",
         R"({"key": {"type": "integer", "minInteger": 0, "maxInteger": 4095}, "min": 0, "max": 4096})",
         R"({"key": {"type": "real", "minReal": -1.5, "maxReal": 2.5}, "min": 0, "max": "unlimited"})",
         R"({"key": {"type": "string", "minLength": 1, "maxLength": 8}})",
         R"({"key": {"type": "string", "enum": ["set", ["a", "b"]]}, "value": "integer", "min": 0, "max": "unlimited"})",
         R"({"key": {"type": "uuid", "refTable": "Port", "refType": "weak"}, "min": 0, "max": "unlimited"})"}) {
        Type t = parse(text);
        auto again = type_from_json(type_to_json(t));
        ASSERT_TRUE(again) << text;
        EXPECT_EQ(*again, t) << text << " -> " << type_to_json(t).dump();
    }
    EXPECT_EQ(type_to_json(parse(R"({"key": "string", "min": 0, "max": 1})")),
              Json::parse(R"({"key": "string", "min": 0})"));
}

TEST(Types, BadTypes) {
    for (const char* text :
         {R"("int")", R"(42)", R"(null)", R"({"value": "string"})",
          R"({"key": "string", "min": 2})", R"({"key": "string", "max": 0})",
          R"({"key": "string", "max": "lots"})",
          R"({"key": "string", "min": 1, "max": 1, "extra": 1})",
          R"({"key": {"type": "string", "minInteger": 1}})",
          R"({"key": {"type": "integer", "refTable": "Bridge"}})",
          R"({"key": {"type": "uuid", "refType": "weak"}})",
          R"({"key": {"type": "uuid", "refTable": "B", "refType": "soft"}})",
          R"({"key": {"type": "integer", "minInteger": 5, "maxInteger": 1}})",
          R"({"key": {"type": "integer", "enum": ["set", ["x"]]}})",
          R"({"key": {"type": "integer", "minInteger": 1.5}})", R"({"key": {"typ": "integer"}})"}) {
        auto t = type_from_json(Json::parse(text));
        ASSERT_FALSE(t) << text;
        EXPECT_EQ(t.error().error, "syntax error") << text;
        EXPECT_FALSE(t.error().details.empty());
    }
}

TEST(Types, CheckAtom) {
    BaseType b = make_base(AtomicType::kInteger);
    b.min_integer = 1;
    b.max_integer = 10;
    EXPECT_TRUE(check_atom(Atom{std::int64_t{5}}, b));
    auto low = check_atom(Atom{std::int64_t{0}}, b);
    ASSERT_FALSE(low);
    EXPECT_EQ(low.error().error, "constraint violation");
    auto wrong = check_atom(Atom{std::string("5")}, b);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().error, "syntax error");
}

}  // namespace
}  // namespace vs::ovsdb
