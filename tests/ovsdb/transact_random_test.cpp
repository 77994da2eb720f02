// The transaction engine under random transactions: inserts, updates, mutations and deletes
// that make and break strong and weak references, reuse indexed names and sometimes abort.
// After every transaction the database is checked against rules computed from scratch (no
// dangling strong or weak reference, no unreferenced non-root row, unique index), a failed
// transaction must have changed nothing, a committed one must report exactly the rows that
// differ, and memory must equal what a fresh open reads back from the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ovsdb/database.hpp"

namespace vs::ovsdb {
namespace {

namespace fs = std::filesystem;

const char* const kSchemaText = R"({
  "name": "Random", "version": "1.0.0",
  "tables": {
    "Root": {
      "isRoot": true,
      "indexes": [["name"]],
      "columns": {
        "name": {"type": "string"},
        "kids": {"type": {"key": {"type": "uuid", "refTable": "Child"},
                          "min": 0, "max": "unlimited"}},
        "watch": {"type": {"key": {"type": "uuid", "refTable": "Child", "refType": "weak"},
                           "min": 0, "max": "unlimited"}}
      }
    },
    "Child": {
      "columns": {
        "n": {"type": "integer"},
        "grand": {"type": {"key": {"type": "uuid", "refTable": "Grand"}, "min": 0, "max": 1}}
      }
    },
    "Grand": {"columns": {"v": {"type": "integer"}}}
  }
})";

using Snapshot = std::map<std::string, std::map<Uuid, Store::Row>>;

const std::vector<std::string> kTables = {"Root", "Child", "Grand"};

Snapshot snapshot(const Database& db) {
    Snapshot out;
    for (const auto& table : kTables) {
        auto& rows = out[table];
        db.for_each_row(table, [&](const Uuid& uuid, const Store::Row& row) { rows[uuid] = row; });
    }
    return out;
}

std::vector<Uuid> refs(const Store::Row& row, const char* column) {
    std::vector<Uuid> out;
    const auto it = row.find(column);
    if (it == row.end()) return out;
    for (const auto& key : it->second.keys)
        out.push_back(std::get<Uuid>(key));
    return out;
}

// The database rules, computed from scratch.
void expect_consistent(const Snapshot& s) {
    std::map<Uuid, int> referrers;
    std::set<std::string> names;
    for (const auto& [uuid, row] : s.at("Root")) {
        EXPECT_TRUE(names.insert(std::get<std::string>(row.at("name").keys[0])).second)
            << "duplicate name";
        for (const auto& kid : refs(row, "kids")) {
            EXPECT_TRUE(s.at("Child").contains(kid)) << "dangling strong reference";
            ++referrers[kid];
        }
        for (const auto& watched : refs(row, "watch"))
            EXPECT_TRUE(s.at("Child").contains(watched)) << "dangling weak reference";
    }
    for (const auto& [uuid, row] : s.at("Child")) {
        EXPECT_GT(referrers[uuid], 0) << "garbage Child row";
        for (const auto& grand : refs(row, "grand")) {
            EXPECT_TRUE(s.at("Grand").contains(grand)) << "dangling strong reference";
            ++referrers[grand];
        }
    }
    for (const auto& [uuid, row] : s.at("Grand"))
        EXPECT_GT(referrers[uuid], 0) << "garbage Grand row";
}

class RandomTxn {
  public:
    explicit RandomTxn(std::mt19937& rng, const Snapshot& s) : rng_(rng), s_(s) {}

    Json make() {
        Json ops = Json::array();
        const int n = pick(1, 4);
        for (int i = 0; i < n; ++i)
            ops.push_back(one_op(i));
        if (pick(0, 9) == 0) ops.push_back(Json{{"op", "abort"}});
        return ops;
    }

  private:
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    std::string name() { return "r" + std::to_string(pick(0, 7)); }
    Json uuid_json(const Uuid& uuid) { return Json::array({"uuid", to_string(uuid)}); }
    // An existing row of `table`, or sometimes a uuid that names nothing.
    Json some_row(const std::string& table) {
        const auto& rows = s_.at(table);
        if (rows.empty() || pick(0, 7) == 0) return uuid_json(random_uuid());
        auto it = rows.begin();
        std::advance(it, pick(0, static_cast<int>(rows.size()) - 1));
        return uuid_json(it->first);
    }
    Json new_child(int i) {
        Json row = {{"n", pick(0, 3)}};
        if (pick(0, 1) == 0) {
            row["grand"] = pick(0, 2) == 0 ? some_row("Grand")
                                           : Json::array({"named-uuid", "g" + std::to_string(i)});
        }
        return row;
    }
    Json one_op(int i) {
        const std::string kid_name = "c" + std::to_string(i);
        switch (pick(0, 8)) {
            case 0:
                return Json{{"op", "insert"},
                            {"table", "Grand"},
                            {"uuid-name", "g" + std::to_string(i)},
                            {"row", {{"v", pick(0, 9)}}}};
            case 1:
                return Json{{"op", "insert"},
                            {"table", "Child"},
                            {"uuid-name", kid_name},
                            {"row", new_child(i)}};
            case 2: {
                Json kids = Json::array({"set", Json::array()});
                if (pick(0, 1) == 0) kids[1].push_back(Json::array({"named-uuid", kid_name}));
                if (pick(0, 1) == 0) kids[1].push_back(some_row("Child"));
                return Json{
                    {"op", "insert"},
                    {"table", "Root"},
                    {"row", {{"name", name()}, {"kids", kids}, {"watch", some_row("Child")}}}};
            }
            case 3:
                return Json{
                    {"op", "mutate"},
                    {"table", "Root"},
                    {"where", Json::array({Json::array({"name", "==", name()})})},
                    {"mutations", Json::array({Json::array(
                                      {"kids", pick(0, 1) == 0 ? "insert" : "delete",
                                       Json::array({"set", Json::array({some_row("Child")})})})})}};
            case 4:
                return Json{{"op", "update"},
                            {"table", "Root"},
                            {"where", Json::array({Json::array({"name", "==", name()})})},
                            {"row", {{"name", name()}}}};
            case 5:
                return Json{{"op", "update"},
                            {"table", "Root"},
                            {"where", Json::array()},
                            {"row", {{"watch", some_row("Child")}}}};
            case 6:
                return Json{{"op", "delete"},
                            {"table", "Root"},
                            {"where", Json::array({Json::array({"name", "==", name()})})}};
            case 7:
                return Json{
                    {"op", "delete"},
                    {"table", "Child"},
                    {"where", Json::array({Json::array({"_uuid", "==", some_row("Child")})})}};
            default:
                return Json{
                    {"op", "update"},
                    {"table", "Child"},
                    {"where", Json::array({Json::array({"n", "==", pick(0, 3)})})},
                    {"row", {{"grand", Json::array({"set", Json::array({some_row("Grand")})})}}}};
        }
    }

    std::mt19937& rng_;
    const Snapshot& s_;
};

TEST(TransactRandom, RulesHoldAndFailuresChangeNothing) {
    const fs::path dir =
        fs::temp_directory_path() / ("vs_transact_random_" + to_string(random_uuid()));
    fs::create_directories(dir);
    const std::string path = (dir / "conf.db").string();
    auto schema = parse_schema(Json::parse(kSchemaText));
    ASSERT_TRUE(schema);
    auto opened = Database::open(path, *schema);
    ASSERT_TRUE(opened);
    std::unique_ptr<Database> db = std::move(*opened);
    const auto no_lock = [](std::string_view) { return false; };

    std::mt19937 rng(20261122);
    int committed = 0, failed = 0;
    for (int round = 0; round < 3000; ++round) {
        const Snapshot before = snapshot(*db);
        const Json ops = RandomTxn(rng, before).make();
        const TransactResult r = db->transact(ops, no_lock);
        const Snapshot after = snapshot(*db);
        const bool ok = r.results.size() == ops.size() &&
                        std::none_of(r.results.begin(), r.results.end(),
                                     [](const Json& j) { return j.contains("error"); });
        if (!ok) {
            ++failed;
            ASSERT_EQ(before, after) << "a failed transaction changed something: " << ops.dump()
                                     << " -> " << r.results.dump();
            ASSERT_TRUE(r.changes.empty());
            continue;
        }
        ++committed;
        expect_consistent(after);
        // The reported changes turn `before` into `after`, and nothing else changed.
        Snapshot replayed = before;
        for (const auto& change : r.changes) {
            auto& rows = replayed[change.table];
            const auto it = rows.find(change.uuid);
            if (it == rows.end()) {
                EXPECT_FALSE(change.old_row);
            } else {
                ASSERT_TRUE(change.old_row);
                EXPECT_EQ(it->second, *change.old_row);
            }
            if (change.new_row) {
                rows[change.uuid] = *change.new_row;
            } else {
                rows.erase(change.uuid);
            }
        }
        ASSERT_EQ(replayed, after) << ops.dump();
        if (round % 500 == 499) {
            db.reset();
            auto again = Database::open(path, *schema);
            ASSERT_TRUE(again);
            db = std::move(*again);
            ASSERT_EQ(snapshot(*db), after) << "the file differs from memory";
        }
    }
    EXPECT_GT(committed, 500);
    EXPECT_GT(failed, 300);
    db.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace vs::ovsdb
