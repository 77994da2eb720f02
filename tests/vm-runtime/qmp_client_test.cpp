// QmpClient against a real QEMU without a guest (-machine none): status, stop, cont, errors,
// quit.
#include "vm-runtime/qmp_client.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "vm-runtime/host.hpp"

namespace vs::vm {
namespace {

class Qmp : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("vm-qmp-test-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir_);
        socket_ = (dir_ / "qmp.sock").string();
        const std::string qmp = "unix:" + socket_ + ",server=on,wait=off";
        pid_ = fork();
        if (pid_ == 0) {
            execlp("qemu-system-x86_64", "qemu-system-x86_64", "-machine", "none", "-nodefaults",
                   "-display", "none", "-S", "-qmp", qmp.c_str(), nullptr);
            _exit(127);
        }
        ASSERT_TRUE(
            wait_until([&] { return std::filesystem::exists(socket_) || !pid_alive(pid_); }, 10000))
            << "qemu-system-x86_64 did not start (scripts/install-deps.sh installs it)";
        ASSERT_TRUE(std::filesystem::exists(socket_)) << "qemu-system-x86_64 exited";
    }
    void TearDown() override {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        std::filesystem::remove_all(dir_);
    }

    std::filesystem::path dir_;
    std::string socket_;
    pid_t pid_ = -1;
};

TEST_F(Qmp, StatusStopContQuit) {
    auto qmp = QmpClient::connect(socket_);
    ASSERT_TRUE(qmp) << qmp.error().message;
    auto status = qmp->execute("query-status");
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ((*status)["status"], "prelaunch");  // -S
    ASSERT_TRUE(qmp->execute("cont"));
    EXPECT_EQ((*qmp->execute("query-status"))["status"], "running");
    ASSERT_TRUE(qmp->execute("stop"));
    EXPECT_EQ((*qmp->execute("query-status"))["status"], "paused");
    auto bad = qmp->execute("no-such-command");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("no-such-command"), std::string::npos);
    ASSERT_TRUE(qmp->execute("quit"));
    int status_code = 0;
    EXPECT_EQ(waitpid(pid_, &status_code, 0), pid_);
    pid_ = -1;
}

TEST_F(Qmp, ConnectingToNothingFails) {
    auto qmp = QmpClient::connect((dir_ / "nothing.sock").string(), 500);
    ASSERT_FALSE(qmp);
    EXPECT_NE(qmp.error().message.find("QMP"), std::string::npos);
}

}  // namespace
}  // namespace vs::vm
