// ofctl's OpenFlow channel (see connection.hpp).
#include "ctl/ofctl/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "base/paths.hpp"
#include "openflow/of10.hpp"
#include "openflow/of13.hpp"

namespace vs::ofctl {

namespace {

constexpr size_t kHeader = 8;

int connect_unix(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) throw CommandError(path + ": socket path too long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        const int e = errno;
        ::close(fd);
        return -e;
    }
    return fd;
}

int connect_tcp(const std::string& hostport) {
    const size_t colon = hostport.rfind(':');
    const std::string host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
    const std::string port = colon == std::string::npos ? "6653" : hostport.substr(colon + 1);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return -EINVAL;
    try {
        addr.sin_port = htons(static_cast<uint16_t>(std::stoul(port)));
    } catch (const std::exception&) {
        return -EINVAL;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        const int e = errno;
        ::close(fd);
        return -e;
    }
    return fd;
}

uint32_t peer_bitmap(const std::vector<uint8_t>& hello) {
    const uint8_t version = hello[0];
    uint32_t bitmap = 0;
    if (version >= kOf13) {
        if (auto m = of13::decode(hello)) {
            if (const auto* h = std::get_if<of13::Hello>(&m->body)) {
                for (const auto& e : h->elements) {
                    const auto* b = std::get_if<of13::HelloElemVersionBitmap>(&e);
                    if (b != nullptr && !b->bitmaps.empty()) bitmap = b->bitmaps[0];
                }
            }
        }
    }
    if (bitmap == 0) {
        // No bitmap: the peer speaks every version up to its header's (OpenFlow 1.3, 6.3.1).
        bitmap = version >= 31 ? 0xfffffffeU : ((2U << version) - 2U);
    }
    return bitmap;
}

}  // namespace

std::string resolve_target(const std::string& name) {
    if (name.starts_with("unix:") || name.starts_with("tcp:")) return name;
    if (name.find('/') != std::string::npos) return "unix:" + name;
    return "unix:" + run_dir() + "/" + name + ".mgmt";
}

Connection::Connection(const std::string& target, uint32_t versions) : target_(target) {
    const std::string t = resolve_target(target);
    const int fd = t.starts_with("unix:") ? connect_unix(t.substr(5)) : connect_tcp(t.substr(4));
    if (fd < 0) {
        throw CommandError("connecting to " + t + " (" + std::strerror(-fd) + ")");
    }
    fd_ = fd;
    negotiate(versions);
}

Connection::~Connection() {
    if (fd_ >= 0) ::close(fd_);
}

void Connection::negotiate(uint32_t versions) {
    const bool want13 = (versions & (1U << kOf13)) != 0;
    if (want13) {
        of13::Hello h;
        h.elements.emplace_back(of13::HelloElemVersionBitmap{{versions}});
        send(of13::encode(of13::Message{1, h}));
    } else {
        send(of10::encode(of10::Message{1, of10::Hello{}}));
    }
    const std::vector<uint8_t> hello = receive(10000);
    if (hello[1] != 0) throw CommandError(target_ + ": expected HELLO from the switch");
    const uint32_t common = versions & peer_bitmap(hello);
    if ((common & (1U << kOf13)) != 0) {
        version_ = kOf13;
    } else if ((common & (1U << kOf10)) != 0) {
        version_ = kOf10;
    } else {
        throw CommandError(target_ + ": version negotiation failed (we support " +
                           (want13 ? std::string("OpenFlow 1.3") : std::string("OpenFlow 1.0")) +
                           ", the switch version 0x0" + std::to_string(hello[0]) + ")");
    }
}

void Connection::send(const std::vector<uint8_t>& bytes) {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
    while (out_at_ < out_.size())
        pump(send_timeout_ms_, false);
    out_.clear();
    out_at_ = 0;
}

bool Connection::take_message(std::vector<uint8_t>& out) {
    while (in_.size() >= kHeader) {
        const size_t len = (static_cast<size_t>(in_[2]) << 8U) | in_[3];
        if (len < kHeader) throw CommandError(target_ + ": bad OpenFlow message length");
        if (in_.size() < len) return false;
        std::vector<uint8_t> msg(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(len));
        in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(len));
        if (msg[1] == 2 && msg[0] == version_) {  // ECHO_REQUEST: answer with the same body
            std::vector<uint8_t> reply = msg;
            reply[1] = 3;
            out_.insert(out_.end(), reply.begin(), reply.end());
            continue;
        }
        out = std::move(msg);
        return true;
    }
    return false;
}

// Moves bytes both ways until something is read or written, or the timeout passes.
void Connection::pump(int timeout_ms, bool want_message) {
    pollfd p{fd_, POLLIN, 0};
    if (out_at_ < out_.size()) p.events |= POLLOUT;
    const int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) return;
    if (n == 0) {
        throw CommandError(
            target_ + (want_message ? ": timed out waiting for a reply" : ": timed out sending"));
    }
    if ((p.revents & POLLIN) != 0 || (p.revents & (POLLHUP | POLLERR)) != 0) {
        std::array<uint8_t, 65536> buf{};
        const ssize_t got = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
        if (got == 0) throw CommandError(target_ + ": connection closed by the switch");
        if (got < 0 && errno != EAGAIN && errno != EINTR) {
            throw CommandError(target_ + ": receive failed (" + std::strerror(errno) + ")");
        }
        if (got > 0) in_.insert(in_.end(), buf.begin(), buf.begin() + got);
    }
    if ((p.revents & POLLOUT) != 0) {
        const ssize_t put =
            ::send(fd_, out_.data() + out_at_, out_.size() - out_at_, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (put < 0 && errno != EAGAIN && errno != EINTR) {
            throw CommandError(target_ + ": send failed (" + std::strerror(errno) + ")");
        }
        if (put > 0) out_at_ += static_cast<size_t>(put);
    }
}

std::vector<uint8_t> Connection::receive(int timeout_ms) {
    std::vector<uint8_t> msg;
    while (!take_message(msg))
        pump(timeout_ms, true);
    if (out_at_ < out_.size()) {  // an echo reply queued by take_message
        while (out_at_ < out_.size())
            pump(send_timeout_ms_, false);
        out_.clear();
        out_at_ = 0;
    }
    return msg;
}

}  // namespace vs::ofctl
