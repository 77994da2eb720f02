// JsonRpcClient: a blocking RFC 7047 JSON-RPC client over unix or TCP stream sockets, for
// command-line tools (vsctl). Requests wait for their reply by id; "echo" requests from the
// server are answered and notifications ("update", "locked", ...) are queued for the caller.
// Every call takes an absolute deadline (none = wait forever).
// Thread: one owner.
#pragma once

#include <chrono>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/json_framing.hpp"
#include "base/result.hpp"

namespace vs::ovsdb {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

class JsonRpcClient {
  public:
    // remote: "unix:PATH" or "tcp:IP:PORT". Errors are bare (strerror text); callers name the
    // remote.
    [[nodiscard]] static Result<JsonRpcClient> connect(const std::string& remote,
                                                       Deadline deadline);

    JsonRpcClient(JsonRpcClient&& other) noexcept;
    JsonRpcClient& operator=(JsonRpcClient&& other) noexcept;
    JsonRpcClient(const JsonRpcClient&) = delete;
    JsonRpcClient& operator=(const JsonRpcClient&) = delete;
    ~JsonRpcClient();

    // Sends a request and returns the whole reply object ({"result", "error", "id"}).
    [[nodiscard]] Result<nlohmann::json> call(const std::string& method,
                                              const nlohmann::json& params, Deadline deadline);
    // The next notification (a message with "method" and a null id), queued or read.
    [[nodiscard]] Result<nlohmann::json> next_notification(Deadline deadline);

    // The socket, to wait on for notifications (e.g. with an event loop); reading from it
    // directly would lose messages.
    [[nodiscard]] int fd() const { return fd_; }

    // "timed out" is the message of deadline errors, so callers can tell them apart.
    static constexpr const char* kTimedOut = "timed out";

  private:
    explicit JsonRpcClient(int fd) : fd_(fd) {}
    [[nodiscard]] Result<void> send(const nlohmann::json& message, Deadline deadline);
    [[nodiscard]] Result<nlohmann::json> receive(Deadline deadline);

    int fd_ = -1;
    long next_id_ = 1;
    JsonSplitter splitter_{64 << 20};
    std::deque<nlohmann::json> notifications_;
};

}  // namespace vs::ovsdb
