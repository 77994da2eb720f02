// libFuzzer target for the OpenFlow decoders (1.0 and 1.3): any byte string must decode to a
// message or a typed error without reading out of bounds, and a decoded message must re-encode
// to bytes of the same length that decode to the same message. The input is tried as is and
// with its header fixed up (version, length) so that the fuzzer reaches the bodies quickly.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "openflow/of10.hpp"
#include "openflow/of13.hpp"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

template <typename Decode, typename Encode, typename SpecError>
void one(const std::vector<uint8_t>& bytes, Decode decode, Encode encode, SpecError spec_error) {
    const auto r = decode(bytes);
    if (!r) {
        check(r.error().offset <= bytes.size());
        (void)spec_error(r.error());
        (void)vs::openflow::to_string(r.error());
        return;
    }
    const auto again = encode(*r);
    check(again.size() == bytes.size());
    const auto back = decode(again);
    check(back.has_value() && *back == *r);
    check(!to_string(*r).empty());
}

void both(const std::vector<uint8_t>& bytes) {
    one(
        bytes, [](std::span<const uint8_t> b) { return vs::of10::decode(b); },
        [](const vs::of10::Message& m) { return vs::of10::encode(m); },
        [](const vs::openflow::DecodeError& e) { return vs::of10::spec_error(e); });
    one(
        bytes, [](std::span<const uint8_t> b) { return vs::of13::decode(b); },
        [](const vs::of13::Message& m) { return vs::of13::encode(m); },
        [](const vs::openflow::DecodeError& e) { return vs::of13::spec_error(e); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 0xffff) return 0;
    // Exactly-sized heap copies, so that ASan sees any read past the end.
    const std::vector<uint8_t> raw(data, data + size);
    both(raw);
    if (size >= 8) {
        std::vector<uint8_t> fixed(raw);
        fixed[0] = (fixed[0] & 1) != 0 ? vs::of10::kVersion : vs::of13::kVersion;
        fixed[2] = static_cast<uint8_t>(size >> 8);
        fixed[3] = static_cast<uint8_t>(size);
        both(fixed);
    }
    return 0;
}
