#pragma once
// Reports people look at (issue 16): one self-contained HTML file (inline SVG, JS and CSS, no
// network) with, per scenario, a swimlane per slot of its FSM stages over the run, the intents,
// the venue events as delivered (duplicates, reorders, drops and delays marked), reconciles,
// restarts, every diagnostic, capital and equity over time, and the failing invariant marked at
// the step where it first fails.
//
// Everything comes from the run's input log (what `--capture` records): the log is replayed
// input by input and the kernel sampled after each one, so a captured log renders the same
// timeline as the run that wrote it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dita/chaos/input_log.hpp"
#include "dita/chaos/invariants.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/chaos/suite.hpp"
#include "dita/contracts/json.hpp"

namespace dita::chaos {

// Inputs drawn per scenario: the first, the last and those around the failure. A bigger run is
// drawn in part and the page says which inputs it left out.
inline constexpr std::size_t report_inputs_shown_max = 6'000;
// Scenarios drawn per report (a --repeat or a long fuzz run lists the rest in the summary).
inline constexpr std::size_t report_scenarios_max = 200;
// Re-runs spent looking for the step where an invariant first fails.
inline constexpr std::size_t first_failure_runs_max = 24;
// Failing invariants located per scenario (each costs up to first_failure_runs_max re-runs).
inline constexpr std::size_t first_failures_max = 4;

struct FirstFailure {
    std::string invariant;
    std::string detail;
    std::size_t step_index = 0; // the scenario step (0-based) whose prefix first fails
    std::size_t runs = 0;       // prefix re-runs it took
};

// The shortest prefix of `scenario` that fails `invariant` (its last step is where the
// invariant first fails): prefixes are re-run with the same options, linearly for short
// scenarios and by bisection for long ones (bounded by first_failure_runs_max). nullopt when
// the whole scenario does not fail it (then nothing is marked). Virtual time only.
std::optional<FirstFailure> find_first_failure(const ChaosScenario& scenario, const std::string& invariant,
                                               const SuiteOptions& options);

struct ReportScenario {
    std::string name;
    std::string source; // "built-in", a file, "fuzz seed N", a captured log
    std::string description;
    bool passed = true;
    std::vector<InvariantResult> checks;
    // Each failing invariant at the step where it first fails (find_first_failure), any order.
    std::vector<FirstFailure> first_failures;
    std::string rerun_command; // the one line that runs it again
    // The scenario step index of each non-WAIT step, in order: the log's step inputs (intents,
    // reconciles, restarts) are these steps, then whatever quiesce added.
    std::vector<std::size_t> step_indices;
    std::size_t scenario_steps = 0;
    const InputLog* log = nullptr;               // the run's input log
    std::span<const VenueEvent> events;          // an event stream, when there is no log
    std::vector<std::string> notes;              // shown under the title (e.g. replay problems)
};

struct HtmlReport {
    std::string title;        // e.g. "dita chaos"
    std::string tool_version; // dita --version
    std::string command;      // the command line that wrote it
    Json summary = Json::object(); // key facts for the header, shown in order
    std::vector<ReportScenario> scenarios;
    std::size_t scenarios_left_out = 0;
    // dita fuzz: runs, failures by invariant, each reproducer (a scenario above).
    std::optional<Json> fuzz;
};

// One scenario's timeline data (what the page draws); exposed for tests.
Json scenario_timeline_json(const ReportScenario& scenario);
// The whole page.
std::string render_html_report(const HtmlReport& report);

} // namespace dita::chaos
