// Host helpers; see host.hpp.
#include "vm-runtime/host.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vs::vm {

Result<void> run_tool(const std::vector<std::string>& argv) {
    int err_pipe[2];
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + strerror(errno));
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return fail(std::string("fork: ") + strerror(errno));
    if (pid == 0) {
        const int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(err_pipe[1], 2);
        ::execvp(args[0], args.data());
        std::fprintf(stderr, "%s: %s\n", args[0], strerror(errno));
        ::_exit(127);
    }
    ::close(err_pipe[1]);
    std::string err;
    char buf[512];
    ssize_t n = 0;
    while ((n = ::read(err_pipe[0], buf, sizeof buf)) > 0)
        err.append(buf, static_cast<size_t>(n));
    ::close(err_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    while (!err.empty() && err.back() == '\n')
        err.pop_back();
    std::string cmd;
    for (const std::string& a : argv)
        cmd += (cmd.empty() ? "" : " ") + a;
    return fail(cmd + ": " + (err.empty() ? "failed" : err));
}

Result<pid_t> spawn_logged(const std::vector<std::string>& argv, const std::string& log) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return fail(std::string("fork: ") + strerror(errno));
    if (pid == 0) {
        ::setpgid(0, 0);
        const int null = ::open("/dev/null", O_RDONLY);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(null, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::execvp(args[0], args.data());
        std::fprintf(stderr, "%s: %s\n", args[0], strerror(errno));
        ::_exit(127);
    }
    return pid;
}

bool pid_alive(pid_t pid) {
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) return false;
    // A zombie is gone for our purposes: its parent just has not reaped it yet.
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto paren = stat.rfind(')');
    return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z';
}

std::optional<pid_t> live_pid(const std::string& pid_file) {
    const std::string text = read_file(pid_file);
    if (text.empty()) return std::nullopt;
    const pid_t pid = static_cast<pid_t>(std::atol(text.c_str()));
    if (!pid_alive(pid)) return std::nullopt;
    return pid;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Result<void> write_file(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out) return fail("cannot write " + tmp);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return fail("cannot rename " + tmp + ": " + strerror(errno));
    return {};
}

Result<void> make_dirs(const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return fail("cannot create " + path + ": " + ec.message());
    return {};
}

void remove_tree(const std::string& path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

Result<int> connect_unix(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return fail("socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(std::string("socket: ") + strerror(errno));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        ::close(fd);
        return fail(path + ": " + strerror(e));
    }
    return fd;
}

}  // namespace vs::vm
