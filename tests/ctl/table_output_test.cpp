// Output formats of list/find: list, table, csv, json, with string, bare and json cells.
#include <gtest/gtest.h>

#include "ctl/vsctl/table_output.hpp"

namespace vs::vsctl {
namespace {

using ovsdb::AtomicType;
using ovsdb::Datum;

TableOutput ports() {
    ovsdb::Type tag = ovsdb::make_scalar(AtomicType::kInteger);
    tag.min = 0;
    const ovsdb::Type name = ovsdb::make_scalar(AtomicType::kString);
    TableOutput t;
    t.headings = {"name", "tag"};
    t.rows.push_back({{Datum::scalar(std::string("eth0")), name}, {Datum::scalar(5), tag}});
    t.rows.push_back({{Datum::scalar(std::string("a,\"b")), name}, {Datum{}, tag}});
    return t;
}

TEST(TableOutput, List) {
    EXPECT_EQ(ports().render({}),
              "name                : eth0\n"
              "tag                 : 5\n"
              "\n"
              "name                : \"a,\\\"b\"\n"
              "tag                 : []\n");
}

TEST(TableOutput, BareList) {
    EXPECT_EQ(ports().render({Format::kList, DataMode::kBare, false}), "eth0\n5\n\na,\"b\n\n");
}

TEST(TableOutput, TableTrimsTrailingSpaces) {
    EXPECT_EQ(ports().render({Format::kTable, DataMode::kString, true}),
              "name    tag\n"
              "------- ---\n"
              "eth0    5\n"
              "\"a,\\\"b\" []\n");
    // Without headings the widths come from the cells alone.
    EXPECT_EQ(ports().render({Format::kTable, DataMode::kString, false}),
              "eth0    5\n"
              "\"a,\\\"b\" []\n");
}

TEST(TableOutput, Csv) {
    EXPECT_EQ(ports().render({Format::kCsv, DataMode::kBare, true}),
              "name,tag\n"
              "eth0,5\n"
              "\"a,\"\"b\",\n");
}

TEST(TableOutput, Json) {
    EXPECT_EQ(ports().render({Format::kJson, DataMode::kString, true}),
              "{\"data\":[[\"eth0\",5],[\"a,\\\"b\",[\"set\",[]]]],"
              "\"headings\":[\"name\",\"tag\"]}\n");
}

TEST(TableOutput, JsonKeepsHeadingsEvenWithoutHeadings) {
    EXPECT_EQ(ports().render({Format::kJson, DataMode::kBare, false}).substr(0, 19),
              "{\"data\":[[\"eth0\",5]");
    EXPECT_NE(ports().render({Format::kJson, DataMode::kBare, false}).find("\"headings\""),
              std::string::npos);
}

TEST(TableOutput, HtmlEscapesAndLinksUuids) {
    const ovsdb::Type uuid = ovsdb::make_scalar(AtomicType::kUuid);
    const auto a = *ovsdb::parse_uuid("0123abcd-0000-4000-8000-000000000001");
    TableOutput t;
    t.headings = {"_uuid", "note", "ref"};
    t.rows.push_back(
        {{Datum::scalar(a), uuid},
         {Datum::scalar(std::string("<a&b>")), ovsdb::make_scalar(AtomicType::kString)},
         {Datum::scalar(a), uuid}});
    EXPECT_EQ(t.render({Format::kHtml, DataMode::kString, true}),
              "<table border=1>\n"
              "  <tr>\n"
              "    <th>_uuid</th>\n"
              "    <th>note</th>\n"
              "    <th>ref</th>\n"
              "  </tr>\n"
              "  <tr>\n"
              "    <td><a name=\"0123abcd-0000-4000-8000-000000000001\">0123abcd</a></td>\n"
              "    <td>&quot;&lt;a&amp;b&gt;&quot;</td>\n"
              "    <td><a href=\"#0123abcd-0000-4000-8000-000000000001\">0123abcd</a></td>\n"
              "  </tr>\n"
              "</table>\n");
}

TEST(TableOutput, EmptyTableStillHasHeadings) {
    TableOutput t;
    t.headings = {"_uuid", "name"};
    EXPECT_EQ(t.render({Format::kTable, DataMode::kString, true}), "_uuid name\n----- ----\n");
    EXPECT_EQ(t.render({}), "");
}

}  // namespace
}  // namespace vs::vsctl
