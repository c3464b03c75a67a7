#include "reports.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cli_io.hpp"
#include "version.hpp"

namespace dita::app {

namespace {

bool shell_safe(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '/' || c == ':' || c == '=' || c == ',' || c == '+' || c == '@';
}

// Text as XML character data or attribute value; characters XML 1.0 cannot hold become '?'.
std::string xml_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                out += '?';
            } else {
                out += c;
            }
        }
    }
    return out;
}

} // namespace

std::string shell_quote(const std::string& argument) {
    if (!argument.empty() && std::all_of(argument.begin(), argument.end(), shell_safe)) return argument;
    std::string out = "'";
    for (const char c : argument) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

std::string shell_command(const std::vector<std::string>& arguments) {
    std::string out;
    for (const std::string& argument : arguments) {
        if (!out.empty()) out += ' ';
        out += shell_quote(argument);
    }
    return out;
}

std::string junit_xml(const JunitSuite& suite) {
    std::size_t failures = 0;
    for (const JunitCase& one : suite.cases) failures += one.passed ? 0 : 1;
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    const std::string counts = fmt::format("tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.6f}\"",
                                           suite.cases.size(), failures, suite.seconds);
    out += fmt::format("<testsuites name=\"{}\" {}>\n", xml_escape(suite.name), counts);
    out += fmt::format("  <testsuite name=\"{}\" {}>\n", xml_escape(suite.name), counts);
    if (!suite.properties.empty()) {
        out += "    <properties>\n";
        for (const auto& [name, value] : suite.properties) {
            out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", xml_escape(name), xml_escape(value));
        }
        out += "    </properties>\n";
    }
    for (const JunitCase& one : suite.cases) {
        out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.6f}\"", xml_escape(one.classname),
                           xml_escape(one.name), one.seconds);
        if (one.passed) {
            out += "/>\n";
            continue;
        }
        out += fmt::format(">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                           xml_escape(one.failure_type), xml_escape(one.failure_message), xml_escape(one.failure_text));
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

Json report_header(const std::string& tool, const std::string& command) {
    Json out;
    out["schema_version"] = report_schema_version;
    out["tool"] = tool;
    out["tool_version"] = version_text();
    out["command"] = command;
    return out;
}

chaos::HtmlReport html_report_header(const std::string& tool, const std::string& command) {
    chaos::HtmlReport out;
    out.title = tool;
    out.tool_version = version_text();
    out.command = command;
    return out;
}

std::optional<std::string> write_html_report(const std::string& path, const chaos::HtmlReport& report) {
    return write_text(path, chaos::render_html_report(report));
}

} // namespace dita::app
