// libFuzzer target for parse_flow_string: arbitrary text must never crash or throw, and any text
// that parses must print (flow_key_to_string with the mask) to text that parses to the same key
// and mask, with the key already masked.
#include <cstdint>
#include <string>
#include <string_view>

#include "datapath/packet/flow_format.hpp"
#include "datapath/packet/flow_string.hpp"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vs;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto first = parse_flow_string(text);
    if (!first) {
        check(!first.error().message.empty());
        check(first.error().message.find('\n') == std::string::npos);
        return 0;
    }
    const auto& [key, mask] = *first;
    check(apply_mask(key, mask) == key);

    const std::string printed = flow_key_to_string(key, &mask);
    const auto second = parse_flow_string(printed);
    check(second.has_value());
    check(second->first == key);
    check(second->second == mask);
    check(flow_key_to_string(second->first, &second->second) == printed);
    return 0;
}
