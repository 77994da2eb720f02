// TableOutput rendering, following Open vSwitch's lib/table.c.
#include "ctl/vsctl/table_output.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "ovsdb/uuid.hpp"

#include "ctl/vsctl/value.hpp"

namespace vs::vsctl {

namespace {

void rtrim_spaces(std::string& line) {
    while (!line.empty() && line.back() == ' ')
        line.pop_back();
}

std::string render_list(const TableOutput& t, const OutputStyle& style) {
    std::string out;
    for (size_t r = 0; r < t.rows.size(); ++r) {
        if (r > 0) out += '\n';
        for (size_t c = 0; c < t.headings.size(); ++c) {
            if (style.headings) {
                std::string heading = t.headings[c];
                if (heading.size() < 20) heading.resize(20, ' ');
                out += heading + ": ";
            }
            out += cell_text(t.rows[r][c], style.data) + '\n';
        }
    }
    return out;
}

std::string render_table(const TableOutput& t, const OutputStyle& style) {
    std::vector<std::vector<std::string>> text;
    std::vector<size_t> widths(t.headings.size(), 0);
    if (style.headings) {
        for (size_t c = 0; c < t.headings.size(); ++c)
            widths[c] = t.headings[c].size();
    }
    text.reserve(t.rows.size());
    for (const auto& row : t.rows) {
        auto& line = text.emplace_back();
        for (size_t c = 0; c < row.size(); ++c) {
            line.push_back(cell_text(row[c], style.data));
            widths[c] = std::max(widths[c], line.back().size());
        }
    }
    auto emit = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (size_t c = 0; c < cells.size(); ++c) {
            if (c > 0) line += ' ';
            line += cells[c];
            if (cells[c].size() < widths[c]) line.append(widths[c] - cells[c].size(), ' ');
        }
        rtrim_spaces(line);
        return line + '\n';
    };
    std::string out;
    if (style.headings) {
        out += emit(t.headings);
        std::vector<std::string> dashes;
        dashes.reserve(widths.size());
        for (const size_t w : widths)
            dashes.emplace_back(w, '-');
        out += emit(dashes);
    }
    for (const auto& line : text)
        out += emit(line);
    return out;
}

std::string render_csv(const TableOutput& t, const OutputStyle& style) {
    std::string out;
    auto emit = [&](const std::vector<std::string>& cells) {
        for (size_t c = 0; c < cells.size(); ++c) {
            if (c > 0) out += ',';
            out += csv_escape(cells[c]);
        }
        out += '\n';
    };
    if (style.headings) emit(t.headings);
    for (const auto& row : t.rows) {
        std::vector<std::string> cells;
        cells.reserve(row.size());
        for (const auto& cell : row)
            cells.push_back(cell_text(cell, style.data));
        emit(cells);
    }
    return out;
}

std::string render_json(const TableOutput& t) {
    nlohmann::json data = nlohmann::json::array();
    for (const auto& row : t.rows) {
        nlohmann::json cells = nlohmann::json::array();
        for (const auto& cell : row)
            cells.push_back(ovsdb::datum_to_json(cell.datum, cell.type));
        data.push_back(std::move(cells));
    }
    // ovs-vsctl keeps the headings in JSON even with --no-headings.
    const nlohmann::json out = {{"data", std::move(data)}, {"headings", t.headings}};
    return out.dump() + '\n';
}

std::string html_escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// A cell's HTML: the _uuid column becomes an anchor, any UUID in other text a link to it.
std::string html_cell(const std::string& heading, const std::string& text) {
    constexpr size_t kUuidLen = 36;
    if (heading == "_uuid") {
        return "<a name=\"" + html_escape(text) + "\">" + html_escape(text.substr(0, 8)) + "</a>";
    }
    std::string out;
    for (size_t i = 0; i < text.size();) {
        if (i + kUuidLen <= text.size() && ovsdb::parse_uuid(text.substr(i, kUuidLen))) {
            out += "<a href=\"#" + text.substr(i, kUuidLen) + "\">" + text.substr(i, 8) + "</a>";
            i += kUuidLen;
        } else {
            out += html_escape(text.substr(i, 1));
            ++i;
        }
    }
    return out;
}

std::string render_html(const TableOutput& t, const OutputStyle& style) {
    std::string out = "<table border=1>\n";
    if (style.headings) {
        out += "  <tr>\n";
        for (const auto& heading : t.headings)
            out += "    <th>" + html_escape(heading) + "</th>\n";
        out += "  </tr>\n";
    }
    for (const auto& row : t.rows) {
        out += "  <tr>\n";
        for (size_t c = 0; c < row.size(); ++c)
            out += "    <td>" + html_cell(t.headings[c], cell_text(row[c], style.data)) + "</td>\n";
        out += "  </tr>\n";
    }
    return out + "</table>\n";
}

}  // namespace

std::string cell_text(const Cell& cell, DataMode data) {
    switch (data) {
        case DataMode::kString:
            return datum_to_string(cell.datum, cell.type);
        case DataMode::kBare:
            return datum_to_bare(cell.datum, cell.type);
        case DataMode::kJson:
            return ovsdb::datum_to_json(cell.datum, cell.type).dump();
    }
    return {};
}

std::string csv_escape(const std::string& text) {
    if (text.find_first_of("\n\",") == std::string::npos) return text;
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"') {
            out += "\"\"";
        } else {
            out += c;
        }
    }
    return out + '"';
}

std::string TableOutput::render(const OutputStyle& style) const {
    switch (style.format) {
        case Format::kList:
            return render_list(*this, style);
        case Format::kTable:
            return render_table(*this, style);
        case Format::kCsv:
            return render_csv(*this, style);
        case Format::kJson:
            return render_json(*this);
        case Format::kHtml:
            return render_html(*this, style);
    }
    return {};
}

}  // namespace vs::vsctl
