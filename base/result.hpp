// Result<T>: the error convention of library APIs (tl::expected, a C++23 std::expected twin).
#pragma once

#include <string>
#include <tl/expected.hpp>

namespace vs {

struct Error {
    std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(std::string message) {
    return tl::unexpected<Error>(Error{std::move(message)});
}

}  // namespace vs
