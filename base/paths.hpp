// The runtime locations of CONTRACT.md, in one place: VS_RUNDIR (sockets, pid files) and
// VS_DBDIR (the database file), with their defaults.
#pragma once

#include <cstdlib>
#include <string>

namespace vs {

inline std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

inline std::string run_dir() {
    return env_or("VS_RUNDIR", "/var/run/vswitch");
}
inline std::string db_dir() {
    return env_or("VS_DBDIR", "/var/lib/vswitch");
}

}  // namespace vs
