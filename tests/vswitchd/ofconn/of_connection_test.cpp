// OfConnection against a raw socket peer: version negotiation (bitmaps, header versions, no
// common version → HELLO_FAILED and close), echo, framing of split and back-to-back messages,
// wrong versions and lengths, and inactivity probes.
#include "vswitchd/ofconn/of_connection.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace vs {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

struct Recorder : OfHandler {
    int ready = 0;
    std::vector<Bytes> messages;
    std::string closed;
    void on_ready(OfConnection&) override { ++ready; }
    void on_message(OfConnection&, std::span<const uint8_t> m) override {
        messages.emplace_back(m.begin(), m.end());
    }
    void on_closed(OfConnection&, const std::string& why) override { closed = why; }
};

Bytes msg(uint8_t version, uint8_t type, uint32_t xid, Bytes body = {}) {
    const size_t len = 8 + body.size();
    Bytes m{version,
            type,
            static_cast<uint8_t>(len >> 8),
            static_cast<uint8_t>(len),
            static_cast<uint8_t>(xid >> 24),
            static_cast<uint8_t>(xid >> 16),
            static_cast<uint8_t>(xid >> 8),
            static_cast<uint8_t>(xid)};
    for (uint8_t byte : body)  // (insert() trips GCC 12's -Warray-bounds here)
        m.push_back(byte);
    return m;
}

// A HELLO whose version bitmap element lists `bitmap`.
Bytes hello(uint8_t version, uint32_t bitmap, uint32_t xid = 1) {
    return msg(version, 0, xid,
               {0, 1, 0, 8, static_cast<uint8_t>(bitmap >> 24), static_cast<uint8_t>(bitmap >> 16),
                static_cast<uint8_t>(bitmap >> 8), static_cast<uint8_t>(bitmap)});
}

class OfConnectionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        int fds[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        peer_ = fds[1];
        OfConnection::Socket socket(io_);
        socket.assign(boost::asio::generic::stream_protocol(AF_UNIX, 0), fds[0]);
        conn_ = OfConnection::start(std::move(socket), handler_, "test", probe_);
    }
    void TearDown() override { ::close(peer_); }

    void write(const Bytes& b) { ASSERT_EQ(::write(peer_, b.data(), b.size()), ssize_t(b.size())); }
    void run(std::chrono::milliseconds d = 30ms) {
        io_.restart();
        io_.run_for(d);
    }
    // Every whole message the connection sent so far.
    std::vector<Bytes> received() {
        Bytes all(65536);
        const ssize_t n = ::recv(peer_, all.data(), all.size(), MSG_DONTWAIT);
        std::vector<Bytes> out;
        for (size_t at = 0; n > 0 && at + 8 <= size_t(n);) {
            const size_t len = size_t(all[at + 2]) << 8 | all[at + 3];
            out.emplace_back(all.begin() + long(at), all.begin() + long(at + len));
            at += len;
        }
        return out;
    }
    void agree(uint8_t version) {
        write(hello(version, 1U << version));
        run();
        ASSERT_EQ(conn_->version(), version);
        (void)received();  // our HELLO
    }

    std::chrono::milliseconds probe_{0};
    boost::asio::io_context io_;
    Recorder handler_;
    std::shared_ptr<OfConnection> conn_;
    int peer_ = -1;
};

TEST_F(OfConnectionTest, OffersOneZeroAndOneThreeAndTakesTheHighestCommonVersion) {
    run();
    auto sent = received();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0], hello(0x04, (1U << 1) | (1U << 4), 0));
    write(hello(0x06, (1U << 1) | (1U << 4) | (1U << 6)));
    run();
    EXPECT_EQ(conn_->version(), 0x04);
    EXPECT_EQ(handler_.ready, 1);
}

TEST_F(OfConnectionTest, WithoutABitmapTheLowerHeaderVersionWins) {
    write(msg(0x01, 0, 7));
    run();
    EXPECT_EQ(conn_->version(), 0x01);
}

TEST_F(OfConnectionTest, NewerPeerWithoutBitmapGetsOneThree) {
    write(msg(0x05, 0, 7));
    run();
    EXPECT_EQ(conn_->version(), 0x04);
}

TEST_F(OfConnectionTest, NoCommonVersionIsRefusedWithHelloFailed) {
    (void)received();
    write(hello(0x03, 1U << 3));
    run(200ms);
    EXPECT_EQ(conn_->version(), 0);
    EXPECT_EQ(handler_.ready, 0);
    auto sent = received();
    ASSERT_FALSE(sent.empty());
    const Bytes& error = sent.back();
    EXPECT_EQ(error[1], 1);                    // OFPT_ERROR
    EXPECT_EQ(error[8] << 8 | error[9], 0);    // OFPET_HELLO_FAILED
    EXPECT_EQ(error[10] << 8 | error[11], 0);  // OFPHFC_INCOMPATIBLE
    EXPECT_NE(handler_.closed.find("no common OpenFlow version"), std::string::npos);
}

TEST_F(OfConnectionTest, FirstMessageMustBeHello) {
    write(msg(0x04, 5, 1));  // FEATURES_REQUEST
    run();
    EXPECT_NE(handler_.closed.find("expected HELLO"), std::string::npos);
}

TEST_F(OfConnectionTest, EchoIsAnsweredAndNotPassedOn) {
    agree(0x04);
    write(msg(0x04, 2, 0x1234, {1, 2, 3}));
    run();
    auto sent = received();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0], msg(0x04, 3, 0x1234, {1, 2, 3}));
    EXPECT_TRUE(handler_.messages.empty());
}

TEST_F(OfConnectionTest, SplitAndBackToBackMessagesArriveWhole) {
    agree(0x01);
    const Bytes a = msg(0x01, 5, 1), b = msg(0x01, 18, 2, Bytes(100, 7));
    Bytes both = a;
    both.insert(both.end(), b.begin(), b.end());
    write(Bytes(both.begin(), both.begin() + 13));
    run();
    write(Bytes(both.begin() + 13, both.end()));
    run();
    ASSERT_EQ(handler_.messages.size(), 2U);
    EXPECT_EQ(handler_.messages[0], a);
    EXPECT_EQ(handler_.messages[1], b);
}

TEST_F(OfConnectionTest, WrongVersionAfterAgreementGetsBadVersion) {
    agree(0x04);
    write(msg(0x01, 5, 9));
    run();
    auto sent = received();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0][1], 1);                      // OFPT_ERROR
    EXPECT_EQ(sent[0][8] << 8 | sent[0][9], 1);    // OFPET_BAD_REQUEST
    EXPECT_EQ(sent[0][10] << 8 | sent[0][11], 0);  // OFPBRC_BAD_VERSION
    EXPECT_EQ(sent[0][7], 9);                      // the request's xid
    EXPECT_TRUE(handler_.messages.empty());
}

TEST_F(OfConnectionTest, LengthShorterThanTheHeaderCloses) {
    agree(0x04);
    write({0x04, 5, 0, 4, 0, 0, 0, 1});
    run();
    EXPECT_NE(handler_.closed.find("shorter than its header"), std::string::npos);
}

class OfConnectionProbeTest : public OfConnectionTest {
  protected:
    OfConnectionProbeTest() { probe_ = 100ms; }
};

// Order, not timing: an ECHO_REQUEST first, the close only after it went unanswered.
TEST_F(OfConnectionProbeTest, SilentPeerIsProbedThenDropped) {
    agree(0x04);
    std::vector<Bytes> sent;
    for (int i = 0; i < 200 && sent.empty() && handler_.closed.empty(); ++i) {
        run(5ms);
        sent = received();
    }
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0][1], 2);  // ECHO_REQUEST
    EXPECT_TRUE(handler_.closed.empty());
    for (int i = 0; i < 200 && handler_.closed.empty(); ++i)
        run(5ms);
    EXPECT_NE(handler_.closed.find("inactivity probe"), std::string::npos);
}

TEST_F(OfConnectionProbeTest, AnsweredProbeKeepsTheChannel) {
    agree(0x04);
    for (int i = 0; i < 100; ++i) {  // half a second of answering every probe
        run(5ms);
        for (const Bytes& m : received()) {
            if (m[1] == 2) write(msg(0x04, 3, 0));
        }
    }
    EXPECT_TRUE(handler_.closed.empty()) << handler_.closed;
}

}  // namespace
}  // namespace vs
