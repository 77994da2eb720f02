// OfConnection: one OpenFlow channel over a stream socket (unix or TCP, whichever side opened
// it). It frames messages by the header's length, negotiates the version with HELLO (we offer
// 1.0 and 1.3, with the version bitmap of OpenFlow 1.3.1; the highest version both sides have
// wins), answers ECHO_REQUEST, and when probing is on sends ECHO_REQUEST to a peer that has been
// silent for the probe interval, closing the channel if it stays silent for another one. Every
// other message goes to the Handler, in the negotiated version only.
// Thread: the io_context's thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/asio.hpp"

namespace vs {

class OfConnection;

class OfHandler {
  public:
    virtual ~OfHandler() = default;
    // The version is agreed; the channel may be used.
    virtual void on_ready(OfConnection& conn) = 0;
    // One whole message (header included) in the agreed version.
    virtual void on_message(OfConnection& conn, std::span<const uint8_t> message) = 0;
    // The channel is gone (peer closed, I/O error, failed negotiation, probe timeout). The
    // connection object lives on as long as someone holds it, but sends are dropped.
    virtual void on_closed(OfConnection& conn, const std::string& why) = 0;
};

class OfConnection : public std::enable_shared_from_this<OfConnection> {
  public:
    using Socket = boost::asio::generic::stream_protocol::socket;
    static constexpr uint8_t kVersion10 = 0x01;
    static constexpr uint8_t kVersion13 = 0x04;

    // `name` is for logs ("unix:/run/vs/br0.mgmt#3", "tcp:127.0.0.1:6653"). `probe` zero: no
    // inactivity probes.
    static std::shared_ptr<OfConnection> start(Socket socket, OfHandler& handler, std::string name,
                                               std::chrono::milliseconds probe);
    ~OfConnection();
    OfConnection(const OfConnection&) = delete;
    OfConnection& operator=(const OfConnection&) = delete;

    // Queues one encoded message. Dropped once the channel is closed.
    void send(std::vector<uint8_t> message);
    // Sends an ERROR (type, code, and the first 64 bytes of the offending message as its data,
    // as the specification asks) in the agreed version.
    void send_error(uint16_t type, uint16_t code, std::span<const uint8_t> offending, uint32_t xid);
    // Closes the channel; the handler hears of it once, with `why`.
    void close(const std::string& why);

    uint8_t version() const { return version_; }  // 0 until agreed
    bool open() const { return open_; }
    const std::string& name() const { return name_; }
    uint64_t messages_in() const { return messages_in_; }

  private:
    OfConnection(Socket socket, OfHandler& handler, std::string name,
                 std::chrono::milliseconds probe);
    void send_hello();
    void read_more();
    void dispatch(std::span<const uint8_t> message);
    void negotiate(std::span<const uint8_t> hello);
    void write_next();
    void schedule_probe();

    Socket socket_;
    OfHandler& handler_;
    std::string name_;
    std::chrono::milliseconds probe_;
    boost::asio::steady_timer probe_timer_;
    std::chrono::steady_clock::time_point last_rx_;
    bool probe_sent_ = false;
    uint8_t version_ = 0;
    bool open_ = true;
    bool writing_ = false;
    uint64_t messages_in_ = 0;
    std::vector<uint8_t> in_;  // received, not yet dispatched: the first in_len_ bytes
    size_t in_len_ = 0;
    std::deque<std::vector<uint8_t>> out_;
};

}  // namespace vs
