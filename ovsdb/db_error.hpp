// DbError / DbResult: errors of the config database, carrying the RFC 7047 error tag
// ("syntax error", "constraint violation", ...) so the JSON-RPC layer can reply with them as-is.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace vs::ovsdb {

struct DbError {
    std::string error;    // RFC 7047 tag, e.g. "constraint violation"
    std::string details;  // human-readable explanation
};

template <class T>
using DbResult = tl::expected<T, DbError>;

inline tl::unexpected<DbError> db_fail(std::string error, std::string details) {
    return tl::unexpected<DbError>(DbError{std::move(error), std::move(details)});
}

}  // namespace vs::ovsdb
