#include "fuzz_cli.hpp"
#include "cli_io.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "chaos_cli.hpp"
#include "reports.hpp"
#include "version.hpp"
#include "dita/chaos/campaign.hpp"
#include "dita/chaos/report_html.hpp"
#include "dita/chaos/suite.hpp"
#include "dita/chaos/scenario_io.hpp"
#include "dita/contracts/result.hpp"

namespace dita::app {

namespace {

struct Shard {
    std::uint64_t index = 0;
    std::uint64_t count = 1;
};

std::optional<Shard> parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 >= text.size()) return std::nullopt;
    // Digits only: std::stoull reads "-1" as 2^64-1.
    const auto digits = [](std::string_view part) {
        return !part.empty() && part.size() <= 20 && part.find_first_not_of("0123456789") == std::string_view::npos;
    };
    if (!digits(std::string_view(text).substr(0, slash)) || !digits(std::string_view(text).substr(slash + 1))) {
        return std::nullopt;
    }
    Shard shard;
    try {
        std::size_t used = 0;
        shard.index = std::stoull(text.substr(0, slash), &used);
        if (used != slash) return std::nullopt;
        const std::string count = text.substr(slash + 1);
        shard.count = std::stoull(count, &used);
        if (used != count.size()) return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt; // not a number: bad usage, reported by the caller
    }
    if (shard.count == 0 || shard.index >= shard.count || text[0] == '-') return std::nullopt;
    return shard;
}

// The generator's options as flags (what a re-run of one seed needs besides the seed).
std::vector<std::string> generator_flags(const FuzzOptions& options) {
    std::vector<std::string> out;
    if (options.steps_max != FuzzOptions{}.steps_max) out.insert(out.end(), {"--steps-max", std::to_string(options.steps_max)});
    if (options.no_faults) out.emplace_back("--no-faults");
    if (options.no_restarts) out.emplace_back("--no-restarts");
    if (options.no_venue_moves) out.emplace_back("--no-venue-moves");
    if (options.no_liquidation) out.emplace_back("--no-liquidation");
    if (options.large) out.emplace_back("--large");
    if (options.large && options.large_steps_max != FuzzOptions{}.large_steps_max) {
        out.insert(out.end(), {"--large-steps-max", std::to_string(options.large_steps_max)});
    }
    if (options.no_shrink) out.emplace_back("--no-shrink");
    return out;
}

std::string fuzz_rerun(const FuzzOptions& options, std::uint64_t seed) {
    std::vector<std::string> args{options.program, "fuzz", "--start", std::to_string(seed), "--seeds", "1"};
    const std::vector<std::string> flags = generator_flags(options);
    args.insert(args.end(), flags.begin(), flags.end());
    return shell_command(args);
}

Json fuzz_options_json(const FuzzOptions& options, const Shard& shard) {
    Json out;
    out["start"] = options.start;
    out["seeds"] = options.seeds;
    out["shard"] = fmt::format("{}/{}", shard.index, shard.count);
    out["time_limit_seconds"] = options.time_limit_seconds;
    out["replay_every"] = options.replay_every;
    out["steps_max"] = options.steps_max;
    out["failures_max"] = options.failures_max;
    out["shrink"] = !options.no_shrink;
    out["faults"] = !options.no_faults;
    out["restarts"] = !options.no_restarts;
    out["wild_prices"] = !options.no_venue_moves;
    out["venue_moves"] = !options.no_venue_moves;
    out["liquidations"] = !options.no_venue_moves && !options.no_liquidation;
    return out;
}

JunitSuite fuzz_junit(const FuzzOptions& options, const chaos::CampaignReport& report, double seconds) {
    JunitSuite suite;
    suite.name = "dita fuzz";
    suite.seconds = seconds;
    suite.properties = {{"tool_version", version_text()}, {"command", options.command_line},
                        {"start", std::to_string(options.start)}, {"seeds", std::to_string(options.seeds)},
                        {"shard", options.shard}};
    JunitCase campaign;
    campaign.name = fmt::format("campaign: {} run(s) from seed {}", report.runs, options.start);
    campaign.classname = "dita.fuzz";
    campaign.seconds = seconds;
    campaign.passed = report.failures.empty();
    if (!campaign.passed) {
        campaign.failure_type = "failures";
        campaign.failure_message = fmt::format("{} failing seed(s)", report.failures.size());
        campaign.failure_text = "each failing seed is a testcase of its own";
    }
    suite.cases.push_back(std::move(campaign));
    for (const chaos::CampaignFailure& failure : report.failures) {
        JunitCase one;
        one.name = fmt::format("seed {}", failure.seed);
        one.classname = "dita.fuzz";
        one.passed = false;
        one.failure_type = failure.invariant;
        one.failure_message = failure.invariant + ": " + failure.detail;
        one.failure_text = fmt::format("FAIL seed {}: {} ({} steps, shrunk to {}): {}\nre-run: {}\n", failure.seed,
                                       failure.invariant, failure.steps, failure.shrunk_steps, failure.detail,
                                       fuzz_rerun(options, failure.seed));
        if (!failure.reproducer_path.empty()) {
            one.failure_text += "reproducer: " + shell_command({options.program, "chaos", "--scenario-file", failure.reproducer_path}) + "\n";
        }
        suite.cases.push_back(std::move(one));
    }
    return suite;
}

// What the JSON report and the HTML page say of every failing seed.
Json failure_json(const FuzzOptions& options, const chaos::CampaignFailure& failure) {
    Json one;
    one["seed"] = failure.seed;
    one["invariant"] = failure.invariant;
    one["detail"] = failure.detail;
    one["steps"] = failure.steps;
    one["shrunk_steps"] = failure.shrunk_steps;
    one["rerun"] = fuzz_rerun(options, failure.seed);
    return one;
}

// The reproducers' runs, kept alive while the page is written (the page reads their logs).
struct FuzzHtml {
    std::vector<chaos::ScenarioReport> runs;
    chaos::HtmlReport html;
};

void fuzz_html(FuzzHtml& out, const FuzzOptions& options, const chaos::CampaignReport& report, double seconds) {
    out.html = html_report_header("dita fuzz", options.command_line);
    chaos::HtmlReport& html = out.html;
    html.summary["runs"] = report.runs;
    html.summary["with replay checks"] = report.replayed_runs;
    html.summary["failures"] = report.failures.size();
    html.summary["first seed"] = options.start;
    html.summary["wall time"] = fmt::format("{:.2f} s", seconds);
    if (report.stopped_early) html.summary["stopped early"] = "yes";
    Json fuzz;
    fuzz["runs"] = report.runs;
    Json by_invariant = Json::object();
    Json failures = Json::array();
    const std::size_t drawn = std::min(report.failures.size(), chaos::report_scenarios_max);
    out.runs.reserve(drawn);
    for (std::size_t i = 0; i < report.failures.size(); ++i) {
        const chaos::CampaignFailure& failure = report.failures[i];
        by_invariant[failure.invariant] = by_invariant.value(failure.invariant, 0) + 1;
        Json one = failure_json(options, failure);
        one["scenario_index"] = i;
        failures.push_back(std::move(one));
        if (i >= drawn) continue;
        // The reproducer once more, recorded, for its timeline (deterministic: the same run).
        out.runs.push_back(chaos::run_scenario_and_check(failure.reproducer));
        const chaos::ScenarioReport& run = out.runs.back();
        chaos::ReportScenario scenario;
        scenario.name = fmt::format("seed {}: {}", failure.seed, failure.invariant);
        scenario.source = fmt::format("fuzz seed {}, shrunk from {} to {} step(s)", failure.seed, failure.steps,
                                      failure.shrunk_steps);
        scenario.passed = run.passed;
        scenario.checks = run.checks;
        scenario.rerun_command = fuzz_rerun(options, failure.seed);
        scenario.scenario_steps = failure.reproducer.steps.size();
        scenario.log = &run.log;
        for (const chaos::StepTrace& step : run.run.steps) scenario.step_indices.push_back(step.step_index);
        if (!failure.reproducer_path.empty()) {
            scenario.notes.push_back("reproducer saved: " +
                                     shell_command({options.program, "chaos", "--scenario-file", failure.reproducer_path}));
        }
        if (auto first = chaos::find_first_failure(failure.reproducer, failure.invariant, {})) {
            first->detail = failure.detail;
            scenario.first_failures.push_back(std::move(*first));
        }
        html.scenarios.push_back(std::move(scenario));
    }
    fuzz["failures_by_invariant"] = std::move(by_invariant);
    fuzz["failures"] = std::move(failures);
    html.scenarios_left_out = report.failures.size() - drawn;
    html.fuzz = std::move(fuzz);
}

// Bad usage and unwritable outputs are refused before anything runs, as dita chaos does.
Checked<Shard> check_fuzz_usage(const FuzzOptions& options) {
    const std::optional<Shard> shard = parse_shard(options.shard);
    if (!shard) return Refusal{fmt::format("--shard expects i/n with 0 <= i < n, got '{}'", options.shard)};
    if (options.seeds > 0 && options.start > std::numeric_limits<std::uint64_t>::max() - (options.seeds - 1)) {
        return Refusal{fmt::format(
            "--start {} with --seeds {} passes seed 2^64-1 (the range would wrap to seeds already run)",
            options.start, options.seeds)};
    }
    if (!(options.time_limit_seconds >= 0.0)) return Refusal{"--time-limit must not be negative"};
    if (!options.save_dir.empty()) {
        std::error_code error;
        std::filesystem::create_directories(options.save_dir, error);
        if (error || !std::filesystem::is_directory(options.save_dir)) {
            return Refusal{fmt::format("cannot create --save-dir {}: {}", options.save_dir, error.message())};
        }
    }
    for (const std::string* path : {&options.html_out, &options.junit_out}) {
        if (path->empty()) continue;
        if (auto problem = write_text(*path, "")) return Refusal{*problem};
    }
    if (!options.json_out.empty() && options.json_out != "-") {
        std::ofstream probe(options.json_out, std::ios::binary | std::ios::app);
        if (!probe) return Refusal{fmt::format("cannot write --json {}", options.json_out)};
    }
    return *shard;
}

chaos::CampaignOptions campaign_options(const FuzzOptions& options, const Shard& shard) {
    chaos::CampaignOptions campaign;
    campaign.start = options.start;
    campaign.seeds = options.seeds;
    campaign.shard_index = shard.index;
    campaign.shard_count = shard.count;
    campaign.replay_every = options.replay_every;
    campaign.shrink = !options.no_shrink;
    campaign.failures_max = options.failures_max;
    campaign.generator.steps_max = options.steps_max;
    campaign.generator.large_share_percent = options.large ? 25 : 0;
    campaign.generator.large_steps_max = options.large_steps_max;
    campaign.generator.faults = !options.no_faults;
    campaign.generator.restarts = !options.no_restarts;
    campaign.generator.wild_prices = !options.no_venue_moves;
    campaign.generator.venue_moves = !options.no_venue_moves;
    campaign.generator.liquidations = !options.no_venue_moves && !options.no_liquidation;
    return campaign;
}

double seconds_since(SteadyClock::time_point since) {
    return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

struct SavedFailures {
    nlohmann::json json = nlohmann::json::array();
    bool save_problem = false; // a reproducer could not be saved (the campaign still reports)
};

// Each failure: its reproducer saved under --save-dir, its FAIL line (ending with the command
// that runs that seed again), and its entry of the JSON report.
SavedFailures save_and_print_failures(const FuzzOptions& options, chaos::CampaignReport& report) {
    SavedFailures saved;
    for (chaos::CampaignFailure& failure : report.failures) {
        if (!options.save_dir.empty()) {
            const std::string path =
                (std::filesystem::path(options.save_dir) / ("seed-" + std::to_string(failure.seed) + ".json")).string();
            if (auto problem = write_text(path, chaos::scenario_to_json(failure.reproducer).dump(2) + "\n")) {
                fmt::print(stderr, "dita fuzz: {}\n", *problem);
                saved.save_problem = true;
            } else {
                failure.reproducer_path = path;
            }
        }
        fmt::print("FAIL seed {}: {} ({} steps, shrunk to {}): {}  re-run: {}{}\n", failure.seed, failure.invariant,
                   failure.steps, failure.shrunk_steps, failure.detail, fuzz_rerun(options, failure.seed),
                   failure.reproducer_path.empty() ? "" : "\n  reproducer: " + failure.reproducer_path);
        nlohmann::json one = failure_json(options, failure);
        one["reproducer"] = failure.reproducer_path;
        one["scenario"] = chaos::scenario_to_json(failure.reproducer);
        saved.json.push_back(std::move(one));
    }
    return saved;
}

nlohmann::json fuzz_json_report(const FuzzOptions& options, const Shard& shard, const chaos::CampaignReport& report,
                                nlohmann::json failures, double elapsed) {
    nlohmann::json out = report_header("dita fuzz", options.command_line);
    out["options"] = fuzz_options_json(options, shard);
    out["seed"] = options.start;
    nlohmann::json summary;
    summary["runs"] = report.runs;
    summary["replayed_runs"] = report.replayed_runs;
    summary["failures"] = report.failures.size();
    summary["passed"] = report.failures.empty();
    summary["stopped_early"] = report.stopped_early;
    summary["seconds"] = elapsed;
    out["summary"] = std::move(summary);
    out["start"] = options.start;
    out["seeds"] = options.seeds;
    out["shard"] = options.shard;
    if (options.large) out["large_steps_max"] = options.large_steps_max; // absent: the default campaign
    out["runs"] = report.runs;
    out["replayed_runs"] = report.replayed_runs;
    out["stopped_early"] = report.stopped_early;
    out["seconds"] = elapsed;
    out["passed"] = report.failures.empty();
    out["failures"] = std::move(failures);
    return out;
}

// The JSON, JUnit and HTML reports asked for, in that order; the first that cannot be written refuses.
std::optional<Refusal> write_fuzz_reports(const FuzzOptions& options, const Shard& shard,
                                          const chaos::CampaignReport& report, nlohmann::json failures,
                                          double elapsed) {
    if (!options.json_out.empty()) {
        const nlohmann::json out = fuzz_json_report(options, shard, report, std::move(failures), elapsed);
        if (auto problem = write_text(options.json_out, out.dump(2) + "\n")) return Refusal{*problem};
    }
    if (!options.junit_out.empty()) {
        if (auto problem = write_text(options.junit_out, junit_xml(fuzz_junit(options, report, elapsed)))) {
            return Refusal{*problem};
        }
    }
    if (!options.html_out.empty()) {
        FuzzHtml page;
        fuzz_html(page, options, report, elapsed);
        if (auto problem = write_html_report(options.html_out, page.html)) return Refusal{*problem};
    }
    return std::nullopt;
}

} // namespace

int run_fuzz_command(const FuzzOptions& options) {
    const auto shard = check_fuzz_usage(options);
    if (!shard.ok()) return refuse("dita fuzz", shard.error());
    chaos::CampaignOptions campaign = campaign_options(options, *shard);

    const bool tty = !options.no_progress && isatty(STDERR_FILENO) == 1;
    const auto started = SteadyClock::now();
    auto last_draw = started;
    campaign.on_run = [&](std::uint64_t runs, std::size_t failures) {
        // Checked every 64 runs: reading the clock per run would cost more than some runs.
        if (runs % 64 != 0) return true;
        const auto now = SteadyClock::now();
        if (tty && std::chrono::duration<double>(now - last_draw).count() >= 0.2) {
            last_draw = now;
            const double elapsed = seconds_since(started);
            fmt::print(stderr, "\r  runs {}  ({:.0f} runs/s)  failures {}   ", runs,
                       elapsed > 0 ? static_cast<double>(runs) / elapsed : 0.0, failures);
            std::fflush(stderr);
        }
        return options.time_limit_seconds <= 0.0 || seconds_since(started) < options.time_limit_seconds;
    };

    chaos::CampaignReport report = chaos::run_campaign(campaign);
    const double elapsed = seconds_since(started);
    if (tty) fmt::print(stderr, "\r{:60}\r", "");

    SavedFailures saved = save_and_print_failures(options, report);
    const double rate = elapsed > 0 ? static_cast<double>(report.runs) / elapsed : 0.0;
    fmt::print("dita fuzz: {} run(s) of seeds {}..{} (shard {}/{}), {} with replay checks, {} failure(s), "
               "{:.2f} s, {:.0f} runs/s{}\n",
               report.runs, options.start, options.start + (options.seeds == 0 ? 0 : options.seeds - 1), shard->index,
               shard->count, report.replayed_runs, report.failures.size(), elapsed, rate,
               report.stopped_early ? " (stopped early)" : "");
    if (auto refused = write_fuzz_reports(options, *shard, report, std::move(saved.json), elapsed)) {
        return refuse("dita fuzz", *refused);
    }
    if (!report.failures.empty()) return exit_invariant_failed;
    return saved.save_problem ? exit_bad_input : exit_ok;
}

} // namespace dita::app
