// OfBridge: a bridge's OpenFlow side — its channels (ConnManager) and the answers to the
// requests every channel needs whatever the flow tables hold: FEATURES, GET/SET_CONFIG, DESC,
// PORT_DESC, BARRIER and ROLE_REQUEST, in OpenFlow 1.0 and 1.3. The bridge's internal port is
// the OpenFlow LOCAL port, as in Open vSwitch. Requests it cannot carry out are answered with the
// specification's ERROR (malformed ones with the type and code the decoder maps them to).
// Thread: the io_context's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/asio.hpp"
#include "base/result.hpp"
#include "vswitchd/ofconn/conn_manager.hpp"

namespace vs {

// What OpenFlow says about one port of the bridge.
struct OfPortInfo {
    uint32_t port_no = 0;  // datapath number; the bridge's internal port is reported as LOCAL
    std::string name;
    std::string mac;  // "aa:bb:cc:dd:ee:ff"; empty: unknown
    bool link_up = false;
    bool local = false;  // the bridge's internal port
};

struct OfSwitchInfo {
    uint64_t datapath_id = 0;
    std::vector<OfPortInfo> ports;
};

class OfBridge : private OfMessageHandler {
  public:
    using InfoSource = std::function<OfSwitchInfo()>;

    OfBridge(boost::asio::io_context& io, const std::string& bridge, const std::string& rundir,
             InfoSource info);
    Result<void> start() { return conns_.start(); }
    ConnManager& conns() { return conns_; }
    const ConnManager& conns() const { return conns_; }

  private:
    void handle_message(OfConnection& conn, std::span<const uint8_t> message) override;
    void handle10(OfConnection& conn, std::span<const uint8_t> message);
    void handle13(OfConnection& conn, std::span<const uint8_t> message);

    std::string name_;
    InfoSource info_;
    ConnManager conns_;
    uint16_t config_flags_ = 0;     // SET_CONFIG's flags (fragment handling)
    uint16_t miss_send_len_ = 128;  // SET_CONFIG's miss_send_len (the specification's default)
};

}  // namespace vs
