// DbState: index keys and the rebuild of reference counts and indexes after loading.
#include "ovsdb/db_state.hpp"

namespace vs::ovsdb {

std::string index_key(const TableSchema& table, const std::vector<std::string>& index,
                      const Uuid& uuid, const RowState& row) {
    Json key = Json::array();
    for (const auto& name : index) {
        const ColumnSchema* column = table.find_column(name);
        if (column == nullptr) continue;
        key.push_back(datum_to_json(column_datum(*column, uuid, row), column->type));
    }
    return key.dump();
}

void rebuild_derived_state(const DatabaseSchema& schema, DbState& state) {
    state.strong_refs.clear();
    state.indexes.clear();
    for (const auto& [name, table] : schema.tables) {
        const auto rows = state.tables.find(name);
        if (rows == state.tables.end()) continue;
        std::vector<IndexMap> maps(table.indexes.size());
        for (const auto& [uuid, row] : rows->second) {
            for_each_strong_ref(table, uuid, *row.row, [&](const std::string&, const Uuid& target) {
                ++state.strong_refs[target];
            });
            for (std::size_t i = 0; i < table.indexes.size(); ++i)
                maps[i].emplace(index_key(table, table.indexes[i], uuid, row), uuid);
        }
        if (!maps.empty()) state.indexes[name] = std::move(maps);
    }
}

}  // namespace vs::ovsdb
