// JsonRpcClient against a scripted server on a real socket (unix or TCP, in a thread).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "base/json_framing.hpp"
#include "ovsdb/client/jsonrpc_client.hpp"

namespace vs::ovsdb {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

Deadline in_ms(int ms) {
    return Clock::now() + std::chrono::milliseconds(ms);
}

// Reads one JSON text from fd.
Json read_message(int fd, JsonSplitter& splitter) {
    std::array<char, 4096> buf{};
    for (;;) {
        if (auto text = splitter.next()) return Json::parse(*text);
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) return Json();
        splitter.feed({buf.data(), static_cast<size_t>(n)});
    }
}

void write_text(int fd, const std::string& text) {
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

class UnixServer {
  public:
    UnixServer() {
        path_ = "/tmp/vs-client-test-" + std::to_string(::getpid()) + ".sock";
        ::unlink(path_.c_str());
        fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
        // NOLINTNEXTLINE(*-reinterpret-cast)
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(fd_, 4), 0);
    }
    ~UnixServer() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    UnixServer(const UnixServer&) = delete;
    UnixServer& operator=(const UnixServer&) = delete;

    [[nodiscard]] std::string remote() const { return "unix:" + path_; }
    [[nodiscard]] int accept_one() const { return ::accept(fd_, nullptr, nullptr); }

  private:
    std::string path_;
    int fd_ = -1;
};

TEST(JsonRpcClient, RepliesByIdAnswersEchoAndQueuesNotifications) {
    UnixServer server;
    Json echo_reply;
    std::thread peer([&] {
        const int fd = server.accept_one();
        JsonSplitter splitter;
        const Json request = read_message(fd, splitter);
        EXPECT_EQ(request["method"], "transact");
        write_text(fd, R"({"method":"echo","params":["ping"],"id":"e1"})");
        write_text(fd, R"({"method":"update","params":["m",{"T":{}}],"id":null})");
        echo_reply = read_message(fd, splitter);
        // A stale reply to another id first, then ours in two pieces.
        write_text(fd, R"({"result":[],"error":null,"id":999})");
        const std::string reply = Json{
            {"result", Json::array({{{"count", 1}}})},
            {"error", nullptr},
            {"id", request["id"]}}.dump();
        write_text(fd, reply.substr(0, 10));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        write_text(fd, reply.substr(10));
        ::close(fd);
    });
    auto client = JsonRpcClient::connect(server.remote(), in_ms(5000));
    ASSERT_TRUE(client) << client.error().message;
    auto reply = client->call("transact", Json::array({"Open_vSwitch"}), in_ms(5000));
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ((*reply)["result"][0]["count"], 1);
    auto note = client->next_notification(in_ms(1000));
    ASSERT_TRUE(note);
    EXPECT_EQ((*note)["method"], "update");
    peer.join();
    EXPECT_EQ(echo_reply["id"], "e1");
    EXPECT_EQ(echo_reply["result"], Json::array({"ping"}));
    // The server has gone: the next call fails instead of hanging.
    EXPECT_FALSE(client->call("echo", Json::array(), in_ms(1000)));
}

TEST(JsonRpcClient, DeadlinePasses) {
    UnixServer server;
    auto client = JsonRpcClient::connect(server.remote(), in_ms(1000));
    ASSERT_TRUE(client);
    const int fd = server.accept_one();
    const auto start = Clock::now();
    auto reply = client->call("echo", Json::array(), in_ms(100));
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().message, JsonRpcClient::kTimedOut);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
    EXPECT_FALSE(client->next_notification(in_ms(50)));
    ::close(fd);
}

TEST(JsonRpcClient, Tcp) {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // NOLINTNEXTLINE(*-reinterpret-cast)
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    // NOLINTNEXTLINE(*-reinterpret-cast)
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    std::thread peer([&] {
        const int fd = ::accept(listener, nullptr, nullptr);
        JsonSplitter splitter;
        const Json request = read_message(fd, splitter);
        write_text(
            fd,
            Json{{"result", request["params"]}, {"error", nullptr}, {"id", request["id"]}}.dump());
        ::close(fd);
    });
    auto client = JsonRpcClient::connect("tcp:127.0.0.1:" + std::to_string(ntohs(addr.sin_port)),
                                         in_ms(1000));
    ASSERT_TRUE(client) << client.error().message;
    auto reply = client->call("echo", Json::array({1, 2}), in_ms(1000));
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)["result"], Json::array({1, 2}));
    peer.join();
    ::close(listener);
}

TEST(JsonRpcClient, ConnectErrors) {
    EXPECT_FALSE(JsonRpcClient::connect("unix:/nonexistent/db.sock", in_ms(1000)));
    EXPECT_FALSE(JsonRpcClient::connect("ssl:1.2.3.4:6640", in_ms(1000)));
    EXPECT_FALSE(JsonRpcClient::connect("tcp:1.2.3.4", in_ms(1000)));
    EXPECT_FALSE(JsonRpcClient::connect("tcp:not-an-ip:6640", in_ms(1000)));
    EXPECT_FALSE(JsonRpcClient::connect("tcp:127.0.0.1:99999", in_ms(1000)));
}

}  // namespace
}  // namespace vs::ovsdb
