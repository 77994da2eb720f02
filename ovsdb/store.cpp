// Store: OVSDB rows in SQLite. Encoding of datums into SQLite values (native for scalars and
// optional scalars, one link-table row per element for sets of references, RFC 7047 JSON text
// for other sets and maps), table creation from the schema, the schema check through `_meta`,
// and the cached prepared statements of insert/update/erase/load.
#include "ovsdb/store.hpp"

#include <sqlite3.h>

#include <type_traits>
#include <utility>
#include <variant>

namespace vs::ovsdb {
namespace {

constexpr char kKeySep = '\x1f';  // separates the parts of a statement cache key
// Version of the table layout below, kept in _meta: 2 = sets of references in link tables.
constexpr const char* kLayout = "2";

std::string quote(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    out += '"';
    return out;
}

bool is_native(const Type& type) {
    return type.is_scalar() || type.is_optional_scalar();
}

// Sets of references (Bridge.ports, Port.interfaces...) grow with the configuration; one row per
// element in a link table keeps adding a port to a big bridge a one-row write.
bool is_link(const Type& type) {
    return !type.value && type.key.is_ref() && !is_native(type);
}

std::string link_table(std::string_view table, std::string_view column) {
    std::string name(table);
    name += '.';
    name += column;
    return name;
}

std::string_view sql_type(const Type& type) {
    if (!is_native(type)) {
        return "TEXT NOT NULL";
    }
    const bool optional = type.is_optional_scalar();
    switch (type.key.type) {
        case AtomicType::kInteger:
        case AtomicType::kBoolean:
            return optional ? "INTEGER" : "INTEGER NOT NULL";
        case AtomicType::kReal:
            return optional ? "REAL" : "REAL NOT NULL";
        case AtomicType::kString:
        case AtomicType::kUuid:
            break;
    }
    return optional ? "TEXT" : "TEXT NOT NULL";
}

std::string dump(const Json& json) {
    return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The schema's own columns kept in the table itself (without _uuid/_version and link columns),
// in schema order.
std::vector<const ColumnSchema*> data_columns(const TableSchema& table) {
    std::vector<const ColumnSchema*> out;
    for (const ColumnSchema& column : table.columns) {
        if (!is_implicit_column(column.name) && !is_link(column.type)) {
            out.push_back(&column);
        }
    }
    return out;
}

std::vector<const ColumnSchema*> link_columns(const TableSchema& table) {
    std::vector<const ColumnSchema*> out;
    for (const ColumnSchema& column : table.columns) {
        if (is_link(column.type)) {
            out.push_back(&column);
        }
    }
    return out;
}

int bind_text(sqlite3_stmt* stmt, int index, const std::string& text) {
    return sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
}

int bind_atom(sqlite3_stmt* stmt, int index, const Atom& atom) {
    return std::visit(
        [&](const auto& value) -> int {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::int64_t>) {
                return sqlite3_bind_int64(stmt, index, value);
            } else if constexpr (std::is_same_v<T, double>) {
                return sqlite3_bind_double(stmt, index, value);
            } else if constexpr (std::is_same_v<T, bool>) {
                return sqlite3_bind_int(stmt, index, value ? 1 : 0);
            } else if constexpr (std::is_same_v<T, std::string>) {
                return bind_text(stmt, index, value);
            } else {
                return bind_text(stmt, index, to_string(value));
            }
        },
        atom);
}

int bind_datum(sqlite3_stmt* stmt, int index, const Datum& datum, const Type& type) {
    if (!is_native(type)) {
        std::string text;
        append_datum_json(text, datum, type);
        return bind_text(stmt, index, text);
    }
    if (datum.empty()) {
        return sqlite3_bind_null(stmt, index);
    }
    return bind_atom(stmt, index, datum.keys.front());
}

std::string column_text(sqlite3_stmt* stmt, int index) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, index));
    const int size = sqlite3_column_bytes(stmt, index);
    return text == nullptr ? std::string() : std::string(text, static_cast<std::size_t>(size));
}

DbResult<Atom> read_atom(sqlite3_stmt* stmt, int index, AtomicType type) {
    switch (type) {
        case AtomicType::kInteger:
            return Atom(static_cast<std::int64_t>(sqlite3_column_int64(stmt, index)));
        case AtomicType::kReal:
            return Atom(sqlite3_column_double(stmt, index));
        case AtomicType::kBoolean:
            return Atom(sqlite3_column_int64(stmt, index) != 0);
        case AtomicType::kString:
            return Atom(column_text(stmt, index));
        case AtomicType::kUuid:
            break;
    }
    std::string text = column_text(stmt, index);
    std::optional<Uuid> uuid = parse_uuid(text);
    if (!uuid) {
        return db_fail("I/O error", "stored value is not a UUID: " + text);
    }
    return Atom(*uuid);
}

DbResult<Datum> read_datum(sqlite3_stmt* stmt, int index, const ColumnSchema& column) {
    const Type& type = column.type;
    if (is_native(type)) {
        if (sqlite3_column_type(stmt, index) == SQLITE_NULL) {
            if (type.is_optional_scalar()) {
                return Datum{};
            }
            return db_fail("I/O error", "NULL in scalar column " + column.name);
        }
        DbResult<Atom> atom = read_atom(stmt, index, type.key.type);
        if (!atom) {
            return tl::unexpected(atom.error());
        }
        return Datum::scalar(std::move(*atom));
    }
    const std::string text = column_text(stmt, index);
    Json json = Json::parse(text, nullptr, false);
    if (json.is_discarded()) {
        return db_fail("I/O error", "stored value of column " + column.name + " is not JSON");
    }
    return datum_from_json(json, type);
}

DbResult<Uuid> read_uuid(sqlite3_stmt* stmt, int index) {
    std::string text = column_text(stmt, index);
    std::optional<Uuid> uuid = parse_uuid(text);
    if (!uuid) {
        return db_fail("I/O error", "stored row id is not a UUID: " + text);
    }
    return *uuid;
}

// Resets a cached statement (and drops its bindings) when the operation using it ends.
class StmtReset {
  public:
    explicit StmtReset(sqlite3_stmt* stmt) : stmt_(stmt) {}
    ~StmtReset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    StmtReset(const StmtReset&) = delete;
    StmtReset& operator=(const StmtReset&) = delete;
    StmtReset(StmtReset&&) = delete;
    StmtReset& operator=(StmtReset&&) = delete;

  private:
    sqlite3_stmt* stmt_;
};

}  // namespace

void Store::StmtDeleter::operator()(sqlite3_stmt* stmt) const {
    sqlite3_finalize(stmt);
}

Store::Store(sqlite3* db, DatabaseSchema schema) : db_(db), schema_(std::move(schema)) {}

Store::~Store() {
    statements_.clear();  // statements must be finalized before the connection closes
    sqlite3_close_v2(db_);
}

DbError Store::sqlite_error(int code) const {
    std::string details = sqlite3_errmsg(db_);
    if ((code & 0xff) == SQLITE_CONSTRAINT) {
        return DbError{"constraint violation", std::move(details)};
    }
    return DbError{"I/O error", std::move(details)};
}

DbResult<std::unique_ptr<Store>> Store::open(const std::string& path,
                                             const DatabaseSchema& schema) {
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        std::string details = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close_v2(db);
        return db_fail("I/O error", path + ": " + details);
    }
    std::unique_ptr<Store> store(new Store(db, schema));
    sqlite3_busy_timeout(db, 5000);
    // A checkpoint (copying the WAL into the file, with syncs) runs inside the commit that
    // crosses the limit: every 4 096 pages rather than SQLite's 1 000 makes it rarer, and a
    // page written by many transactions (the bridge's) is copied once for all of them.
    for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                               "PRAGMA wal_autocheckpoint=4096"}) {
        if (auto ok = store->exec(pragma); !ok) {
            return tl::unexpected(ok.error());
        }
    }
    if (auto ok = store->init_schema(); !ok) {
        return tl::unexpected(ok.error());
    }
    return store;
}

DbResult<void> Store::exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        DbError error = sqlite_error(rc);
        if (message != nullptr) {
            error.details = message;
        }
        sqlite3_free(message);
        return tl::unexpected(std::move(error));
    }
    return {};
}

DbResult<sqlite3_stmt*> Store::prepared(const std::string& key, const std::string& sql) {
    if (auto it = statements_.find(key); it != statements_.end()) {
        return it->second.get();
    }
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(raw);
        return tl::unexpected(sqlite_error(rc));
    }
    Stmt& slot = statements_[key];
    slot.reset(raw);
    return raw;
}

DbResult<void> Store::step_done(sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        return tl::unexpected(sqlite_error(rc));
    }
    return {};
}

DbResult<const TableSchema*> Store::table_of(std::string_view table) const {
    const TableSchema* found = schema_.find_table(table);
    if (found == nullptr) {
        return db_fail("constraint violation", "unknown table " + std::string(table));
    }
    return found;
}

// Inside the opening transaction: stores the schema JSON on first open, else compares it.
DbResult<void> Store::check_meta() {
    if (auto ok = exec("CREATE TABLE IF NOT EXISTS _meta "
                       "(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        !ok) {
        return ok;
    }
    const Json ours = schema_to_json(schema_);
    auto select = prepared("meta-select", "SELECT value FROM _meta WHERE key = 'schema'");
    if (!select) {
        return tl::unexpected(select.error());
    }
    std::optional<std::string> stored;
    {
        StmtReset reset(*select);
        const int rc = sqlite3_step(*select);
        if (rc == SQLITE_ROW) {
            stored = column_text(*select, 0);
        } else if (rc != SQLITE_DONE) {
            return tl::unexpected(sqlite_error(rc));
        }
    }
    if (stored) {
        Json theirs = Json::parse(*stored, nullptr, false);
        if (theirs.is_discarded() || theirs != ours) {
            return db_fail("schema mismatch",
                           "the database file was written with a different schema");
        }
        auto layout = prepared("meta-layout", "SELECT value FROM _meta WHERE key = 'layout'");
        if (!layout) {
            return tl::unexpected(layout.error());
        }
        StmtReset reset(*layout);
        if (sqlite3_step(*layout) != SQLITE_ROW || column_text(*layout, 0) != kLayout) {
            return db_fail("schema mismatch",
                           "the database file uses another table layout (made by an older "
                           "version); export it with an older vsdb-server or start afresh");
        }
        return {};
    }
    auto insert = prepared("meta-insert", "INSERT INTO _meta (key, value) VALUES (?1, ?2)");
    if (!insert) {
        return tl::unexpected(insert.error());
    }
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"schema", dump(ours)}, {"layout", kLayout}}) {
        StmtReset reset(*insert);
        int rc = bind_text(*insert, 1, key);
        if (rc == SQLITE_OK) {
            rc = bind_text(*insert, 2, value);
        }
        if (rc != SQLITE_OK) {
            return tl::unexpected(sqlite_error(rc));
        }
        if (auto ok = step_done(*insert); !ok) {
            return ok;
        }
    }
    return {};
}

DbResult<void> Store::init_schema() {
    if (auto ok = exec("BEGIN IMMEDIATE"); !ok) {
        return ok;
    }
    auto body = [&]() -> DbResult<void> {
        if (auto ok = check_meta(); !ok) {
            return ok;
        }
        for (const auto& [name, table] : schema_.tables) {
            std::string sql = "CREATE TABLE IF NOT EXISTS " + quote(name) +
                              " (\"_uuid\" TEXT PRIMARY KEY, \"_version\" TEXT NOT NULL";
            for (const ColumnSchema* column : data_columns(table)) {
                sql += ", " + quote(column->name) + " " + std::string(sql_type(column->type));
            }
            sql += ") WITHOUT ROWID";
            if (auto ok = exec(sql.c_str()); !ok) {
                return ok;
            }
            for (const ColumnSchema* column : link_columns(table)) {
                const std::string link = "CREATE TABLE IF NOT EXISTS " +
                                         quote(link_table(name, column->name)) +
                                         " (\"_uuid\" TEXT NOT NULL, \"ref\" TEXT NOT NULL, "
                                         "PRIMARY KEY (\"_uuid\", \"ref\")) WITHOUT ROWID";
                if (auto ok = exec(link.c_str()); !ok) {
                    return ok;
                }
            }
        }
        return exec("COMMIT");
    };
    DbResult<void> result = body();
    if (!result) {
        (void)exec("ROLLBACK");
    }
    return result;
}

DbResult<void> Store::begin(bool durable) {
    if (durable) {
        if (auto ok = exec("PRAGMA synchronous=FULL"); !ok) {
            return ok;
        }
        durable_ = true;
    }
    return run_cached("BEGIN IMMEDIATE");
}
DbResult<void> Store::commit() {
    auto ok = run_cached("COMMIT");
    end_durable();
    return ok;
}
DbResult<void> Store::rollback() {
    auto ok = run_cached("ROLLBACK");
    end_durable();
    return ok;
}
DbResult<void> Store::savepoint() {
    return run_cached("SAVEPOINT txn");
}
DbResult<void> Store::release_savepoint() {
    return run_cached("RELEASE txn");
}
DbResult<void> Store::rollback_to_savepoint() {
    auto ok = run_cached("ROLLBACK TO txn");
    auto released = run_cached("RELEASE txn");
    return ok ? released : ok;
}
// Statements run once per transaction are prepared once, not parsed every time.
DbResult<void> Store::run_cached(const char* sql) {
    auto stmt = prepared(sql, sql);
    if (!stmt) {
        return tl::unexpected(stmt.error());
    }
    StmtReset reset(*stmt);
    return step_done(*stmt);
}
void Store::end_durable() {
    if (durable_) {
        (void)exec("PRAGMA synchronous=NORMAL");
        durable_ = false;
    }
}

DbResult<const Store::InsertPlan*> Store::insert_plan(std::string_view table) {
    if (const auto it = insert_plans_.find(table); it != insert_plans_.end()) {
        return &it->second;
    }
    auto schema = table_of(table);
    if (!schema) {
        return tl::unexpected(schema.error());
    }
    InsertPlan plan;
    plan.columns = data_columns(**schema);
    plan.links = link_columns(**schema);
    std::string names = "\"_uuid\", \"_version\"";
    std::string params = "?1, ?2";
    for (std::size_t i = 0; i < plan.columns.size(); ++i) {
        names += ", " + quote(plan.columns[i]->name);
        params += ", ?" + std::to_string(i + 3);
        std::string empty;
        if (!is_native(plan.columns[i]->type)) {
            append_datum_json(empty, Datum{}, plan.columns[i]->type);
        }
        plan.empty_text.push_back(std::move(empty));
    }
    const std::string sql =
        "INSERT INTO " + quote(table) + " (" + names + ") VALUES (" + params + ")";
    auto stmt = prepared("insert" + std::string(1, kKeySep) + std::string(table), sql);
    if (!stmt) {
        return tl::unexpected(stmt.error());
    }
    plan.stmt = *stmt;
    return &insert_plans_.emplace(std::string(table), std::move(plan)).first->second;
}

DbResult<void> Store::insert(std::string_view table, const Uuid& uuid, const Uuid& version,
                             const Row& row) {
    auto plan_or = insert_plan(table);
    if (!plan_or) {
        return tl::unexpected(plan_or.error());
    }
    const InsertPlan& plan = **plan_or;
    // Every column of `row` must be one of the table's: counted while binding (each is looked
    // up there anyway), the unknown one named only when the count is short.
    std::size_t known = 0;
    for (const ColumnSchema* column : plan.links) {
        known += row.contains(column->name) ? 1 : 0;
    }
    sqlite3_stmt* stmt = plan.stmt;
    StmtReset reset(stmt);
    int rc = bind_text(stmt, 1, to_string(uuid));
    if (rc == SQLITE_OK) {
        rc = bind_text(stmt, 2, to_string(version));
    }
    for (std::size_t i = 0; i < plan.columns.size() && rc == SQLITE_OK; ++i) {
        const Type& type = plan.columns[i]->type;
        const int index = static_cast<int>(i + 3);
        auto it = row.find(plan.columns[i]->name);
        known += it != row.end() ? 1 : 0;
        // Most columns of a new row are empty sets and maps: their text is made once.
        if ((it == row.end() || it->second.empty()) && type.min == 0 && !is_native(type)) {
            const std::string& text = plan.empty_text[i];
            rc = sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_STATIC,
                                     SQLITE_UTF8);
            continue;
        }
        const Datum fallback = it != row.end() ? Datum{} : default_datum(type);
        const Datum& datum = it != row.end() ? it->second : fallback;
        if (auto ok = check_datum(datum, type); !ok) {
            return ok;
        }
        rc = bind_datum(stmt, index, datum, type);
    }
    if (rc != SQLITE_OK) {
        return tl::unexpected(sqlite_error(rc));
    }
    if (known != row.size()) {
        const TableSchema& schema = *schema_.find_table(table);
        for (const auto& [name, datum] : row) {
            if (schema.find_column(name) == nullptr || is_implicit_column(name)) {
                return db_fail("constraint violation", "unknown column " + name);
            }
        }
    }
    if (auto ok = step_done(stmt); !ok) {
        return ok;
    }
    for (const ColumnSchema* column : plan.links) {
        const auto it = row.find(column->name);
        if (it == row.end()) {
            continue;
        }
        if (auto ok = write_links(table, column->name, uuid, Datum{}, it->second); !ok) {
            return ok;
        }
    }
    return {};
}

DbResult<void> Store::link_step(const char* what, std::string_view table, std::string_view column,
                                const Uuid& uuid, const Atom* ref) {
    const std::string link = link_table(table, column);
    const std::string key = std::string(what) + kKeySep + link;
    std::string sql;
    if (!statements_.contains(key)) {
        if (std::string_view(what) == "link-insert") {
            sql = "INSERT INTO " + quote(link) + " (\"_uuid\", \"ref\") VALUES (?1, ?2)";
        } else if (std::string_view(what) == "link-delete") {
            sql = "DELETE FROM " + quote(link) + " WHERE \"_uuid\" = ?1 AND \"ref\" = ?2";
        } else {
            sql = "DELETE FROM " + quote(link) + " WHERE \"_uuid\" = ?1";
        }
    }
    auto stmt = prepared(key, sql);
    if (!stmt) {
        return tl::unexpected(stmt.error());
    }
    StmtReset reset(*stmt);
    int rc = bind_text(*stmt, 1, to_string(uuid));
    if (rc == SQLITE_OK && ref != nullptr) {
        rc = bind_text(*stmt, 2, to_string(std::get<Uuid>(*ref)));
    }
    if (rc != SQLITE_OK) {
        return tl::unexpected(sqlite_error(rc));
    }
    return step_done(*stmt);
}

DbResult<void> Store::write_link_delta(std::string_view table, std::string_view column,
                                       const Uuid& uuid, const SetDelta& delta) {
    for (const Uuid& ref : delta.removed) {
        const Atom atom(ref);
        if (auto ok = link_step("link-delete", table, column, uuid, &atom); !ok) {
            return ok;
        }
    }
    for (const Uuid& ref : delta.added) {
        const Atom atom(ref);
        if (auto ok = link_step("link-insert", table, column, uuid, &atom); !ok) {
            return ok;
        }
    }
    return {};
}

DbResult<void> Store::write_links(std::string_view table, std::string_view column, const Uuid& uuid,
                                  const Datum& before, const Datum& after) {
    // Both sides are canonical (sorted): walk them together and write only the difference.
    const auto& a = before.keys;
    const auto& b = after.keys;
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() || j < b.size()) {
        DbResult<void> ok;
        const Uuid* x = i < a.size() ? std::get_if<Uuid>(&a[i]) : nullptr;
        const Uuid* y = j < b.size() ? std::get_if<Uuid>(&b[j]) : nullptr;
        if (y == nullptr || (x != nullptr && *x < *y)) {
            ok = link_step("link-delete", table, column, uuid, &a[i++]);
        } else if (x == nullptr || *y < *x) {
            ok = link_step("link-insert", table, column, uuid, &b[j++]);
        } else {
            ++i;
            ++j;
        }
        if (!ok) {
            return ok;
        }
    }
    return {};
}

DbResult<void> Store::update(std::string_view table, const Uuid& uuid, const Uuid& version,
                             const Row& changed_columns, const Row* before,
                             const SetDeltas* deltas) {
    auto schema = table_of(table);
    if (!schema) {
        return tl::unexpected(schema.error());
    }
    std::vector<const ColumnSchema*> columns;
    std::string key = "update" + std::string(1, kKeySep) + std::string(table);
    auto unchanged = [&](const std::string& name, const Datum& datum) {
        if (before == nullptr) {
            return false;
        }
        const auto old = before->find(name);
        return old != before->end() && old->second == datum;
    };
    for (const auto& [name, datum] : changed_columns) {
        const ColumnSchema* column = (*schema)->find_column(name);
        if (column == nullptr || is_implicit_column(name)) {
            return db_fail("constraint violation", "unknown column " + name);
        }
        if (is_link(column->type) || unchanged(name, datum)) {
            continue;  // links are written below, element by element
        }
        if (auto ok = check_datum(datum, column->type); !ok) {
            return ok;
        }
        columns.push_back(column);
        key += kKeySep + name;
    }
    std::string sql;
    if (!statements_.contains(key)) {
        sql = "UPDATE " + quote(table) + " SET \"_version\" = ?1";
        for (std::size_t i = 0; i < columns.size(); ++i) {
            sql += ", " + quote(columns[i]->name) + " = ?" + std::to_string(i + 3);
        }
        sql += " WHERE \"_uuid\" = ?2";
    }
    auto stmt = prepared(key, sql);
    if (!stmt) {
        return tl::unexpected(stmt.error());
    }
    StmtReset reset(*stmt);
    int rc = bind_text(*stmt, 1, to_string(version));
    if (rc == SQLITE_OK) {
        rc = bind_text(*stmt, 2, to_string(uuid));
    }
    for (std::size_t i = 0; i < columns.size() && rc == SQLITE_OK; ++i) {
        rc = bind_datum(*stmt, static_cast<int>(i + 3),
                        changed_columns.find(columns[i]->name)->second, columns[i]->type);
    }
    if (rc != SQLITE_OK) {
        return tl::unexpected(sqlite_error(rc));
    }
    if (auto ok = step_done(*stmt); !ok) {
        return ok;
    }
    if (sqlite3_changes(db_) == 0) {
        return db_fail("I/O error",
                       "no row " + to_string(uuid) + " in table " + std::string(table));
    }
    for (const ColumnSchema* column : link_columns(**schema)) {
        const auto it = changed_columns.find(column->name);
        if (it == changed_columns.end()) {
            continue;
        }
        // The difference, when known, is written without comparing a thousand-element set.
        if (deltas != nullptr) {
            if (const auto delta = deltas->find(column->name); delta != deltas->end()) {
                if (auto ok = write_link_delta(table, column->name, uuid, delta->second); !ok) {
                    return ok;
                }
                continue;
            }
        }
        if (unchanged(column->name, it->second)) {
            continue;
        }
        const Datum* old_datum = nullptr;
        if (before != nullptr) {
            const auto old_it = before->find(column->name);
            if (old_it != before->end()) {
                old_datum = &old_it->second;
            }
        }
        if (old_datum == nullptr) {
            if (auto ok = link_step("link-clear", table, column->name, uuid, nullptr); !ok) {
                return ok;
            }
        }
        static const Datum no_links;
        if (auto ok = write_links(table, column->name, uuid, old_datum ? *old_datum : no_links,
                                  it->second);
            !ok) {
            return ok;
        }
    }
    return {};
}

DbResult<void> Store::erase(std::string_view table, const Uuid& uuid) {
    auto schema = table_of(table);
    if (!schema) {
        return tl::unexpected(schema.error());
    }
    std::string key = "erase" + std::string(1, kKeySep) + std::string(table);
    std::string sql;
    if (!statements_.contains(key)) {
        sql = "DELETE FROM " + quote(table) + " WHERE \"_uuid\" = ?1";
    }
    auto stmt = prepared(key, sql);
    if (!stmt) {
        return tl::unexpected(stmt.error());
    }
    StmtReset reset(*stmt);
    if (const int rc = bind_text(*stmt, 1, to_string(uuid)); rc != SQLITE_OK) {
        return tl::unexpected(sqlite_error(rc));
    }
    if (auto ok = step_done(*stmt); !ok) {
        return ok;
    }
    if (sqlite3_changes(db_) == 0) {
        return db_fail("I/O error",
                       "no row " + to_string(uuid) + " in table " + std::string(table));
    }
    for (const ColumnSchema* column : link_columns(**schema)) {
        if (auto ok = link_step("link-clear", table, column->name, uuid, nullptr); !ok) {
            return ok;
        }
    }
    return {};
}

DbResult<std::vector<Store::LoadedRow>> Store::load(std::string_view table) {
    auto schema = table_of(table);
    if (!schema) {
        return tl::unexpected(schema.error());
    }
    const std::vector<const ColumnSchema*> columns = data_columns(**schema);
    std::string key = "load" + std::string(1, kKeySep) + std::string(table);
    std::string sql;
    if (!statements_.contains(key)) {
        sql = "SELECT \"_uuid\", \"_version\"";
        for (const ColumnSchema* column : columns) {
            sql += ", " + quote(column->name);
        }
        sql += " FROM " + quote(table);
    }
    auto stmt = prepared(key, sql);
    if (!stmt) {
        return tl::unexpected(stmt.error());
    }
    StmtReset reset(*stmt);
    std::vector<LoadedRow> rows;
    for (;;) {
        const int rc = sqlite3_step(*stmt);
        if (rc == SQLITE_DONE) {
            break;
        }
        if (rc != SQLITE_ROW) {
            return tl::unexpected(sqlite_error(rc));
        }
        auto uuid = read_uuid(*stmt, 0);
        auto version = read_uuid(*stmt, 1);
        if (!uuid || !version) {
            return tl::unexpected(!uuid ? uuid.error() : version.error());
        }
        Row row;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            auto datum = read_datum(*stmt, static_cast<int>(i + 2), *columns[i]);
            if (!datum) {
                return tl::unexpected(datum.error());
            }
            row.emplace(columns[i]->name, std::move(*datum));
        }
        rows.emplace_back(*uuid, *version, std::move(row));
    }
    if (auto ok = load_links(**schema, rows); !ok) {
        return tl::unexpected(ok.error());
    }
    return rows;
}

DbResult<void> Store::load_links(const TableSchema& table, std::vector<LoadedRow>& rows) {
    const std::vector<const ColumnSchema*> links = link_columns(table);
    if (links.empty()) {
        return {};
    }
    std::map<Uuid, Row*> by_uuid;
    for (auto& [uuid, version, row] : rows) {
        by_uuid.emplace(uuid, &row);
    }
    for (const ColumnSchema* column : links) {
        for (auto& [uuid, version, row] : rows) {
            row[column->name] = Datum{};
        }
        const std::string link = link_table(table.name, column->name);
        const std::string sql = "SELECT \"_uuid\", \"ref\" FROM " + quote(link);
        auto stmt = prepared("link-load" + std::string(1, kKeySep) + link, sql);
        if (!stmt) {
            return tl::unexpected(stmt.error());
        }
        StmtReset reset(*stmt);
        for (;;) {
            const int rc = sqlite3_step(*stmt);
            if (rc == SQLITE_DONE) {
                break;
            }
            if (rc != SQLITE_ROW) {
                return tl::unexpected(sqlite_error(rc));
            }
            auto uuid = read_uuid(*stmt, 0);
            auto ref = read_uuid(*stmt, 1);
            if (!uuid || !ref) {
                return tl::unexpected(!uuid ? uuid.error() : ref.error());
            }
            const auto owner = by_uuid.find(*uuid);
            if (owner == by_uuid.end()) {
                return db_fail("I/O error", link + " names a missing row " + to_string(*uuid));
            }
            owner->second->at(column->name).keys.emplace_back(*ref);
        }
        for (auto& [uuid, version, row] : rows) {
            Datum& datum = row.at(column->name);
            if (!datum.canonicalize()) {
                return db_fail("I/O error", "duplicate element in " + link);
            }
            if (auto ok = check_datum(datum, column->type); !ok) {
                return ok;
            }
        }
    }
    return {};
}

}  // namespace vs::ovsdb
