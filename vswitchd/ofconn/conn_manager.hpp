// ConnManager: a bridge's OpenFlow channels. It always listens on punix:RUNDIR/BRIDGE.mgmt (for
// ofctl and ovs-ofctl), and keeps the bridge's Controller rows' targets connected: active ones
// (tcp:IP[:PORT], unix:PATH) are dialled and redialled with back-off doubling from 1 s up to the
// row's max_backoff, and probed when idle; passive ones (ptcp:[PORT][:IP], punix:PATH) listen.
// Each target's state is reported as the Controller row's is_connected/status.
// Thread: the io_context's thread only.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/asio.hpp"
#include "base/result.hpp"
#include "vswitchd/controller_config.hpp"
#include "vswitchd/ofconn/of_connection.hpp"

namespace vs {

// What the bridge does with the messages its channels bring (everything but HELLO and ECHO).
class OfMessageHandler {
  public:
    virtual ~OfMessageHandler() = default;
    virtual void handle_message(OfConnection& conn, std::span<const uint8_t> message) = 0;
};

class ConnManager : private OfHandler {
  public:
    static constexpr uint16_t kDefaultPort = 6653;

    ConnManager(boost::asio::io_context& io, std::string bridge, std::string rundir,
                OfMessageHandler& handler);
    ~ConnManager() override;
    ConnManager(const ConnManager&) = delete;
    ConnManager& operator=(const ConnManager&) = delete;

    // Listens on punix:RUNDIR/BRIDGE.mgmt.
    Result<void> start();
    // Makes the controller connections match `wanted`: new targets are started, gone ones
    // closed, unchanged ones left alone.
    void set_controllers(const std::vector<WantedController>& wanted);
    // Each Controller row's state now.
    std::map<ovsdb::Uuid, ControllerStatus> status() const;
    // Open channels whose version is agreed: management connections and controllers.
    std::vector<std::shared_ptr<OfConnection>> channels() const;
    // Those of them that belong to Controller targets (asynchronous messages go there).
    std::vector<std::shared_ptr<OfConnection>> controller_channels() const;
    std::string mgmt_path() const { return rundir_ + "/" + bridge_ + ".mgmt"; }
    // Called when a controller's state changes (to write its status promptly).
    void on_status_change(std::function<void()> fn) { status_changed_ = std::move(fn); }

  private:
    struct Listener;
    struct Target;
    using Clock = std::chrono::steady_clock;

    void on_ready(OfConnection& conn) override;
    void on_message(OfConnection& conn, std::span<const uint8_t> message) override;
    void on_closed(OfConnection& conn, const std::string& why) override;

    Result<std::shared_ptr<Listener>> listen(const std::string& target,
                                             const std::shared_ptr<Target>& owner);
    void accept(const std::shared_ptr<Listener>& listener);
    void dial(const std::shared_ptr<Target>& target);
    void back_off(const std::shared_ptr<Target>& target, const std::string& why);
    std::shared_ptr<Target> owner_of(const OfConnection& conn) const;
    void notify();

    boost::asio::io_context& io_;
    std::string bridge_;
    std::string rundir_;
    OfMessageHandler& handler_;
    std::shared_ptr<Listener> mgmt_;
    std::list<std::shared_ptr<Target>> targets_;
    // Channels accepted by listeners (mgmt and passive targets) until they close, with the
    // passive target that accepted them (none for mgmt).
    std::map<std::shared_ptr<OfConnection>, std::weak_ptr<Target>> accepted_;
    std::function<void()> status_changed_;
    unsigned n_accepted_ = 0;
};

}  // namespace vs
