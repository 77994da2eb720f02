// Conditions of find and wait-until: `column[:key]OP value` with OP one of = != < > <= >= and
// the set relations {=} {!=} {<} {>} {<=} {>=}, evaluated on one row.
#pragma once

#include <string>

#include "ctl/vsctl/context.hpp"

namespace vs::vsctl {

[[nodiscard]] bool condition_holds(Context& ctx, const ovsdb::TableSchema& table, const Uuid& row,
                                   const std::string& arg);
// Three-way comparison of datums of one type: element count first, then elements in order.
[[nodiscard]] int compare_datums(const Datum& a, const Datum& b);
// Every element of a (key, and value for maps) is in b.
[[nodiscard]] bool includes_all(const Datum& a, const Datum& b);

}  // namespace vs::vsctl
