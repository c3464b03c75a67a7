#include "dita/chaos/report_html.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "dita/chaos/orchestrator.hpp"
#include "dita/contracts/assert.hpp"
#include "report_template.hpp" // generated from report_template.html: report_template_html

namespace dita::chaos {

namespace {

// ---------------------------------------------------------------------------------------
// The step where an invariant first fails

bool prefix_fails(const ChaosScenario& scenario, std::size_t steps, const std::string& invariant,
                  const SuiteOptions& options) {
    ChaosScenario prefix = scenario;
    prefix.steps.resize(steps);
    const ScenarioReport report = run_scenario_and_check(prefix, options);
    for (const InvariantResult& check : report.checks) {
        if (!check.passed && check.name == invariant) return true;
    }
    return false;
}

// ---------------------------------------------------------------------------------------
// Which inputs are drawn

struct Range {
    std::size_t begin = 0;
    std::size_t end = 0; // exclusive
};

// The first and last inputs, and those around the failure, merged; everything when it fits.
std::vector<Range> shown_ranges(std::size_t total, std::optional<std::size_t> focus) {
    if (total <= report_inputs_shown_max) return {{0, total}};
    const std::size_t edge = report_inputs_shown_max / 4;
    std::vector<Range> ranges{{0, edge}, {total - edge, total}};
    if (focus) {
        const std::size_t half = report_inputs_shown_max / 4;
        const std::size_t begin = *focus > half ? *focus - half : 0;
        ranges.push_back({begin, std::min(total, *focus + half)});
    } else {
        ranges.push_back({total / 2 - edge, total / 2 + edge});
    }
    std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
    std::vector<Range> merged;
    for (const Range& range : ranges) {
        if (!merged.empty() && range.begin <= merged.back().end) {
            merged.back().end = std::max(merged.back().end, range.end);
        } else {
            merged.push_back(range);
        }
    }
    return merged;
}

bool in_ranges(const std::vector<Range>& ranges, std::size_t index) {
    return std::any_of(ranges.begin(), ranges.end(),
                       [index](const Range& range) { return index >= range.begin && index < range.end; });
}

// ---------------------------------------------------------------------------------------
// Venue events as delivered: duplicates, reorders, delays, drops (by the venue's sequence)

class DeliveryMarks {
public:
    explicit DeliveryMarks(const std::vector<VenueEvent>& all_delivered) {
        for (const VenueEvent& event : all_delivered) {
            if (event.venue_sequence == 0) continue;
            delivered_.insert(event.venue_sequence);
            sequence_max_ = std::max(sequence_max_, event.venue_sequence);
        }
    }

    // Marks of one event delivered at `at_ns`; call in delivery order.
    Json mark(const VenueEvent& event, std::int64_t at_ns) {
        Json flags = Json::array();
        const std::uint64_t sequence = event.venue_sequence;
        if (sequence != 0) {
            if (!seen_.insert(sequence).second) flags.push_back("duplicate");
            else if (sequence < seen_max_) flags.push_back("reordered");
            seen_max_ = std::max(seen_max_, sequence);
        }
        const std::int64_t held_ns = at_ns - event.timestamp_ns;
        if (event.timestamp_ns > 0 && held_ns > 0) flags.push_back(fmt::format("held {:.3f} ms", held_ns / 1e6));
        return flags;
    }

    // Sequences below `sequence` never delivered in the whole run (each reported once).
    Json dropped_before(std::uint64_t sequence) {
        Json out = Json::array();
        for (std::uint64_t missing = dropped_scan_ + 1; missing < sequence && missing <= sequence_max_; ++missing) {
            if (delivered_.count(missing) == 0) out.push_back(missing);
        }
        dropped_scan_ = std::max(dropped_scan_, sequence);
        return out;
    }

private:
    std::set<std::uint64_t> delivered_;
    std::set<std::uint64_t> seen_;
    std::uint64_t sequence_max_ = 0;
    std::uint64_t seen_max_ = 0;
    std::uint64_t dropped_scan_ = 0;
};

Json event_row(const VenueEvent& event, Json flags) {
    Json out;
    out["kind"] = std::string(to_string(event.kind));
    out["status"] = std::string(to_string(event.status));
    out["order"] = std::string(event.client_order_id.view());
    out["slot"] = event.slot_id;
    out["qty"] = event.order_qty.to_string();
    out["filled"] = event.cum_filled_qty.to_string();
    out["price"] = (event.kind == KernelEventKind::MARK_PRICE ? event.price : event.avg_fill_price).to_string();
    out["fee"] = event.cum_fee.to_string();
    out["seq"] = event.venue_sequence;
    out["ts"] = event.timestamp_ns;
    out["flags"] = std::move(flags);
    return out;
}

std::string intent_label(const KernelIntent& intent) {
    std::string out = fmt::format("{} slot {}", to_string(intent.action), intent.slot_id);
    if (intent.action == KernelCommandType::ENTER) {
        out += fmt::format(" {} {} @ {}", to_string(intent.side), intent.target_size, intent.reference_price);
    } else if (intent.action == KernelCommandType::MARK_PRICE) {
        out += fmt::format(" @ {}", intent.reference_price);
    } else if (intent.action == KernelCommandType::EXIT && intent.target_size > 0) {
        out += fmt::format(" {}", intent.target_size);
    }
    return out;
}

std::string call_label(const VenueCall& call) {
    switch (call.kind) {
    case VenueCallKind::SUBMIT:
        return fmt::format("SUBMIT {} {} -> {} {}", call.client_order_id, call.qty.to_string(),
                           to_string(call.result.status), call.result.detail);
    case VenueCallKind::CANCEL:
        return fmt::format("CANCEL {} -> {} {}", call.client_order_id, to_string(call.result.status),
                           call.result.detail);
    case VenueCallKind::DRAIN: return fmt::format("DRAIN {} event(s)", call.events.size());
    case VenueCallKind::QUERY_ORDER:
        return fmt::format("QUERY_ORDER {} -> {} {}", call.client_order_id, to_string(call.query_status),
                           call.orders.empty() ? std::string("not found")
                                               : fmt::format("{} filled {}", to_string(call.orders[0].status),
                                                             call.orders[0].cum_filled_qty.to_string()));
    case VenueCallKind::OPEN_ORDERS:
        return fmt::format("OPEN_ORDERS {} -> {} order(s)", call.asset, call.orders.size());
    case VenueCallKind::POSITIONS:
        return fmt::format("POSITIONS {} -> {} position(s)", call.asset, call.positions.size());
    case VenueCallKind::VENUE_MOVES:
        return fmt::format("VENUE_MOVES {} -> {} {} move(s)", call.asset, to_string(call.query_status), call.events.size());
    }
    return "call";
}

std::string input_label(const LoggedInput& input) {
    switch (input.kind) {
    case InputKind::INTENT: return intent_label(input.intent);
    case InputKind::EVENT:
        return fmt::format("event {} {}", to_string(input.event.kind), input.event.client_order_id.view());
    case InputKind::RECONCILE: return fmt::format("RECONCILE {} snapshot(s)", input.snapshots.size());
    case InputKind::PUMP: return "pump";
    case InputKind::RESTART: return "RESTART (crash, rebuilt from the journal)";
    }
    return "input";
}

Json outcome_json(const KernelOutcome& outcome, std::span<const VenueEvent> reports) {
    Json out;
    out["code"] = std::string(to_string(outcome.diagnostic_code));
    out["severity"] = std::string(to_string(outcome.severity));
    out["details"] = outcome.details.str();
    out["slot"] = outcome.slot_id;
    out["alarm"] = is_unexpected_outcome(outcome, reports);
    return out;
}

// An outcome's transitions as [slot, from, to, input] rows.
Json transitions_json(const KernelOutcome& outcome) {
    Json transitions = Json::array();
    for (const Transition& t : outcome.transitions) {
        transitions.push_back(Json::array({t.slot_id, std::string(to_string(t.from)), std::string(to_string(t.to)),
                                           std::string(to_string(t.input))}));
    }
    return transitions;
}

Json kernel_sample(const ExecutionKernel& kernel) {
    Json stages = Json::array();
    Json sizes = Json::array();
    Json trades = Json::array();
    for (int slot = 0; slot < kernel.max_slots(); ++slot) {
        const TradeSlot& s = kernel.slot(slot);
        stages.push_back(std::string(to_string(s.fsm_state)));
        sizes.push_back(s.size.to_string());
        trades.push_back(std::string(s.trade_id.view()));
    }
    const AccountSnapshot account = kernel.account();
    Json out;
    out["stages"] = std::move(stages);
    out["sizes"] = std::move(sizes);
    out["trades"] = std::move(trades);
    out["capital"] = account.capital.to_string();
    out["equity"] = account.equity.to_string();
    return out;
}

// The log index of each step input (intents, reconciles, restarts), in order.
std::vector<std::size_t> step_inputs(const InputLog& log) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < log.inputs.size(); ++i) {
        const InputKind kind = log.inputs[i].kind;
        if (kind == InputKind::INTENT || kind == InputKind::RECONCILE || kind == InputKind::RESTART) out.push_back(i);
    }
    return out;
}

struct TimelineRows {
    Json rows = Json::array();
    std::optional<std::string> divergence;
    std::size_t replayed = 0;
};

TimelineRows log_rows(const ReportScenario& scenario, const std::vector<Range>& ranges,
                      const std::map<std::size_t, std::size_t>& step_of_input) {
    const InputLog& log = *scenario.log;
    std::vector<VenueEvent> reports = log.events();
    const std::vector<VenueEvent> overfills = query_overfills(log);
    DeliveryMarks marks(reports);
    reports.insert(reports.end(), overfills.begin(), overfills.end());

    TimelineRows out;
    LogReplayer replayer(log);
    replayer.observe([&](std::size_t index, const KernelOutcome& outcome, const ExecutionKernel& kernel) {
        ++out.replayed;
        const LoggedInput& input = log.inputs[index];
        Json events = Json::array();
        Json dropped = Json::array();
        const auto deliver = [&](const VenueEvent& event) {
            for (const Json& missing : marks.dropped_before(event.venue_sequence)) dropped.push_back(missing);
            events.push_back(event_row(event, marks.mark(event, input.at_ns)));
        };
        if (input.kind == InputKind::EVENT) deliver(input.event);
        Json calls = Json::array();
        for (const VenueCall& call : input.calls) {
            for (const VenueEvent& event : call.events) deliver(event);
            if (call.kind != VenueCallKind::DRAIN || !call.events.empty()) calls.push_back(call_label(call));
        }
        if (!in_ranges(ranges, index)) return;
        Json row = kernel_sample(kernel);
        row["i"] = index;
        row["t"] = input.at_ns;
        row["kind"] = std::string(to_string(input.kind));
        row["label"] = input_label(input);
        const auto step = step_of_input.find(index);
        if (step != step_of_input.end()) row["step"] = step->second;
        if (!outcome.ok()) row["outcome"] = outcome_json(outcome, reports);
        row["transitions"] = transitions_json(outcome);
        row["events"] = std::move(events);
        row["dropped"] = std::move(dropped);
        row["calls"] = std::move(calls);
        out.rows.push_back(std::move(row));
    });
    const ReplayRun run = replayer.run();
    out.divergence = run.divergence;
    return out;
}

// An event stream without a log: each event into a fresh kernel, as `dita replay` does.
TimelineRows event_rows(const ReportScenario& scenario, const std::vector<Range>& ranges) {
    const std::vector<VenueEvent> all(scenario.events.begin(), scenario.events.end());
    DeliveryMarks marks(all);
    TimelineRows out;
    const auto stack = build_test_kernel();
    for (std::size_t i = 0; i < all.size(); ++i) {
        const KernelOutcome outcome = stack->kernel().on_venue_event(all[i]);
        ++out.replayed;
        Json dropped = marks.dropped_before(all[i].venue_sequence);
        Json flags = marks.mark(all[i], all[i].timestamp_ns);
        if (!in_ranges(ranges, i)) continue;
        Json row = kernel_sample(stack->kernel());
        row["i"] = i;
        row["t"] = all[i].timestamp_ns;
        row["kind"] = "EVENT";
        row["label"] = fmt::format("event {} {}", to_string(all[i].kind), all[i].client_order_id.view());
        if (!outcome.ok()) row["outcome"] = outcome_json(outcome, all);
        row["transitions"] = transitions_json(outcome);
        row["events"] = Json::array({event_row(all[i], std::move(flags))});
        row["dropped"] = std::move(dropped);
        row["calls"] = Json::array();
        out.rows.push_back(std::move(row));
    }
    return out;
}

Json checks_json(const ReportScenario& scenario) {
    Json checks = Json::array();
    for (const InvariantResult& check : scenario.checks) {
        Json one = invariant_result_to_json(check);
        one["slot"] = check.slot_id;
        checks.push_back(std::move(one));
    }
    return checks;
}

// Replaces every "</" so no string of the data can close the script element holding it.
std::string script_safe(const std::string& json) {
    std::string out;
    out.reserve(json.size() + 64);
    for (std::size_t i = 0; i < json.size(); ++i) {
        if (json[i] == '<' && i + 1 < json.size() && (json[i + 1] == '/' || json[i + 1] == '!')) {
            out += "\\u003c";
        } else {
            out += json[i];
        }
    }
    return out;
}

} // namespace

std::optional<FirstFailure> find_first_failure(const ChaosScenario& scenario, const std::string& invariant,
                                               const SuiteOptions& options) {
    const std::size_t total = scenario.steps.size();
    if (total == 0 || options.stack.time != TimeMode::VIRTUAL) return std::nullopt;
    FirstFailure out;
    out.invariant = invariant;
    // Short scenarios: every prefix from the shortest, so the first failing one is exact.
    if (total < first_failure_runs_max) {
        for (std::size_t steps = 1; steps <= total; ++steps) {
            ++out.runs;
            if (prefix_fails(scenario, steps, invariant, options)) {
                out.step_index = steps - 1;
                return out;
            }
        }
        return std::nullopt;
    }
    // Long ones: bisection between a prefix that holds (lo) and one that fails (hi).
    ++out.runs;
    if (!prefix_fails(scenario, total, invariant, options)) return std::nullopt;
    std::size_t lo = 0;
    std::size_t hi = total;
    while (hi - lo > 1 && out.runs < first_failure_runs_max) {
        const std::size_t mid = lo + (hi - lo) / 2;
        ++out.runs;
        if (prefix_fails(scenario, mid, invariant, options)) hi = mid;
        else lo = mid;
    }
    out.step_index = hi - 1;
    return out;
}

Json scenario_timeline_json(const ReportScenario& scenario) {
    Json out;
    out["name"] = scenario.name;
    out["source"] = scenario.source;
    out["description"] = scenario.description;
    out["passed"] = scenario.passed;
    out["rerun"] = scenario.rerun_command;
    out["scenario_steps"] = scenario.scenario_steps;
    out["has_steps"] = !scenario.step_indices.empty(); // else a bare log: no input is a scenario step
    out["checks"] = checks_json(scenario);
    Json notes = Json::array();
    for (const std::string& note : scenario.notes) notes.push_back(note);

    std::map<std::size_t, std::size_t> step_of_input;
    std::optional<std::size_t> focus;
    std::size_t total = scenario.events.size();
    if (scenario.log != nullptr) {
        const InputLog& log = *scenario.log;
        total = log.inputs.size();
        out["max_slots"] = log.setup.max_slots;
        out["initial_capital"] = log.setup.initial_capital.to_string();
        out["venue"] = log.venue_name;
        const std::vector<std::size_t> inputs = step_inputs(log);
        for (std::size_t k = 0; k < scenario.step_indices.size() && k < inputs.size(); ++k) {
            step_of_input[inputs[k]] = scenario.step_indices[k];
        }
        for (const FirstFailure& failure : scenario.first_failures) {
            for (const auto& [input, step] : step_of_input) {
                if (step == failure.step_index && (!focus || input < *focus)) focus = input;
            }
        }
        if (log.truncated) notes.push_back("the input log was truncated when recorded: the timeline ends early");
    } else {
        out["max_slots"] = scenario_slots;
        out["venue"] = "event stream";
    }
    // Each failing invariant where it first fails, the earliest first.
    std::vector<FirstFailure> failures = scenario.first_failures;
    std::stable_sort(failures.begin(), failures.end(),
                     [](const FirstFailure& a, const FirstFailure& b) { return a.step_index < b.step_index; });
    Json marks = Json::array();
    for (const FirstFailure& one : failures) {
        std::optional<std::size_t> input;
        for (const auto& [index, step] : step_of_input) {
            if (step == one.step_index) input = index;
        }
        Json failure;
        failure["invariant"] = one.invariant;
        failure["detail"] = one.detail;
        failure["step"] = one.step_index;
        failure["runs"] = one.runs;
        failure["input"] = input ? Json(*input) : Json(nullptr);
        marks.push_back(std::move(failure));
    }
    if (!marks.empty()) out["first_failure"] = marks.front();
    out["failures"] = std::move(marks);
    const std::vector<Range> ranges = shown_ranges(total, focus);
    TimelineRows rows = scenario.log != nullptr ? log_rows(scenario, ranges, step_of_input) : event_rows(scenario, ranges);
    if (rows.divergence) notes.push_back("the replay of the log diverged: " + *rows.divergence);
    out["inputs_total"] = total;
    out["inputs_replayed"] = rows.replayed;
    out["inputs_shown"] = rows.rows.size();
    Json shown = Json::array();
    for (const Range& range : ranges) shown.push_back(Json::array({range.begin, range.end}));
    out["shown_ranges"] = std::move(shown);
    out["rows"] = std::move(rows.rows);
    out["notes"] = std::move(notes);
    return out;
}

std::string render_html_report(const HtmlReport& report) {
    Json data;
    data["title"] = report.title;
    data["version"] = report.tool_version;
    data["command"] = report.command;
    data["summary"] = report.summary;
    data["scenarios_left_out"] = report.scenarios_left_out;
    data["fuzz"] = report.fuzz ? *report.fuzz : Json(nullptr);
    Json scenarios = Json::array();
    const std::size_t drawn = std::min(report.scenarios.size(), report_scenarios_max);
    for (std::size_t i = 0; i < drawn; ++i) scenarios.push_back(scenario_timeline_json(report.scenarios[i]));
    data["scenarios"] = std::move(scenarios);
    data["scenarios_left_out"] = report.scenarios_left_out + (report.scenarios.size() - drawn);

    const std::string_view page = report_template_html;
    const std::string_view marker = "/*DITA_REPORT_DATA*/null";
    const std::size_t at = page.find(marker);
    DITA_ASSERT(at != std::string_view::npos);
    std::string out;
    const std::string json = script_safe(data.dump(-1, ' ', false, Json::error_handler_t::replace));
    out.reserve(page.size() + json.size());
    out.append(page.substr(0, at));
    out.append(json);
    out.append(page.substr(at + marker.size()));
    return out;
}

} // namespace dita::chaos
