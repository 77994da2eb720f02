// `vmctl start --autostart`, detached (double fork: vswitchd never waits for it).
#include "vswitchd/guest_autostart.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "base/log.hpp"
#include "vswitchd/row_access.hpp"

namespace vs {

VS_LOG_MODULE(autostart_log, "autostart");

namespace {

// The directory this executable lives in ("" when unknown).
std::string own_dir() {
    char path[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) return {};
    std::string p(path, static_cast<size_t>(n));
    return p.substr(0, p.rfind('/'));
}

}  // namespace

bool start_autostart_guests(const ovsdb::Database& db, const std::string& rundir) {
    if (!db.schema().find_table("Guest")) return false;  // an external DB without our tables
    bool any = false;
    db.for_each_row("Guest", [&](const ovsdb::Uuid&, const row::Row& r) {
        any = any || row::bool_of(r, "autostart");
    });
    if (!any) return false;
    const std::string vmctl = own_dir() + "/vmctl";
    if (::access(vmctl.c_str(), X_OK) != 0) {
        VS_WARN(autostart_log, "autostart guests: {} not found", vmctl);
        return false;
    }
    const std::string db_arg = "--db=unix:" + rundir + "/db.sock";
    const pid_t child = ::fork();
    if (child < 0) return false;
    if (child == 0) {
        if (::fork() == 0) {
            ::setsid();
            ::setenv("VS_RUNDIR", rundir.c_str(), 1);
            ::execl(vmctl.c_str(), "vmctl", db_arg.c_str(), "start", "--autostart",
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    VS_INFO(autostart_log, "starting autostart guests: {} {} start --autostart", vmctl, db_arg);
    return true;
}

}  // namespace vs
