// UnixctlServer: the daemon's control socket ($VS_RUNDIR/vswitchd.ctl), speaking Open vSwitch's
// unixctl protocol (JSON-RPC 1.0: {"method":CMD,"params":[ARGS...],"id":N} → {"result":TEXT,
// "error":null,"id":N}), so both our appctl and ovs-appctl can talk to it.
// Thread: control thread (runs on its io_context).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include "base/asio.hpp"

#include "base/result.hpp"

namespace vs {

class UnixctlServer {
  public:
    using Handler = std::function<Result<std::string>(const std::vector<std::string>& args)>;

    UnixctlServer(boost::asio::io_context& io, std::string path);
    ~UnixctlServer();
    Result<void> start();

    // min/max count the arguments after the command name.
    void add_command(const std::string& name, const std::string& usage, int min_args, int max_args,
                     Handler handler);
    std::string list_commands() const;
    const std::string& path() const { return path_; }

  private:
    struct Command {
        std::string usage;
        int min_args, max_args;
        Handler handler;
    };
    class Session;
    void accept();
    std::string dispatch(const std::string& request_text);

    boost::asio::io_context& io_;
    std::string path_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::map<std::string, Command> commands_;
};

}  // namespace vs
