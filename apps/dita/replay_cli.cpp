// dita replay: a captured input log or venue event stream run again, in recorded and reordered orders.
#include "chaos_cli.hpp"
#include "cli_io.hpp"
#include "reports.hpp"
#include "version.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "dita/chaos/input_log.hpp"
#include "dita/chaos/invariants.hpp"
#include "dita/chaos/random.hpp"
#include "dita/chaos/report_html.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/chaos/sequencer.hpp"
#include "dita/chaos/text_lines.hpp"
#include "dita/contracts/json.hpp"
#include "dita/contracts/result.hpp"

namespace dita::app {

using namespace dita::chaos;

namespace {

constexpr std::size_t problems_kept_max = 20;

struct ReplaySummary {
    std::string kind;
    std::size_t inputs = 0;
    std::size_t events = 0;
    std::uint64_t orderings = 0;
    bool exhaustive = false;
    std::map<std::uint64_t, std::uint64_t> hashes; // state hash -> orderings that reached it
    std::optional<std::uint64_t> recorded_hash;
    std::vector<std::string> problems;

    void note(std::string problem) {
        if (problems.size() < problems_kept_max) problems.push_back(std::move(problem));
    }
};

std::string hex(std::uint64_t value) { return fmt::format("{:016x}", value); }

ReplaySummary replay_input_log(const InputLog& log, const ReplayOptions& options) {
    ReplaySummary summary;
    summary.kind = "input_log";
    summary.inputs = log.inputs.size();
    summary.events = log.event_count();
    summary.recorded_hash = log.final_state_hash;
    if (log.truncated) summary.note("the log was truncated when recorded; it cannot reproduce the run");
    std::vector<std::pair<std::string, BatchTransform>> runs;
    if (options.exhaustive) {
        const OrderingPlan plan = plan_orderings(log);
        summary.exhaustive = plan.exhaustive;
        if (plan.exhaustive) {
            for (std::uint64_t i = 0; i < plan.total; ++i) runs.emplace_back("ordering " + std::to_string(i), ordering_transform(plan, i));
        } else {
            runs.emplace_back("ordered", BatchTransform{});
            for (int i = 1; i < options.samples; ++i) {
                const std::uint64_t seed = options.seed + static_cast<std::uint64_t>(i);
                runs.emplace_back("shuffle seed " + std::to_string(seed), shuffle_batches(seed));
            }
        }
    } else if (options.shuffle) {
        runs.emplace_back("shuffle seed " + std::to_string(options.seed), shuffle_batches(options.seed));
    } else {
        runs.emplace_back("ordered", BatchTransform{});
    }
    // What the venue itself reported, so the kernel's right reactions to it are not flagged.
    std::vector<VenueEvent> reports = log.events();
    const std::vector<VenueEvent> overfills = query_overfills(log);
    reports.insert(reports.end(), overfills.begin(), overfills.end());
    Progress progress("orderings", runs.size(), !options.no_progress);
    for (auto& [label, transform] : runs) {
        const ReplayRun replay = replay_log(log, std::move(transform));
        ++summary.orderings;
        ++summary.hashes[replay.final_state_hash];
        if (replay.divergence) summary.note(label + ": diverged: " + *replay.divergence);
        for (std::size_t i = 0; i < replay.outcomes.size(); ++i) {
            const KernelOutcome& outcome = replay.outcomes[i];
            if (is_unexpected_outcome(outcome, reports)) {
                const std::size_t input = i < replay.outcome_inputs.size() ? replay.outcome_inputs[i] : i;
                summary.note(fmt::format("{}: input {}: {}: {}", label, input, to_string(outcome.diagnostic_code), outcome.details.str()));
                break;
            }
        }
        if (replay.final_state_hash != log.final_state_hash) {
            summary.note(fmt::format("{}: state {} differs from the recorded {}", label, hex(replay.final_state_hash),
                                      hex(log.final_state_hash)));
        }
        progress.advance();
    }
    return summary;
}

ReplaySummary replay_events(const std::vector<VenueEvent>& events, const ReplayOptions& options) {
    ReplaySummary summary;
    summary.kind = "events";
    summary.events = events.size();
    std::vector<std::pair<std::string, std::vector<std::size_t>>> orders;
    if (options.exhaustive) {
        const EventOrderings plan = event_orderings(events.size(), static_cast<std::size_t>(options.samples), options.seed);
        summary.exhaustive = plan.exhaustive;
        for (std::size_t i = 0; i < plan.orders.size(); ++i) orders.emplace_back("ordering " + std::to_string(i), plan.orders[i]);
    } else if (options.shuffle) {
        orders.emplace_back("shuffle seed " + std::to_string(options.seed), shuffled_indices(events.size(), options.seed));
    } else {
        std::vector<std::size_t> identity(events.size());
        for (std::size_t i = 0; i < identity.size(); ++i) identity[i] = i;
        orders.emplace_back("ordered", std::move(identity));
    }
    EventSequencer sequencer;
    sequencer.capture_many(events);
    Progress progress("orderings", orders.size(), !options.no_progress);
    for (const auto& [label, order] : orders) {
        // The seed's replay: the events into a fresh kernel, which must not crash, refuse a slot
        // or leave a slot reconciling.
        const auto stack = build_test_kernel();
        const auto outcomes = sequencer.replay_in_order(stack->kernel(), order);
        ++summary.orderings;
        ++summary.hashes[stack->kernel().state_hash()];
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            if (outcomes[i].diagnostic_code == KernelDiagnosticCode::INVALID_SLOT_ID ||
                outcomes[i].severity == KernelSeverity::CRITICAL) {
                summary.note(fmt::format("{}: event {}: {}: {}", label, order[i], to_string(outcomes[i].diagnostic_code),
                                          outcomes[i].details.str()));
                break;
            }
        }
        for (int slot = 0; slot < stack->kernel().max_slots(); ++slot) {
            if (stack->kernel().slot(slot).fsm_state == TradeStage::STALE_STATE_RECONCILING) {
                summary.note(fmt::format("{}: slot {} left in STALE_STATE_RECONCILING", label, slot));
            }
        }
        progress.advance();
    }
    return summary;
}

std::vector<std::string> replay_rerun_args(const ReplayOptions& options) {
    std::vector<std::string> args{options.program, "replay", options.file};
    if (options.shuffle) args.insert(args.end(), {"--shuffle", "--seed", std::to_string(options.seed)});
    if (options.exhaustive) {
        args.insert(args.end(), {"--exhaustive", "--seed", std::to_string(options.seed), "--samples",
                                 std::to_string(options.samples)});
    }
    return args;
}

chaos::HtmlReport replay_html(const ReplayOptions& options, const ReplaySummary& summary, bool passed,
                              const InputLog* log, const std::vector<VenueEvent>& events, const std::string& rerun,
                              double elapsed_ms) {
    chaos::HtmlReport html = html_report_header("dita replay", options.command_line);
    html.summary["file"] = options.file;
    html.summary["orderings"] = summary.orderings;
    html.summary["final states"] = summary.hashes.size();
    html.summary["result"] = passed ? "converges" : "FAILED";
    html.summary["wall time"] = fmt::format("{:.1f} ms", elapsed_ms);
    chaos::ReportScenario one;
    one.name = log != nullptr && !log->scenario.empty() ? log->scenario : options.file;
    one.source = options.file + (log != nullptr ? " (kernel input log, replayed in recorded order)" : " (venue events)");
    one.passed = passed;
    one.rerun_command = rerun;
    one.log = log;
    one.events = events;
    InvariantResult converges;
    converges.name = "replay_converges";
    converges.passed = passed;
    converges.detail = fmt::format("{} ordering(s), {} final state(s)", summary.orderings, summary.hashes.size());
    for (const auto& [hash, count] : summary.hashes) {
        const bool recorded = summary.recorded_hash && *summary.recorded_hash == hash;
        converges.detail += fmt::format("; {} by {}{}", hex(hash), count, recorded ? " (recorded)" : "");
    }
    one.checks.push_back(converges);
    one.notes = summary.problems;
    html.scenarios.push_back(std::move(one));
    return html;
}

// The probe reads at most this much of a first line; an input-log header is far shorter.
constexpr std::size_t replay_probe_chars_max = 1u << 20;

// The first non-blank line, which tells an input log from an event stream; read with a bound.
Checked<std::string> probe_first_line(const std::string& file) {
    if (exists_but_not_regular_file(file)) {
        return Refusal{fmt::format("{} is not a regular file (not a capture)", file)};
    }
    std::ifstream probe(file, std::ios::binary);
    if (!probe) return Refusal{"cannot open " + file};
    std::string first_line;
    for (BoundedLine line = read_bounded_line(probe, replay_probe_chars_max); line.status == LineStatus::LINE;
         line = read_bounded_line(probe, replay_probe_chars_max)) {
        if (line.text.find_first_not_of(" \t\r") != std::string::npos) {
            first_line = std::move(line.text);
            break;
        }
    }
    return first_line;
}

struct Replayed {
    ReplaySummary summary;
    std::optional<InputLog> log; // kept for the HTML report
    std::vector<VenueEvent> events;
};

Checked<Replayed> load_and_replay(const ReplayOptions& options, const std::string& first_line) {
    Replayed replayed;
    if (looks_like_input_log(first_line)) {
        auto log = load_input_log(options.file);
        if (!log.ok()) return Refusal{"input log refused: " + log.error().message()};
        replayed.summary = replay_input_log(log.value(), options);
        replayed.log = std::move(log).value();
        return replayed;
    }
    auto events = load_events(options.file);
    if (!events.ok()) return Refusal{"event file refused: " + events.error().message()};
    if (events.value().empty()) {
        return Refusal{fmt::format("{} holds no input-log header and no event: not a capture", options.file)};
    }
    replayed.summary = replay_events(events.value(), options);
    replayed.events = std::move(events).value();
    return replayed;
}

void print_replay(std::FILE* out, const ReplayOptions& options, const ReplaySummary& summary, bool passed,
                  const std::string& rerun, double elapsed_ms) {
    fmt::print(out, "dita replay: {} ({})\n", options.file, summary.kind == "input_log" ? "kernel input log" : "venue events");
    if (summary.kind == "input_log") fmt::print(out, "  inputs     {}\n", summary.inputs);
    fmt::print(out, "  events     {}\n", summary.events);
    fmt::print(out, "  orderings  {}{}\n", summary.orderings,
               options.exhaustive ? (summary.exhaustive ? " (every ordering)" : " (sampled: too many to enumerate)") : "");
    for (const auto& [hash, count] : summary.hashes) {
        const bool recorded = summary.recorded_hash && *summary.recorded_hash == hash;
        fmt::print(out, "  state      {}  reached by {} ordering(s){}\n", hex(hash), count, recorded ? "  (recorded)" : "");
    }
    for (const std::string& problem : summary.problems) fmt::print(out, "  FAIL       {}  re-run: {}\n", problem, rerun);
    fmt::print(out, "  result     {} in {:.1f} ms\n",
               passed ? "every ordering converges to the same state" : "FAILED", elapsed_ms);
}

Json replay_json_report(const ReplayOptions& options, const ReplaySummary& summary, bool passed) {
    Json report = report_header("dita replay", options.command_line);
    report["file"] = options.file;
    report["kind"] = summary.kind;
    report["inputs"] = summary.inputs;
    report["events"] = summary.events;
    report["orderings"] = summary.orderings;
    report["exhaustive"] = summary.exhaustive;
    Json states = Json::array();
    for (const auto& [hash, count] : summary.hashes) {
        Json one;
        one["state_hash"] = hex(hash);
        one["orderings"] = count;
        states.push_back(std::move(one));
    }
    report["states"] = std::move(states);
    report["recorded_state_hash"] = summary.recorded_hash ? Json(hex(*summary.recorded_hash)) : Json(nullptr);
    report["problems"] = summary.problems;
    report["passed"] = passed;
    return report;
}

} // namespace

int run_replay_command(const ReplayOptions& options) {
    const auto first_line = probe_first_line(options.file);
    if (!first_line.ok()) return refuse("dita replay", first_line.error());
    if (!options.html_out.empty()) {
        if (auto error = write_text(options.html_out, "")) return refuse("dita replay", Refusal{*error});
    }
    const auto started = SteadyClock::now();
    const auto replayed = load_and_replay(options, first_line.value());
    if (!replayed.ok()) return refuse("dita replay", replayed.error());
    const ReplaySummary& summary = replayed->summary;
    const double elapsed = ms_since(started);
    const bool converged = summary.hashes.size() <= 1;
    const bool passed = converged && summary.problems.empty();

    std::FILE* out = options.json_out == "-" ? stderr : stdout;
    const std::string rerun = shell_command(replay_rerun_args(options));
    print_replay(out, options, summary, passed, rerun, elapsed);
    if (!options.json_out.empty()) {
        const Json report = replay_json_report(options, summary, passed);
        if (auto error = write_text(options.json_out, report.dump(2) + "\n")) {
            return refuse("dita replay", Refusal{*error});
        }
    }
    if (!options.html_out.empty()) {
        const InputLog* log = replayed->log ? &*replayed->log : nullptr;
        const chaos::HtmlReport html = replay_html(options, summary, passed, log, replayed->events, rerun, elapsed);
        if (auto error = write_html_report(options.html_out, html)) return refuse("dita replay", Refusal{*error});
    }
    return passed ? exit_ok : exit_invariant_failed;
}

} // namespace dita::app
