// of_tool: the codec on the command line, for the cross-decoder tests (tests/openflow/*.py).
//   of_tool samples 1|4   one line per sample message: HEX JSON
//   of_tool samples-osken 1|4   the same without experimenter instructions, on which os-ken's
//                         FLOW_MOD and flow stats parsers loop forever
//   of_tool decode 1|4    per line of hex on stdin: "OK HEX JSON" with our re-encoding, or
//                         "ERR TYPE CODE text" with the specification's error for it
#include <cstdio>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "openflow/of10.hpp"
#include "openflow/of10_testing.hpp"
#include "openflow/of13.hpp"
#include "openflow/of13_testing.hpp"

namespace {

std::string hex(const std::vector<uint8_t>& bytes) {
    std::string out;
    vs::openflow::put_bytes(out, bytes);
    return bytes.empty() ? std::string() : out;
}

bool unhex(const std::string& text, std::vector<uint8_t>& out) {
    if (text.size() % 2 != 0) return false;
    for (size_t i = 0; i < text.size(); i += 2) {
        unsigned v = 0;
        if (std::sscanf(text.c_str() + i, "%2x", &v) != 1) return false;
        out.push_back(static_cast<uint8_t>(v));
    }
    return true;
}

void strip_experimenter_instructions(std::vector<vs::of13::Instruction>& v) {
    std::erase_if(v, [](const vs::of13::Instruction& i) {
        return std::holds_alternative<vs::of13::InstructionExperimenter>(i);
    });
}

void strip_for_osken(vs::of10::Message& /*msg*/) {}

void strip_for_osken(vs::of13::Message& msg) {
    if (auto* fm = std::get_if<vs::of13::FlowMod>(&msg.body)) {
        strip_experimenter_instructions(fm->instructions);
    }
    if (auto* fs = std::get_if<vs::of13::FlowStatsReply>(&msg.body)) {
        for (auto& s : fs->stats)
            strip_experimenter_instructions(s.instructions);
    }
}

template <typename Ns>
int run(const std::string& command) {
    if (command == "samples" || command == "samples-osken") {
        for (auto& m : Ns::samples()) {
            if (command == "samples-osken") strip_for_osken(m);
            std::cout << hex(Ns::encode(m)) << ' ' << Ns::json(m) << '\n';
        }
        return 0;
    }
    std::string line;
    while (std::getline(std::cin, line)) {
        std::vector<uint8_t> bytes;
        if (!unhex(line, bytes)) {
            std::cout << "ERR 0 0 not hex\n";
            continue;
        }
        const auto r = Ns::decode(bytes);
        if (r) {
            std::cout << "OK " << hex(Ns::encode(*r)) << ' ' << Ns::json(*r) << '\n';
        } else {
            const auto e = Ns::spec_error(r.error());
            std::cout << "ERR " << e.type << ' ' << e.code << ' '
                      << vs::openflow::to_string(r.error()) << '\n';
        }
    }
    return 0;
}

struct V10 {
    static auto samples() { return vs::of10::testing::sample_messages(); }
    static auto encode(const vs::of10::Message& m) { return vs::of10::encode(m); }
    static auto decode(std::span<const uint8_t> b) { return vs::of10::decode(b); }
    static auto json(const vs::of10::Message& m) { return vs::of10::testing::to_json(m); }
    static auto spec_error(const vs::openflow::DecodeError& e) { return vs::of10::spec_error(e); }
};

struct V13 {
    static auto samples() { return vs::of13::testing::sample_messages(); }
    static auto encode(const vs::of13::Message& m) { return vs::of13::encode(m); }
    static auto decode(std::span<const uint8_t> b) { return vs::of13::decode(b); }
    static auto json(const vs::of13::Message& m) { return vs::of13::testing::to_json(m); }
    static auto spec_error(const vs::openflow::DecodeError& e) { return vs::of13::spec_error(e); }
};

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc == 3 ? argv[1] : "";
    if (command != "samples" && command != "samples-osken" && command != "decode") {
        std::cerr << "usage: of_tool samples|samples-osken|decode 1|4\n";
        return 2;
    }
    const std::string version = argv[2];
    if (version == "1") return run<V10>(argv[1]);
    if (version == "4") return run<V13>(argv[1]);
    std::cerr << "of_tool: version must be 1 or 4\n";
    return 2;
}
