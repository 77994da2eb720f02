// Boost.Asio, included through here: Boost 1.74's awaitable.hpp uses std::exchange without
// including <utility>, which C++20 builds notice.
#pragma once

#include <utility>

#include <boost/asio.hpp>
