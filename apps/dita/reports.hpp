#pragma once
// What the CLI's reports share (issue 16): one-line re-run commands, JUnit XML for CI, the
// header every JSON report starts with, and the HTML report written to a file.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dita/chaos/report_html.hpp"
#include "dita/contracts/json.hpp"

namespace dita::app {

// 2: schema_version, tool, tool_version, command, options, seed, summary, per scenario the
// re-run command and exact decimal money (account_exact, final_slots_exact). Version 1 was the
// bare {"scenarios": [...]} of SPEC section 6, whose keys every later version keeps.
inline constexpr int report_schema_version = 2;

// One argument as a POSIX shell reads it back unchanged (quoted only when it must be).
std::string shell_quote(const std::string& argument);
// Arguments joined into one shell command line.
std::string shell_command(const std::vector<std::string>& arguments);

struct JunitCase {
    std::string name;
    std::string classname;
    double seconds = 0.0;
    bool passed = true;
    std::string failure_type;    // the failing invariant
    std::string failure_message; // one line
    std::string failure_text;    // every failing check and the re-run command
};

struct JunitSuite {
    std::string name;
    double seconds = 0.0;
    std::vector<std::pair<std::string, std::string>> properties;
    std::vector<JunitCase> cases;
};

// <testsuites><testsuite>...</testsuite></testsuites>, as Jenkins, GitLab and GitHub read it.
std::string junit_xml(const JunitSuite& suite);

// The fields every JSON report starts with.
Json report_header(const std::string& tool, const std::string& command);

// A page's title, tool version and command line (what report_header is for JSON).
chaos::HtmlReport html_report_header(const std::string& tool, const std::string& command);

// Writes the page; the reason when it cannot.
std::optional<std::string> write_html_report(const std::string& path, const chaos::HtmlReport& report);

} // namespace dita::app
