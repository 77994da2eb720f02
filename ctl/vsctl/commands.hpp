// The command tables of each command family (bridge_commands.cpp, ctrl_commands.cpp,
// db_commands.cpp, show_command.cpp).
#pragma once

#include <vector>

#include "ctl/vsctl/context.hpp"

namespace vs::vsctl {

[[nodiscard]] const std::vector<CommandEntry>& bridge_commands();
[[nodiscard]] const std::vector<CommandEntry>& ctrl_commands();
[[nodiscard]] const std::vector<CommandEntry>& db_commands();

}  // namespace vs::vsctl

namespace vs::vsctl {

void cmd_show(Context& ctx);

}  // namespace vs::vsctl
