// appctl: sends one command to a running daemon's control socket and prints the reply, like
// ovs-appctl. usage: appctl [-t TARGET] [--timeout SECS] COMMAND [ARG...]
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include "base/asio.hpp"

#include "base/json_framing.hpp"
#include "base/paths.hpp"

namespace asio = boost::asio;
using json = nlohmann::json;

namespace {

constexpr const char* kUsage =
    "usage: appctl [-t TARGET] [--timeout SECS] COMMAND [ARG...]\n"
    "  TARGET: a control socket path, or a daemon name in $VS_RUNDIR (default: vswitchd)\n"
    "  appctl list-commands   lists what the daemon understands\n";

std::string target_path(const std::string& target) {
    if (target.find('/') != std::string::npos) return target;
    return vs::run_dir() + "/" + target + ".ctl";
}

int run(int argc, char** argv) {
    std::string target = "vswitchd";
    int timeout_s = 0;
    std::vector<std::string> words;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        // Options come before the command; everything from the command on is its arguments.
        if (!words.empty() || a.empty() || a[0] != '-') {
            words.push_back(a);
        } else if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "-V" || a == "--version") {
            std::cout << "appctl (vswitch) 0.1.0\n";
            return 0;
        } else if ((a == "-t" || a == "--target") && i + 1 < argc) {
            target = argv[++i];
        } else if (a.rfind("--target=", 0) == 0) {
            target = a.substr(9);
        } else if (a == "--timeout" && i + 1 < argc) {
            timeout_s = std::atoi(argv[++i]);
        } else if (a.rfind("--timeout=", 0) == 0) {
            timeout_s = std::atoi(a.c_str() + 10);
        } else {
            std::cerr << "appctl: unknown option " << a << "\n" << kUsage;
            return 2;
        }
    }
    if (words.empty()) {
        std::cerr << "appctl: at least one command is needed\n" << kUsage;
        return 2;
    }
    if (timeout_s > 0) alarm(static_cast<unsigned>(timeout_s));
    const std::string path = target_path(target);
    asio::io_context io;
    asio::local::stream_protocol::socket sock(io);
    boost::system::error_code ec;
    sock.connect(asio::local::stream_protocol::endpoint(path), ec);
    if (ec) {
        std::cerr << "appctl: cannot connect to " << path << ": " << ec.message() << "\n";
        return 1;
    }
    json request = {{"method", words[0]},
                    {"params", std::vector<std::string>(words.begin() + 1, words.end())},
                    {"id", 0}};
    asio::write(sock, asio::buffer(request.dump()), ec);
    vs::JsonSplitter splitter;
    std::array<char, 4096> buf{};
    while (!ec) {
        size_t n = sock.read_some(asio::buffer(buf), ec);
        splitter.feed({buf.data(), n});
        if (auto text = splitter.next()) {
            json reply = json::parse(*text, nullptr, false);
            if (reply.is_discarded() || !reply.is_object()) break;
            if (reply.contains("error") && !reply["error"].is_null()) {
                const json& e = reply["error"];
                std::cerr << "appctl: " << (e.is_string() ? e.get<std::string>() : e.dump())
                          << "\n";
                return 1;
            }
            const json& r = reply["result"];
            std::cout << (r.is_string() ? r.get<std::string>() : r.dump());
            return 0;
        }
        if (splitter.error()) break;
    }
    std::cerr << "appctl: " << path << ": no valid reply"
              << (ec ? " (" + ec.message() + ")" : std::string()) << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "appctl: " << e.what() << "\n";
        return 1;
    }
}
