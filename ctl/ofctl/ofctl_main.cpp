// ofctl: OpenFlow flows, groups, ports and statistics of a bridge, with ovs-ofctl's commands,
// flow syntax and output. `ofctl [OPTIONS] COMMAND SWITCH [ARG...]`; SWITCH is a bridge name
// (unix:$VS_RUNDIR/BRIDGE.mgmt), unix:PATH or tcp:IP:PORT. Errors: one line "ofctl: ..." on
// stderr and exit 1 (2 for a usage error); a request the switch rejects prints the ERROR and
// the request as ovs-ofctl does.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "ctl/ofctl/commands.hpp"
#include "ctl/ofctl/connection.hpp"
#include "ctl/ofctl/flow_syntax.hpp"

namespace {

constexpr const char* kUsage = R"(ofctl: OpenFlow switch management utility (ovs-ofctl's syntax)
usage: ofctl [OPTIONS] COMMAND SWITCH [ARG...]

Commands:
  show SWITCH                       show switch information
  dump-tables SWITCH                print table statistics
  dump-ports SWITCH [PORT]          print port statistics
  dump-ports-desc SWITCH [PORT]     print port descriptions
  dump-flows SWITCH [FLOW]          print all flows (matching FLOW)
  dump-aggregate SWITCH [FLOW]      print aggregate flow statistics
  add-flow SWITCH FLOW              add flow described by FLOW
  add-flows SWITCH FILE             add flows from FILE ("-": stdin)
  mod-flows SWITCH FLOW             modify actions of matching FLOWs
  del-flows SWITCH [FLOW]           delete matching FLOWs
  add-group SWITCH GROUP            add group described by GROUP
  mod-group SWITCH GROUP            modify specific group
  del-groups SWITCH [GROUP]         delete matching GROUPs
  dump-groups SWITCH [GROUP_ID]     print group descriptions
  dump-group-stats SWITCH [GROUP_ID]  print group statistics
  add-meter SWITCH METER            add meter described by METER
  mod-meter SWITCH METER            modify specific METER
  del-meters SWITCH [METER]         delete meters matching METER
  dump-meters SWITCH [METER]        print METER configuration
  meter-stats SWITCH [METER]        print meter statistics
  meter-features SWITCH             print the switch's meter features
  packet-out SWITCH "in_port=P packet=HEX actions=A"   (or: SWITCH IN_PORT ACTIONS PACKET...)
  monitor SWITCH [MISSLEN]          print asynchronous messages

SWITCH: a bridge name (unix:$VS_RUNDIR/BRIDGE.mgmt), unix:PATH or tcp:IP:PORT.

Options:
  -O, --protocols=OpenFlow10|OpenFlow13[,...]  allowed versions (default: both, 1.3 preferred)
  --strict                          use strict matching for mod-flows and del-flows
  --no-stats                        dump-flows without statistics
  -t, --timeout=SECS                give up after SECS seconds
  -h, --help                        this text
  -V, --version                     version
)";

uint32_t parse_versions(const std::string& text) {
    uint32_t versions = 0;
    size_t at = 0;
    while (at <= text.size()) {
        const size_t comma = text.find(',', at);
        const std::string v =
            text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        if (v == "OpenFlow10" || v == "OpenFlow10+") {
            versions |= 1U << vs::ofctl::kOf10;
            if (v.back() == '+') versions |= 1U << vs::ofctl::kOf13;
        } else if (v == "OpenFlow13" || v == "OpenFlow13+") {
            versions |= 1U << vs::ofctl::kOf13;
        } else if (v == "OpenFlow11" || v == "OpenFlow12" || v == "OpenFlow14" ||
                   v == "OpenFlow15") {
            throw vs::ofctl::UsageError(v +
                                        ": version not supported (OpenFlow10 and OpenFlow13 are)");
        } else {
            throw vs::ofctl::UsageError(v + ": unknown OpenFlow version");
        }
        if (comma == std::string::npos) break;
        at = comma + 1;
    }
    return versions;
}

// Takes an option's value from "--opt=V" or the next argument.
std::string option_value(const std::vector<std::string>& argv, size_t& i, const std::string& name) {
    const std::string& a = argv[i];
    const size_t eq = a.find('=');
    if (a.starts_with("--") && eq != std::string::npos) return a.substr(eq + 1);
    if (!a.starts_with("--") && a.size() > 2) return a.substr(2);
    if (i + 1 >= argv.size())
        throw vs::ofctl::UsageError("option '" + name + "' requires an argument");
    return argv[++i];
}

}  // namespace

int main(int argc, char** argv) {
    using namespace vs::ofctl;
    const std::vector<std::string> raw(argv + 1, argv + argc);
    try {
        Options options;
        std::vector<std::string> args;
        for (size_t i = 0; i < raw.size(); ++i) {
            const std::string& a = raw[i];
            if (a == "-h" || a == "--help") {
                std::cout << kUsage;
                return 0;
            }
            if (a == "-V" || a == "--version") {
                std::cout << "ofctl (vswitch) 0.1.0\nOpenFlow versions 0x1, 0x4\n";
                return 0;
            }
            if (a == "--strict") {
                options.strict = true;
            } else if (a == "--no-stats") {
                options.no_stats = true;
            } else if (a.starts_with("-O") || a.starts_with("--protocols")) {
                options.versions = parse_versions(option_value(raw, i, "--protocols"));
            } else if (a.starts_with("-t") || a.starts_with("--timeout")) {
                options.timeout_s = static_cast<int>(
                    parse_number(option_value(raw, i, "--timeout"), 86400, "timeout"));
            } else if (a.starts_with("-") && a.size() > 1 && args.empty()) {
                throw UsageError("unrecognized option '" + a + "'");
            } else {
                args.push_back(a);
            }
        }
        return run_command(options, args, std::cout);
    } catch (const SwitchError& e) {
        std::cout.flush();
        std::cerr << e.what();
        return 1;
    } catch (const UsageError& e) {
        std::cerr << "ofctl: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {  // CommandError, ParseError
        std::cout.flush();
        std::cerr << "ofctl: " << e.what() << "\n";
        return 1;
    }
}
