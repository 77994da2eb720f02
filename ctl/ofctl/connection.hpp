// ofctl's OpenFlow channel to a switch: a blocking unix or TCP socket, HELLO version negotiation
// (1.0 and/or 1.3 by bitmap, as ovs-ofctl), request/reply by xid with multipart reassembly, and
// pipelined sends (flow-mods) that keep reading so that neither side's buffer fills up.
// Errors are CommandError (exit 1). Thread: one thread (ofctl's main).
#pragma once

#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

namespace vs::ofctl {

struct CommandError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline constexpr uint8_t kOf10 = 1;
inline constexpr uint8_t kOf13 = 4;

// "br0" -> "unix:$VS_RUNDIR/br0.mgmt"; "unix:PATH" and "tcp:IP:PORT" as they are; a path with a
// slash -> "unix:PATH".
std::string resolve_target(const std::string& name);

class Connection {
  public:
    // Connects and negotiates; `versions` is a bitmap of allowed versions (1 << version).
    Connection(const std::string& target, uint32_t versions);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    uint8_t version() const { return version_; }
    uint32_t next_xid() { return xid_++; }
    // How long a send may wait for the switch to read (negative: for ever, as ovs-ofctl).
    void set_send_timeout_ms(int ms) { send_timeout_ms_ = ms; }

    // Queues bytes (one or more whole messages) and writes what the socket takes, reading
    // whatever arrives meanwhile into the inbox.
    void send(const std::vector<uint8_t>& bytes);
    // The next whole message (ECHO requests are answered and skipped); throws CommandError
    // after `timeout_ms` (negative: wait for ever) or when the switch closes the connection.
    std::vector<uint8_t> receive(int timeout_ms = 10000);

  private:
    void pump(int timeout_ms, bool want_message);
    bool take_message(std::vector<uint8_t>& out);
    void negotiate(uint32_t versions);

    int fd_ = -1;
    uint8_t version_ = 0;
    uint32_t xid_ = 2;
    std::string target_;
    int send_timeout_ms_ = 10000;  // until HELLO is done
    std::vector<uint8_t> out_;
    size_t out_at_ = 0;
    std::vector<uint8_t> in_;
};

}  // namespace vs::ofctl
