// OfConnection: framing, HELLO negotiation (OpenFlow 1.3.1 section 6.3.1), echo and probes.
// HELLO, ERROR and ECHO have the same numbers and layout in every version, so this file works
// on bytes and needs no codec.
#include "vswitchd/ofconn/of_connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "base/log.hpp"

namespace vs {

VS_LOG_MODULE(ofconn_log, "ofconn");

namespace asio = boost::asio;

namespace {

constexpr size_t kHeaderLen = 8;
constexpr uint8_t kTypeHello = 0, kTypeError = 1, kTypeEchoRequest = 2, kTypeEchoReply = 3;
constexpr uint16_t kHelloElemVersionBitmap = 1;
constexpr uint16_t kErrHelloFailed = 0, kHelloIncompatible = 0;
constexpr uint16_t kErrBadRequest = 1, kBadRequestBadVersion = 0;
constexpr uint32_t kOurVersions =
    (1U << OfConnection::kVersion10) | (1U << OfConnection::kVersion13);
constexpr size_t kErrorDataMax = 64;

uint16_t get16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
void put16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
    put16(out, static_cast<uint16_t>(v >> 16));
    put16(out, static_cast<uint16_t>(v));
}

std::vector<uint8_t> header(uint8_t version, uint8_t type, uint32_t xid) {
    std::vector<uint8_t> out{version, type, 0, 0};
    put32(out, xid);
    return out;
}

void set_length(std::vector<uint8_t>& msg) {
    msg[2] = static_cast<uint8_t>(msg.size() >> 8);
    msg[3] = static_cast<uint8_t>(msg.size());
}

// The version bitmap of a HELLO's elements; 0 when it has none (or they are malformed, which
// the specification says to treat the same way: fall back to the header's version).
uint32_t hello_bitmap(std::span<const uint8_t> hello) {
    size_t at = kHeaderLen;
    while (at + 4 <= hello.size()) {
        const uint16_t type = get16(&hello[at]);
        const uint16_t len = get16(&hello[at + 2]);
        if (len < 4 || at + len > hello.size()) return 0;
        if (type == kHelloElemVersionBitmap && len >= 8) return get32(&hello[at + 4]);
        at += (len + 7U) / 8U * 8U;
    }
    return 0;
}

}  // namespace

std::shared_ptr<OfConnection> OfConnection::start(Socket socket, OfHandler& handler,
                                                  std::string name,
                                                  std::chrono::milliseconds probe) {
    std::shared_ptr<OfConnection> conn(
        new OfConnection(std::move(socket), handler, std::move(name), probe));
    conn->send_hello();
    conn->read_more();
    conn->schedule_probe();
    return conn;
}

OfConnection::OfConnection(Socket socket, OfHandler& handler, std::string name,
                           std::chrono::milliseconds probe)
    : socket_(std::move(socket)),
      handler_(handler),
      name_(std::move(name)),
      probe_(probe),
      probe_timer_(socket_.get_executor()),
      last_rx_(std::chrono::steady_clock::now()) {}

OfConnection::~OfConnection() {
    boost::system::error_code ignored;
    socket_.close(ignored);
}

void OfConnection::send_hello() {
    std::vector<uint8_t> hello = header(kVersion13, kTypeHello, 0);
    put16(hello, kHelloElemVersionBitmap);
    put16(hello, 8);
    put32(hello, kOurVersions);
    set_length(hello);
    send(std::move(hello));
}

void OfConnection::close(const std::string& why) {
    if (!open_) return;
    open_ = false;
    probe_timer_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
    out_.clear();
    VS_DBG(ofconn_log, "{}: closed: {}", name_, why);
    handler_.on_closed(*this, why);
}

void OfConnection::send(std::vector<uint8_t> message) {
    if (!open_) return;
    out_.push_back(std::move(message));
    if (!writing_) write_next();
}

void OfConnection::send_error(uint16_t type, uint16_t code, std::span<const uint8_t> offending,
                              uint32_t xid) {
    std::vector<uint8_t> msg = header(version_ ? version_ : kVersion13, kTypeError, xid);
    put16(msg, type);
    put16(msg, code);
    const size_t n = std::min(offending.size(), kErrorDataMax);
    msg.insert(msg.end(), offending.begin(), offending.begin() + static_cast<std::ptrdiff_t>(n));
    set_length(msg);
    send(std::move(msg));
}

void OfConnection::write_next() {
    if (out_.empty() || !open_) {
        writing_ = false;
        return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_.front()),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                          if (!self->open_) return;
                          if (ec) {
                              self->close("write: " + ec.message());
                              return;
                          }
                          self->out_.pop_front();
                          self->write_next();
                      });
}

// Reads whatever has arrived (up to 64 KiB) and dispatches every complete message in it: one
// read per message header and another per body cost a flow-mod stream two system calls and
// two completions per message.
void OfConnection::read_more() {
    constexpr size_t kReadChunk = 64 * 1024;  // more than the largest message (64 KiB - 1)
    if (in_.size() < in_len_ + kReadChunk) in_.resize(in_len_ + kReadChunk);
    socket_.async_read_some(
        asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
        [self = shared_from_this()](boost::system::error_code ec, size_t n) {
            if (!self->open_) return;
            if (ec) {
                self->close(ec == asio::error::eof ? "connection closed by peer"
                                                   : "read: " + ec.message());
                return;
            }
            self->in_len_ += n;
            size_t at = 0;
            while (self->in_len_ - at >= kHeaderLen) {
                const uint16_t length = get16(&self->in_[at + 2]);
                if (length < kHeaderLen) {
                    self->close("message length " + std::to_string(length) +
                                " is shorter than its header");
                    return;
                }
                if (self->in_len_ - at < length) break;
                self->dispatch(std::span<const uint8_t>(self->in_.data() + at, length));
                if (!self->open_) return;
                at += length;
            }
            std::memmove(self->in_.data(), self->in_.data() + at, self->in_len_ - at);
            self->in_len_ -= at;
            self->read_more();
        });
}

void OfConnection::dispatch(std::span<const uint8_t> message) {
    last_rx_ = std::chrono::steady_clock::now();
    probe_sent_ = false;
    ++messages_in_;
    const uint8_t type = message[1];
    const uint32_t xid = get32(&message[4]);
    if (version_ == 0) {
        if (type != kTypeHello) {
            close("expected HELLO, got message type " + std::to_string(type));
            return;
        }
        negotiate(message);
        return;
    }
    if (message[0] != version_) {
        send_error(kErrBadRequest, kBadRequestBadVersion, message, xid);
        return;
    }
    switch (type) {
        case kTypeHello:
            return;  // a repeated HELLO changes nothing
        case kTypeEchoRequest: {
            std::vector<uint8_t> reply(message.begin(), message.end());
            reply[1] = kTypeEchoReply;
            send(std::move(reply));
            return;
        }
        case kTypeEchoReply:
            return;  // our probe's answer: last_rx_ is already updated
        default:
            handler_.on_message(*this, message);
    }
}

void OfConnection::negotiate(std::span<const uint8_t> hello) {
    const uint8_t theirs = hello[0];
    const uint32_t bitmap = hello_bitmap(hello);
    uint8_t agreed = 0;
    if (bitmap != 0) {
        const uint32_t common = bitmap & kOurVersions;
        for (uint8_t v = 31; v > 0 && agreed == 0; --v) {
            if (common & (1U << v)) agreed = v;
        }
    } else {
        const uint8_t v = std::min(theirs, kVersion13);
        if (kOurVersions & (1U << v)) agreed = v;
    }
    if (agreed == 0) {
        const std::string why =
            "no common OpenFlow version (peer offers version 0x" + fmt::format("{:02x}", theirs) +
            (bitmap ? fmt::format(", bitmap 0x{:x}", bitmap) : "") + "; we speak 1.0 and 1.3)";
        VS_WARN(ofconn_log, "{}: {}", name_, why);
        version_ = std::min(theirs, kVersion13);  // the ERROR goes out in the peer's version
        const auto* text = reinterpret_cast<const uint8_t*>(why.data());
        send_error(kErrHelloFailed, kHelloIncompatible, {text, why.size()}, get32(&hello[4]));
        version_ = 0;
        // Give the ERROR a moment to leave before closing.
        probe_timer_.expires_after(std::chrono::milliseconds(100));
        probe_timer_.async_wait([self = shared_from_this(), why](boost::system::error_code ec) {
            if (!ec) self->close(why);
        });
        return;
    }
    version_ = agreed;
    VS_DBG(ofconn_log, "{}: OpenFlow version 0x{:02x} agreed", name_, agreed);
    handler_.on_ready(*this);
}

void OfConnection::schedule_probe() {
    if (probe_.count() == 0 || !open_) return;
    probe_timer_.expires_after(probe_);
    probe_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || !self->open_) return;
        const auto idle = std::chrono::steady_clock::now() - self->last_rx_;
        if (idle >= self->probe_) {
            if (self->probe_sent_) {
                self->close("no response to inactivity probe");
                return;
            }
            self->probe_sent_ = true;
            std::vector<uint8_t> probe =
                header(self->version_ ? self->version_ : kVersion13, kTypeEchoRequest, 0);
            set_length(probe);
            self->send(std::move(probe));
        }
        self->schedule_probe();
    });
}

}  // namespace vs
