// QmpClient: QEMU's machine protocol over its unix socket (greeting, qmp_capabilities, then
// one command at a time; events that arrive meanwhile are skipped). Thread: one owner.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.hpp"

namespace vs::vm {

class QmpClient {
  public:
    [[nodiscard]] static Result<QmpClient> connect(const std::string& socket_path,
                                                   int timeout_ms = 5000);
    QmpClient(QmpClient&& other) noexcept;
    QmpClient& operator=(QmpClient&&) = delete;
    QmpClient(const QmpClient&) = delete;
    QmpClient& operator=(const QmpClient&) = delete;
    ~QmpClient();

    // The command's "return" value, or its error's "desc".
    [[nodiscard]] Result<nlohmann::json> execute(const std::string& command,
                                                 const nlohmann::json& arguments = nullptr);

  private:
    QmpClient(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}
    [[nodiscard]] Result<nlohmann::json> read_message();

    int fd_ = -1;
    int timeout_ms_;
    std::string buffer_;
};

}  // namespace vs::vm
