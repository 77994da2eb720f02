// Log sinks and the module registry.
#include "base/log.hpp"

#include <cstdio>
#include <ctime>
#include <mutex>

namespace vs {
namespace {

std::mutex& sink_mutex() {
    static std::mutex m;
    return m;
}

FILE*& sink() {
    static FILE* f = stderr;
    return f;
}

}  // namespace

std::string_view to_string(LogLevel level) {
    switch (level) {
        case LogLevel::kOff:
            return "off";
        case LogLevel::kErr:
            return "err";
        case LogLevel::kWarn:
            return "warn";
        case LogLevel::kInfo:
            return "info";
        case LogLevel::kDbg:
            return "dbg";
    }
    return "?";
}

bool parse_log_level(std::string_view text, LogLevel& out) {
    for (LogLevel l :
         {LogLevel::kOff, LogLevel::kErr, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDbg}) {
        if (text == to_string(l)) {
            out = l;
            return true;
        }
    }
    return false;
}

std::vector<LogModule*>& log_modules() {
    static std::vector<LogModule*> modules;
    return modules;
}

LogModule::LogModule(const char* name, LogLevel level) : name_(name), level_(level) {
    log_modules().push_back(this);
}

LogModule* find_log_module(std::string_view name) {
    for (LogModule* m : log_modules()) {
        if (name == m->name()) return m;
    }
    return nullptr;
}

bool RateLimit::allow() {
    auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= period_) {
        window_start_ = now;
        used_ = 0;
    }
    return used_++ < burst_;
}

void log_write(const LogModule& module, LogLevel level, std::string_view message) {
    std::timespec ts{};
    std::timespec_get(&ts, TIME_UTC);
    std::tm tm{};
    gmtime_r(&ts.tv_sec, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::lock_guard lock(sink_mutex());
    std::fprintf(sink(), "%s.%03ldZ|%s|%s|%.*s\n", stamp, ts.tv_nsec / 1000000, module.name(),
                 to_string(level).data(), static_cast<int>(message.size()), message.data());
    std::fflush(sink());
}

bool log_set_file(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "a");
    if (!f) return false;
    std::lock_guard lock(sink_mutex());
    if (sink() != stderr) std::fclose(sink());
    sink() = f;
    return true;
}

}  // namespace vs
