// UnixctlServer: accept loop, per-connection framing and command dispatch.
#include "vswitchd/unixctl_server.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/json_framing.hpp"
#include "base/log.hpp"

namespace vs {

VS_LOG_MODULE(unixctl_log, "unixctl");

namespace asio = boost::asio;
using json = nlohmann::json;

class UnixctlServer::Session : public std::enable_shared_from_this<UnixctlServer::Session> {
  public:
    Session(UnixctlServer& server, asio::local::stream_protocol::socket socket)
        : server_(server), socket_(std::move(socket)) {}
    void start() { read(); }

  private:
    void read() {
        auto self = shared_from_this();
        socket_.async_read_some(
            asio::buffer(buf_), [this, self](boost::system::error_code ec, size_t n) {
                if (ec) return;
                splitter_.feed({buf_.data(), n});
                while (auto text = splitter_.next()) {
                    out_ += server_.dispatch(*text);
                }
                if (splitter_.error()) {
                    VS_WARN(unixctl_log, "closing a connection that sent something not JSON");
                    return;
                }
                write();
            });
    }
    void write() {
        if (out_.empty()) return read();
        auto self = shared_from_this();
        auto data = std::make_shared<std::string>(std::move(out_));
        out_.clear();
        asio::async_write(socket_, asio::buffer(*data),
                          [this, self, data](boost::system::error_code ec, size_t) {
                              if (!ec) read();
                          });
    }

    UnixctlServer& server_;
    asio::local::stream_protocol::socket socket_;
    std::array<char, 4096> buf_{};
    JsonSplitter splitter_;
    std::string out_;
};

UnixctlServer::UnixctlServer(asio::io_context& io, std::string path)
    : io_(io), path_(std::move(path)), acceptor_(io) {}

UnixctlServer::~UnixctlServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    ::unlink(path_.c_str());
}

Result<void> UnixctlServer::start() {
    ::unlink(path_.c_str());
    boost::system::error_code ec;
    acceptor_.open(asio::local::stream_protocol(), ec);
    if (!ec) acceptor_.bind(asio::local::stream_protocol::endpoint(path_), ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("control socket " + path_ + ": " + ec.message());
    accept();
    return {};
}

void UnixctlServer::add_command(const std::string& name, const std::string& usage, int min_args,
                                int max_args, Handler handler) {
    commands_[name] = Command{usage, min_args, max_args, std::move(handler)};
}

std::string UnixctlServer::list_commands() const {
    std::string out = "The available commands are:\n";
    for (auto& [name, cmd] : commands_) {
        out += "  " + name + (cmd.usage.empty() ? "" : " " + cmd.usage) + "\n";
    }
    return out;
}

void UnixctlServer::accept() {
    acceptor_.async_accept(
        [this](boost::system::error_code ec, asio::local::stream_protocol::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec) std::make_shared<Session>(*this, std::move(socket))->start();
            accept();
        });
}

std::string UnixctlServer::dispatch(const std::string& text) {
    json reply = {{"result", nullptr}, {"error", nullptr}, {"id", nullptr}};
    json request = json::parse(text, nullptr, false);
    if (request.is_discarded() || !request.is_object()) {
        reply["error"] = "request is not a JSON object";
        return reply.dump();
    }
    reply["id"] = request.value("id", json());
    const json method = request.value("method", json());
    const json params = request.value("params", json::array());
    if (!method.is_string() || !params.is_array()) {
        reply["error"] = "request needs a string \"method\" and an array \"params\"";
        return reply.dump();
    }
    std::vector<std::string> args;
    for (const json& p : params) {
        if (!p.is_string()) {
            reply["error"] = "command arguments must be strings";
            return reply.dump();
        }
        args.push_back(p.get<std::string>());
    }
    const std::string name = method.get<std::string>();
    auto it = commands_.find(name);
    if (it == commands_.end()) {
        reply["error"] = "\"" + name + "\" is not a valid command (use list-commands)";
        return reply.dump();
    }
    const Command& cmd = it->second;
    const int n = static_cast<int>(args.size());
    if (n < cmd.min_args || n > cmd.max_args) {
        reply["error"] = "\"" + name + "\" command takes " +
                         (cmd.min_args == cmd.max_args ? std::to_string(cmd.min_args)
                                                       : std::to_string(cmd.min_args) + " to " +
                                                             std::to_string(cmd.max_args)) +
                         " arguments (usage: " + name + " " + cmd.usage + ")";
        return reply.dump();
    }
    Result<std::string> result = cmd.handler(args);
    if (result) {
        reply["result"] = *result;
    } else {
        reply["error"] = result.error().message;
    }
    return reply.dump();
}

}  // namespace vs
