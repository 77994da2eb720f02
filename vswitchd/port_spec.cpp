// parse_port_spec: whitespace-separated tokens, the first one the interface name.
#include "vswitchd/port_spec.hpp"

#include <fmt/format.h>

#include <charconv>
#include <sstream>

namespace vs {

namespace {

bool parse_number(const std::string& text, uint32_t& out) {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && p == text.data() + text.size();
}

}  // namespace

Result<PortConfig> parse_port_spec(const std::string& spec) {
    std::istringstream in(spec);
    PortConfig config;
    if (!(in >> config.name)) return fail("empty port specification");
    if (config.name.find('=') != std::string::npos) {
        return fail("port specification must start with the port name: '" + spec + "'");
    }
    std::string token;
    while (in >> token) {
        const size_t eq = token.find('=');
        if (eq == std::string::npos) return fail("expected KEY=VALUE, got '" + token + "'");
        const std::string key = token.substr(0, eq), value = token.substr(eq + 1);
        uint32_t number = 0;
        if (key == "type") {
            config.type = value;
        } else if (key.rfind("options:", 0) == 0 && key.size() > 8) {
            config.options[key.substr(8)] = value;
        } else if (key == "ofport_request" || key == "mtu_request" || key == "n_rxq") {
            if (!parse_number(value, number) || number == 0) {
                return fail(fmt::format("{} must be a positive number, got '{}'", key, value));
            }
            if (key == "ofport_request") config.port_no_request = number;
            if (key == "mtu_request") config.mtu = number;
            if (key == "n_rxq") config.n_rxq = static_cast<uint16_t>(number);
        } else {
            return fail("unknown port setting '" + key + "'");
        }
    }
    return config;
}

}  // namespace vs
