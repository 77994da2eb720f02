// ovs-vsctl's value syntax: atoms and datums from text, column[:key]OP value arguments,
// partial table/column names, and values written back as text.
#include <gtest/gtest.h>

#include "ctl/vsctl/error.hpp"
#include "ctl/vsctl/value.hpp"

namespace vs::vsctl {
namespace {

using ovsdb::AtomicType;

ovsdb::DatabaseSchema schema() {
    auto s = ovsdb::load_schema_file(std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema");
    EXPECT_TRUE(s.has_value());
    return *s;
}

const ovsdb::Type& column_type(const ovsdb::DatabaseSchema& s, const char* table,
                               const char* column) {
    return s.find_table(table)->find_column(column)->type;
}

TEST(Value, StringsAreQuotedOnlyWhenNeeded) {
    EXPECT_EQ(atom_to_string(Atom(std::string("br0"))), "br0");
    EXPECT_EQ(atom_to_string(Atom(std::string("secure"))), "secure");
    EXPECT_EQ(atom_to_string(Atom(std::string("1"))), "\"1\"");
    EXPECT_EQ(atom_to_string(Atom(std::string("tcp:1.2.3.4:6653"))), "\"tcp:1.2.3.4:6653\"");
    EXPECT_EQ(atom_to_string(Atom(std::string(""))), "\"\"");
    EXPECT_EQ(atom_to_string(Atom(std::string("true"))), "\"true\"");
    EXPECT_EQ(atom_to_string(Atom(std::string("a b"))), "\"a b\"");
    EXPECT_EQ(atom_to_string(Atom(std::string("say \"hi\""))), "\"say \\\"hi\\\"\"");
}

TEST(Value, DatumsAsStringAndBare) {
    const auto s = schema();
    const auto& flood = column_type(s, "Bridge", "flood_vlans");
    const auto& other = column_type(s, "Bridge", "other_config");
    const auto& tag = column_type(s, "Port", "tag");
    const Datum vlans = datum_from_string("1,2,3", flood, nullptr);
    EXPECT_EQ(datum_to_string(vlans, flood), "[1, 2, 3]");
    EXPECT_EQ(datum_to_bare(vlans, flood), "1 2 3");
    const Datum map = datum_from_string("{y=\"a,b\", x=tcp}", other, nullptr);
    EXPECT_EQ(datum_to_string(map, other), "{x=tcp, y=\"a,b\"}");
    EXPECT_EQ(datum_to_bare(map, other), "x=tcp y=a,b");
    EXPECT_EQ(datum_to_string(Datum{}, tag), "[]");
    EXPECT_EQ(datum_to_string(datum_from_string("5", tag, nullptr), tag), "5");
    EXPECT_EQ(datum_to_string(Datum{}, other), "{}");
}

TEST(Value, ParseErrorsUseOvsVsctlWording) {
    const auto s = schema();
    auto message = [](auto fn) {
        try {
            fn();
        } catch (const CommandError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message([&] {
                  (void)atom_from_string("maybe", ovsdb::make_base(AtomicType::kBoolean), nullptr);
              }),
              "\"maybe\" is not a valid boolean (use \"true\" or \"false\")");
    EXPECT_EQ(
        message([&] { (void)datum_from_string("5000", column_type(s, "Port", "tag"), nullptr); }),
        "constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)");
    EXPECT_EQ(message([&] {
                  (void)atom_from_string("x1", ovsdb::make_base(AtomicType::kInteger), nullptr);
              }),
              "\"x1\" is not a valid integer");
    EXPECT_EQ(message([&] {
                  (void)datum_from_string("[1, 2", column_type(s, "Bridge", "flood_vlans"),
                                          nullptr);
              }),
              "[1, 2: missing \"]\" at end of data");
}

TEST(Value, StringsMustBeUtf8) {
    const auto base = ovsdb::make_base(AtomicType::kString);
    EXPECT_THROW((void)atom_from_string("\xff\xfe", base, nullptr), CommandError);
    EXPECT_THROW((void)atom_from_string("\xed\xa0\x80", base, nullptr), CommandError);
    EXPECT_EQ(std::get<std::string>(atom_from_string("caf\xc3\xa9", base, nullptr)), "caf\xc3\xa9");
    // Text that came from elsewhere never makes formatting throw.
    EXPECT_EQ(atom_to_string(Atom(std::string("a:\xff"))), "\"a:\xef\xbf\xbd\"");
}

TEST(Value, SymbolsPlaceholdersForAtNames) {
    Symbols symbols;
    const Atom a = atom_from_string("@q", ovsdb::make_base(AtomicType::kUuid), &symbols);
    ASSERT_EQ(symbols.size(), 1U);
    EXPECT_FALSE(symbols["@q"].created);
    EXPECT_EQ(std::get<ovsdb::Uuid>(a), symbols["@q"].uuid);
    EXPECT_EQ(atom_from_string("@q", ovsdb::make_base(AtomicType::kUuid), &symbols), a);
}

TEST(Value, ColumnKeyValueArguments) {
    const auto s = schema();
    const auto& iface = *s.find_table("Interface");
    static constexpr std::array<std::string_view, 1> kSet = {"="};
    auto arg = parse_column_arg("options:remote_ip=10.0.0.1", iface, kSet);
    EXPECT_EQ(arg.column->name, "options");
    EXPECT_EQ(arg.key, "remote_ip");
    EXPECT_EQ(arg.value, "10.0.0.1");
    arg = parse_column_arg("external_ids:\"a b\"=\"c d\"", iface, kSet);
    EXPECT_EQ(arg.key, "\"a b\"");
    EXPECT_EQ(arg.value, "\"c d\"");
    static constexpr std::array<std::string_view, 3> kCompare = {"=", "!=", "<="};
    arg = parse_column_arg("mtu<=1500", iface, kCompare);
    EXPECT_EQ(arg.op, "<=");
    EXPECT_EQ(arg.value, "1500");
    arg = parse_column_arg("ofport", iface, {});
    EXPECT_FALSE(arg.key.has_value());
    EXPECT_THROW((void)parse_column_arg("nope=1", iface, kSet), CommandError);
    EXPECT_THROW((void)parse_column_arg("options:x", iface, kSet), CommandError);
}

TEST(Value, PartialNames) {
    const auto s = schema();
    EXPECT_EQ(find_table(s, "bridge").name, "Bridge");
    EXPECT_EQ(find_table(s, "open").name, "Open_vSwitch");
    EXPECT_EQ(find_table(s, "Open_vSwitch").name, "Open_vSwitch");
    EXPECT_THROW((void)find_table(s, "nosuchtable"), CommandError);
    const auto& bridge = find_table(s, "Bridge");
    EXPECT_EQ(find_column(bridge, "fail-mode").name, "fail_mode");
    EXPECT_EQ(find_column(bridge, "datapath_t").name, "datapath_type");
    EXPECT_THROW((void)find_column(bridge, "datapath"), CommandError);  // three columns match
    EXPECT_THROW((void)find_column(bridge, "mac"), CommandError);
}

}  // namespace
}  // namespace vs::vsctl
