#include "chaos_cli.hpp"
#include "cli_io.hpp"
#include "reports.hpp"
#include "scenario_schema.hpp" // generated: scenarios/schema.json
#include "version.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "dita/chaos/input_log.hpp"
#include "dita/chaos/invariants.hpp"
#include "dita/chaos/orchestrator.hpp"
#include "dita/chaos/random.hpp"
#include "dita/chaos/report_html.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/chaos/scenario_io.hpp"
#include "dita/chaos/sequencer.hpp"
#include "dita/chaos/text_lines.hpp"
#include "dita/chaos/suite.hpp"
#include "dita/chaos/venue_factory.hpp"
#include "dita/chaos/bingx_venue_factory.hpp"
#include "dita/contracts/json.hpp"
#include "dita/contracts/result.hpp"

namespace dita::app {

using namespace dita::chaos;

namespace {

std::string file_safe(const std::string& name) {
    std::string out;
    for (const char c : name) {
        const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '_' || c == '.';
        out += safe ? c : '_';
    }
    return out.empty() ? std::string("scenario") : out;
}

struct Selected {
    ChaosScenario scenario;
    std::string source; // "built-in" or the file it came from
};

struct ScenarioStats {
    std::size_t runs = 0;
    std::size_t checks = 0;
    std::size_t checks_passed = 0;
    double wall_ms = 0.0;
    bool passed = true;
    ScenarioReport report; // the first failing run, else the last one
    std::uint64_t seed = 0; // the replay seed of that run
};

// The one command that runs a scenario again as it ran (the round's seed, no --repeat).
std::vector<std::string> chaos_rerun_args(const ChaosOptions& options, const Selected& one, std::uint64_t seed) {
    std::vector<std::string> args{options.program, "chaos"};
    if (one.source == "built-in") {
        args.insert(args.end(), {"--scenario", one.scenario.name});
    } else {
        args.insert(args.end(), {"--scenario-file", one.source});
    }
    args.insert(args.end(), {"--seed", std::to_string(seed), "--reorders", std::to_string(options.reorders)});
    if (options.no_replay) args.emplace_back("--no-replay");
    if (options.wall_clock) args.emplace_back("--wall-clock");
    if (options.venue != "mock") args.insert(args.end(), {"--venue", options.venue});
    if (!options.bingx_url.empty()) args.insert(args.end(), {"--bingx-url", options.bingx_url});
    if (options.live) {
        args.insert(args.end(), {"--live", "--max-order-qty", fmt::format("{}", options.max_order_qty),
                                 "--max-order-notional", fmt::format("{}", options.max_order_notional)});
    }
    return args;
}

struct ChaosTotals {
    std::size_t runs = 0;
    std::size_t checks = 0;
    std::size_t checks_passed = 0;
    std::size_t failed_scenarios = 0;
    double wall_ms = 0.0;
    double simulated_seconds = 0.0;
    bool wall_clock = false;
};

Json chaos_options_json(const ChaosOptions& options) {
    Json out;
    out["scenarios"] = options.scenarios;
    out["scenario_files"] = options.scenario_files;
    out["group"] = options.group;
    out["venue"] = options.venue;
    out["repeat"] = options.repeat;
    out["reorders"] = options.reorders;
    out["seed"] = options.seed;
    out["replays"] = !options.no_replay;
    out["time"] = options.wall_clock || options.venue != "mock" ? "wall-clock" : "virtual";
    return out;
}

// The SPEC section 6 report, and what CI and people need around it (schema version 2).
Json chaos_json_report(const ChaosOptions& options, std::span<const ScenarioReport> reports,
                       const std::vector<Selected>& selected, const std::vector<ScenarioStats>& stats,
                       const ChaosTotals& totals) {
    Json out = chaos_report_to_json(reports);
    for (std::size_t i = 0; i < reports.size(); ++i) {
        Json& one = out["scenarios"][i];
        one["source"] = selected[i].source;
        one["runs"] = stats[i].runs;
        one["seed"] = stats[i].seed;
        one["rerun"] = shell_command(chaos_rerun_args(options, selected[i], stats[i].seed));
        one["account_exact"] = account_to_json(reports[i].account);
        Json slots = Json::array();
        for (const TradeSlot& slot : reports[i].final_slots) slots.push_back(slot_to_json(slot));
        one["final_slots_exact"] = std::move(slots);
    }
    Json header = report_header("dita chaos", options.command_line);
    for (const auto& [key, value] : header.items()) out[key] = value;
    out["options"] = chaos_options_json(options);
    out["seed"] = options.seed;
    Json summary;
    summary["scenarios"] = selected.size();
    summary["runs"] = totals.runs;
    summary["failed_scenarios"] = totals.failed_scenarios;
    summary["checks"] = totals.checks;
    summary["checks_passed"] = totals.checks_passed;
    summary["passed"] = totals.failed_scenarios == 0;
    summary["wall_ms"] = totals.wall_ms;
    summary["scenario_seconds"] = totals.simulated_seconds;
    out["summary"] = std::move(summary);
    return out;
}

std::string failing_checks_text(const ScenarioReport& report) {
    std::string text;
    for (const InvariantResult& check : report.checks) {
        if (!check.passed) text += "FAIL " + check.name + ": " + check.detail + "\n";
    }
    return text;
}

JunitSuite chaos_junit(const ChaosOptions& options, std::span<const ScenarioReport> reports,
                       const std::vector<Selected>& selected, const std::vector<ScenarioStats>& stats,
                       const ChaosTotals& totals) {
    JunitSuite suite;
    suite.name = "dita chaos";
    suite.seconds = totals.wall_ms / 1000.0;
    suite.properties = {{"tool_version", version_text()}, {"command", options.command_line},
                        {"seed", std::to_string(options.seed)}, {"venue", options.venue},
                        {"reorders", std::to_string(options.reorders)}, {"repeat", std::to_string(options.repeat)}};
    for (std::size_t i = 0; i < reports.size(); ++i) {
        JunitCase one;
        one.name = selected[i].scenario.name;
        one.classname = "dita.chaos." + options.venue;
        one.seconds = stats[i].wall_ms / 1000.0 / static_cast<double>(std::max<std::size_t>(stats[i].runs, 1));
        one.passed = stats[i].passed;
        if (!one.passed) {
            const std::string rerun = shell_command(chaos_rerun_args(options, selected[i], stats[i].seed));
            for (const InvariantResult& check : reports[i].checks) {
                if (check.passed) continue;
                one.failure_type = check.name;
                one.failure_message = check.name + ": " + check.detail;
                break;
            }
            if (reports[i].setup_error) one.failure_type = "setup";
            one.failure_text = failing_checks_text(reports[i]) + "re-run: " + rerun + "\n";
        }
        suite.cases.push_back(std::move(one));
    }
    return suite;
}

chaos::HtmlReport chaos_html(const ChaosOptions& options, std::span<const ScenarioReport> reports,
                             const std::vector<Selected>& selected, const std::vector<ScenarioStats>& stats,
                             const SuiteOptions& suite, const ChaosTotals& totals) {
    chaos::HtmlReport html = html_report_header("dita chaos", options.command_line);
    html.summary["scenarios"] = selected.size();
    html.summary["failed"] = totals.failed_scenarios;
    html.summary["checks hold"] = fmt::format("{}/{}", totals.checks_passed, totals.checks);
    html.summary["venue"] = options.venue;
    html.summary["seed"] = options.seed;
    html.summary["replays per run"] = options.no_replay ? 0 : std::max(options.reorders, 1);
    html.summary["wall time"] = fmt::format("{:.1f} ms", totals.wall_ms);
    for (std::size_t i = 0; i < reports.size(); ++i) {
        const ScenarioReport& report = reports[i];
        chaos::ReportScenario one;
        one.name = report.name;
        one.source = selected[i].source;
        one.description = selected[i].scenario.description;
        one.passed = stats[i].passed;
        one.checks = report.checks;
        one.rerun_command = shell_command(chaos_rerun_args(options, selected[i], stats[i].seed));
        one.scenario_steps = selected[i].scenario.steps.size();
        one.log = &report.log;
        for (const StepTrace& step : report.run.steps) one.step_indices.push_back(step.step_index);
        if (stats[i].runs > 1) one.notes.push_back(fmt::format("{} runs; this is the {}", stats[i].runs, stats[i].passed ? "last" : "first failing one"));
        SuiteOptions prefix = suite;
        prefix.checks.seed = stats[i].seed;
        for (const InvariantResult& check : report.checks) {
            if (check.passed || one.first_failures.size() >= chaos::first_failures_max) continue;
            auto first = chaos::find_first_failure(selected[i].scenario, check.name, prefix);
            if (!first) continue;
            first->detail = check.detail;
            one.first_failures.push_back(std::move(*first));
        }
        html.scenarios.push_back(std::move(one));
    }
    return html;
}

std::string describe_venue(const VenueSettings& venue) {
    const Json changes = venue_settings_to_json(venue, true);
    if (changes.empty()) return "default";
    std::string out;
    for (const auto& [key, value] : changes.items()) {
        if (!out.empty()) out += ", ";
        out += key + "=" + value.dump();
    }
    return out;
}

} // namespace

// ---------------------------------------------------------------------------------------
// dita chaos

namespace {

// The scenarios asked for (group, names, files), every file read and checked before anything runs.
Checked<std::vector<Selected>> select_scenarios(const ChaosOptions& options) {
    std::vector<Selected> selected;
    if (!options.group.empty()) {
        std::span<const ChaosScenario> group = builtin_scenarios();
        if (options.group == "all") group = all_scenarios();
        if (options.group == "edge") group = edge_case_scenarios();
        if (options.group == "reject") group = reject_scenarios();
        if (options.group == "field") group = field_scenarios();
        for (const ChaosScenario& one : group) selected.push_back({one, "built-in"});
    }
    for (const std::string& name : options.scenarios) {
        const ChaosScenario* found = find_scenario(name);
        if (found == nullptr) return Refusal{fmt::format("unknown scenario '{}' (dita scenarios lists them)", name)};
        selected.push_back({*found, "built-in"});
    }
    for (const std::string& path : options.scenario_files) {
        auto loaded = load_scenario_file(path);
        if (!loaded.ok()) return Refusal{"scenario file refused: " + loaded.error().message()};
        for (ChaosScenario& one : loaded.value()) selected.push_back({std::move(one), path});
    }
    if (options.group.empty() && options.scenarios.empty() && options.scenario_files.empty()) {
        for (const ChaosScenario& one : builtin_scenarios()) selected.push_back({one, "built-in"});
    }
    return selected;
}

// The BingX options of --venue bingx-sim / bingx; a live run needs --live and both positive caps.
Checked<chaos::BingxChaosOptions> bingx_chaos_options(const ChaosOptions& options) {
    chaos::BingxChaosOptions bingx_options;
    bingx_options.simulator = options.venue == "bingx-sim";
    if (bingx_options.simulator) {
        bingx_options.extra_faults = bingx_sim::moderate_faults(bingx_options.request_timeout_ms);
        bingx_options.sim_state_path = options.bingx_sim_state;
        return bingx_options;
    }
    if (options.bingx_url.empty()) return Refusal{"--venue bingx needs --bingx-url URL"};
    if (!options.live) {
        return Refusal{"--venue bingx talks to a real exchange: it refuses to start without "
                       "--live (and --max-order-qty, --max-order-notional)"};
    }
    const auto qty = Decimal::from_double(options.max_order_qty);
    const auto notional = Decimal::from_double(options.max_order_notional);
    if (!qty || !qty->is_positive() || !notional || !notional->is_positive()) {
        return Refusal{"a live run needs positive --max-order-qty and --max-order-notional"};
    }
    bingx_options.rest_url = options.bingx_url;
    bingx_options.ws_url = options.bingx_ws_url;
    bingx_options.live = true;
    bingx_options.order_qty_max = *qty;
    bingx_options.order_notional_max = *notional;
    return bingx_options;
}

// The venue: the mock (an empty factory) unless asked otherwise. A BingX account is checked
// before any scenario runs (keys, position mode, contract rules, its starting state); the
// mock venue each scenario asks for must be buildable, also before anything runs.
Checked<VenueFactory> chaos_venue(const ChaosOptions& options, const std::vector<Selected>& selected) {
    if (options.venue == "bingx-sim" || options.venue == "bingx") {
        bingx::set_bingx_log_level(options.log_level);
        bingx_sim::set_sim_log_level(options.log_level);
        auto bingx_options = bingx_chaos_options(options);
        if (!bingx_options.ok()) return std::move(bingx_options).error();
        VenueFactory venue_factory = chaos::bingx_chaos_venue_factory(std::move(bingx_options).value());
        if (!selected.empty()) {
            WallClock probe_clock;
            auto probe = venue_factory(selected.front().scenario.venue, probe_clock);
            if (!probe.ok()) return Refusal{"the BingX account cannot be used: " + probe.error().reason};
        }
        return venue_factory;
    }
    if (options.venue != "mock") {
        return Refusal{fmt::format("unknown --venue '{}' (mock, bingx-sim, bingx)", options.venue)};
    }
    VirtualClock probe_clock;
    const VenueFactory factory = mock_venue_factory();
    for (const Selected& one : selected) {
        auto venue = factory(one.scenario.venue, probe_clock);
        if (!venue.ok()) {
            return Refusal{fmt::format("scenario file refused: {}: scenario '{}': venue: {}", one.source,
                                       one.scenario.name, venue.error().reason)};
        }
    }
    return VenueFactory();
}

// The report files must be writable, and the capture directory made, before anything runs.
std::optional<Refusal> check_outputs(const ChaosOptions& options) {
    if (!options.json_out.empty() && options.json_out != "-") {
        if (auto error = write_text(options.json_out, "")) return Refusal{*error};
    }
    for (const std::string* path : {&options.html_out, &options.junit_out}) {
        if (path->empty()) continue;
        if (auto error = write_text(*path, "")) return Refusal{*error};
    }
    if (!options.capture_dir.empty()) {
        std::error_code error;
        std::filesystem::create_directories(options.capture_dir, error);
        if (error) {
            return Refusal{
                fmt::format("cannot create capture directory {}: {}", options.capture_dir, error.message())};
        }
    }
    return std::nullopt;
}

void print_chaos_header(std::FILE* out, const ChaosOptions& options, std::size_t scenarios, bool wall_clock) {
    fmt::print(out, "dita chaos: {} scenario(s){} on the {} venue, {} time, {}\n\n", scenarios,
               options.repeat > 1 ? fmt::format(" x {} runs", options.repeat) : std::string(), options.venue,
               wall_clock ? "wall-clock" : "virtual",
               options.no_replay ? "no replays"
                                 : options.reorders == 0
                                       ? std::string("replays per run: 1, events doubled")
                                       : fmt::format("replays per run: {} (batches reversed{}), events doubled",
                                                     options.reorders,
                                                     options.reorders > 1 ? ", then seeded shuffles" : ""));
}

// The first round's input log and event stream of a scenario, under --capture-dir.
std::optional<Refusal> save_capture(const std::string& capture_dir, const ScenarioReport& report) {
    const std::string base = capture_dir + "/" + file_safe(report.name);
    if (auto error = save_input_log(report.log, base + ".inputs.jsonl")) return Refusal{error->message()};
    EventSequencer sequencer;
    sequencer.capture_many(report.run.events);
    if (auto error = sequencer.save(base + ".events.jsonl")) return Refusal{error->message()};
    return std::nullopt;
}

struct Rounds {
    std::vector<ScenarioStats> stats;
    double simulated_seconds = 0.0;
};

// Every round of every scenario; each scenario keeps its first failing run, else its last.
Checked<Rounds> run_rounds(const ChaosOptions& options, const std::vector<Selected>& selected, SuiteOptions& suite,
                           Progress& progress) {
    Rounds rounds;
    rounds.stats.resize(selected.size());
    std::unique_ptr<ChaosStack> stack; // one stack, reset for every run
    for (int round = 0; round < options.repeat; ++round) {
        // Each round shuffles with fresh seeds, so repeats explore new orderings.
        suite.checks.seed = options.seed + static_cast<std::uint64_t>(round) *
                                               static_cast<std::uint64_t>(std::max(options.reorders, 1));
        for (std::size_t i = 0; i < selected.size(); ++i) {
            const auto run_started = SteadyClock::now();
            ScenarioReport report = run_scenario_and_check(selected[i].scenario, suite, stack);
            // Runs follow each other with nothing in between: one run's end is the next's start.
            suite.run.threads_at_start = report.threads_at_end;
            ScenarioStats& s = rounds.stats[i];
            s.wall_ms += ms_since(run_started);
            ++s.runs;
            if (report.setup_error) {
                return Refusal{
                    fmt::format("scenario '{}' could not start: {}", report.name, report.setup_error->message())};
            }
            rounds.simulated_seconds += static_cast<double>(report.run.elapsed_ns) / 1e9;
            for (const InvariantResult& check : report.checks) {
                ++s.checks;
                if (check.passed) ++s.checks_passed;
            }
            if (round == 0 && !options.capture_dir.empty()) {
                if (auto refused = save_capture(options.capture_dir, report)) return std::move(*refused);
            }
            if (s.passed) {
                s.report = std::move(report);
                s.seed = suite.checks.seed;
            }
            s.passed = s.passed && s.report.passed;
            progress.advance();
        }
    }
    return rounds;
}

// The table, one line per scenario (FAIL lines end with their re-run command); the totals.
ChaosTotals print_chaos_table(std::FILE* out, const ChaosOptions& options, const std::vector<Selected>& selected,
                              const std::vector<ScenarioStats>& stats) {
    std::size_t name_width = 8;
    for (const Selected& one : selected) name_width = std::max(name_width, one.scenario.name.size());
    fmt::print(out, "{:<{}}  {:>5}  {:>9}  {:>10}  {}\n", "scenario", name_width, "steps", "checks",
               options.repeat > 1 ? "time/run" : "time", "result");
    ChaosTotals totals;
    for (std::size_t i = 0; i < selected.size(); ++i) {
        const ScenarioStats& s = stats[i];
        totals.checks += s.checks;
        totals.checks_passed += s.checks_passed;
        if (!s.passed) ++totals.failed_scenarios;
        const std::string rerun =
            s.passed ? std::string() : "  re-run: " + shell_command(chaos_rerun_args(options, selected[i], s.seed));
        fmt::print(out, "{:<{}}  {:>5}  {:>9}  {:>7.3f} ms  {}{}\n", selected[i].scenario.name, name_width,
                   selected[i].scenario.steps.size(), fmt::format("{}/{}", s.checks_passed, s.checks), s.wall_ms / static_cast<double>(std::max<std::size_t>(s.runs, 1)),
                   s.passed ? "pass" : "FAIL", rerun);
        for (const InvariantResult& check : s.report.checks) {
            if (!check.passed) {
                fmt::print(out, "    FAIL {}: {}{}\n", check.name, check.detail, rerun);
            } else if (options.verbose) {
                fmt::print(out, "    ok   {}: {}\n", check.name, check.detail);
            }
        }
    }
    return totals;
}

// The JSON, JUnit and HTML reports asked for; the first file that cannot be written refuses.
std::optional<Refusal> write_chaos_reports(const ChaosOptions& options, const std::vector<Selected>& selected,
                                           Rounds& rounds, const SuiteOptions& suite, const ChaosTotals& totals) {
    std::vector<ScenarioReport> reports;
    reports.reserve(rounds.stats.size());
    for (ScenarioStats& s : rounds.stats) reports.push_back(std::move(s.report));
    const std::vector<ScenarioStats>& stats = rounds.stats;
    std::vector<std::pair<std::string, std::string>> writes; // path, text
    if (!options.json_out.empty()) {
        writes.emplace_back(options.json_out, chaos_json_report(options, reports, selected, stats, totals).dump(2) + "\n");
    }
    if (!options.junit_out.empty()) {
        writes.emplace_back(options.junit_out, junit_xml(chaos_junit(options, reports, selected, stats, totals)));
    }
    if (!options.html_out.empty()) {
        writes.emplace_back(options.html_out,
                            render_html_report(chaos_html(options, reports, selected, stats, suite, totals)));
    }
    for (const auto& [path, text] : writes) {
        if (auto error = write_text(path, text)) return Refusal{*error};
    }
    return std::nullopt;
}

} // namespace

int run_chaos_command(const ChaosOptions& options) {
    auto selection = select_scenarios(options);
    if (!selection.ok()) return refuse("dita chaos", selection.error());
    const std::vector<Selected>& selected = selection.value();
    auto venue = chaos_venue(options, selected);
    if (!venue.ok()) return refuse("dita chaos", venue.error());
    if (auto refused = check_outputs(options)) return refuse("dita chaos", *refused);

    SuiteOptions suite;
    const bool wall_clock = options.wall_clock || static_cast<bool>(venue.value());
    suite.stack.time = wall_clock ? TimeMode::WALL : TimeMode::VIRTUAL;
    suite.venue_factory = venue.value();
    suite.checks.replays = !options.no_replay;
    suite.checks.reordered_replays = options.reorders;

    // The table goes to stderr when the JSON report takes stdout.
    std::FILE* out = options.json_out == "-" ? stderr : stdout;
    const std::size_t total_runs = selected.size() * static_cast<std::size_t>(options.repeat);
    print_chaos_header(out, options, selected.size(), wall_clock);
    Progress progress("scenario runs", total_runs, !options.no_progress);
    const auto started = SteadyClock::now();
    auto rounds = run_rounds(options, selected, suite, progress);
    if (!rounds.ok()) return refuse("dita chaos", rounds.error());
    const double total_ms = ms_since(started);

    ChaosTotals totals = print_chaos_table(out, options, selected, rounds->stats);
    totals.runs = total_runs;
    totals.wall_ms = total_ms;
    totals.simulated_seconds = rounds->simulated_seconds;
    fmt::print(out, "\n{} scenario run(s), {}/{} checks hold, {} in {:.1f} ms (scenario time {}: {:.3f} s)\n",
               total_runs, totals.checks_passed, totals.checks,
               totals.failed_scenarios == 0 ? std::string("every invariant holds")
                                            : fmt::format("{} scenario(s) FAILED", totals.failed_scenarios),
               total_ms, wall_clock ? "slept" : "simulated", totals.simulated_seconds);
    if (auto refused = write_chaos_reports(options, selected, rounds.value(), suite, totals)) {
        return refuse("dita chaos", *refused);
    }
    return totals.failed_scenarios == 0 ? exit_ok : exit_invariant_failed;
}

// ---------------------------------------------------------------------------------------
// dita scenarios

int run_scenarios_command(const ScenariosOptions& options) {
    std::vector<ChaosScenario> listed(builtin_scenarios().begin(), builtin_scenarios().end());
    listed.insert(listed.end(), reject_scenarios().begin(), reject_scenarios().end());
    listed.insert(listed.end(), field_scenarios().begin(), field_scenarios().end());
    if (!options.export_dir.empty()) {
        std::error_code error;
        std::filesystem::create_directories(options.export_dir, error);
        if (error) {
            fmt::print(stderr, "dita scenarios: cannot create {}: {}\n", options.export_dir, error.message());
            return exit_bad_input;
        }
        // The schema goes next to the files, which name it so editors validate them.
        if (auto problem = write_text(options.export_dir + "/schema.json", std::string(scenario_schema_json))) {
            fmt::print(stderr, "dita scenarios: {}\n", *problem);
            return exit_bad_input;
        }
        for (const ChaosScenario& one : listed) {
            const std::string path = options.export_dir + "/" + file_safe(one.name) + ".json";
            Json file;
            file["$schema"] = "schema.json";
            const Json fields = scenario_to_json(one);
            for (const auto& [key, value] : fields.items()) file[key] = value;
            if (auto problem = write_text(path, file.dump(2) + "\n")) {
                fmt::print(stderr, "dita scenarios: {}\n", *problem);
                return exit_bad_input;
            }
        }
        fmt::print("dita scenarios: wrote {} scenario files and schema.json to {}\n", listed.size(), options.export_dir);
        return exit_ok;
    }
    if (options.json) {
        fmt::print("{}\n", scenarios_to_json(listed).dump(2));
        return exit_ok;
    }
    std::size_t width = 8;
    for (const ChaosScenario& one : listed) width = std::max(width, one.name.size());
    fmt::print("{:<{}}  {:<14}  {:>5}  {:>8}  {:<34}  {}\n", "scenario", width, "groups", "steps", "delays", "venue", "description");
    for (const ChaosScenario& one : listed) {
        std::string groups;
        for (const std::string& group : scenario_groups(one.name)) groups += (groups.empty() ? "" : ",") + group;
        fmt::print("{:<{}}  {:<14}  {:>5}  {:>6.3f} s  {:<34}  {}\n", one.name, width, groups.empty() ? "-" : groups,
                   one.steps.size(), total_delay_seconds(one), describe_venue(one.venue), one.description);
    }
    fmt::print("\n`dita chaos` runs the first {} (each on its venue); `--scenario NAME` picks one, "
               "`--group all|edge|reject` a seed group, `--group field` the FIELD scenarios.\n",
               builtin_scenarios().size());
    return exit_ok;
}

} // namespace dita::app