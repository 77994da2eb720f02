// vswitchd: the switch daemon. It serves the config DB ($VS_DBDIR/conf.db on
// punix:$VS_RUNDIR/db.sock) and runs the bridges the DB describes; --bridge and --port seed the
// DB for a quick start: vswitchd --bridge br0 --port "p1 type=system" --port "vhu0
// type=dpdkvhostuser" ... With --db=unix:PATH or tcp:IP:PORT it serves no DB and follows an
// external server's (vsdb-server or Open vSwitch's ovsdb-server) instead.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include "base/asio.hpp"

#include "base/log.hpp"
#include "base/paths.hpp"
#include "vswitchd/guest_autostart.hpp"
#include "vswitchd/port_spec.hpp"
#include "vswitchd/switch_daemon.hpp"

namespace po = boost::program_options;
using namespace vs;

namespace {

VS_LOG_MODULE(main_log, "vswitchd");

std::vector<int> parse_cpu_list(const std::string& text) {
    std::vector<int> cpus;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find(',', pos);
        if (end == std::string::npos) end = text.size();
        cpus.push_back(std::stoi(text.substr(pos, end - pos)));
        pos = end + 1;
    }
    return cpus;
}

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> words;
    std::istringstream in(text);
    for (std::string w; in >> w;)
        words.push_back(w);
    return words;
}

int run(int argc, char** argv) {
    DaemonConfig config;
    std::vector<std::string> port_specs;
    std::string pmd_cpus, dpdk_extra, log_file, pidfile, external_db;
    config.schema_file = std::string(VS_OVSDB_SCHEMA_DIR) + "/vswitch.ovsschema";
    unsigned mac_aging_s = 300;
    bool no_internal = false, detach = false;
    po::options_description opts("vswitchd options");
    opts.add_options()("help,h", "print this help")("version,V", "print the version")(
        "bridge", po::value(&config.bridge),
        "make sure the DB has this bridge (ovs-vsctl --may-exist add-br; default br0 when "
        "--port is given)")(
        "port", po::value(&port_specs)->composing(),
        "add a port to --bridge through the DB: \"NAME [type=TYPE] [options:KEY=VALUE]... "
        "[ofport_request=N] [mtu_request=N] [n_rxq=N]\" (repeatable; failing to create it "
        "is fatal)")("no-internal-port", po::bool_switch(&no_internal),
                     "a new --bridge gets no internal (TAP) port")(
        "db-file", po::value(&config.db_file), "config DB file (default $VS_DBDIR/conf.db)")(
        "remote", po::value(&config.db_remotes)->composing(),
        "also serve the DB on punix:PATH or ptcp:PORT[:IP] (always on "
        "punix:RUNDIR/db.sock; repeatable)")(
        "schema", po::value(&config.schema_file)->default_value(config.schema_file),
        "schema for a new DB file")(
        "db", po::value(&external_db),
        "use the external DB server at unix:PATH or tcp:IP:PORT (vsdb-server or "
        "ovsdb-server) instead of the embedded DB")(
        "rundir", po::value(&config.rundir)->default_value(run_dir()),
        "directory for sockets and pid files ($VS_RUNDIR)")(
        "unixctl", po::value(&config.unixctl_path), "control socket (default RUNDIR/vswitchd.ctl)")(
        "pmd-threads", po::value(&config.datapath.n_pmds)->default_value(1), "PMD threads")(
        "pmd-cpus", po::value(&pmd_cpus), "cores for the PMD threads, e.g. 1 or 1,2")(
        "dpdk-mem", po::value(&config.datapath.mem_mb)->default_value(1024), "EAL memory in MB")(
        "dpdk-hugepages", po::bool_switch(&config.datapath.hugepages),
        "use hugepages (default: none)")("dpdk-extra", po::value(&dpdk_extra),
                                         "extra EAL arguments")(
        "mbufs", po::value(&config.datapath.n_mbufs)->default_value(32768), "packet buffers")(
        "max-flows",
        po::value(&config.datapath.max_flows)->default_value(MegaflowTable::kDefaultMaxFlows),
        "megaflows per PMD thread")("max-idle",
                                    po::value(&config.datapath.flow_idle_ms)->default_value(10000),
                                    "megaflow idle timeout in ms")(
        "emc-insert-inv-prob", po::value(&config.datapath.emc_insert_inv_prob)->default_value(100),
        "insert one exact-match cache miss in N (0 disables the cache)")(
        "mac-aging-time", po::value(&mac_aging_s)->default_value(300), "MAC aging in seconds")(
        "mac-table-size", po::value(&config.mac_table_size)->default_value(2048),
        "MAC table entries")("log-file", po::value(&log_file), "log to this file")(
        "pidfile", po::value(&pidfile), "write the process id here")(
        "detach", po::bool_switch(&detach), "run in the background");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "vswitchd: " << e.what() << " (use --help)\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << "vswitchd: the switch daemon\nusage: vswitchd [OPTIONS]\n\n"
                     "Serves the config DB (Open_vSwitch schema) from --db-file on\n"
                     "punix:RUNDIR/db.sock and runs the bridges and ports it describes;\n"
                     "ovs-vsctl --db=unix:RUNDIR/db.sock add-br/add-port/del-port... returns\n"
                     "once they are applied (cur_cfg = next_cfg). With --db=REMOTE it\n"
                     "follows an external DB server instead and serves none.\n\n"
                  << opts;
        return 0;
    }
    if (vm.count("version")) {
        std::cout << "vswitchd (vswitch) 0.1.0\n";
        return 0;
    }
    if (!external_db.empty() && (vm.count("remote") || vm.count("db-file"))) {
        std::cerr << "vswitchd: --remote and --db-file are for the embedded DB; --db names an "
                     "external one\n";
        return 2;
    }
    config.external_db = external_db;
    if (config.bridge.empty() && !port_specs.empty()) config.bridge = "br0";
    for (const std::string& spec : port_specs) {
        auto port = parse_port_spec(spec);
        if (!port) {
            std::cerr << "vswitchd: --port: " << port.error().message << "\n";
            return 2;
        }
        config.ports.push_back(*port);
    }
    try {
        if (!pmd_cpus.empty()) config.datapath.pmd_cpus = parse_cpu_list(pmd_cpus);
    } catch (const std::exception&) {
        std::cerr << "vswitchd: --pmd-cpus: expected a list like 1,2\n";
        return 2;
    }
    config.bridge_internal_port = !no_internal;
    config.mac_aging_ms = uint64_t{mac_aging_s} * 1000;
    config.datapath.eal_extra = split_words(dpdk_extra);
    config.datapath.rundir = config.rundir;
    config.datapath.name = "netdev@" + (config.bridge.empty() ? "ovs-netdev" : config.bridge);
    if (config.unixctl_path.empty()) config.unixctl_path = config.rundir + "/vswitchd.ctl";
    if (config.db_file.empty()) config.db_file = db_dir() + "/conf.db";
    ::mkdir(config.rundir.c_str(), 0755);

    if (!log_file.empty() && !log_set_file(log_file)) {
        std::cerr << "vswitchd: cannot open log file " << log_file << "\n";
        return 1;
    }
    if (detach && daemon(1, 0) != 0) {
        std::cerr << "vswitchd: cannot detach\n";
        return 1;
    }
    if (!pidfile.empty()) std::ofstream(pidfile) << getpid() << "\n";

    boost::asio::io_context io;
    auto daemon = SwitchDaemon::create(io, config);
    if (!daemon) {
        if (!log_file.empty()) VS_ERR(main_log, "{}", daemon.error().message);
        std::cerr << "vswitchd: " << daemon.error().message << "\n";
        return 1;
    }
    boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
    stop_signals.async_wait([&io](auto, int) { io.stop(); });
    boost::asio::signal_set hup(io, SIGHUP);
    std::function<void()> on_hup = [&] {
        hup.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            if (!log_file.empty()) log_set_file(log_file);
            on_hup();
        });
    };
    on_hup();
    VS_INFO(main_log, "ready: DB {}, control socket {}", (*daemon)->config_db().describe(),
            config.unixctl_path);
    if (config.external_db.empty())
        start_autostart_guests((*daemon)->config_db().db(), config.rundir);
    io.run();
    VS_INFO(main_log, "shutting down");
    daemon->reset();
    if (!pidfile.empty()) ::unlink(pidfile.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "vswitchd: " << e.what() << "\n";
        return 1;
    }
}
