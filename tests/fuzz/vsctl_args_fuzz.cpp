// libFuzzer target: vsctl's command line and value syntax. The input is split at newlines into
// arguments; each is parsed as a command line, then as column arguments and values of every
// column of the Open_vSwitch schema's Port table. Only CommandError/UsageError may escape.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ctl/vsctl/command_line.hpp"
#include "ctl/vsctl/error.hpp"
#include "ctl/vsctl/value.hpp"

namespace {

const vs::ovsdb::DatabaseSchema& schema() {
    static const vs::ovsdb::DatabaseSchema loaded =
        *vs::ovsdb::load_schema_file(VS_OVSDB_SCHEMA_DIR "/vswitch.ovsschema");
    return loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> args;
    size_t start = 0;
    while (start <= input.size()) {
        const size_t nl = std::min(input.find('\n', start), input.size());
        args.push_back(input.substr(start, nl - start));
        start = nl + 1;
    }
    try {
        (void)vs::vsctl::parse_command_line(args);
    } catch (const vs::vsctl::UsageError&) {
    }
    const auto& port = *schema().find_table("Port");
    static constexpr std::array<std::string_view, 3> kOps = {"=", "!=", "{>=}"};
    vs::vsctl::Symbols symbols;
    for (const auto& arg : args) {
        try {
            (void)vs::vsctl::parse_column_arg(arg, port, kOps);
        } catch (const vs::vsctl::CommandError&) {
        }
        for (const auto& column : port.columns) {
            try {
                const auto datum = vs::vsctl::datum_from_string(arg, column.type, &symbols);
                (void)vs::vsctl::datum_to_string(datum, column.type);
            } catch (const vs::vsctl::CommandError&) {
            }
        }
    }
    return 0;
}
