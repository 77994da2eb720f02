// SwitchDaemon: bridge set-up from flags and the control thread's timers.
#include "vswitchd/switch_daemon.hpp"

#include "base/log.hpp"

namespace vs {

VS_LOG_MODULE(daemon_log, "vswitchd");

namespace asio = boost::asio;
using namespace std::chrono_literals;

SwitchDaemon::SwitchDaemon(asio::io_context& io, const DaemonConfig& config,
                           std::unique_ptr<Datapath> dp)
    : io_(io),
      config_(config),
      dp_(std::move(dp)),
      macs_(config.mac_table_size, config.mac_aging_ms),
      learning_(*dp_, macs_),
      unixctl_(io, config.unixctl_path),
      upcall_timer_(io),
      maintenance_timer_(io) {}

SwitchDaemon::~SwitchDaemon() {
    dp_->set_upcall_handler(nullptr);
}

Result<std::unique_ptr<SwitchDaemon>> SwitchDaemon::create(asio::io_context& io,
                                                           const DaemonConfig& config) {
    auto dp = Datapath::create(config.datapath);
    if (!dp) return tl::unexpected(dp.error());
    std::unique_ptr<SwitchDaemon> d(new SwitchDaemon(io, config, std::move(*dp)));
    d->dp_->set_upcall_handler(&d->learning_);
    if (auto ok = d->unixctl_.start(); !ok) return tl::unexpected(ok.error());
    d->register_commands();
    if (config.bridge_internal_port) {
        PortConfig internal;
        internal.name = config.bridge;
        internal.type = "internal";
        if (auto no = d->add_port(internal); !no) return tl::unexpected(no.error());
    }
    for (const PortConfig& port : config.ports) {
        if (auto no = d->add_port(port); !no) return tl::unexpected(no.error());
    }
    d->poll_upcalls();
    d->schedule_maintenance();
    return d;
}

Result<uint32_t> SwitchDaemon::add_port(const PortConfig& config) {
    auto no = dp_->add_port(config);
    if (!no) return fail("bridge " + config_.bridge + ": " + no.error().message);
    VS_INFO(daemon_log, "bridge {}: added {} port {} as port {}", config_.bridge, config.type,
            config.name, *no);
    return no;
}

Result<void> SwitchDaemon::del_port(const std::string& name) {
    auto no = dp_->port_no(name);
    if (!no) return tl::unexpected(no.error());
    if (auto ok = dp_->remove_port(*no); !ok) return ok;
    learning_.port_removed(*no);
    VS_INFO(daemon_log, "bridge {}: removed port {}", config_.bridge, name);
    return {};
}

void SwitchDaemon::register_commands() {
    register_appctl_commands(unixctl_, *this, io_);
}

// Upcalls are drained as fast as they come while there are any, then every millisecond: the
// control thread must not spin on a core the PMD threads or other processes need.
void SwitchDaemon::poll_upcalls() {
    const size_t handled = dp_->handle_upcalls();
    if (handled > 0) {
        asio::post(io_, [this] { poll_upcalls(); });
        return;
    }
    upcall_timer_.expires_after(1ms);
    upcall_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) poll_upcalls();
    });
}

void SwitchDaemon::schedule_maintenance() {
    maintenance_timer_.expires_after(1s);
    maintenance_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        learning_.run_aging();
        dp_->maintain();
        schedule_maintenance();
    });
}

}  // namespace vs
