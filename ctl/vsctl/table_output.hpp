// TableOutput: rows of database values printed the way ovs-vsctl's list, find and
// --format option do: list ("column : value" records), table (aligned columns), csv, json;
// cell text as string (quoted when needed), bare, or JSON (--data).
#pragma once

#include <string>
#include <vector>

#include "ovsdb/datum.hpp"
#include "ovsdb/types.hpp"

namespace vs::vsctl {

enum class Format { kList, kTable, kCsv, kJson, kHtml };
enum class DataMode { kString, kBare, kJson };

struct OutputStyle {
    Format format = Format::kList;
    DataMode data = DataMode::kString;
    bool headings = true;
};

struct Cell {
    ovsdb::Datum datum;
    ovsdb::Type type;
};

struct TableOutput {
    std::vector<std::string> headings;
    std::vector<std::vector<Cell>> rows;

    [[nodiscard]] std::string render(const OutputStyle& style) const;
};

[[nodiscard]] std::string cell_text(const Cell& cell, DataMode data);
[[nodiscard]] std::string csv_escape(const std::string& text);

}  // namespace vs::vsctl
