// vsctl's command-line grammar and the table of commands with their options and arities.
#include "ctl/vsctl/command_line.hpp"

#include <array>
#include <cstdlib>

#include "ctl/vsctl/error.hpp"

namespace vs::vsctl {

namespace {

constexpr std::array kSpecs = {
    CommandSpec{"init", 0, 0, ""},
    CommandSpec{"emer-reset", 0, 0, ""},
    CommandSpec{"show", 0, 0, ""},
    CommandSpec{"add-br", 1, 3, "--may-exist"},
    CommandSpec{"del-br", 1, 1, "--if-exists"},
    CommandSpec{"list-br", 0, 0, "--real --fake"},
    CommandSpec{"br-exists", 1, 1, ""},
    CommandSpec{"br-to-vlan", 1, 1, ""},
    CommandSpec{"br-to-parent", 1, 1, ""},
    CommandSpec{"br-set-external-id", 2, 3, ""},
    CommandSpec{"br-get-external-id", 1, 2, ""},
    CommandSpec{"list-ports", 1, 1, ""},
    CommandSpec{"add-port", 2, kUnlimited, "--may-exist"},
    CommandSpec{"add-bond", 4, kUnlimited, "--may-exist --fake-iface"},
    CommandSpec{"del-port", 1, 2, "--if-exists --with-iface"},
    CommandSpec{"port-to-br", 1, 1, ""},
    CommandSpec{"list-ifaces", 1, 1, ""},
    CommandSpec{"iface-to-br", 1, 1, ""},
    CommandSpec{"get-controller", 1, 1, ""},
    CommandSpec{"del-controller", 1, 1, ""},
    CommandSpec{"set-controller", 1, kUnlimited, ""},
    CommandSpec{"get-fail-mode", 1, 1, ""},
    CommandSpec{"del-fail-mode", 1, 1, ""},
    CommandSpec{"set-fail-mode", 2, 2, ""},
    CommandSpec{"get-manager", 0, 0, ""},
    CommandSpec{"del-manager", 0, 0, ""},
    CommandSpec{"set-manager", 1, kUnlimited, ""},
    CommandSpec{"get-ssl", 0, 0, ""},
    CommandSpec{"del-ssl", 0, 0, ""},
    CommandSpec{"set-ssl", 3, 3, "--bootstrap"},
    CommandSpec{"get", 2, kUnlimited, "--if-exists --id="},
    CommandSpec{"list", 1, kUnlimited, "--if-exists --columns="},
    CommandSpec{"find", 1, kUnlimited, "--columns="},
    CommandSpec{"set", 3, kUnlimited, "--if-exists"},
    CommandSpec{"add", 4, kUnlimited, "--if-exists"},
    CommandSpec{"remove", 4, kUnlimited, "--if-exists"},
    CommandSpec{"clear", 3, kUnlimited, "--if-exists"},
    CommandSpec{"create", 2, kUnlimited, "--id="},
    CommandSpec{"destroy", 1, kUnlimited, "--if-exists --all"},
    CommandSpec{"wait-until", 2, kUnlimited, ""},
};

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// "--name=value" or "--name" -> (name, value, had_value).
struct OptionWord {
    std::string name;
    std::string value;
    bool has_value = false;
};
OptionWord split_option(const std::string& word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos) return {word, "", false};
    return {word.substr(0, eq), word.substr(eq + 1), true};
}

bool spec_allows(const CommandSpec& spec, const OptionWord& opt) {
    std::string_view rest = spec.options;
    while (!rest.empty()) {
        const auto sp = rest.find(' ');
        std::string_view one = rest.substr(0, sp);
        rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
        const bool takes_value = !one.empty() && one.back() == '=';
        if (takes_value) one.remove_suffix(1);
        if (one == opt.name) {
            if (takes_value != opt.has_value) {
                throw UsageError("'" + std::string(spec.name) + "' command option " + opt.name +
                                 (takes_value ? " requires a value" : " takes no value"));
            }
            return true;
        }
    }
    return false;
}

int parse_timeout(const std::string& text) {
    char* end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || v < 0 || v > 1000000) {
        throw UsageError("value " + text + " on -t or --timeout is invalid");
    }
    return static_cast<int>(v);
}

Format parse_format(const std::string& text) {
    if (text == "list") return Format::kList;
    if (text == "table") return Format::kTable;
    if (text == "csv") return Format::kCsv;
    if (text == "json") return Format::kJson;
    if (text == "html") return Format::kHtml;
    throw UsageError("unknown output format \"" + text + "\" (use list, table, html, csv or json)");
}

DataMode parse_data(const std::string& text) {
    if (text == "string") return DataMode::kString;
    if (text == "bare") return DataMode::kBare;
    if (text == "json") return DataMode::kJson;
    throw UsageError("unknown data format \"" + text + "\" (use string, bare or json)");
}

// Applies a global option; false when `word` is not one. May consume the next argument.
bool global_option(const std::vector<std::string>& args, size_t& i, CommandLine& out) {
    const std::string& word = args[i];
    auto value = [&](const OptionWord& opt) -> std::string {
        if (opt.has_value) return opt.value;
        if (i + 1 >= args.size())
            throw UsageError("option '" + opt.name + "' requires an argument");
        return args[++i];
    };
    OptionWord opt = split_option(word);
    if (opt.name == "-t") opt.name = "--timeout";
    if (opt.name == "-f") opt.name = "--format";
    if (opt.name == "-d") opt.name = "--data";
    GlobalOptions& g = out.global;
    if (opt.name == "-h" || opt.name == "--help") {
        out.help = true;
    } else if (opt.name == "-V" || opt.name == "--version") {
        out.version = true;
    } else if (opt.name == "--db") {
        g.db = value(opt);
    } else if (opt.name == "--timeout") {
        g.timeout_s = parse_timeout(value(opt));
    } else if (opt.name == "--format") {
        g.style.format = parse_format(value(opt));
    } else if (opt.name == "--data") {
        g.style.data = parse_data(value(opt));
    } else if (opt.name == "--no-headings" && !opt.has_value) {
        g.style.headings = false;
    } else if (opt.name == "--bare" && !opt.has_value) {
        g.style = {Format::kList, DataMode::kBare, false};
    } else if (opt.name == "--oneline" && !opt.has_value) {
        g.oneline = true;
    } else if (opt.name == "--no-wait" && !opt.has_value) {
        g.no_wait = true;
    } else if (opt.name == "--dry-run" && !opt.has_value) {
        g.dry_run = true;
    } else if ((opt.name == "--no-syslog" && !opt.has_value) || starts_with(opt.name, "-v") ||
               opt.name == "--verbose" || opt.name == "--log-file") {
        // Open vSwitch's logging options, accepted so scripts run unchanged; vsctl has no log.
    } else {
        return false;
    }
    return true;
}

void check_arity(const CommandSpec& spec, const Command& cmd) {
    const auto n = static_cast<int>(cmd.args.size());
    const std::string name(spec.name);
    if (n < spec.min_args) {
        throw UsageError("'" + name + "' command requires at least " +
                         std::to_string(spec.min_args) + " arguments");
    }
    if (n > spec.max_args) {
        std::string message =
            "'" + name + "' command takes at most " + std::to_string(spec.max_args) + " arguments";
        for (const auto& arg : cmd.args) {
            if (starts_with(arg, "--")) {
                message +=
                    " (note that options must precede command names and follow a \"--\" "
                    "argument)";
                break;
            }
        }
        throw UsageError(message);
    }
    if (spec.name == "add-br" && n == 2) {
        throw UsageError("'add-br' command requires exactly 1 or 3 arguments");
    }
}

}  // namespace

std::string Command::option(std::string_view name) const {
    const auto it = options.find(name);
    return it == options.end() ? std::string() : it->second;
}

const CommandSpec* find_command_spec(std::string_view name) {
    for (const auto& spec : kSpecs) {
        if (spec.name == name) return &spec;
    }
    return nullptr;
}

CommandLine parse_command_line(const std::vector<std::string>& args) {
    CommandLine out;
    Command current;
    std::vector<OptionWord> pending;  // options of the command being read
    bool in_args = false;
    auto finish = [&] {
        if (!in_args) {
            if (!pending.empty()) throw UsageError("missing command name (use --help for help)");
            return;
        }
        const CommandSpec* spec = find_command_spec(current.name);
        for (const auto& opt : pending) {
            if (!spec_allows(*spec, opt)) {
                throw UsageError("'" + current.name + "' command has no '" + opt.name + "' option");
            }
            current.options[opt.name] = opt.value;
        }
        check_arity(*spec, current);
        out.commands.push_back(std::move(current));
        current = Command{};
        pending.clear();
        in_args = false;
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (word == "--") {
            finish();
            continue;
        }
        if (in_args) {
            current.args.push_back(word);
            continue;
        }
        if (starts_with(word, "-") && word.size() > 1) {
            if (out.commands.empty() && global_option(args, i, out)) continue;
            if (!starts_with(word, "--")) throw UsageError("unrecognized option '" + word + "'");
            pending.push_back(split_option(word));
            continue;
        }
        if (find_command_spec(word) == nullptr) {
            throw UsageError("unknown command '" + word + "'; use --help for help");
        }
        current.name = word;
        in_args = true;
    }
    finish();
    if (out.commands.empty() && !out.help && !out.version) {
        throw UsageError("missing command name (use --help for help)");
    }
    return out;
}

std::string usage_text() {
    return R"(vsctl: configures the vswitch database (command syntax of ovs-vsctl)
usage: vsctl [OPTIONS] COMMAND [ARG...] [-- [OPTIONS] COMMAND [ARG...]]...

Open vSwitch commands:
  init                        initialize database, if not yet initialized
  emer-reset                  reset configuration to clean state
  show                        print overview of database contents

Bridge commands:
  add-br BRIDGE               create a new bridge named BRIDGE
  add-br BRIDGE PARENT VLAN   create new fake BRIDGE in PARENT on VLAN
  del-br BRIDGE               delete BRIDGE and all of its ports
  list-br                     print the names of all the bridges
  br-exists BRIDGE            exit 2 if BRIDGE does not exist
  br-to-vlan BRIDGE           print the VLAN which BRIDGE is on
  br-to-parent BRIDGE         print the parent of BRIDGE
  br-set-external-id BRIDGE KEY VALUE  set KEY on BRIDGE to VALUE
  br-set-external-id BRIDGE KEY  unset KEY on BRIDGE
  br-get-external-id BRIDGE KEY  print value of KEY on BRIDGE
  br-get-external-id BRIDGE   list key-value pairs on BRIDGE

Port commands:
  list-ports BRIDGE           print the names of all the ports on BRIDGE
  add-port BRIDGE PORT        add network device PORT to BRIDGE
  add-bond BRIDGE PORT IFACE...  add bonded port PORT in BRIDGE from IFACES
  del-port [BRIDGE] PORT      delete PORT (which may be bonded) from BRIDGE
  port-to-br PORT             print name of bridge that contains PORT

Interface commands (a bond consists of multiple interfaces):
  list-ifaces BRIDGE          print the names of all interfaces on BRIDGE
  iface-to-br IFACE           print name of bridge that contains IFACE

Controller commands:
  get-controller BRIDGE       print the controllers for BRIDGE
  del-controller BRIDGE       delete the controllers for BRIDGE
  set-controller BRIDGE TARGET...  set the controllers for BRIDGE
  get-fail-mode BRIDGE        print the fail-mode for BRIDGE
  del-fail-mode BRIDGE        delete the fail-mode for BRIDGE
  set-fail-mode BRIDGE MODE   set the fail-mode for BRIDGE to MODE

Manager commands:
  get-manager                 print the managers
  del-manager                 delete the managers
  set-manager TARGET...       set the list of managers to TARGET...

SSL commands:
  get-ssl                     print the SSL configuration
  del-ssl                     delete the SSL configuration
  set-ssl PRIV-KEY CERT CA-CERT  set the SSL configuration ([--bootstrap])

Database commands:
  list TBL [REC]              list RECord (or all records) in TBL
  find TBL CONDITION...       list records satisfying CONDITION in TBL
  get TBL REC COL[:KEY]       print values of COLumns in RECord in TBL
  set TBL REC COL[:KEY]=VALUE set COLumn values in RECord in TBL
  add TBL REC COL [KEY=]VALUE add (KEY=)VALUE to COLumn in RECord in TBL
  remove TBL REC COL [KEY=]VALUE  remove (KEY=)VALUE from COLumn
  clear TBL REC COL           clear values from COLumn in RECord in TBL
  create TBL COL[:KEY]=VALUE  create and initialize new record
  destroy TBL REC             delete RECord from TBL
  wait-until TBL REC [COL[:KEY]=VALUE]  wait until condition is true

Options:
  --db=DATABASE               connect to DATABASE: unix:PATH or tcp:IP:PORT
                              (default: unix:$VS_RUNDIR/db.sock)
  --no-wait                   do not wait for vswitchd to reconfigure
  -t, --timeout=SECS          wait at most SECS seconds (default: forever)
  --dry-run                   do not commit changes to database
  -f, --format=FORMAT         list, table, html, csv or json output
  --oneline                   print each command's output on one line
  -d, --data=FORMAT           string, bare or json cell values
  --no-headings               omit table headings
  --bare                      --format=list --data=bare --no-headings
  -h, --help                  display this help message
  -V, --version               display version information
Command options (before a command's name): --may-exist, --if-exists, --with-iface,
  --fake-iface, --real, --fake, --all, --bootstrap, --id=@NAME, --columns=COL,...
Exit status: 0 ok, 1 failed operation, 2 usage error (and br-exists of a missing bridge).
)";
}

}  // namespace vs::vsctl
