// Module loggers with levels that can change at run time (appctl vlog/set), and a rate limit
// for messages that could fire per packet or per connection.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace vs {

enum class LogLevel : int { kOff = 0, kErr, kWarn, kInfo, kDbg };

std::string_view to_string(LogLevel level);
bool parse_log_level(std::string_view text, LogLevel& out);

// One named module. Thread: any; the level is an atomic.
class LogModule {
  public:
    explicit LogModule(const char* name, LogLevel level = LogLevel::kInfo);
    const char* name() const { return name_; }
    LogLevel level() const { return level_.load(std::memory_order_relaxed); }
    void set_level(LogLevel level) { level_.store(level, std::memory_order_relaxed); }
    bool enabled(LogLevel level) const { return level <= this->level(); }

  private:
    const char* name_;
    std::atomic<LogLevel> level_;
};

// At most `burst` messages per `period`; counts what it suppressed. Thread: one owner.
class RateLimit {
  public:
    RateLimit(int burst, std::chrono::milliseconds period) : burst_(burst), period_(period) {}
    bool allow();

  private:
    int burst_;
    std::chrono::milliseconds period_;
    std::chrono::steady_clock::time_point window_start_{};
    int used_ = 0;
};

std::vector<LogModule*>& log_modules();
LogModule* find_log_module(std::string_view name);
void log_write(const LogModule& module, LogLevel level, std::string_view message);
// Where log lines go (stderr by default); a path reopens the file.
bool log_set_file(const std::string& path);

template <typename... Args>
void log(const LogModule& module, LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
    if (!module.enabled(level)) return;
    log_write(module, level, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace vs

#define VS_LOG_MODULE(var, name) static ::vs::LogModule var(name)
#define VS_ERR(mod, ...) ::vs::log(mod, ::vs::LogLevel::kErr, __VA_ARGS__)
#define VS_WARN(mod, ...) ::vs::log(mod, ::vs::LogLevel::kWarn, __VA_ARGS__)
#define VS_INFO(mod, ...) ::vs::log(mod, ::vs::LogLevel::kInfo, __VA_ARGS__)
// Debug arguments are often costly to build (a dump of a whole request): evaluated only when
// the module logs at debug level.
#define VS_DBG(mod, ...)                                       \
    do {                                                       \
        if ((mod).enabled(::vs::LogLevel::kDbg)) {             \
            ::vs::log(mod, ::vs::LogLevel::kDbg, __VA_ARGS__); \
        }                                                      \
    } while (false)
