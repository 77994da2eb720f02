// ReplicaDb: a monitor's initial rows, inserts, partial and whole-row modifications and deletes
// land as the server sent them; columns the server leaves out get their defaults; a malformed
// update changes nothing; transactions are refused.
#include <gtest/gtest.h>

#include <string>

#include "ovsdb/datum.hpp"
#include "ovsdb/replica_db.hpp"

namespace vs::ovsdb {
namespace {

const char* const kSchemaText = R"({
  "name": "Test", "version": "1.0.0",
  "tables": {
    "Root": {
      "isRoot": true,
      "columns": {
        "name": {"type": "string"},
        "n": {"type": "integer"},
        "kids": {"type": {"key": {"type": "uuid", "refTable": "Kid"}, "min": 0, "max": "unlimited"}}
      }
    },
    "Kid": {"columns": {"v": {"type": "integer"}}}
  }
})";

const char* const kRootA = "11111111-1111-4111-8111-111111111111";
const char* const kKidA = "22222222-2222-4222-8222-222222222222";

class ReplicaDbTest : public ::testing::Test {
  protected:
    ReplicaDbTest() : replica(*parse_schema(Json::parse(kSchemaText))) {}

    // table -> uuid -> column -> value as JSON, for comparisons.
    Json dump() const {
        Json out = Json::object();
        for (const auto& [name, table] : replica.schema().tables) {
            replica.for_each_row(name, [&](const Uuid& uuid, const Store::Row& row) {
                Json columns = Json::object();
                for (const auto& [column, datum] : row)
                    columns[column] = datum_to_json(datum, table.find_column(column)->type);
                out[name][to_string(uuid)] = columns;
            });
        }
        return out;
    }

    ReplicaDb replica;
};

TEST_F(ReplicaDbTest, MonitorRequestsNameEveryColumnButTheImplicitOnes) {
    const Json requests = replica.monitor_requests();
    EXPECT_EQ(requests["Root"]["columns"], Json({"kids", "n", "name"}));  // the schema's order
    EXPECT_EQ(requests["Kid"]["columns"], Json({"v"}));
}

TEST_F(ReplicaDbTest, InitialInsertModifyDelete) {
    ASSERT_TRUE(replica.apply(Json::parse(
        std::string(R"({"Root": {")") + kRootA + R"(": {"new": {"name": "a", "kids": ["uuid", ")" +
        kKidA + R"("]}}}, "Kid": {")" + kKidA + R"(": {"new": {"v": 7}}}})")));
    Json rows = dump();
    EXPECT_EQ(rows["Root"][kRootA]["name"], "a");
    EXPECT_EQ(rows["Root"][kRootA]["n"], 0);  // left out by the server: the default
    EXPECT_EQ(rows["Kid"][kKidA]["v"], 7);
    EXPECT_EQ(replica.n_rows(), 2U);

    // A modification carrying only some columns keeps the others.
    ASSERT_TRUE(replica.apply(Json::parse(std::string(R"({"Root": {")") + kRootA +
                                          R"(": {"old": {"n": 0}, "new": {"n": 5}}}})")));
    rows = dump();
    EXPECT_EQ(rows["Root"][kRootA]["n"], 5);
    EXPECT_EQ(rows["Root"][kRootA]["name"], "a");

    ASSERT_TRUE(replica.apply(
        Json::parse(std::string(R"({"Kid": {")") + kKidA + R"(": {"old": {"v": 7}}}})")));
    EXPECT_EQ(replica.n_rows(), 1U);
    EXPECT_FALSE(dump().contains("Kid"));
}

TEST_F(ReplicaDbTest, MalformedUpdateChangesNothing) {
    ASSERT_TRUE(replica.apply(
        Json::parse(std::string(R"({"Root": {")") + kRootA + R"(": {"new": {"name": "a"}}}})")));
    const Json before = dump();
    // The first row is fine, the second has a wrongly typed column: neither lands.
    auto bad = replica.apply(Json::parse(std::string(R"({"Root": {")") + kRootA +
                                         R"(": {"new": {"name": "b"}}}, "Kid": {")" + kKidA +
                                         R"(": {"new": {"v": "seven"}}}})"));
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().details.find("Kid.v"), std::string::npos) << bad.error().details;
    EXPECT_EQ(dump(), before);
    EXPECT_FALSE(replica.apply(Json::parse(R"({"Nope": {}})")));
    EXPECT_FALSE(replica.apply(Json::parse(R"({"Root": {"not-a-uuid": {"new": {}}}})")));
    EXPECT_FALSE(replica.apply(Json::parse(R"([1, 2])")));
    EXPECT_EQ(dump(), before);
}

TEST_F(ReplicaDbTest, RefusesTransactions) {
    const TransactResult r =
        replica.transact(Json::parse(R"([{"op": "insert", "table": "Kid", "row": {}}])"),
                         [](std::string_view) { return false; });
    ASSERT_EQ(r.results.size(), 1U);
    EXPECT_EQ(r.results[0]["error"], "not allowed");
    EXPECT_TRUE(r.changes.empty());
    EXPECT_EQ(replica.n_rows(), 0U);
}

}  // namespace
}  // namespace vs::ovsdb
