// SwitchDaemon: what vswitchd runs — one bridge on the datapath with the learning switch as its
// upcall handler, the control socket, and the control thread's timers (upcall draining, flow
// expiry, MAC aging). Until the config DB drives it, the bridge and its ports come from flags.
// Thread: the control thread (the io_context's); the datapath runs its own PMD threads.
#pragma once

#include <memory>
#include <string>
#include <vector>
#include "base/asio.hpp"

#include "datapath/datapath.hpp"
#include "vswitchd/learning_switch.hpp"
#include "vswitchd/mac_table.hpp"
#include "vswitchd/unixctl_server.hpp"

namespace vs {

struct DaemonConfig {
    std::string bridge = "br0";
    bool bridge_internal_port = true;  // a TAP named after the bridge, as Open vSwitch makes
    std::vector<PortConfig> ports;
    std::string rundir;
    std::string unixctl_path;  // default rundir/vswitchd.ctl
    size_t mac_table_size = MacTable::kDefaultMaxEntries;
    uint64_t mac_aging_ms = MacTable::kDefaultAgingMs;
    DatapathConfig datapath;
};

class SwitchDaemon {
  public:
    static Result<std::unique_ptr<SwitchDaemon>> create(boost::asio::io_context& io,
                                                        const DaemonConfig& config);
    ~SwitchDaemon();

    Result<uint32_t> add_port(const PortConfig& config);
    Result<void> del_port(const std::string& name);

    Datapath& datapath() { return *dp_; }
    MacTable& mac_table() { return macs_; }
    const DaemonConfig& config() const { return config_; }

  private:
    SwitchDaemon(boost::asio::io_context& io, const DaemonConfig& config,
                 std::unique_ptr<Datapath> dp);
    void register_commands();
    void poll_upcalls();
    void schedule_maintenance();

    boost::asio::io_context& io_;
    DaemonConfig config_;
    std::unique_ptr<Datapath> dp_;
    MacTable macs_;
    LearningSwitch learning_;
    UnixctlServer unixctl_;
    boost::asio::steady_timer upcall_timer_;
    boost::asio::steady_timer maintenance_timer_;
};

// Registers the appctl commands that report on and control the daemon (dpctl/*, dpif-netdev/*,
// fdb/*, vlog/*, exit...).
void register_appctl_commands(UnixctlServer& server, SwitchDaemon& daemon,
                              boost::asio::io_context& io);

}  // namespace vs
