// One client connection of the DbServer: reads JSON-RPC texts, writes replies and notifications
// in order through a queue, and holds the client's monitors and locks.
// Thread: the io_context's thread only.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>

#include "base/json_framing.hpp"
#include "ovsdb/server/db_server.hpp"

namespace vs::ovsdb {

class DbServer::Session : public std::enable_shared_from_this<DbServer::Session> {
  public:
    Session(DbServer& server, boost::asio::generic::stream_protocol::socket socket)
        : server_(server), socket_(std::move(socket)) {}

    void start() { read(); }
    void send(const Json& message);
    // A message already serialized (monitor contents are written straight as text).
    void send_text(std::string message);
    void close();
    bool closed() const { return closed_; }

    std::map<std::string, Monitor> monitors;   // by the monitor id's JSON text
    std::set<std::string, std::less<>> locks;  // lock names this session asked for

  private:
    void read();
    void write_next();

    DbServer& server_;
    boost::asio::generic::stream_protocol::socket socket_;
    // Bytes of requests one group commit takes from this client before others get a turn.
    static constexpr std::size_t kMaxBatchBytes = 256 * 1024;
    std::array<char, 16384> buf_{};
    JsonSplitter splitter_{64 << 20};
    std::deque<std::string> out_;
    bool writing_ = false;
    bool closed_ = false;
};

}  // namespace vs::ovsdb
