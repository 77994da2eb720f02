// find_command: one lookup over the command tables of every family.
#include "ctl/vsctl/commands.hpp"

namespace vs::vsctl {

CommandFn find_command(std::string_view name) {
    for (const auto* table : {&bridge_commands(), &ctrl_commands(), &db_commands()}) {
        for (const auto& entry : *table) {
            if (entry.name == name) return entry.fn;
        }
    }
    return nullptr;
}

}  // namespace vs::vsctl
