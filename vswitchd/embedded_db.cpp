// The embedded config DB: a Database on its SQLite file, served by a DbServer.
#include <sys/stat.h>

#include "ovsdb/server/db_server.hpp"
#include "vswitchd/config_db.hpp"

namespace vs {

namespace {

void make_parent_dir(const std::string& path) {
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) ::mkdir(path.substr(0, slash).c_str(), 0755);
}

class EmbeddedDb final : public ConfigDb {
  public:
    EmbeddedDb(boost::asio::io_context& io, std::unique_ptr<ovsdb::Database> db, std::string file,
               std::vector<std::string> remotes)
        : db_(std::move(db)),
          server_(io, *db_),
          file_(std::move(file)),
          remotes_(std::move(remotes)) {}

    const ovsdb::Database& db() const override { return *db_; }
    ovsdb::TransactResult transact(const ovsdb::Json& operations) override {
        return server_.transact_local(operations);
    }
    Result<void> start(std::function<void()> changed,
                       std::function<Result<void>()> connected) override {
        if (auto ok = connected(); !ok) return ok;
        server_.on_commit(
            [changed = std::move(changed)](const std::vector<ovsdb::RowChange>&) { changed(); });
        for (const std::string& remote : remotes_) {
            if (auto ok = server_.listen(remote); !ok) return ok;
        }
        return {};
    }
    bool connected() const override { return true; }
    std::string describe() const override {
        std::string text = "embedded " + file_ + " on";
        for (const std::string& remote : remotes_)
            text += " " + remote;
        return text;
    }

  private:
    std::unique_ptr<ovsdb::Database> db_;
    ovsdb::DbServer server_;
    std::string file_;
    std::vector<std::string> remotes_;
};

}  // namespace

Result<std::unique_ptr<ConfigDb>> open_embedded_db(boost::asio::io_context& io,
                                                   const std::string& db_file,
                                                   const std::string& schema_file,
                                                   std::vector<std::string> remotes) {
    auto schema = ovsdb::load_schema_file(schema_file);
    if (!schema) {
        return fail(schema_file + ": " + schema.error().error + ": " + schema.error().details);
    }
    make_parent_dir(db_file);
    auto db = ovsdb::Database::open(db_file, std::move(*schema));
    if (!db) return fail(db_file + ": " + db.error().error + ": " + db.error().details);
    return std::make_unique<EmbeddedDb>(io, std::move(*db), db_file, std::move(remotes));
}

}  // namespace vs
