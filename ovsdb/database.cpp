// Database::open: the one way to get a Database — today always the in-memory MemoryDb written
// through to its SQLite Store.
#include "ovsdb/database.hpp"

#include "ovsdb/memory_db.hpp"

namespace vs::ovsdb {

DbResult<std::unique_ptr<Database>> Database::open(const std::string& path, DatabaseSchema schema) {
    auto db = MemoryDb::open(path, std::move(schema));
    if (!db) return tl::unexpected(db.error());
    return std::unique_ptr<Database>(std::move(*db));
}

}  // namespace vs::ovsdb
