// QmpClient over a blocking unix socket with poll() timeouts; see qmp_client.hpp.
#include "vm-runtime/qmp_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vm-runtime/host.hpp"

namespace vs::vm {

Result<QmpClient> QmpClient::connect(const std::string& socket_path, int timeout_ms) {
    auto fd = connect_unix(socket_path);
    if (!fd) return fail("QMP: " + fd.error().message);
    QmpClient client(*fd, timeout_ms);
    auto greeting = client.read_message();
    if (!greeting) return tl::unexpected(greeting.error());
    if (!greeting->contains("QMP")) return fail("QMP: unexpected greeting " + greeting->dump());
    auto caps = client.execute("qmp_capabilities");
    if (!caps) return tl::unexpected(caps.error());
    return client;
}

QmpClient::QmpClient(QmpClient&& other) noexcept
    : fd_(other.fd_), timeout_ms_(other.timeout_ms_), buffer_(std::move(other.buffer_)) {
    other.fd_ = -1;
}

QmpClient::~QmpClient() {
    if (fd_ >= 0) ::close(fd_);
}

Result<nlohmann::json> QmpClient::read_message() {
    for (;;) {
        const auto nl = buffer_.find('\n');
        if (nl != std::string::npos) {
            const std::string line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            auto message = nlohmann::json::parse(line, nullptr, false);
            if (message.is_discarded()) return fail("QMP: bad message: " + line);
            return message;
        }
        pollfd p{fd_, POLLIN, 0};
        const int n = ::poll(&p, 1, timeout_ms_);
        if (n == 0) return fail("QMP: no answer within " + std::to_string(timeout_ms_) + " ms");
        if (n < 0 && errno != EINTR) return fail(std::string("QMP: poll: ") + strerror(errno));
        char buf[4096];
        const ssize_t got = ::read(fd_, buf, sizeof buf);
        if (got == 0) return fail("QMP: QEMU closed the connection");
        if (got < 0 && errno != EINTR) return fail(std::string("QMP: read: ") + strerror(errno));
        if (got > 0) buffer_.append(buf, static_cast<size_t>(got));
    }
}

Result<nlohmann::json> QmpClient::execute(const std::string& command,
                                          const nlohmann::json& arguments) {
    nlohmann::json request = {{"execute", command}};
    if (!arguments.is_null()) request["arguments"] = arguments;
    const std::string text = request.dump() + "\n";
    if (::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size()))
        return fail(std::string("QMP: send: ") + strerror(errno));
    for (;;) {
        auto message = read_message();
        if (!message) return message;
        if (message->contains("return")) return (*message)["return"];
        if (message->contains("error"))
            return fail("QMP " + command + ": " + (*message)["error"].value("desc", "error"));
        // An asynchronous event ({"event": ...}): not ours.
    }
}

}  // namespace vs::vm
