// JsonRpcClient over POSIX sockets with poll() for deadlines; see jsonrpc_client.hpp.
#include "ovsdb/client/jsonrpc_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include <array>
#include <utility>

namespace vs::ovsdb {

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// Milliseconds left before the deadline for poll(): -1 forever, 0 when passed.
int poll_timeout_ms(Deadline deadline) {
    if (!deadline) return -1;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<long>(left.count(), 1 << 30));
}

// Waits for `events` on fd; an error when the deadline passes first.
Result<void> wait_fd(int fd, short events, Deadline deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, poll_timeout_ms(deadline));
        if (n > 0) return {};
        if (n == 0) return fail(JsonRpcClient::kTimedOut);
        if (errno != EINTR) return fail(std::string("poll: ") + std::strerror(errno));
    }
}

Result<int> open_socket(const std::string& remote, sockaddr_storage& addr, socklen_t& len) {
    std::memset(&addr, 0, sizeof addr);
    if (remote.rfind("unix:", 0) == 0) {
        const std::string path = remote.substr(5);
        sockaddr_un un{};
        if (path.empty() || path.size() >= sizeof un.sun_path) return fail("bad socket path");
        un.sun_family = AF_UNIX;
        std::memcpy(un.sun_path, path.data(), path.size());
        std::memcpy(&addr, &un, sizeof un);
        len = sizeof un;
        return ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    }
    if (remote.rfind("tcp:", 0) == 0) {
        const std::string rest = remote.substr(4);
        const auto colon = rest.rfind(':');
        if (colon == std::string::npos) return fail("tcp remote needs IP:PORT");
        std::string host = rest.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        }
        const std::string port_text = rest.substr(colon + 1);
        char* end = nullptr;
        const long port = std::strtol(port_text.c_str(), &end, 10);
        if (port_text.empty() || *end != '\0' || port <= 0 || port > 65535) {
            return fail("bad port \"" + port_text + "\"");
        }
        sockaddr_in in4{};
        sockaddr_in6 in6{};
        if (::inet_pton(AF_INET, host.c_str(), &in4.sin_addr) == 1) {
            in4.sin_family = AF_INET;
            in4.sin_port = htons(static_cast<uint16_t>(port));
            std::memcpy(&addr, &in4, sizeof in4);
            len = sizeof in4;
            return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        }
        if (::inet_pton(AF_INET6, host.c_str(), &in6.sin6_addr) == 1) {
            in6.sin6_family = AF_INET6;
            in6.sin6_port = htons(static_cast<uint16_t>(port));
            std::memcpy(&addr, &in6, sizeof in6);
            len = sizeof in6;
            return ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        }
        return fail("bad IP address \"" + host + "\"");
    }
    return fail("unknown remote type; use unix:PATH or tcp:IP:PORT");
}

}  // namespace

Result<JsonRpcClient> JsonRpcClient::connect(const std::string& remote, Deadline deadline) {
    sockaddr_storage addr{};
    socklen_t len = 0;
    auto fd = open_socket(remote, addr, len);
    if (!fd) return tl::unexpected(fd.error());
    if (*fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
    JsonRpcClient client(*fd);
    // NOLINTNEXTLINE(*-reinterpret-cast): the sockets API takes a generic address.
    if (::connect(*fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
        if (errno != EINPROGRESS && errno != EAGAIN) return fail(std::strerror(errno));
        if (auto ok = wait_fd(*fd, POLLOUT, deadline); !ok) return tl::unexpected(ok.error());
        int err = 0;
        socklen_t err_len = sizeof err;
        ::getsockopt(*fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
        if (err != 0) return fail(std::strerror(err));
    }
    if (remote.rfind("tcp:", 0) == 0) {
        const int one = 1;
        ::setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return client;
}

JsonRpcClient::JsonRpcClient(JsonRpcClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      next_id_(other.next_id_),
      splitter_(std::move(other.splitter_)),
      notifications_(std::move(other.notifications_)) {}

JsonRpcClient& JsonRpcClient::operator=(JsonRpcClient&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        next_id_ = other.next_id_;
        splitter_ = std::move(other.splitter_);
        notifications_ = std::move(other.notifications_);
    }
    return *this;
}

JsonRpcClient::~JsonRpcClient() {
    if (fd_ >= 0) ::close(fd_);
}

Result<void> JsonRpcClient::send(const Json& message, Deadline deadline) {
    const std::string text = message.dump();
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::send(fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += static_cast<size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (auto ok = wait_fd(fd_, POLLOUT, deadline); !ok) return ok;
        } else {
            return fail(std::string("send: ") + std::strerror(errno));
        }
    }
    return {};
}

Result<Json> JsonRpcClient::receive(Deadline deadline) {
    std::array<char, 65536> buf{};
    for (;;) {
        if (auto text = splitter_.next()) {
            Json message = Json::parse(*text, nullptr, false);
            if (message.is_discarded() || !message.is_object()) {
                return fail("invalid JSON-RPC message from server");
            }
            return message;
        }
        if (splitter_.error()) return fail("invalid JSON from server");
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n > 0) {
            splitter_.feed({buf.data(), static_cast<size_t>(n)});
        } else if (n == 0) {
            return fail("connection closed by server");
        } else if (errno == EAGAIN || errno == EINTR) {
            if (auto ok = wait_fd(fd_, POLLIN, deadline); !ok) return tl::unexpected(ok.error());
        } else {
            return fail(std::string("recv: ") + std::strerror(errno));
        }
    }
}

Result<Json> JsonRpcClient::call(const std::string& method, const Json& params, Deadline deadline) {
    const long id = next_id_++;
    if (auto ok = send({{"method", method}, {"params", params}, {"id", id}}, deadline); !ok) {
        return tl::unexpected(ok.error());
    }
    for (;;) {
        auto message = receive(deadline);
        if (!message) return message;
        if (message->contains("method")) {
            const Json& mid = (*message)["id"];
            if ((*message)["method"] == "echo" && !mid.is_null()) {
                Json reply = {{"result", (*message)["params"]}, {"error", nullptr}, {"id", mid}};
                if (auto ok = send(reply, deadline); !ok) return tl::unexpected(ok.error());
            } else if (mid.is_null()) {
                notifications_.push_back(std::move(*message));
            }
            continue;
        }
        if (message->value("id", Json()) == Json(id)) return message;
    }
}

Result<Json> JsonRpcClient::next_notification(Deadline deadline) {
    for (;;) {
        if (!notifications_.empty()) {
            Json note = std::move(notifications_.front());
            notifications_.pop_front();
            return note;
        }
        auto message = receive(deadline);
        if (!message) return message;
        if (!message->contains("method")) continue;  // a late reply nobody waits for
        const Json& mid = (*message)["id"];
        if ((*message)["method"] == "echo" && !mid.is_null()) {
            Json reply = {{"result", (*message)["params"]}, {"error", nullptr}, {"id", mid}};
            if (auto ok = send(reply, deadline); !ok) return tl::unexpected(ok.error());
            continue;
        }
        if (mid.is_null()) notifications_.push_back(std::move(*message));
    }
}

}  // namespace vs::ovsdb
