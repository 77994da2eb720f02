// vsdb-server: the standalone config DB server, RFC 7047 JSON-RPC over an SQLite file.
// usage: vsdb-server [DB-FILE] [--remote=punix:PATH|ptcp:PORT[:IP]]... [--schema=FILE]
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "base/asio.hpp"
#include "base/log.hpp"
#include "base/paths.hpp"
#include "ovsdb/server/db_server.hpp"

namespace po = boost::program_options;
using namespace vs;

namespace {

VS_LOG_MODULE(main_log, "vsdb-server");

int run(int argc, char** argv) {
    std::string db_file, schema_file = std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema";
    std::vector<std::string> remotes;
    std::string log_file, pidfile;
    po::options_description opts("vsdb-server options");
    opts.add_options()("help,h", "print this help")("version,V", "print the version")(
        "db", po::value(&db_file), "database file (default $VS_DBDIR/conf.db)")(
        "remote", po::value(&remotes)->composing(),
        "listen on punix:PATH or ptcp:PORT[:IP] (default punix:$VS_RUNDIR/db.sock)")(
        "schema", po::value(&schema_file)->default_value(schema_file), "schema for a new file")(
        "log-file", po::value(&log_file), "log to this file")("pidfile", po::value(&pidfile),
                                                              "write the process id here")(
        "verbose,v", "log every request (all modules at debug level)");
    po::positional_options_description positional;
    positional.add("db", 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(opts).positional(positional).run(),
                  vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "vsdb-server: " << e.what() << " (use --help)\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << "vsdb-server: the config database server\nusage: vsdb-server [DB-FILE] "
                     "[OPTIONS]\n"
                  << opts;
        return 0;
    }
    if (vm.count("version")) {
        std::cout << "vsdb-server (vswitch) 0.1.0\n";
        return 0;
    }
    const std::string rundir = run_dir();
    const std::string dbdir = db_dir();
    if (db_file.empty()) {
        ::mkdir(dbdir.c_str(), 0755);
        db_file = dbdir + "/conf.db";
    }
    if (remotes.empty()) {
        ::mkdir(rundir.c_str(), 0755);
        remotes.push_back("punix:" + rundir + "/db.sock");
    }
    if (vm.count("verbose")) {
        for (LogModule* m : log_modules())
            m->set_level(LogLevel::kDbg);
    }
    if (!log_file.empty() && !log_set_file(log_file)) {
        std::cerr << "vsdb-server: cannot open log file " << log_file << "\n";
        return 1;
    }
    auto schema = ovsdb::load_schema_file(schema_file);
    if (!schema) {
        std::cerr << "vsdb-server: " << schema_file << ": " << schema.error().error << ": "
                  << schema.error().details << "\n";
        return 1;
    }
    auto db = ovsdb::Database::open(db_file, std::move(*schema));
    if (!db) {
        std::cerr << "vsdb-server: " << db_file << ": " << db.error().error << ": "
                  << db.error().details << "\n";
        return 1;
    }
    boost::asio::io_context io;
    ovsdb::DbServer server(io, **db);
    for (const std::string& remote : remotes) {
        if (auto ok = server.listen(remote); !ok) {
            std::cerr << "vsdb-server: " << ok.error().message << "\n";
            return 1;
        }
    }
    if (!pidfile.empty()) std::ofstream(pidfile) << getpid() << "\n";
    boost::asio::signal_set stop(io, SIGINT, SIGTERM);
    stop.async_wait([&io](auto, int) { io.stop(); });
    VS_INFO(main_log, "serving {} on {}", db_file, remotes.front());
    io.run();
    if (!pidfile.empty()) ::unlink(pidfile.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "vsdb-server: " << e.what() << "\n";
        return 1;
    }
}
